import fc from 'fast-check';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  BATCH_HEADER_SIZE,
  CRC_START,
  OFFSET_BATCH_LENGTH,
  OFFSET_CRC,
  OFFSET_MAGIC,
  OFFSET_RECORDS_COUNT,
} from '../../../../src/protocol/records/batch-header.js';
import {
  batches,
  buildControlBatch,
  CompressionType,
  ControlRecordType,
  forEachBatch,
  parseControlRecord,
  readRecords,
  RecordBatchBuilder,
  RecordBatchView,
  setBaseOffset,
  setMaxTimestampAndLogAppendTime,
  setPartitionLeaderEpoch,
  TimestampType,
  updateCrc,
  validateBatch,
  validateRecords,
  type RecordInput,
} from '../../../../src/protocol/records/batch.js';
import { crc32cJs } from '../../../../src/protocol/records/crc32c.js';
import { KafkaRecordErrorCode, RecordFormatError } from '../../../../src/protocol/records/errors.js';
import { writeVarint } from '../../../../src/protocol/records/varint.js';
import { kafkaPythonAvailable, runPython } from './python-peer.js';

const CODECS = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];
const T0 = 1_700_000_000_000;

function sampleRecords(n: number): RecordInput[] {
  const out: RecordInput[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      key: i % 5 === 0 ? null : `key-${i}`,
      value: i % 7 === 3 ? null : Buffer.from(`value ${i} `.repeat(1 + (i % 13))),
      headers: i % 3 === 0 ? [] : [{ key: 'trace', value: `t${i}` }, { key: 'ü-nicode', value: i % 2 ? null : Buffer.from([i & 0xff]) }],
      timestamp: T0 + i * 17 - (i % 4 === 1 ? 5000 : 0),
    });
  }
  return out;
}

function build(records: RecordInput[], options: ConstructorParameters<typeof RecordBatchBuilder>[0] = {}): Buffer {
  const b = new RecordBatchBuilder(options);
  for (const r of records) b.append(r);
  return b.build();
}

function bytesOf(v: RecordInput['key']): Buffer | null {
  if (v === null || v === undefined) return null;
  return Buffer.from(v as string | Uint8Array);
}

function fixCrc(buf: Buffer, start = 0): Buffer {
  updateCrc(buf, start);
  return buf;
}

