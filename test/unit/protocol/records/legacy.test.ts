import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  buildControlBatch,
  CompressionType,
  ControlRecordType,
  readRecords,
  RecordBatchBuilder,
  RecordBatchView,
  TimestampType,
  validateBatch,
} from '../../../../src/protocol/records/batch.js';
import { crc32 } from '../../../../src/protocol/records/crc.js';
import { KafkaRecordErrorCode, RecordFormatError } from '../../../../src/protocol/records/errors.js';
import {
  batchesToLegacy,
  buildLegacyMessageSet,
  encodeLegacyMessage,
  isLegacyMessageSet,
  legacyToBatch,
  readLegacyMessages,
} from '../../../../src/protocol/records/legacy.js';
import { xxhash32 } from '../../../../src/protocol/records/xxhash32.js';
import { kafkaPythonAvailable, runPython } from './python-peer.js';

const T0 = 1_700_000_000_000;
const LEGACY_CODECS = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4];

// Hand-derived entries (CRC-32 IEEE values computed independently with Python's zlib.crc32):
//   offset 0 | size 16 | crc 1fecd70a | magic 0 | attributes 0 | key len 1 'k' | value len 1 'v'
const MAGIC0_KV = '0000000000000000' + '00000010' + '1fecd70a' + '00' + '00' + '00000001' + '6b' + '00000001' + '76';
//   offset 0 | size 24 | crc 39268c33 | magic 1 | attributes 0 | timestamp 1700000000000 | key 'k' | value 'v'
const MAGIC1_KV = '0000000000000000' + '00000018' + '39268c33' + '01' + '00' + '0000018bcfe56800' + '00000001' + '6b' + '00000001' + '76';

function expectError(fn: () => unknown, code: number, message?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(RecordFormatError);
  expect((caught as RecordFormatError).kafkaErrorCode).toBe(code);
  if (message) expect((caught as Error).message).toMatch(message);
}

const messages = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ key: i % 4 === 0 ? null : `key-${i}`, value: `value-${i}-`.repeat(1 + (i % 5)), timestamp: T0 + i * 3 }));

describe('hand-derived legacy messages', () => {
  it('encodes and decodes a magic 0 message byte for byte', () => {
    const built = buildLegacyMessageSet([{ key: 'k', value: 'v' }], { magic: 0 });
    expect(built.toString('hex')).toBe(MAGIC0_KV);
    const [m] = readLegacyMessages(Buffer.from(MAGIC0_KV, 'hex'));
    expect(m).toMatchObject({ offset: 0n, magic: 0, timestamp: -1, wrapperCompression: CompressionType.None });
    expect(m.key?.toString()).toBe('k');
    expect(m.value?.toString()).toBe('v');
    expect(isLegacyMessageSet(built)).toBe(true);
  });
  it('encodes and decodes a magic 1 message byte for byte', () => {
    const built = buildLegacyMessageSet([{ key: 'k', value: 'v', timestamp: T0 }], { magic: 1 });
    expect(built.toString('hex')).toBe(MAGIC1_KV);
    const [m] = readLegacyMessages(Buffer.from(MAGIC1_KV, 'hex'));
    expect(m).toMatchObject({ offset: 0n, magic: 1, timestamp: T0, timestampType: TimestampType.CreateTime });
  });
  it('up-converts the hand-derived messages to v2 and back to the same bytes', () => {
    for (const [hex, magic] of [[MAGIC0_KV, 0], [MAGIC1_KV, 1]] as const) {
      const batch = legacyToBatch(Buffer.from(hex, 'hex'));
      expect(validateBatch(batch, 0, batch.length, { produce: true }).ok).toBe(true);
      const [r] = readRecords(batch, 0);
      expect([r.key?.toString(), r.value?.toString(), r.timestamp]).toEqual(['k', 'v', magic === 0 ? -1 : T0]);
      expect(batchesToLegacy(batch, magic).toString('hex')).toBe(hex);
    }
  });
});

