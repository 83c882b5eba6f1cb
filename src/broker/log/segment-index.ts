/**
 * The two sparse per-segment indexes, in Kafka's file formats (big-endian, no header, no checksum — rebuilt by
 * recovery after an unclean stop):
 *
 *   <base>.index      8-byte entries (`OffsetIndex.java`): int32 offset relative to the segment's base offset,
 *                     int32 byte position of a batch in the .log file. The offset is the batch's LAST offset;
 *                     one entry per `index.interval.bytes` of batches. Offsets and positions strictly increase.
 *   <base>.timeindex  12-byte entries (`TimeIndex.java`): int64 timestamp (ms), int32 relative offset: "up to this
 *                     offset, the largest timestamp seen is this". Timestamps strictly increase.
 *
 * Kafka preallocates the files to `segment.index.bytes` and trims them on roll; here a file always holds exactly
 * its entries (what Kafka's trimmed files look like), so `kafka-dump-log.sh` reads them the same. Entries live in
 * a Buffer and reach the file on flush/roll/close; the file is read lazily the first time an old segment's index
 * is needed.
 */
import { closeSync, constants, ftruncateSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { readInt64, writeFully, writeInt64 } from './file-format.js';

abstract class SegmentIndex {
  private buf: Buffer | undefined;
  private count = 0;
  /** Entries [0, onDisk) are in the file as they are in memory. */
  private onDisk = 0;
  private fileBytes = -1;
  readonly maxEntries: number;

  constructor(
    readonly path: string,
    readonly baseOffset: number,
    maxIndexBytes: number,
    protected readonly entrySize: number,
    fresh: boolean,
  ) {
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / entrySize));
    if (fresh) {
      this.buf = Buffer.alloc(0);
      this.fileBytes = -1; // unknown: the first flush creates (or empties) the file
    }
  }

  protected get data(): Buffer {
    if (!this.buf) this.load();
    return this.buf!;
  }

  private load(): void {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.path);
    } catch {
      bytes = Buffer.alloc(0);
    }
    this.fileBytes = bytes.length;
    this.count = Math.floor(bytes.length / this.entrySize);
    this.onDisk = bytes.length % this.entrySize === 0 ? this.count : 0;
    this.buf = bytes;
  }

  get entries(): number {
    if (!this.buf) this.load();
    return this.count;
  }

  get isFull(): boolean {
    return this.entries >= this.maxEntries;
  }

  protected pushEntry(write: (buf: Buffer, at: number) => void): void {
    const data = this.data;
    const at = this.count * this.entrySize;
    if (at + this.entrySize > data.length) {
      const grown = Buffer.alloc(Math.min(this.maxEntries * this.entrySize, Math.max(1024, data.length * 2)));
      data.copy(grown, 0, 0, at);
      this.buf = grown;
    }
    write(this.buf!, at);
    this.count++;
  }

  /** Keeps the first n entries. */
  protected keep(n: number): void {
    if (n < this.entries) {
      this.count = n;
      this.onDisk = Math.min(this.onDisk, n);
    }
  }

  /** Drops every entry (recovery rebuilds from scratch). */
  reset(): void {
    this.buf = Buffer.alloc(0);
    this.count = 0;
    this.onDisk = 0;
  }

  /** Largest entry index whose key is <= target (keys strictly increase), or -1. */
  protected floorSlot(target: number, key: (slot: number) => number): number {
    let lo = 0;
    let hi = this.entries - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (key(mid) <= target) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Writes entries not yet in the file and trims the file to exactly the entries. */
  flush(): void {
    if (!this.buf) return; // never loaded: the file is as it was
    const wantBytes = this.count * this.entrySize;
    if (this.onDisk === this.count && this.fileBytes === wantBytes) return;
    const fd = openSync(this.path, constants.O_RDWR | constants.O_CREAT, 0o644);
    try {
      const from = this.onDisk * this.entrySize;
      writeFully(fd, this.buf, from, wantBytes, from);
      if (this.fileBytes !== wantBytes) ftruncateSync(fd, wantBytes);
    } finally {
      closeSync(fd);
    }
    this.onDisk = this.count;
    this.fileBytes = wantBytes;
  }

  /** Frees the in-memory copy of an index already flushed (old segments are reloaded on demand). */
  release(): void {
    if (this.buf && this.onDisk === this.count && this.fileBytes === this.count * this.entrySize) this.buf = undefined;
  }

  deleteFile(): void {
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
    this.reset();
    this.fileBytes = 0;
  }
}

export class OffsetIndex extends SegmentIndex {
  static readonly ENTRY_SIZE = 8;