describe('RecordBatchBuilder → bytes → readRecords', () => {
  it.each(CODECS)('codec %i keeps keys, values, headers, timestamps and offsets', (codec) => {
    const input = sampleRecords(50);
    const buf = build(input, { compression: codec, baseOffset: 1000n, partitionLeaderEpoch: 7, producerId: 42n, producerEpoch: 3, baseSequence: 99 });
    const v = new RecordBatchView(buf, 0);
    expect(validateBatch(buf, 0)).toEqual({ ok: true, end: buf.length });
    expect(v.magic).toBe(2);
    expect(v.compression).toBe(codec);
    expect(v.baseOffset).toBe(1000n);
    expect(v.lastOffsetDelta).toBe(49);
    expect(v.lastOffset).toBe(1049n);
    expect(v.recordsCount).toBe(50);
    expect(v.partitionLeaderEpoch).toBe(7);
    expect(v.producerId).toBe(42n);
    expect(v.producerEpoch).toBe(3);
    expect(v.baseSequence).toBe(99);
    expect(v.baseTimestamp).toBe(T0);
    expect(v.maxTimestamp).toBe(Math.max(...input.map((r) => r.timestamp!)));
    expect(v.timestampType).toBe(TimestampType.CreateTime);
    expect(v.crc).toBe(crc32cJs(buf, CRC_START, buf.length));
    const records = v.records();
    expect(records).toHaveLength(50);
    records.forEach((r, i) => {
      expect(r.offset).toBe(1000n + BigInt(i));
      expect(r.timestamp).toBe(input[i].timestamp);
      expect(r.key).toEqual(bytesOf(input[i].key));
      expect(r.value).toEqual(bytesOf(input[i].value));
      const hs = input[i].headers as Array<{ key: string; value: RecordInput['key'] }>;
      expect(r.headers.map((h) => [h.key, h.value])).toEqual(hs.map((h) => [h.key, bytesOf(h.value)]));
    });
    expect(validateRecords(buf, 0, { produce: true })).toEqual({ ok: true, count: 50 });
  });

  it('round-trips arbitrary records (property, all codecs)', () => {
    const recordArb = fc.record({
      key: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: null }),
      value: fc.option(fc.uint8Array({ maxLength: 200 }), { nil: null }),
      headers: fc.array(fc.record({ key: fc.string({ maxLength: 8 }), value: fc.option(fc.uint8Array({ maxLength: 8 }), { nil: null }) }), { maxLength: 3 }),
      timestamp: fc.integer({ min: 0, max: 2 ** 45 }),
    });
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 20 }), fc.constantFrom(...CODECS), fc.bigInt({ min: 0n, max: 2n ** 62n }), (input, codec, base) => {
        const buf = build(input, { compression: codec, baseOffset: base });
        expect(validateBatch(buf, 0, buf.length, { produce: true }).ok).toBe(true);
        const out = readRecords(buf, 0);
        expect(out.map((r) => [r.offset, r.timestamp, r.key && Buffer.from(r.key), r.value && Buffer.from(r.value), r.headers.map((h) => [h.key, h.value && Buffer.from(h.value)])])).toEqual(
          input.map((r, i) => [base + BigInt(i), r.timestamp, r.key && Buffer.from(r.key), r.value && Buffer.from(r.value), r.headers.map((h) => [h.key, h.value && Buffer.from(h.value)])]),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('keeps explicit offset deltas (compacted batches) and transactional flags', () => {
    const buf = build(
      [
        { key: 'a', value: '1', offsetDelta: 0, timestamp: T0 },
        { key: 'b', value: '2', offsetDelta: 5, timestamp: T0 + 1 },
      ],
      { transactional: true, producerId: 9, producerEpoch: 0, baseSequence: 0, lastOffsetDelta: 8 },
    );
    const v = new RecordBatchView(buf, 0);
    expect(v.isTransactional).toBe(true);
    expect(v.isControl).toBe(false);
    expect(v.lastOffsetDelta).toBe(8);
    expect(v.records().map((r) => r.offset)).toEqual([0n, 5n]);
    // produce rules reject the gap; integrity alone accepts it
    expect(validateBatch(buf, 0).ok).toBe(true);
    expect(validateBatch(buf, 0, buf.length, { produce: true })).toMatchObject({ ok: false, errorCode: KafkaRecordErrorCode.INVALID_RECORD });
    expect(validateRecords(buf, 0, { produce: true })).toMatchObject({ ok: false, errorCode: KafkaRecordErrorCode.INVALID_RECORD });
    expect(() => new RecordBatchBuilder().append({ offsetDelta: 3 }).append({ offsetDelta: 2 })).toThrow(RangeError);
  });

  it('builds and reads control batches (transaction markers)', () => {
    const buf = buildControlBatch({ type: ControlRecordType.Commit, producerId: 77n, producerEpoch: 4, coordinatorEpoch: 12, baseOffset: 30n, timestamp: T0 });
    const v = new RecordBatchView(buf, 0);
    expect(v.isControl).toBe(true);
    expect(v.isTransactional).toBe(true);
    expect(v.producerId).toBe(77n);
    expect(v.baseSequence).toBe(-1);
    const [r] = v.records();
    expect(r.offset).toBe(30n);
    expect(parseControlRecord(r.key, r.value)).toEqual({ version: 0, type: ControlRecordType.Commit, coordinatorEpoch: 12 });
    expect(validateBatch(buf, 0, buf.length, { produce: true })).toMatchObject({ ok: false, errorCode: KafkaRecordErrorCode.INVALID_RECORD });
    expect(() => parseControlRecord(Buffer.from([0, 0, 0, 9]), null)).toThrow(RecordFormatError);
  });
});

