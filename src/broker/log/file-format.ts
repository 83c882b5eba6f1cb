/**
 * Small shared pieces of Kafka's on-disk layout: file names, 64-bit integers as JS numbers, topic/directory ids,
 * and the write-to-temp-then-rename that every checkpoint file uses.
 *
 * Segment files are named by their base offset, zero-padded to 20 digits (`LogFileUtils.filenamePrefixFromOffset`):
 * `00000000000000000000.log`, `.index`, `.timeindex`. Partition directories are `<topic>-<partition>`.
 */
import { closeSync, fsyncSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
/** Leftovers of interrupted work in Kafka's layout; removed when a partition opens. */
export const STRAY_SUFFIXES = ['.deleted', '.cleaned', '.swap', '.tmp'];

const TWO_32 = 4294967296;

export function segmentPrefix(baseOffset: number): string {
  return String(baseOffset).padStart(20, '0');
}

export function segmentFile(dir: string, baseOffset: number, suffix: string): string {
  return join(dir, segmentPrefix(baseOffset) + suffix);
}

/** The base offset in a segment file name, or undefined when the name is not one. */
export function parseSegmentName(name: string, suffix: string): number | undefined {
  if (!name.endsWith(suffix)) return undefined;
  const prefix = name.slice(0, -suffix.length);
  if (!/^\d{20}$/.test(prefix)) return undefined;
  const n = Number(prefix);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** `<topic>-<partition>` → its parts; undefined for other directories (e.g. `…-delete`, `…-future`). */
export function parsePartitionDirName(name: string): { topic: string; partition: number } | undefined {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const digits = name.slice(dash + 1);
  if (!/^\d+$/.test(digits)) return undefined;
  const partition = Number(digits);
  if (!Number.isSafeInteger(partition) || partition > 0x7fffffff) return undefined;
  return { topic: name.slice(0, dash), partition };
}

/** Reads a big-endian int64 as a JS number (exact up to 2^53). */
export function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4);
}

export function writeInt64(buf: Buffer, value: number, at: number): void {
  const hi = Math.floor(value / TWO_32);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(value - hi * TWO_32, at + 4);
}

/**
 * Kafka's `Uuid.toString()`: the 16 bytes as URL-safe base64 without padding (22 characters). Accepts that form
 * or the 36-character hex form and returns the base64 one; undefined when it is neither.
 */
export function normalizeUuid(id: string): string | undefined {
  if (/^[A-Za-z0-9_-]{22}$/.test(id)) {
    const bytes = Buffer.from(id, 'base64url');
    return bytes.length === 16 && bytes.toString('base64url') === id ? id : undefined;
  }
  if (/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(id)) {
    return Buffer.from(id.replace(/-/g, ''), 'hex').toString('base64url');
  }
  return undefined;
}

/** A random id as Kafka makes them (`Uuid.randomUuid`: never all-zero/one and never starting with '-'). */
export function randomUuid(): string {
  for (;;) {
    const bytes = randomBytes(16);
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4, as java.util.UUID.randomUUID
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const s = bytes.toString('base64url');
    if (!s.startsWith('-')) return s;
  }
}

/** Writes `text` to `path` so a crash leaves either the old or the new file: temp file, fsync, rename. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Writes all of buf[start, end) at `position`, looping over short writes. */
export function writeFully(fd: number, buf: Buffer, start: number, end: number, position: number): void {
  let at = start;
  while (at < end) {
    const n = writeSync(fd, buf, at, end - at, position + (at - start));
    if (n <= 0) throw new Error(`short write (${n} bytes)`);
    at += n;
  }
}

/** Reads up to `length` bytes at `position` into buf[start…); returns how many were read (short only at EOF). */
export function readFully(fd: number, buf: Buffer, start: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, start + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}