describe('compressed wrapper messages', () => {
  it.each([0, 1] as const)('magic %i: every codec round-trips through v2 and back with the same keys, values, timestamps', (magic) => {
    for (const codec of LEGACY_CODECS) {
      const input = messages(25);
      const set = buildLegacyMessageSet(input, { magic, compression: codec, baseOffset: 100n });
      const read = readLegacyMessages(set);
      expect(read.map((m) => [m.offset, m.key?.toString() ?? null, m.value?.toString(), m.timestamp])).toEqual(
        input.map((m, i) => [100n + BigInt(i), m.key, m.value, magic === 0 ? -1 : m.timestamp]),
      );
      // up-convert: one v2 batch, same codec
      const batch = legacyToBatch(set);
      const view = new RecordBatchView(batch, 0);
      expect(view.compression).toBe(codec);
      expect(view.recordsCount).toBe(25);
      expect(readRecords(batch, 0).map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString(), r.timestamp])).toEqual(
        input.map((m, i) => [BigInt(i), m.key, m.value, magic === 0 ? -1 : m.timestamp]),
      );
      // keepOffsets preserves the set's own offsets
      expect(new RecordBatchView(legacyToBatch(set, 0, set.length, { keepOffsets: true }), 0).baseOffset).toBe(100n);
      // down-convert back
      const back = batchesToLegacy(legacyToBatch(set, 0, set.length, { keepOffsets: true }), magic);
      const again = readLegacyMessages(back);
      expect(again.map((m) => [m.offset, m.key?.toString() ?? null, m.value?.toString(), m.timestamp, m.wrapperCompression])).toEqual(
        read.map((m) => [m.offset, m.key?.toString() ?? null, m.value?.toString(), m.timestamp, m.wrapperCompression]),
      );
    }
  });

  it('magic 1 wrappers carry relative inner offsets and the last absolute offset; magic 0 inner offsets are absolute', () => {
    const m1 = buildLegacyMessageSet(messages(3), { magic: 1, compression: CompressionType.Gzip, baseOffset: 50n });
    expect(m1.readBigInt64BE(0)).toBe(52n);
    const m0 = buildLegacyMessageSet(messages(3), { magic: 0, compression: CompressionType.Gzip, baseOffset: 50n });
    expect(m0.readBigInt64BE(0)).toBe(52n);
    expect(readLegacyMessages(m1).map((m) => m.offset)).toEqual([50n, 51n, 52n]);
    expect(readLegacyMessages(m0).map((m) => m.offset)).toEqual([50n, 51n, 52n]);
  });

  it("reads magic 0 LZ4 wrappers written with Kafka's old frame header checksum", () => {
    const set = buildLegacyMessageSet(messages(5), { magic: 0, compression: CompressionType.Lz4 });
    const frame = set.subarray(12 + 4 + 1 + 1 + 4 + 4); // offset, size, crc, magic, attributes, null key, value length
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    expect(frame[6]).toBe((xxhash32(frame, 0, 6) >>> 8) & 0xff);
    expect(readLegacyMessages(set)).toHaveLength(5);
    // the same frame in a magic 1 wrapper is corrupt: only magic 0 gets the leniency
    const asMagic1 = encodeLegacyMessage(4n, 1, CompressionType.Lz4, T0, null, Buffer.from(frame));
    expectError(() => readLegacyMessages(asMagic1), KafkaRecordErrorCode.CORRUPT_MESSAGE, /checksum/);
  });

  it('LogAppendTime magic 1 wrappers give every inner message the wrapper timestamp', () => {
    const set = buildLegacyMessageSet(messages(4), { magic: 1, compression: CompressionType.Snappy, timestampType: TimestampType.LogAppendTime, logAppendTime: T0 + 1000 });
    const read = readLegacyMessages(set);
    expect(read.every((m) => m.timestamp === T0 + 1000 && m.timestampType === TimestampType.LogAppendTime)).toBe(true);
    const batch = legacyToBatch(set);
    const v = new RecordBatchView(batch, 0);
    expect(v.timestampType).toBe(TimestampType.LogAppendTime);
    expect(v.maxTimestamp).toBe(T0 + 1000);
  });
});