describe('hot-path helpers', () => {
  it('setBaseOffset and setPartitionLeaderEpoch rewrite fields outside the CRC', () => {
    for (const codec of CODECS) {
      const buf = build(sampleRecords(10), { compression: codec });
      const crc = buf.readUInt32BE(OFFSET_CRC);
      setBaseOffset(buf, 0, 123_456_789_012);
      setPartitionLeaderEpoch(buf, 0, 55);
      expect(buf.readUInt32BE(OFFSET_CRC)).toBe(crc);
      expect(validateBatch(buf, 0).ok).toBe(true);
      const v = new RecordBatchView(buf, 0);
      expect(v.baseOffset).toBe(123_456_789_012n);
      expect(v.partitionLeaderEpoch).toBe(55);
      expect(v.records()[9].offset).toBe(123_456_789_021n);
      setBaseOffset(buf, 0, 2n ** 62n);
      expect(v.baseOffset).toBe(2n ** 62n);
    }
    expect(() => setBaseOffset(Buffer.alloc(61), 0, 2 ** 60)).toThrow(RangeError);
  });

  it('validateBatch never looks at records: a batch of garbage records with a right CRC passes', () => {
    // This is what makes the Produce path free of per-record work: the records region is opaque to it.
    const buf = build(sampleRecords(3));
    buf.fill(0xff, BATCH_HEADER_SIZE);
    fixCrc(buf);
    expect(validateBatch(buf, 0).ok).toBe(true);
    expect(() => readRecords(buf, 0)).toThrow(RecordFormatError);
    expect(validateRecords(buf, 0).ok).toBe(false);
  });

  it('setMaxTimestampAndLogAppendTime recomputes the CRC and readers see the append time', () => {
    const buf = build(sampleRecords(10), { compression: CompressionType.Lz4 });
    const before = buf.readUInt32BE(OFFSET_CRC);
    setMaxTimestampAndLogAppendTime(buf, 0, T0 + 99_999);
    expect(buf.readUInt32BE(OFFSET_CRC)).not.toBe(before);
    expect(validateBatch(buf, 0).ok).toBe(true);
    const v = new RecordBatchView(buf, 0);
    expect(v.timestampType).toBe(TimestampType.LogAppendTime);
    expect(v.maxTimestamp).toBe(T0 + 99_999);
    expect(v.records().every((r) => r.timestamp === T0 + 99_999)).toBe(true);
  });

  it('forEachBatch walks concatenated batches and stops before a partial tail', () => {
    const a = build(sampleRecords(3), { baseOffset: 0 });
    const b = build(sampleRecords(4), { baseOffset: 3, compression: CompressionType.Gzip });
    const c = build(sampleRecords(2), { baseOffset: 7 });
    const all = Buffer.concat([a, b, c.subarray(0, c.length - 10)]);
    const seen: Array<[number, bigint]> = [];
    const consumed = forEachBatch(all, (v) => seen.push([v.start, v.baseOffset]));
    expect(seen).toEqual([[0, 0n], [a.length, 3n]]);
    expect(consumed).toBe(a.length + b.length);
    expect(batches(Buffer.concat([a, b, c])).map((v) => v.lastOffset)).toEqual([2n, 6n, 8n]);
    const bad = Buffer.from(a);
    bad.writeInt32BE(3, OFFSET_BATCH_LENGTH);
    expect(() => forEachBatch(bad, () => undefined)).toThrow(RecordFormatError);
    const badMagic = Buffer.from(a);
    badMagic[OFFSET_MAGIC] = 9;
    expect(() => forEachBatch(badMagic, () => undefined)).toThrow(/magic/);
  });
});

