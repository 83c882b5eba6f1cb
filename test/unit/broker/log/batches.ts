/**
 * Test helpers: assemble valid record batches v2 (header + varint records + CRC-32C) and take them apart again,
 * written from the format description (DefaultRecordBatch / DefaultRecord), independent of the code under test.
 */
import { compress } from '../../../../src/protocol/records/compression.js';
import { crc32c } from '../../../../src/protocol/records/crc.js';

export interface TestRecord {
  key?: Buffer | null;
  value: Buffer | string | null;
  /** Absolute timestamp (ms); default the batch's base timestamp. */
  timestamp?: number;
}

function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function varint(out: number[], n: number): void {
  let v = zigzag(n);
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function bytesField(out: number[], b: Buffer | null | undefined): void {
  if (b === null || b === undefined) return varint(out, -1);
  varint(out, b.length);
  for (const x of b) out.push(x);
}

export function encodeRecords(records: TestRecord[], baseTimestamp: number): Buffer {
  const parts: number[] = [];
  records.forEach((r, i) => {
    const body: number[] = [0];
    varint(body, (r.timestamp ?? baseTimestamp) - baseTimestamp);
    varint(body, i);
    bytesField(body, r.key);
    bytesField(body, typeof r.value === 'string' ? Buffer.from(r.value) : r.value);
    varint(body, 0);
    varint(parts, body.length);
    parts.push(...body);
  });
  return Buffer.from(parts);
}

export interface BatchOptions {
  baseTimestamp?: number;
  /** Compress the records as gzip (1), snappy (2), lz4 (3) or zstd (4). */
  codec?: number;
  gzip?: boolean;
  producerId?: number;
  /** Value written as BaseOffset (the broker must overwrite it). */
  baseOffset?: number;
}

/** One v2 batch holding `records`. */
export function makeBatch(records: TestRecord[], opts: BatchOptions = {}): Buffer {
  const baseTimestamp = opts.baseTimestamp ?? Math.min(...records.map((r) => r.timestamp ?? 1_700_000_000_000));
  const maxTimestamp = Math.max(...records.map((r) => r.timestamp ?? baseTimestamp));
  const codec = opts.codec ?? (opts.gzip ? 1 : 0);
  let body = encodeRecords(records, baseTimestamp);
  if (codec !== 0) body = compress(codec, body);
  const b = Buffer.alloc(61 + body.length);
  b.writeBigInt64BE(BigInt(opts.baseOffset ?? 0), 0);
  b.writeInt32BE(b.length - 12, 8);
  b.writeInt32BE(-1, 12);
  b.writeInt8(2, 16);
  b.writeInt16BE(codec, 21);
  b.writeInt32BE(records.length - 1, 23);
  b.writeBigInt64BE(BigInt(baseTimestamp), 27);
  b.writeBigInt64BE(BigInt(maxTimestamp), 35);
  b.writeBigInt64BE(BigInt(opts.producerId ?? -1), 43);
  b.writeInt16BE(-1, 51);
  b.writeInt32BE(-1, 53);
  b.writeInt32BE(records.length, 57);
  body.copy(b, 61);
  b.writeUInt32BE(crc32c(b, 21, b.length), 17);
  return b;
}

/** A batch of `n` records with values "<prefix>-<i>" and timestamps ts, ts+1, … */
export function valuesBatch(prefix: string, n: number, ts = 1_700_000_000_000, valueBytes = 0): Buffer {
  return makeBatch(
    Array.from({ length: n }, (_, i) => ({
      value: valueBytes > 0 ? `${prefix}-${i}-`.padEnd(valueBytes, 'x') : `${prefix}-${i}`,
      timestamp: ts + i,
    })),
  );
}

export interface ParsedBatch {
  baseOffset: number;
  lastOffset: number;
  leaderEpoch: number;
  attributes: number;
  maxTimestamp: number;
  crcValid: boolean;
  size: number;
  records: { offset: number; timestamp: number; value: string | null }[];
}

function readVarint(buf: Buffer, at: { pos: number }): number {
  let raw = 0;
  let mul = 1;
  for (;;) {
    const b = buf[at.pos++];
    raw += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) break;
    mul *= 128;
  }
  return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
}

/** Splits a buffer of concatenated uncompressed batches; throws on anything malformed. */
export function parseBatches(data: Buffer): ParsedBatch[] {
  const out: ParsedBatch[] = [];
  let pos = 0;
  while (pos < data.length) {
    const size = 12 + data.readInt32BE(pos + 8);
    if (pos + size > data.length) throw new Error(`partial batch at ${pos}`);
    const b = data.subarray(pos, pos + size);
    if (b[16] !== 2) throw new Error(`magic ${b[16]} at ${pos}`);
    const baseOffset = Number(b.readBigInt64BE(0));
    const baseTimestamp = Number(b.readBigInt64BE(27));
    const attributes = b.readInt16BE(21);
    const records: ParsedBatch['records'] = [];
    if ((attributes & 7) === 0) {
      const at = { pos: 61 };
      for (let i = 0; i < b.readInt32BE(57); i++) {
        const len = readVarint(b, at);
        const start = at.pos;
        at.pos++;
        const ts = baseTimestamp + readVarint(b, at);
        const od = readVarint(b, at);
        const kl = readVarint(b, at);
        if (kl > 0) at.pos += kl;
        const vl = readVarint(b, at);
        const value = vl < 0 ? null : b.subarray(at.pos, at.pos + vl).toString();
        records.push({ offset: baseOffset + od, timestamp: ts, value });
        at.pos = start + len;
      }
    }
    out.push({
      baseOffset,
      lastOffset: baseOffset + b.readInt32BE(23),
      leaderEpoch: b.readInt32BE(12),
      attributes,
      maxTimestamp: Number(b.readBigInt64BE(35)),
      crcValid: crc32c(b, 21, b.length) === b.readUInt32BE(17),
      size,
      records,
    });
    pos += size;
  }
  return out;
}