describe('down-conversion of v2 batches', () => {
  it('drops headers and control batches, keeps offsets across several batches', () => {
    const a = new RecordBatchBuilder({ baseOffset: 0n }).append({ key: 'a', value: '1', headers: { h: 'x' }, timestamp: T0 }).append({ key: 'b', value: '2', timestamp: T0 + 1 }).build();
    const marker = buildControlBatch({ type: ControlRecordType.Commit, producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, baseOffset: 2n, timestamp: T0 });
    const c = new RecordBatchBuilder({ baseOffset: 3n, compression: CompressionType.Gzip }).append({ key: 'c', value: '3', timestamp: T0 + 2 }).build();
    const set = batchesToLegacy(Buffer.concat([a, marker, c]), 1);
    const read = readLegacyMessages(set);
    expect(read.map((m) => [m.offset, m.key?.toString(), m.value?.toString(), m.timestamp])).toEqual([
      [0n, 'a', '1', T0],
      [1n, 'b', '2', T0 + 1],
      [3n, 'c', '3', T0 + 2],
    ]);
  });
  it('refuses zstd data (no zstd before magic 2) and corrupt batches', () => {
    const z = new RecordBatchBuilder({ compression: CompressionType.Zstd }).append({ value: 'x', timestamp: T0 }).build();
    expectError(() => batchesToLegacy(z, 1), KafkaRecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    const bad = new RecordBatchBuilder().append({ value: 'x', timestamp: T0 }).build();
    bad[bad.length - 1] ^= 1;
    expectError(() => batchesToLegacy(bad, 0), KafkaRecordErrorCode.CORRUPT_MESSAGE, /CRC/);
    expectError(() => buildLegacyMessageSet([{ value: 'x' }], { magic: 1, compression: CompressionType.Zstd }), KafkaRecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  });
});

describe('malformed legacy sets', () => {
  const set = buildLegacyMessageSet(messages(3), { magic: 1 });
  it('bad CRC (outer and inner), truncation, bad sizes', () => {
    const crc = Buffer.from(set);
    crc[30] ^= 1;
    expectError(() => readLegacyMessages(crc), KafkaRecordErrorCode.CORRUPT_MESSAGE, /CRC/);
    const gz = buildLegacyMessageSet(messages(3), { magic: 1, compression: CompressionType.None });
    // inner CRC: build a wrapper around a corrupted inner set by hand
    const inner = Buffer.from(gz);
    inner[30] ^= 1;
    const wrapper = encodeLegacyMessage(2n, 1, CompressionType.Gzip, T0, null, gzipSync(inner));
    expectError(() => readLegacyMessages(wrapper), KafkaRecordErrorCode.CORRUPT_MESSAGE, /CRC/);
    expectError(() => readLegacyMessages(set.subarray(0, set.length - 1)), KafkaRecordErrorCode.CORRUPT_MESSAGE);
    expect(readLegacyMessages(set.subarray(0, set.length - 1), 0, set.length - 1, { allowPartialTail: true })).toHaveLength(2);
    const size = Buffer.from(set);
    size.writeInt32BE(3, 8);
    expectError(() => readLegacyMessages(size), KafkaRecordErrorCode.CORRUPT_MESSAGE, /size/);
    const keyLen = encodeLegacyMessage(0n, 0, 0, -1, Buffer.from('kk'), Buffer.from('v'));
    keyLen.writeInt32BE(1000, 18);
    keyLen.writeUInt32BE(crc32(keyLen, 16), 12);
    expectError(() => readLegacyMessages(keyLen), KafkaRecordErrorCode.CORRUPT_MESSAGE, /key length/);
  });
  it('nested compression, zstd and empty wrappers are refused', () => {
    const inner = buildLegacyMessageSet(messages(2), { magic: 1, compression: CompressionType.Gzip });
    expectError(() => readLegacyMessages(encodeLegacyMessage(1n, 1, CompressionType.Gzip, T0, null, gzipSync(inner))), KafkaRecordErrorCode.CORRUPT_MESSAGE, /compressed/);
    expectError(() => readLegacyMessages(encodeLegacyMessage(0n, 1, CompressionType.Zstd, T0, null, Buffer.from('x'))), KafkaRecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expectError(() => readLegacyMessages(encodeLegacyMessage(0n, 1, CompressionType.Gzip, T0, null, gzipSync(Buffer.alloc(0)))), KafkaRecordErrorCode.CORRUPT_MESSAGE, /no messages/);
    expectError(() => readLegacyMessages(encodeLegacyMessage(0n, 1, CompressionType.Gzip, T0, null, null)), KafkaRecordErrorCode.CORRUPT_MESSAGE, /null value/);
  });
  it('a compressed wrapper inflating past the budget is refused', () => {
    const big = buildLegacyMessageSet([{ value: Buffer.alloc(4 << 20) }], { magic: 0, compression: CompressionType.Gzip });
    expectError(() => readLegacyMessages(big, 0, big.length, { maxDecompressedBytes: 1 << 20 }), KafkaRecordErrorCode.CORRUPT_MESSAGE, /limit/);
  });
});

describe.runIf(kafkaPythonAvailable())('kafka-python 2.0.2 legacy message sets as an independent peer', () => {
  it.each([0, 1])('reads kafka-python magic %i sets (plain and gzip wrappers)', (magic) => {
    for (const codec of [0, 1]) {
      const hex = runPython(`
from kafka.record.legacy_records import LegacyRecordBatchBuilder
b = LegacyRecordBatchBuilder(magic=${magic}, compression_type=${codec}, batch_size=1<<20)
for i in range(4):
    b.append(i, ${T0} + i, ('k%d' % i).encode() if i != 1 else None, ('v%d' % i).encode() * 10)
print(bytes(b.build()).hex())`);
      const set = Buffer.from(hex.trim(), 'hex');
      const read = readLegacyMessages(set);
      expect(read.map((m) => [m.key?.toString() ?? null, m.value?.toString(), m.timestamp, m.wrapperCompression])).toEqual(
        [0, 1, 2, 3].map((i) => [i === 1 ? null : `k${i}`, `v${i}`.repeat(10), magic === 0 ? -1 : T0 + i, codec]),
      );
      // A producer's offsets mean nothing (kafka-python leaves the wrapper at offset 0, so its magic 1 inner
      // messages resolve to -3..0, exactly as Kafka's own reader would resolve them); the broker assigns 0..n-1.
      const last = read[read.length - 1].offset;
      expect(read.map((m) => m.offset - last)).toEqual([-3n, -2n, -1n, 0n]);
      const batch = legacyToBatch(set);
      expect(readRecords(batch, 0).map((r) => [r.offset, r.value?.toString()])).toEqual([0, 1, 2, 3].map((i) => [BigInt(i), `v${i}`.repeat(10)]));
    }
  });

  it.each([0, 1] as const)('kafka-python reads our down-converted magic %i sets (plain and gzip)', (magic) => {
    for (const codec of [CompressionType.None, CompressionType.Gzip]) {
      const input = messages(6);
      const b = new RecordBatchBuilder({ baseOffset: 900n, compression: codec });
      for (const m of input) b.append(m);
      const set = batchesToLegacy(b.build(), magic);
      const out = runPython(
        `
from kafka.record.memory_records import MemoryRecords
m = MemoryRecords(data)
res = []
while True:
    b = m.next_batch()
    if b is None: break
    assert b.validate_crc()
    for r in b:
        res.append([r.offset, r.timestamp, r.key.decode() if r.key is not None else None, r.value.decode()])
print(json.dumps(res))`,
        set,
      );
      expect(JSON.parse(out)).toEqual(input.map((m, i) => [900 + i, magic === 0 ? null : m.timestamp, m.key, m.value]));
    }
  });
});