describe('malformed batches give clean errors', () => {
  const good = build(sampleRecords(20), { baseOffset: 5 });
  const code = (buf: Buffer, end?: number) => {
    const r = validateBatch(buf, 0, end ?? buf.length);
    return r.ok ? 'ok' : r.errorCode;
  };

  it('bad CRC, truncation, bad lengths, wrong magic, absurd counts', () => {
    const crc = Buffer.from(good);
    crc[BATCH_HEADER_SIZE + 3] ^= 1;
    expect(code(crc)).toBe(KafkaRecordErrorCode.CORRUPT_MESSAGE);
    expect((validateBatch(crc, 0) as { message: string }).message).toMatch(/CRC/);
    expect(code(good, good.length - 1)).toBe(KafkaRecordErrorCode.CORRUPT_MESSAGE);
    expect(code(good.subarray(0, 30))).toBe(KafkaRecordErrorCode.CORRUPT_MESSAGE);
    for (const len of [-1, 0, 48, 2 ** 31 - 1]) {
      const l = Buffer.from(good);
      l.writeInt32BE(len, OFFSET_BATCH_LENGTH);
      expect(code(l)).toBe(KafkaRecordErrorCode.CORRUPT_MESSAGE);
    }
    const magic = Buffer.from(good);
    magic[OFFSET_MAGIC] = 1;
    expect(code(magic)).toBe(KafkaRecordErrorCode.CORRUPT_MESSAGE);
    for (const count of [-5, 2 ** 31 - 1, 1_000_000]) {
      const c = Buffer.from(good);
      c.writeInt32BE(count, OFFSET_RECORDS_COUNT);
      fixCrc(c);
      expect(code(c)).toBe(KafkaRecordErrorCode.CORRUPT_MESSAGE);
      expect(() => readRecords(c, 0)).toThrow(RecordFormatError);
    }
    const zstd = build(sampleRecords(2), { compression: CompressionType.Zstd });
    expect(validateBatch(zstd, 0, zstd.length, { allowZstd: false })).toMatchObject({ ok: false, errorCode: KafkaRecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE });
    const codec7 = Buffer.from(good);
    codec7.writeInt16BE(7, 21);
    fixCrc(codec7);
    expect(code(codec7)).toBe(KafkaRecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expect(code(Buffer.alloc(0))).toBe(KafkaRecordErrorCode.CORRUPT_MESSAGE);
  });

  it('bad varints, overrunning record lengths, impossible header counts, count mismatch, trailing bytes', () => {
    const recordsStart = BATCH_HEADER_SIZE;
    // overlong varint as the first record's length
    const overlong = Buffer.concat([good.subarray(0, recordsStart), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80]), good.subarray(recordsStart + 6)]);
    fixCrc(overlong);
    expect(() => readRecords(overlong, 0)).toThrow(/varint/);
    // record length larger than what is left
    const long = Buffer.from(good);
    writeVarint(long, recordsStart, 100_000);
    fixCrc(long);
    expect(() => readRecords(long, 0)).toThrow(RecordFormatError);
    // RecordsCount one more than present / one fewer than present
    for (const delta of [1, -1]) {
      const c = Buffer.from(good);
      c.writeInt32BE(20 + delta, OFFSET_RECORDS_COUNT);
      fixCrc(c);
      expect(() => readRecords(c, 0)).toThrow(RecordFormatError);
      expect(validateRecords(c, 0)).toMatchObject({ ok: false });
    }
    // a record claiming 2^31-1 headers
    const oneRecord = build([{ key: 'k', value: 'v', timestamp: T0 }]);
    const headersAt = oneRecord.length - 1;
    const many = Buffer.concat([oneRecord.subarray(0, headersAt), Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f])]);
    many.writeInt32BE(many.length - 12, OFFSET_BATCH_LENGTH);
    many[BATCH_HEADER_SIZE] += 4 * 2; // the record's length varint grows by 4 (zigzag ×2)
    fixCrc(many);
    expect(() => readRecords(many, 0)).toThrow(/header count/);
  });

  it('random corruption of records never escapes as anything but RecordFormatError (property)', () => {
    for (const codec of [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
      const base = build(sampleRecords(8), { compression: codec });
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(), (edits, cut) => {
          let buf = Buffer.from(base);
          for (const [at, byte] of edits) buf[BATCH_HEADER_SIZE + (at % (buf.length - BATCH_HEADER_SIZE))] = byte;
          if (cut % 3 === 0) {
            buf = buf.subarray(0, BATCH_HEADER_SIZE + (cut % (buf.length - BATCH_HEADER_SIZE)));
            buf.writeInt32BE(buf.length - 12, OFFSET_BATCH_LENGTH);
          }
          fixCrc(buf);
          try {
            readRecords(buf, 0, { maxDecompressedBytes: 1 << 20 });
          } catch (err) {
            expect(err).toBeInstanceOf(RecordFormatError);
          }
          expect(typeof validateRecords(buf, 0, { maxDecompressedBytes: 1 << 20 }).ok).toBe('boolean');
        }),
        { numRuns: 150 },
      );
    }
  });
});

