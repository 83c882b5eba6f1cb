/**
 * Kafka's four codecs, for the places where the broker must look inside compressed data (legacy conversion,
 * compaction, timestamp/validation options) and for building batches. Never on the Produce hot path.
 *
 *  - gzip:   node:zlib (RFC 1952). Decompression uses zlib's maxOutputLength, so a bomb stops at the limit.
 *  - snappy: `snappy` (napi-rs, loaded on first use: native-codecs.ts) for raw blocks. Java producers frame them the snappy-java ("xerial") way:
 *            magic 82 'SNAPPY' 00, int32 version, int32 min-compatible version, then int32-length-prefixed raw
 *            blocks; librdkafka and kafkajs may send one raw block. Decoding accepts both; encoding writes xerial
 *            framing with 32 KiB blocks (what snappy-java writes, and what every client reads). Each raw block
 *            declares its uncompressed length up front, so the limit is checked before decoding.
 *  - lz4:    the LZ4 frame format, see lz4-frame.ts (incl. the magic-0 header-checksum bug).
 *  - zstd:   decoding with fzstd (pure JS) after walking the frames ourselves: every block declares its size and
 *            the window bounds what a compressed block can produce, so the output is bounded before decoding and
 *            hostile window sizes are refused before fzstd allocates them. Encoding with @bokuweb/zstd-wasm
 *            (WebAssembly), set up on the first zstd compression, synchronously (zstdEncoder below), so importing
 *            this module costs no wasm compile: the broker never compresses zstd and starts faster without it.
 *            zstd only exists from magic 2 / Produce v7.
 *
 * Every failure is a RecordFormatError (CORRUPT_MESSAGE, or UNSUPPORTED_COMPRESSION_TYPE for unknown codecs).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { decompress as fzstdDecompress } from 'fzstd';
import { CompressionType } from './batch-header.js';
import { KafkaRecordErrorCode, RecordFormatError } from './errors.js';
import { lz4FrameCompress, lz4FrameDecompress } from './lz4-frame.js';
import { snappyModule } from './native-codecs.js';

/** Default ceiling on the size of one decompressed payload (a batch's records, a wrapper's inner set). */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 128 * 1024 * 1024;

export interface DecompressOptions {
  /** Refuse to produce more than this many bytes (default DEFAULT_MAX_DECOMPRESSED_BYTES). */
  maxBytes?: number;
  /** The data came from a magic 0 message: accept Kafka's old LZ4 header checksum. */
  magic0?: boolean;
}

export interface CompressOptions {
  /** Write LZ4 frames with Kafka's magic-0 header checksum (down-conversion to magic 0 only). */
  magic0?: boolean;
  /** Codec level where the codec has one (gzip 1-9, zstd 1-22); default: the codec's default. */
  level?: number;
}

export function compressionName(type: number): string {
  switch (type) {
    case CompressionType.None:
      return 'none';
    case CompressionType.Gzip:
      return 'gzip';
    case CompressionType.Snappy:
      return 'snappy';
    case CompressionType.Lz4:
      return 'lz4';
    case CompressionType.Zstd:
      return 'zstd';
    default:
      return `unknown(${type})`;
  }
}

