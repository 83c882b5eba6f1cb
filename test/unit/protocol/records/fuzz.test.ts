/**
 * Arbitrary and mutated bytes through every entry point: the only thing allowed to escape is RecordFormatError
 * (and the never-throwing validators must not throw at all).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OFFSET_BATCH_LENGTH } from '../../../../src/protocol/records/batch-header.js';
import { CompressionType, forEachBatch, readRecords, RecordBatchBuilder, validateBatch, validateRecords } from '../../../../src/protocol/records/batch.js';
import { compress, decompress } from '../../../../src/protocol/records/compression.js';
import { crc32 } from '../../../../src/protocol/records/crc.js';
import { RecordFormatError } from '../../../../src/protocol/records/errors.js';
import { buildLegacyMessageSet, legacyToBatch, readLegacyMessages } from '../../../../src/protocol/records/legacy.js';

function onlyRecordErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof RecordFormatError)) throw err;
  }
}

const LIMIT = { maxDecompressedBytes: 1 << 20 };

describe('fuzzing', () => {
  it('arbitrary bytes: batch and legacy readers fail cleanly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const buf = Buffer.from(bytes);
        expect(typeof validateBatch(buf, 0).ok).toBe('boolean');
        expect(typeof validateRecords(buf, 0, LIMIT).ok).toBe('boolean');
        onlyRecordErrors(() => forEachBatch(buf, () => undefined));
        onlyRecordErrors(() => readRecords(buf, 0, LIMIT));
        onlyRecordErrors(() => readLegacyMessages(buf, 0, buf.length, LIMIT));
        onlyRecordErrors(() => legacyToBatch(buf, 0, buf.length, LIMIT));
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary bytes: every decompressor fails cleanly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(1, 2, 3, 4, 5), (bytes, codec) => {
        onlyRecordErrors(() => decompress(codec, bytes, { maxBytes: 1 << 20 }));
      }),
      { numRuns: 500 },
    );
  });

  it('mutated compressed payloads fail cleanly', () => {
    const data = Buffer.from('the quick brown fox jumps over the lazy dog '.repeat(40));
    for (const codec of [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
      const packed = compress(codec, data);
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
          const b = Buffer.from(packed);
          for (const [at, v] of edits) b[at % b.length] = v;
          onlyRecordErrors(() => decompress(codec, b, { maxBytes: 1 << 20 }));
          onlyRecordErrors(() => decompress(codec, b, { maxBytes: 1 << 20, magic0: true }));
        }),
        { numRuns: 150 },
      );
    }
  });

  it('mutated legacy sets (CRC fixed up so parsing goes deep) fail cleanly', () => {
    for (const codec of [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4]) {
      for (const magic of [0, 1] as const) {
        const set = buildLegacyMessageSet(
          Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `value ${i}`.repeat(3), timestamp: 1_700_000_000_000 + i })),
          { magic, compression: codec },
        );
        fc.assert(
          fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
            const b = Buffer.from(set);
            for (const [at, v] of edits) b[16 + (at % (b.length - 16))] = v;
            b.writeUInt32BE(crc32(b, 16, Math.min(b.length, 12 + Math.max(0, b.readInt32BE(OFFSET_BATCH_LENGTH)))), 12);
            onlyRecordErrors(() => readLegacyMessages(b, 0, b.length, LIMIT));
            onlyRecordErrors(() => legacyToBatch(b, 0, b.length, LIMIT));
          }),
          { numRuns: 100 },
        );
      }
    }
  });

  it('a tiny buffer handed straight to readRecords is a RecordFormatError, not a RangeError', () => {
    expect(() => readRecords(Buffer.alloc(30), 0)).toThrow(RecordFormatError);
    expect(() => readRecords(new RecordBatchBuilder().append({ value: 'x' }).build(), 100)).toThrow(RecordFormatError);
  });
});
