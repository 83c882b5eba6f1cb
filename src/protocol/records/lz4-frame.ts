/**
 * LZ4 as Kafka uses it: the LZ4 *frame* format (magic 0x184D2204), 64 KiB independent blocks, no content size.
 *
 * The codec is native (lz4-napi, i.e. lz4_flex, loaded on first use: native-codecs.ts); this file walks and checks the frame first, so that
 *  - the decompressed size is bounded BEFORE anything is decompressed: every block declares its stored size, and
 *    a compressed block inflates to at most min(the frame's maximum block size, 255 × its stored size), so Σ
 *    bounds the output tightly enough to refuse decompression bombs without allocating;
 *  - Kafka's magic-0 header-checksum bug is honoured: Kafka 0.8-0.9 clients computed the frame descriptor's
 *    checksum (HC) over the magic number as well as the descriptor (KIP-57). Such frames are accepted when the
 *    caller says the data came from a magic 0 message (Kafka then skips the HC check altogether, and so do we), and
 *    written that way when down-converting to magic 0.
 *
 * Frame layout: magic u32le | FLG u8 | BD u8 | [content size u64le] | [dict id u32le] | HC u8 |
 *   blocks: size u32le (high bit = stored uncompressed; 0 = end mark) data [block checksum u32le] |
 *   [content checksum u32le]
 */
import { KafkaRecordErrorCode, RecordFormatError } from './errors.js';
import { lz4Module } from './native-codecs.js';
import { xxhash32 } from './xxhash32.js';

const LZ4_MAGIC = 0x184d2204;
const BLOCK_MAX = [0, 0, 0, 0, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024];

export interface Lz4FrameInfo {
  /** Upper bound of the decompressed size. */
  bound: number;
  /** Offset of the HC byte. */
  hcOffset: number;
  /** True when HC is not the spec's value (Kafka's magic-0 variant, or anything else, accepted for magic 0). */
  brokenHeaderChecksum: boolean;
}

function corrupt(msg: string): RecordFormatError {
  return new RecordFormatError(`lz4: ${msg}`, KafkaRecordErrorCode.CORRUPT_MESSAGE);
}

/** Walks one LZ4 frame and checks its structure; throws RecordFormatError when it is malformed. */
export function inspectLz4Frame(buf: Uint8Array, allowBrokenHeaderChecksum: boolean): Lz4FrameInfo {
  if (buf.length < 7) throw corrupt(`frame too short (${buf.length} bytes)`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (dv.getUint32(0, true) !== LZ4_MAGIC) throw corrupt('bad frame magic');
  const flg = buf[4];
  const bd = buf[5];
  if (flg >> 6 !== 1) throw corrupt(`unsupported frame version ${flg >> 6}`);
  if (flg & 0x02) throw corrupt('reserved FLG bit set');
  if (flg & 0x01) throw corrupt('dictionary ids are not supported');
  const blockChecksums = (flg & 0x10) !== 0;
  const hasContentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const blockMaxId = (bd >> 4) & 0x07;
  if ((bd & 0x8f) !== 0 || blockMaxId < 4) throw corrupt(`bad block descriptor 0x${bd.toString(16)}`);
  const blockMax = BLOCK_MAX[blockMaxId];
  const hcOffset = 6 + (hasContentSize ? 8 : 0);
  if (buf.length < hcOffset + 1) throw corrupt('truncated frame descriptor');
  const hc = buf[hcOffset];
  // For magic 0 Kafka ignores HC altogether (KafkaLZ4BlockInputStream's ignoreFlagDescriptorChecksum), since the
  // old clients' value is computed over the wrong span; we do the same.
  const brokenHeaderChecksum = ((xxhash32(buf, 4, hcOffset) >>> 8) & 0xff) !== hc;
  if (brokenHeaderChecksum && !allowBrokenHeaderChecksum) throw corrupt('frame descriptor checksum mismatch');
  let contentSize = -1;
  if (hasContentSize) {
    const hi = dv.getUint32(10, true);
    if (hi !== 0) throw corrupt('declared content size too large');
    contentSize = dv.getUint32(6, true);
  }
  let pos = hcOffset + 1;
  let bound = 0;
  for (;;) {
    if (pos + 4 > buf.length) throw corrupt('truncated block header');
    const word = dv.getUint32(pos, true);
    pos += 4;
    if (word === 0) break;
    const stored = (word & 0x80000000) !== 0;
    const size = word & 0x7fffffff;
    if (size > blockMax) throw corrupt(`block of ${size} bytes exceeds the frame's ${blockMax}-byte maximum`);
    pos += size + (blockChecksums ? 4 : 0);
    if (pos > buf.length) throw corrupt('truncated block');
    // LZ4 inflates at most 255:1 (a 0xFF match-length byte adds 255 bytes), so small blocks bound tighter.
    bound += stored ? size : Math.min(blockMax, size * 255 + 64);
  }
  if (contentChecksum) pos += 4;
  if (pos > buf.length) throw corrupt('truncated content checksum');
  if (pos !== buf.length) throw corrupt(`${buf.length - pos} trailing bytes after the frame`);
  if (contentSize >= 0) {
    if (contentSize > bound) throw corrupt('declared content size exceeds what the blocks can hold');
    bound = contentSize;
  }
  return { bound, hcOffset, brokenHeaderChecksum };
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decompresses one LZ4 frame whose output may not exceed maxBytes. `magic0` accepts Kafka's broken header
 * checksum (the frame is copied and its HC corrected for the native decoder, which checks it).
 */
export function lz4FrameDecompress(buf: Uint8Array, maxBytes: number, magic0 = false): Buffer {
  const info = inspectLz4Frame(buf, magic0);
  if (info.bound > maxBytes) {
    throw new RecordFormatError(
      `lz4: frame may inflate to ${info.bound} bytes, over the ${maxBytes}-byte limit`,
      KafkaRecordErrorCode.CORRUPT_MESSAGE,
    );
  }
  let input = toBuffer(buf);
  if (info.brokenHeaderChecksum) {
    input = Buffer.from(input);
    input[info.hcOffset] = (xxhash32(input, 4, info.hcOffset) >>> 8) & 0xff;
  }
  const lz4 = lz4Module();
  try {
    return lz4.decompressFrameSync(input);
  } catch (err) {
    throw new RecordFormatError(`lz4: ${err instanceof Error ? err.message : String(err)}`, KafkaRecordErrorCode.CORRUPT_MESSAGE, err);
  }
}

/** Compresses into one LZ4 frame as Kafka's producers write it; `magic0` writes Kafka's broken HC. */
export function lz4FrameCompress(buf: Uint8Array, magic0 = false): Buffer {
  const out = lz4Module().compressFrameSync(toBuffer(buf), { contentChecksum: false, blockChecksums: false });
  if (magic0) {
    const hcOffset = 6 + (out[4] & 0x08 ? 8 : 0);
    out[hcOffset] = (xxhash32(out, 0, hcOffset) >>> 8) & 0xff;
  }
  return out;
}