describe('kafkajs 2.2.4 as an independent encoder/decoder', () => {
  const require = createRequire(import.meta.url);
  const Decoder = require('kafkajs/src/protocol/decoder');
  const KjsRecord = require('kafkajs/src/protocol/recordBatch/record/v0');
  const KjsRecordBatch = require('kafkajs/src/protocol/recordBatch/v0').RecordBatch;
  const decodeKjsBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder');
  const Long = require('kafkajs/src/utils/long');

  async function kafkajsBatch(compression: number): Promise<Buffer> {
    const records = [0, 1, 2].map((i) =>
      KjsRecord({ offsetDelta: i, timestampDelta: i * 10, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`.repeat(20)), headers: { h: Buffer.from(`x${i}`) } }),
    );
    const enc = await KjsRecordBatch({ compression, firstOffset: Long.fromValue(500), firstTimestamp: T0, maxTimestamp: T0 + 20, lastOffsetDelta: 2, records });
    return (enc as { buffer: Buffer }).buffer;
  }

  it.each([0, 1])('decodes a kafkajs-built batch (compression %i)', async (compression) => {
    const buf = await kafkajsBatch(compression);
    expect(validateBatch(buf, 0)).toEqual({ ok: true, end: buf.length });
    const records = readRecords(buf, 0);
    expect(records.map((r) => [r.offset, r.timestamp, r.key?.toString(), r.value?.toString(), r.headers[0].key, r.headers[0].value?.toString()])).toEqual(
      [0, 1, 2].map((i) => [500n + BigInt(i), T0 + i * 10, `k${i}`, `v${i}`.repeat(20), 'h', `x${i}`]),
    );
  });

  it.each([CompressionType.None, CompressionType.Gzip])('kafkajs decodes our batch (compression %i)', async (codec) => {
    const buf = build(sampleRecords(12), { compression: codec, baseOffset: 40n });
    const decoded = await decodeKjsBatch(new Decoder(buf));
    const input = sampleRecords(12);
    expect(decoded.records).toHaveLength(12);
    decoded.records.forEach((r: { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer | Buffer[]> }, i: number) => {
      expect(r.offset).toBe(String(40 + i));
      expect(Number(r.timestamp)).toBe(input[i].timestamp);
      expect(r.key).toEqual(bytesOf(input[i].key));
      expect(r.value).toEqual(bytesOf(input[i].value));
    });
  });
});

describe.runIf(kafkaPythonAvailable())('kafka-python 2.0.2 as an independent encoder/decoder', () => {
  it('reads kafka-python v2 batches (plain and gzip, with headers)', () => {
    for (const codec of [0, 1]) {
      const hex = runPython(`
from kafka.record.default_records import DefaultRecordBatchBuilder
b = DefaultRecordBatchBuilder(magic=2, compression_type=${codec}, is_transactional=0, producer_id=-1, producer_epoch=-1, base_sequence=-1, batch_size=1<<20)
for i in range(5):
    b.append(i, ${T0} + i, ('k%d' % i).encode() if i != 2 else None, ('v%d' % i).encode() * 30, [('h', b'x'), ('n', None)])
print(bytes(b.build()).hex())`);
      const buf = Buffer.from(hex.trim(), 'hex');
      expect(validateBatch(buf, 0).ok).toBe(true);
      expect(new RecordBatchView(buf, 0).compression).toBe(codec);
      const records = readRecords(buf, 0);
      expect(records.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString(), r.headers.map((h) => [h.key, h.value?.toString() ?? null])])).toEqual(
        [0, 1, 2, 3, 4].map((i) => [BigInt(i), T0 + i, i === 2 ? null : `k${i}`, `v${i}`.repeat(30), [['h', 'x'], ['n', null]]]),
      );
    }
  });

  it('kafka-python reads and CRC-checks our batches (plain and gzip)', () => {
    for (const codec of [CompressionType.None, CompressionType.Gzip]) {
      const input = sampleRecords(9);
      const buf = build(input, { compression: codec, baseOffset: 70n });
      const out = runPython(
        `
from kafka.record.memory_records import MemoryRecords
m = MemoryRecords(data)
b = m.next_batch()
assert b.validate_crc()
print(json.dumps([[r.offset, r.timestamp, r.key.hex() if r.key is not None else None, r.value.hex() if r.value is not None else None, [[k, v.hex() if v is not None else None] for k, v in r.headers]] for r in b]))`,
        buf,
      );
      expect(JSON.parse(out)).toEqual(
        input.map((r, i) => [
          70 + i,
          r.timestamp,
          bytesOf(r.key)?.toString('hex') ?? null,
          bytesOf(r.value)?.toString('hex') ?? null,
          (r.headers as Array<{ key: string; value: RecordInput['key'] }>).map((h) => [h.key, bytesOf(h.value)?.toString('hex') ?? null]),
        ]),
      );
    }
  });
});

describe('lazy iteration', () => {
  it('iterateBatches and iterateRecords yield the same as the eager forms, one at a time', async () => {
    const { iterateBatches, iterateRecords } = await import('../../../../src/protocol/records/batch.js');
    const a = build(sampleRecords(3), { baseOffset: 0 });
    const b = build(sampleRecords(4), { baseOffset: 3, compression: CompressionType.Snappy });
    const all = Buffer.concat([a, b, b.subarray(0, 20)]);
    const it1 = iterateBatches(all);
    const first = it1.next();
    expect(first.done).toBe(false);
    expect((first.value as RecordBatchView).baseOffset).toBe(0n);
    const rest = [...it1];
    expect(rest.map((v) => v.baseOffset)).toEqual([3n]);
    const recs = iterateRecords(b, 0);
    expect(recs.next().value).toEqual(readRecords(b, 0)[0]);
    // a corrupt record late in the batch surfaces only when iteration reaches it
    const bad = build(sampleRecords(3));
    bad.writeInt32BE(4, OFFSET_RECORDS_COUNT);
    fixCrc(bad);
    const lazy = iterateRecords(bad, 0);
    expect(lazy.next().done).toBe(false);
    expect(lazy.next().done).toBe(false);
    expect(lazy.next().done).toBe(false);
    expect(() => lazy.next()).toThrow(RecordFormatError);
  });
});