  constructor(path: string, baseOffset: number, maxIndexBytes: number, fresh: boolean) {
    super(path, baseOffset, maxIndexBytes, OffsetIndex.ENTRY_SIZE, fresh);
  }

  private relOffset = (slot: number): number => this.data.readInt32BE(slot * 8);

  offsetAt(slot: number): number {
    return this.baseOffset + this.relOffset(slot);
  }

  positionAt(slot: number): number {
    return this.data.readInt32BE(slot * 8 + 4);
  }

  /** Adds (offset, position) when it is past the last entry and there is room; returns whether it did. */
  append(offset: number, position: number): boolean {
    const n = this.entries;
    if (n >= this.maxEntries) return false;
    if (n > 0 && (offset <= this.offsetAt(n - 1) || position <= this.positionAt(n - 1))) return false;
    const rel = offset - this.baseOffset;
    if (rel < 0 || rel > 0x7fffffff) return false;
    this.pushEntry((buf, at) => {
      buf.writeInt32BE(rel, at);
      buf.writeInt32BE(position, at + 4);
    });
    return true;
  }

  /** The entry with the largest offset <= target, or (baseOffset, 0) when there is none. */
  lookup(target: number): { offset: number; position: number } {
    const slot = this.floorSlot(target - this.baseOffset, this.relOffset);
    return slot < 0 ? { offset: this.baseOffset, position: 0 } : { offset: this.offsetAt(slot), position: this.positionAt(slot) };
  }

  /** Drops entries for offsets >= offset. */
  truncateTo(offset: number): void {
    this.keep(this.floorSlot(offset - this.baseOffset - 1, this.relOffset) + 1);
  }

  /** Kafka's sanity check: increasing offsets inside the segment and positions inside the .log file. */
  isSane(logSize: number): boolean {
    let prevOffset = -1;
    let prevPosition = -1;
    for (let i = 0; i < this.entries; i++) {
      const rel = this.relOffset(i);
      const pos = this.positionAt(i);
      if (rel < 0 || rel <= prevOffset || pos <= prevPosition || pos >= logSize) return false;
      prevOffset = rel;
      prevPosition = pos;
    }
    return true;
  }
}

export class TimeIndex extends SegmentIndex {
  static readonly ENTRY_SIZE = 12;

  constructor(path: string, baseOffset: number, maxIndexBytes: number, fresh: boolean) {
    super(path, baseOffset, maxIndexBytes, TimeIndex.ENTRY_SIZE, fresh);
  }

  private timestamp = (slot: number): number => readInt64(this.data, slot * 12);

  timestampAt(slot: number): number {
    return this.timestamp(slot);
  }

  offsetAt(slot: number): number {
    return this.baseOffset + this.data.readInt32BE(slot * 12 + 8);
  }

  lastEntry(): { timestamp: number; offset: number } | undefined {
    const n = this.entries;
    return n === 0 ? undefined : { timestamp: this.timestamp(n - 1), offset: this.offsetAt(n - 1) };
  }

  /** Adds (timestamp, offset) when the timestamp is newer than the last entry's (Kafka's maybeAppend). */
  maybeAppend(timestamp: number, offset: number): boolean {
    const n = this.entries;
    if (n >= this.maxEntries || timestamp < 0) return false;
    if (n > 0 && (timestamp <= this.timestamp(n - 1) || offset < this.offsetAt(n - 1))) return false;
    const rel = offset - this.baseOffset;
    if (rel < 0 || rel > 0x7fffffff) return false;
    this.pushEntry((buf, at) => {
      writeInt64(buf, timestamp, at);
      buf.writeInt32BE(rel, at + 8);
    });
    return true;
  }

  /** The entry with the largest timestamp strictly below target, or undefined. */
  lookupBelow(target: number): { timestamp: number; offset: number } | undefined {
    const slot = this.floorSlot(target - 1, this.timestamp);
    return slot < 0 ? undefined : { timestamp: this.timestamp(slot), offset: this.offsetAt(slot) };
  }

  /** Drops entries for offsets >= offset. */
  truncateTo(offset: number): void {
    let n = this.entries;
    while (n > 0 && this.offsetAt(n - 1) >= offset) n--;
    this.keep(n);
  }

  isSane(): boolean {
    let prevTs = -Infinity;
    let prevOffset = -1;
    for (let i = 0; i < this.entries; i++) {
      const ts = this.timestamp(i);
      const off = this.offsetAt(i);
      if (ts <= prevTs || off < prevOffset || off < this.baseOffset) return false;
      prevTs = ts;
      prevOffset = off;
    }
    return true;
  }
}
