import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CompressionType } from '../../../../src/protocol/records/batch-header.js';
import {
  compress,
  decompress,
  isXerialSnappy,
  snappyCompressRawBlock,
  zstdDecompressedBound,
} from '../../../../src/protocol/records/compression.js';
import { KafkaRecordErrorCode, RecordFormatError } from '../../../../src/protocol/records/errors.js';
import { inspectLz4Frame, lz4FrameCompress } from '../../../../src/protocol/records/lz4-frame.js';
import { xxhash32 } from '../../../../src/protocol/records/xxhash32.js';

const CODECS = [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

function sample(n: number): Buffer {
  const words = ['kafka', 'broker', 'record', 'batch', 'offset', 'partition', 'leader', 'epoch'];
  const parts: string[] = [];
  let x = 7;
  let length = 0;
  while (length < n) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    parts.push(words[x >>> 29]);
    length += words[x >>> 29].length + 1;
  }
  return Buffer.from(parts.join(' ').slice(0, n));
}

function expectRecordError(fn: () => unknown, code: number = KafkaRecordErrorCode.CORRUPT_MESSAGE, message?: RegExp): void {
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

describe('compress/decompress round trips', () => {
  it.each(CODECS)('codec %i round-trips empty, small, multi-block and incompressible data', (codec) => {
    const random = Buffer.alloc(70_000);
    for (let i = 0; i < random.length; i++) random[i] = (Math.imul(i, 2654435761) >>> 13) & 0xff;
    for (const data of [Buffer.alloc(0), Buffer.from('x'), sample(1000), sample(300_000), random]) {
      const packed = compress(codec, data);
      expect(decompress(codec, packed).equals(data)).toBe(true);
    }
  });
  it('round-trips arbitrary bytes in every codec (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.constantFrom(...CODECS), (bytes, codec) => {
        expect(Buffer.from(decompress(codec, compress(codec, bytes))).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
  it('passes None through and rejects unknown codecs as UNSUPPORTED_COMPRESSION_TYPE', () => {
    const data = Buffer.from('abc');
    expect(decompress(CompressionType.None, data)).toBe(data);
    expectRecordError(() => decompress(5, data), KafkaRecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expectRecordError(() => compress(7, data), KafkaRecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  });
});

describe('snappy framing', () => {
  it('writes the xerial (snappy-java) framing: magic, version 1, compatible version 1, length-prefixed blocks', () => {
    const data = sample(100_000);
    const packed = compress(CompressionType.Snappy, data);
    expect(packed.subarray(0, 16).toString('hex')).toBe('82534e41505059000000000100000001');
    expect(isXerialSnappy(packed)).toBe(true);
    // 100 000 bytes in 32 KiB blocks = 4 blocks
    let pos = 16;
    let blocks = 0;
    while (pos < packed.length) {
      pos += 4 + packed.readUInt32BE(pos);
      blocks++;
    }
    expect(pos).toBe(packed.length);
    expect(blocks).toBe(4);
  });
  it('accepts raw snappy as librdkafka and kafkajs send it', () => {
    const data = sample(5000);
    const raw = snappyCompressRawBlock(data);
    expect(isXerialSnappy(raw)).toBe(false);
    expect(decompress(CompressionType.Snappy, raw).equals(data)).toBe(true);
  });
  it('rejects truncated xerial blocks and garbage', () => {
    const packed = compress(CompressionType.Snappy, sample(5000));
    expectRecordError(() => decompress(CompressionType.Snappy, packed.subarray(0, packed.length - 3)));
    expectRecordError(() => decompress(CompressionType.Snappy, packed.subarray(0, 18)));
    expectRecordError(() => decompress(CompressionType.Snappy, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])));
    expectRecordError(() => decompress(CompressionType.Snappy, Buffer.from([10, 0xf0, 1, 2])));
  });
});

describe('lz4 frames', () => {
  it('writes a Kafka-readable frame: independent blocks, no content size, spec header checksum', () => {
    const frame = compress(CompressionType.Lz4, sample(200_000));
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    expect(frame[4] & 0xc0).toBe(0x40); // version 01
    expect(frame[4] & 0x20).toBe(0x20); // block independence
    expect(frame[4] & 0x08).toBe(0); // no content size
    expect((frame[5] >> 4) & 7).toBeGreaterThanOrEqual(4); // 64 KiB-4 MiB blocks (lz4_flex sizes them by input)
    expect(frame[6]).toBe((xxhash32(frame, 4, 6) >>> 8) & 0xff);
  });
  it("accepts Kafka's magic-0 header checksum (computed over the magic too) only for magic 0", () => {
    const data = sample(10_000);
    const broken = lz4FrameCompress(data, true);
    expect(broken[6]).toBe((xxhash32(broken, 0, 6) >>> 8) & 0xff);
    expect(broken[6]).not.toBe((xxhash32(broken, 4, 6) >>> 8) & 0xff);
    expect(decompress(CompressionType.Lz4, broken, { magic0: true }).equals(data)).toBe(true);
    expectRecordError(() => decompress(CompressionType.Lz4, broken), KafkaRecordErrorCode.CORRUPT_MESSAGE, /checksum/);
    // compress(..., { magic0 }) writes the same thing
    expect(compress(CompressionType.Lz4, data, { magic0: true }).equals(broken)).toBe(true);
  });
  it('rejects bad magic, bad descriptors, truncation and trailing bytes', () => {
    const frame = compress(CompressionType.Lz4, sample(1000));
    const badMagic = Buffer.from(frame);
    badMagic[0] ^= 1;
    expectRecordError(() => decompress(CompressionType.Lz4, badMagic), KafkaRecordErrorCode.CORRUPT_MESSAGE, /magic/);
    const badBd = Buffer.from(frame);
    badBd[5] = 0x10;
    expectRecordError(() => decompress(CompressionType.Lz4, badBd));
    expectRecordError(() => decompress(CompressionType.Lz4, frame.subarray(0, frame.length - 1)));
    expectRecordError(() => decompress(CompressionType.Lz4, Buffer.concat([frame, Buffer.from([0])])), KafkaRecordErrorCode.CORRUPT_MESSAGE, /trailing/);
    // a block whose compressed bytes are garbage: structure fine, decoder fails cleanly
    const garbage = Buffer.from(frame);
    for (let i = 11; i < garbage.length - 4; i++) garbage[i] = 0xff;
    expectRecordError(() => decompress(CompressionType.Lz4, garbage));
  });
  it('bounds the output from the block sizes alone', () => {
    const frame = compress(CompressionType.Lz4, Buffer.alloc(1_000_000));
    const info = inspectLz4Frame(frame, false);
    expect(info.bound).toBeGreaterThanOrEqual(1_000_000);
    expect(info.bound).toBeLessThan(1_200_000);
  });
});

describe('zstd frames', () => {
  // A frame with no content size (as streaming encoders such as zstd-jni write): FHD 0, window 1 KiB, one raw block.
  const noContentSize = Buffer.concat([
    Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00]),
    Buffer.from([(5 << 3) | 1, 0, 0]),
    Buffer.from('hello'),
  ]);
  it('decodes frames without a content size', () => {
    expect(decompress(CompressionType.Zstd, noContentSize).toString()).toBe('hello');
    expect(zstdDecompressedBound(noContentSize, 1 << 20)).toBe(5);
  });
  it('decodes concatenated frames and skips skippable frames', () => {
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 9, 9]);
    const two = Buffer.concat([compress(CompressionType.Zstd, Buffer.from('abc')), skippable, noContentSize]);
    expect(decompress(CompressionType.Zstd, two).toString()).toBe('abchello');
  });
  it('rejects reserved bits, bad magic, truncation', () => {
    const reserved = Buffer.from(noContentSize);
    reserved[4] = 0x08;
    expectRecordError(() => decompress(CompressionType.Zstd, reserved));
    expectRecordError(() => decompress(CompressionType.Zstd, Buffer.from('not zstd at all')));
    expectRecordError(() => decompress(CompressionType.Zstd, noContentSize.subarray(0, noContentSize.length - 2)));
    expectRecordError(() => decompress(CompressionType.Zstd, Buffer.alloc(0)));
    const frame = compress(CompressionType.Zstd, sample(10_000));
    const garbled = Buffer.from(frame);
    for (let i = 12; i < garbled.length; i++) garbled[i] ^= 0x5a;
    expectRecordError(() => decompress(CompressionType.Zstd, garbled));
  });
});

