/**
 * Record batch throughput: build (encode) and readRecords (decode) for 100-byte and 1 KiB values, uncompressed and
 * with each codec. References measured in the same run:
 *  - encode: compressing the same records payload with the codec alone (none: copying it), so the ratio shows
 *    what the batch layer costs on top of the codec; plus kafkajs's own encoder where it has the codec.
 *  - decode: decompressing the same payload alone (none: copying it).
 *  - hot path (validate + set base offset + epoch): CRC-32C alone over the same bytes.
 */
import { createRequire } from 'node:module';
import { BATCH_HEADER_SIZE, CRC_START } from '../src/protocol/records/batch-header.js';
import {
  CompressionType,
  readRecords,
  RecordBatchBuilder,
  setBaseOffset,
  setPartitionLeaderEpoch,
  validateBatch,
  type RecordInput,
} from '../src/protocol/records/batch.js';
import { compress, compressionName, decompress } from '../src/protocol/records/compression.js';
import { crc32c } from '../src/protocol/records/crc.js';
import { buildLegacyMessageSet, legacyToBatch } from '../src/protocol/records/legacy.js';
import { opsPerSecond, type Bench } from './harness.js';

const CODECS = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

function makeRecords(count: number, valueSize: number): RecordInput[] {
  const words = 'order shipped customer amount currency EUR USD status pending paid region eu-west '.split(' ');
  const out: RecordInput[] = [];
  let x = 1;
  for (let i = 0; i < count; i++) {
    let v = '';
    while (v.length < valueSize) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      v += `${words[x % words.length]}=${x % 10000} `;
    }
    out.push({ key: `user-${i % 97}`, value: v.slice(0, valueSize), timestamp: 1_700_000_000_000 + i });
  }
  return out;
}

function build(records: RecordInput[], compression: CompressionType): Buffer {
  const b = new RecordBatchBuilder({ compression });
  for (const r of records) b.append(r);
  return b.build();
}

const bench: Bench = {
  name: 'records',
  async run(report) {
    const require = createRequire(import.meta.url);
    const kjsRecord = require('kafkajs/src/protocol/recordBatch/record/v0');
    const kjsBatch = require('kafkajs/src/protocol/recordBatch/v0').RecordBatch;
    for (const [valueSize, count] of [
      [100, 1000],
      [1024, 200],
    ] as const) {
      const records = makeRecords(count, valueSize);
      const plain = build(records, CompressionType.None);
      const payload = plain.subarray(BATCH_HEADER_SIZE);
      const mb = payload.length / 1e6;
      for (const codec of CODECS) {
        const label = `${valueSize} B ×${count} ${compressionName(codec)}`;
        const batch = build(records, codec);
        const packed = batch.subarray(BATCH_HEADER_SIZE);

        const enc = await opsPerSecond(() => void build(records, codec), 300);
        const encRef = await opsPerSecond(() => void (codec === CompressionType.None ? Buffer.from(payload) : compress(codec, payload)), 300);
        report({
          name: `encode ${label}`,
          value: enc * mb,
          unit: 'MB/s',
          reference: { name: codec === CompressionType.None ? 'copy payload' : 'codec alone', value: encRef * mb },
          notes: `${Math.round(enc * count).toLocaleString('en')} records/s, ${batch.length} B batch`,
        });
        if (codec === CompressionType.None || codec === CompressionType.Gzip) {
          const kjs = await opsPerSecond(async () => {
            const rs = records.map((r, i) => kjsRecord({ offsetDelta: i, timestampDelta: i, key: Buffer.from(r.key as string), value: Buffer.from(r.value as string) }));
            await kjsBatch({ compression: codec, records: rs, lastOffsetDelta: count - 1 });
          }, 300);
          report({ name: `encode ${label} vs kafkajs`, value: enc * mb, unit: 'MB/s', reference: { name: 'kafkajs 2.2.4 encoder', value: kjs * mb } });
        }

        const dec = await opsPerSecond(() => void readRecords(batch, 0), 300);
        const decRef = await opsPerSecond(() => void (codec === CompressionType.None ? Buffer.from(packed) : decompress(codec, packed)), 300);
        report({
          name: `decode ${label}`,
          value: dec * mb,
          unit: 'MB/s',
          reference: { name: codec === CompressionType.None ? 'copy payload' : 'codec alone', value: decRef * mb },
          notes: `${Math.round(dec * count).toLocaleString('en')} records/s`,
        });
      }
      // Hot path: what Produce does per batch.
      const hot = Buffer.from(plain);
      const hotMb = hot.length / 1e6;
      let offset = 0;
      const h = await opsPerSecond(() => {
        const r = validateBatch(hot, 0);
        if (!r.ok) throw new Error(r.message);
        setBaseOffset(hot, 0, (offset += count));
        setPartitionLeaderEpoch(hot, 0, 3);
      }, 300);
      const crcOnly = await opsPerSecond(() => void crc32c(hot, CRC_START, hot.length), 300);
      report({
        name: `produce hot path ${valueSize} B ×${count}`,
        value: h * hotMb,
        unit: 'MB/s',
        reference: { name: 'crc32c alone', value: crcOnly * hotMb },
        notes: `${Math.round(h * count).toLocaleString('en')} records/s`,
      });
      // Legacy up-conversion (sarama's default magic 0 sets).
      const legacy = buildLegacyMessageSet(records, { magic: 0, compression: CompressionType.Gzip });
      const up = await opsPerSecond(() => void legacyToBatch(legacy), 300);
      report({
        name: `legacy magic 0 gzip → v2 ${valueSize} B ×${count}`,
        value: up * mb,
        unit: 'MB/s',
        reference: { name: 'encode v2 gzip', value: (await opsPerSecond(() => void build(records, CompressionType.Gzip), 300)) * mb },
        notes: `${Math.round(up * count).toLocaleString('en')} records/s`,
      });
    }
  },
};
export default bench;
