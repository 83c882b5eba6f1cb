/**
 * Record bytes captured from a real producer: kcat 1.7.1 / librdkafka 2.0.2 (Debian 12), see
 * fixtures/capture-kcat.ts (re-run it by hand to refresh them). They pin down what that client really sends:
 * raw (unframed) snappy, zstd frames without a content size, and for magic 0 the LZ4 frame header checksum
 * computed over the magic bytes too.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BATCH_HEADER_SIZE } from '../../../../src/protocol/records/batch-header.js';
import { CompressionType, readRecords, RecordBatchView, validateBatch, validateRecords } from '../../../../src/protocol/records/batch.js';
import { decompress, isXerialSnappy } from '../../../../src/protocol/records/compression.js';
import { batchesToLegacy, isLegacyMessageSet, legacyToBatch, readLegacyMessages } from '../../../../src/protocol/records/legacy.js';
import { xxhash32 } from '../../../../src/protocol/records/xxhash32.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const meta = JSON.parse(readFileSync(join(dir, 'kcat-messages.json'), 'utf8')) as { messages: string[]; headers: Array<[string, string]> };
const expected = meta.messages.map((line) => {
  const i = line.indexOf(':');
  return [line.slice(0, i), line.slice(i + 1)];
});
const load = (name: string): Buffer => Buffer.from(readFileSync(join(dir, `kcat-${name}.hex`), 'utf8').trim(), 'hex');
const CODECS: Array<[string, CompressionType]> = [
  ['none', CompressionType.None],
  ['gzip', CompressionType.Gzip],
  ['snappy', CompressionType.Snappy],
  ['lz4', CompressionType.Lz4],
];

describe('librdkafka v2 record batches', () => {
  it.each([...CODECS, ['zstd', CompressionType.Zstd]] as Array<[string, CompressionType]>)('%s: validates and decodes keys, values, headers', (name, codec) => {
    const buf = load(`v2-${name}`);
    expect(validateBatch(buf, 0, buf.length, { produce: true })).toEqual({ ok: true, end: buf.length });
    expect(validateRecords(buf, 0, { produce: true })).toEqual({ ok: true, count: 3 });
    const view = new RecordBatchView(buf, 0);
    expect(view.compression).toBe(codec);
    const records = readRecords(buf, 0);
    expect(records.map((r) => [r.key?.toString(), r.value?.toString()])).toEqual(expected);
    expect(records.every((r) => r.timestamp >= view.baseTimestamp && r.timestamp <= view.maxTimestamp && r.timestamp > 1.5e12)).toBe(true);
    expect(records.map((r) => r.headers.map((h) => [h.key, h.value?.toString()]))).toEqual(records.map(() => meta.headers));
    expect(records.map((r) => r.offset)).toEqual([0n, 1n, 2n]);
  });

  it('librdkafka sends raw snappy (no xerial framing) and zstd frames without a content size', () => {
    expect(isXerialSnappy(load('v2-snappy').subarray(BATCH_HEADER_SIZE))).toBe(false);
    const zstd = load('v2-zstd').subarray(BATCH_HEADER_SIZE);
    expect(zstd.readUInt32LE(0)).toBe(0xfd2fb528);
    expect(zstd[4] & 0xe0).toBe(0); // no content-size field, not single-segment
    expect(decompress(CompressionType.Zstd, zstd).length).toBeGreaterThan(100);
  });
});

describe.each([0, 1] as const)('librdkafka magic %i message sets', (magic) => {
  it.each(CODECS)('%s: reads, up-converts to v2 and down-converts back', (name, codec) => {
    const set = load(`magic${magic}-${name}`);
    expect(isLegacyMessageSet(set)).toBe(true);
    const read = readLegacyMessages(set);
    expect(read.map((m) => [m.key?.toString(), m.value?.toString()])).toEqual(expected);
    expect(read.every((m) => m.magic === magic && m.wrapperCompression === codec)).toBe(true);
    if (magic === 0) expect(read.every((m) => m.timestamp === -1)).toBe(true);
    else expect(read.every((m) => m.timestamp > 1.5e12)).toBe(true);
    const batch = legacyToBatch(set);
    expect(validateBatch(batch, 0, batch.length, { produce: true }).ok).toBe(true);
    expect(new RecordBatchView(batch, 0).compression).toBe(codec);
    const records = readRecords(batch, 0);
    expect(records.map((r) => [r.offset, r.key?.toString(), r.value?.toString(), r.timestamp])).toEqual(
      read.map((m, i) => [BigInt(i), m.key?.toString(), m.value?.toString(), m.timestamp]),
    );
    const back = readLegacyMessages(batchesToLegacy(batch, magic));
    expect(back.map((m) => [m.offset, m.key?.toString(), m.value?.toString(), m.timestamp])).toEqual(records.map((r) => [r.offset, r.key?.toString(), r.value?.toString(), r.timestamp]));
  });
});

describe("librdkafka's magic 0 LZ4 frames", () => {
  it('carry the old header checksum (over magic + descriptor) and are accepted only as magic 0', () => {
    const set = load('magic0-lz4');
    const frame = set.subarray(set.indexOf(Buffer.from('04224d18', 'hex')));
    expect(frame[6]).toBe((xxhash32(frame, 0, 6) >>> 8) & 0xff);
    expect(frame[6]).not.toBe((xxhash32(frame, 4, 6) >>> 8) & 0xff);
    const m1 = load('magic1-lz4');
    const f1 = m1.subarray(m1.indexOf(Buffer.from('04224d18', 'hex')));
    expect(f1[6]).toBe((xxhash32(f1, 4, 6) >>> 8) & 0xff);
  });
});