describe('decompression bombs are refused before inflating', () => {
  const limit = 1 << 20;
  const zeros = Buffer.alloc(8 << 20);
  it.each(CODECS)('codec %i: 8 MiB of zeros with a 1 MiB limit', (codec) => {
    const packed = compress(codec, zeros);
    expect(packed.length).toBeLessThan(2 << 20);
    const before = process.memoryUsage().arrayBuffers;
    expectRecordError(() => decompress(codec, packed, { maxBytes: limit }), KafkaRecordErrorCode.CORRUPT_MESSAGE, /limit/);
    // nothing near the inflated size was allocated and kept
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 << 20);
    // the same data within a sufficient limit decodes
    expect(decompress(codec, packed, { maxBytes: zeros.length }).length).toBe(zeros.length);
  });
  it('gzip stops at the limit even when the header says nothing about size', () => {
    expectRecordError(() => decompress(CompressionType.Gzip, gzipSync(Buffer.alloc(4 << 20)), { maxBytes: limit }), KafkaRecordErrorCode.CORRUPT_MESSAGE, /limit/);
  });
  it('zstd RLE blocks (4 bytes → 128 KiB each) are bounded without decoding', () => {
    const blocks: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const last = i === 199 ? 1 : 0;
      const header = (131072 << 3) | (1 << 1) | last;
      blocks.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0x41]));
    }
    const frame = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38]), ...blocks]);
    expect(zstdDecompressedBound(frame, 1 << 30)).toBe(200 * 131072);
    expectRecordError(() => decompress(CompressionType.Zstd, frame, { maxBytes: limit }), KafkaRecordErrorCode.CORRUPT_MESSAGE, /limit/);
    const out = decompress(CompressionType.Zstd, frame, { maxBytes: 200 * 131072 });
    expect(out.length).toBe(200 * 131072);
    expect(out[12345]).toBe(0x41);
  });
  it('zstd refuses hostile window sizes before the decoder allocates them', () => {
    // window descriptor 0xf8: 2^41 bytes
    const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, (5 << 3) | 1, 0, 0, 1, 2, 3, 4, 5]);
    expectRecordError(() => decompress(CompressionType.Zstd, frame), KafkaRecordErrorCode.CORRUPT_MESSAGE, /window/);
  });
  it('snappy: a raw block declaring 4 GiB is refused from its preamble', () => {
    expectRecordError(() => decompress(CompressionType.Snappy, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00])), KafkaRecordErrorCode.CORRUPT_MESSAGE, /limit/);
  });
});

describe('native codec packages', () => {
  it('a package that cannot load makes only that codec unavailable, as UNSUPPORTED_COMPRESSION_TYPE', async () => {
    const { loadCodecPackage } = await import('../../../../src/protocol/records/native-codecs.js');
    for (let i = 0; i < 2; i++) {
      expectRecordError(() => loadCodecPackage('kstack-no-such-codec-package', 'brotli'), KafkaRecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE, /brotli is unavailable/);
    }
    expect(typeof loadCodecPackage<{ compressSync: unknown }>('snappy', 'snappy').compressSync).toBe('function');
  });
});