function unsupported(type: number): RecordFormatError {
  return new RecordFormatError(`unsupported compression type ${type}`, KafkaRecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function tooBig(codec: string, size: number, max: number): RecordFormatError {
  return new RecordFormatError(`${codec}: data inflates to ${size > max ? size : `more than ${max}`} bytes, over the ${max}-byte limit`);
}

// ---------------------------------------------------------------------------------------------------------- gzip

function gzipDecompress(buf: Buffer, maxBytes: number): Buffer {
  try {
    return gunzipSync(buf, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooBig('gzip', -1, maxBytes);
    throw new RecordFormatError(`gzip: ${(err as Error).message}`, KafkaRecordErrorCode.CORRUPT_MESSAGE, err);
  }
}

// -------------------------------------------------------------------------------------------------------- snappy

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER = 16;
const XERIAL_BLOCK = 32 * 1024;

export function isXerialSnappy(buf: Uint8Array): boolean {
  if (buf.length < XERIAL_HEADER) return false;
  for (let i = 0; i < 8; i++) if (buf[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** The uncompressed length a raw snappy block declares (its uvarint preamble), or -1 when malformed. */
function snappyDeclaredLength(buf: Uint8Array, start: number, end: number): number {
  let result = 0;
  for (let shift = 0, i = start; i < end && shift <= 28; shift += 7, i++) {
    const b = buf[i];
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return result <= 0xffffffff ? result : -1;
  }
  return -1;
}

function snappyRaw(block: Buffer, expected: number): Buffer {
  let out: Buffer;
  try {
    out = snappyModule().uncompressSync(block, { asBuffer: true }) as Buffer;
  } catch (err) {
    throw new RecordFormatError(`snappy: ${(err as Error).message}`, KafkaRecordErrorCode.CORRUPT_MESSAGE, err);
  }
  if (out.length !== expected) throw new RecordFormatError(`snappy: block decoded to ${out.length} bytes, declared ${expected}`);
  return out;
}

function snappyDecompress(buf: Buffer, maxBytes: number): Buffer {
  if (!isXerialSnappy(buf)) {
    const declared = snappyDeclaredLength(buf, 0, buf.length);
    if (declared < 0) throw new RecordFormatError('snappy: malformed length preamble');
    if (declared > maxBytes) throw tooBig('snappy', declared, maxBytes);
    return snappyRaw(buf, declared);
  }
  // xerial: walk the blocks, add up what they declare, then decode each into one output.
  const blocks: Array<[number, number, number]> = [];
  let total = 0;
  let pos = XERIAL_HEADER;
  while (pos < buf.length) {
    if (pos + 4 > buf.length) throw new RecordFormatError('snappy: truncated xerial block length');
    const len = buf.readUInt32BE(pos);
    pos += 4;
    if (len > buf.length - pos) throw new RecordFormatError(`snappy: xerial block of ${len} bytes overruns the data`);
    const declared = snappyDeclaredLength(buf, pos, pos + len);
    if (declared < 0) throw new RecordFormatError('snappy: malformed block length preamble');
    total += declared;
    if (total > maxBytes) throw tooBig('snappy', total, maxBytes);
    blocks.push([pos, pos + len, declared]);
    pos += len;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const [s, e, declared] of blocks) {
    at += snappyRaw(buf.subarray(s, e), declared).copy(out, at);
  }
  return out;
}

function snappyCompress(buf: Buffer): Buffer {
  const parts: Buffer[] = [XERIAL_MAGIC, Buffer.from([0, 0, 0, 1, 0, 0, 0, 1])];
  for (let i = 0; i < buf.length || (i === 0 && buf.length === 0); i += XERIAL_BLOCK) {
    const block = snappyModule().compressSync(buf.subarray(i, Math.min(buf.length, i + XERIAL_BLOCK)));
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(block.length, 0);
    parts.push(len, block);
    if (buf.length === 0) break;
  }
  return Buffer.concat(parts);
}

/** One raw snappy block, no framing (what librdkafka and kafkajs send). For tests and peers that want it. */
export function snappyCompressRawBlock(buf: Uint8Array): Buffer {
  return snappyModule().compressSync(toBuffer(buf));
}

// ---------------------------------------------------------------------------------------------------------- zstd

const ZSTD_MAGIC = 0xfd2fb528;
const ZSTD_BLOCK_MAX = 128 * 1024;

/** Walks every zstd frame (and skippable frame) and returns an upper bound of the decompressed size. */
export function zstdDecompressedBound(buf: Uint8Array, maxBytes: number): number {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const bad = (msg: string): RecordFormatError => new RecordFormatError(`zstd: ${msg}`);
  let pos = 0;
  let bound = 0;
  if (buf.length === 0) throw bad('empty input');
  while (pos < buf.length) {
    if (pos + 4 > buf.length) throw bad('truncated frame magic');
    const magic = dv.getUint32(pos, true);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      if (pos + 8 > buf.length) throw bad('truncated skippable frame');
      const size = dv.getUint32(pos + 4, true);
      pos += 8 + size;
      if (pos > buf.length) throw bad('truncated skippable frame');
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw bad('bad frame magic');
    pos += 4;
    if (pos >= buf.length) throw bad('truncated frame header');
    const fhd = buf[pos++];
    if (fhd & 0x08) throw bad('reserved frame header bit set');
    const singleSegment = (fhd >> 5) & 1;
    const hasChecksum = (fhd >> 2) & 1;
    const dictFlag = fhd & 3;
    const fcsFlag = fhd >> 6;
    let window = 0;
    if (!singleSegment) {
      if (pos >= buf.length) throw bad('truncated window descriptor');
      const wd = buf[pos++];
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    pos += dictFlag === 3 ? 4 : dictFlag;
    const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
    if (pos + fcsBytes > buf.length) throw bad('truncated frame header');
    let fcs = -1;
    if (fcsBytes === 1) fcs = buf[pos];
    else if (fcsBytes === 2) fcs = dv.getUint16(pos, true) + 256;
    else if (fcsBytes === 4) fcs = dv.getUint32(pos, true);
    else if (fcsBytes === 8) fcs = dv.getUint32(pos, true) + dv.getUint32(pos + 4, true) * 2 ** 32;
    pos += fcsBytes;
    if (singleSegment) window = fcs;
    if (fcs > maxBytes) throw tooBig('zstd', fcs, maxBytes);
    if (window > maxBytes) throw bad(`window of ${window} bytes is over the ${maxBytes}-byte limit`);
    const blockMax = Math.min(window, ZSTD_BLOCK_MAX);
    let frameBound = 0;
    for (;;) {
      if (pos + 3 > buf.length) throw bad('truncated block header');
      const header = buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16);
      pos += 3;
      const last = header & 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 3) throw bad('reserved block type');
      if (size > ZSTD_BLOCK_MAX) throw bad(`block of ${size} bytes exceeds 128 KiB`);
      if (type === 1) {
        pos += 1; // RLE: one byte repeated `size` times
        frameBound += size;
      } else {
        pos += size;
        frameBound += type === 0 ? size : blockMax;
      }
      if (pos > buf.length) throw bad('truncated block');
      if (last) break;
    }
    if (hasChecksum) pos += 4;
    if (pos > buf.length) throw bad('truncated frame checksum');
    bound += fcs >= 0 ? Math.min(fcs, frameBound) : frameBound;
    if (bound > maxBytes) throw tooBig('zstd', bound, maxBytes);
  }
  return bound;
}

function zstdDecompress(buf: Buffer, maxBytes: number): Buffer {
  zstdDecompressedBound(buf, maxBytes);
  let out: Uint8Array;
  try {
    out = fzstdDecompress(buf);
  } catch (err) {
    throw new RecordFormatError(`zstd: ${(err as Error).message}`, KafkaRecordErrorCode.CORRUPT_MESSAGE, err);
  }
  if (out.length > maxBytes) throw tooBig('zstd', out.length, maxBytes);
  return toBuffer(out);
}

type ZstdCompressFn = (buf: Uint8Array, level?: number) => Uint8Array;

interface WasmInstance {
  exports: object;
}

/** The slice of the WebAssembly global used here (lib ES2022 carries no WebAssembly types). */
const Wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports: object) => WasmInstance } }).WebAssembly;

interface EmscriptenModule {
  init(wasm?: unknown): void;
  calledRun?: boolean;
  instantiateWasm?: (imports: object, receive: (instance: WasmInstance) => unknown) => object;
}

let zstdEncoderState: ZstdCompressFn | Error | undefined;

/**
 * The zstd encoder, set up on first use. @bokuweb/zstd-wasm's own init() is asynchronous (it reads and compiles
 * its .wasm off-thread), which would force a top-level await on every importer. Instead its Emscripten module
 * gets the standard `instantiateWasm` hook, which instantiates the same zstd.wasm synchronously, and the
 * runtime starts inside init(). A round trip through fzstd checks the result; any failure leaves zstd
 * compression unavailable with the reason (UNSUPPORTED_COMPRESSION_TYPE), as a failed init did before.
 */
function zstdEncoder(): ZstdCompressFn {
  if (zstdEncoderState === undefined) {
    try {
      const require = createRequire(import.meta.url);
      const main = require.resolve('@bokuweb/zstd-wasm'); // …/dist/common/index.node.js
      const api = require(main) as { compress: ZstdCompressFn };
      const { Module } = require(join(dirname(main), 'module.js')) as { Module: EmscriptenModule };
      if (!Module.calledRun) {
        const wasm = new Wasm.Module(readFileSync(join(dirname(main), 'zstd.wasm')));
        Module.instantiateWasm = (imports, receive) => {
          const instance = new Wasm.Instance(wasm, imports);
          receive(instance);
          return instance.exports;
        };
        Module.init();
        if (!Module.calledRun) throw new Error('the zstd wasm runtime did not start');
      }
      const probe = Buffer.from('kstack zstd self-check '.repeat(8));
      if (!Buffer.from(fzstdDecompress(api.compress(probe, 3))).equals(probe)) throw new Error('self-check round trip failed');
      zstdEncoderState = api.compress;
    } catch (err) {
      zstdEncoderState = err instanceof Error ? err : new Error(String(err));
    }
  }
  if (zstdEncoderState instanceof Error) {
    throw new RecordFormatError(`zstd: encoder unavailable (${zstdEncoderState.message})`, KafkaRecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE, zstdEncoderState);
  }
  return zstdEncoderState;
}

function zstdCompress(buf: Buffer, level: number | undefined): Buffer {
  return toBuffer(zstdEncoder()(buf, level ?? 3));
}

// ----------------------------------------------------------------------------------------------------------- API

/** Decompresses a payload of the given codec; throws RecordFormatError on malformed or oversized data. */
export function decompress(type: CompressionType | number, data: Uint8Array, options: DecompressOptions = {}): Buffer {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const buf = toBuffer(data);
  switch (type) {
    case CompressionType.None:
      if (buf.length > maxBytes) throw tooBig('none', buf.length, maxBytes);
      return buf;
    case CompressionType.Gzip:
      return gzipDecompress(buf, maxBytes);
    case CompressionType.Snappy:
      return snappyDecompress(buf, maxBytes);
    case CompressionType.Lz4:
      return lz4FrameDecompress(buf, maxBytes, options.magic0 === true);
    case CompressionType.Zstd:
      return zstdDecompress(buf, maxBytes);
    default:
      throw unsupported(type);
  }
}

/** Compresses a payload with the given codec, framed the way Kafka's Java producer frames it. */
export function compress(type: CompressionType | number, data: Uint8Array, options: CompressOptions = {}): Buffer {
  const buf = toBuffer(data);
  switch (type) {
    case CompressionType.None:
      return buf;
    case CompressionType.Gzip:
      return gzipSync(buf, { level: options.level ?? zlibConstants.Z_DEFAULT_COMPRESSION });
    case CompressionType.Snappy:
      return snappyCompress(buf);
    case CompressionType.Lz4:
      return lz4FrameCompress(buf, options.magic0 === true);
    case CompressionType.Zstd:
      return zstdCompress(buf, options.level);
    default:
      throw unsupported(type);
  }
}
