/**
 * One segment: `<base>.log` plus its `.index` and `.timeindex` (formats in segment-index.ts).
 *
 * `<20-digit base offset>.log` is a concatenation of record batches exactly as on the wire (v2, magic 2; layout in
 * src/protocol/records/batch-header.ts), BaseOffset and PartitionLeaderEpoch already assigned by the broker. No
 * header, no footer, no padding: a reader walks it batch by batch using BatchLength. Only this class writes it.
 *
 * Writes are positioned (`pwrite` at the current size), so truncation is an ftruncate and nothing else.
 */
import { closeSync, constants, existsSync, fstatSync, fsync, fsyncSync, ftruncateSync, openSync, unlinkSync } from 'node:fs';
import {
  BATCH_HEADER_SIZE,
  CRC_START,
  LOG_OVERHEAD,
  OFFSET_BASE_OFFSET,
  OFFSET_BATCH_LENGTH,
  OFFSET_CRC,
  OFFSET_LAST_OFFSET_DELTA,
  OFFSET_MAGIC,
  OFFSET_MAX_TIMESTAMP,
} from '../../protocol/records/batch-header.js';
import { crc32c } from '../../protocol/records/crc.js';
import { INDEX_SUFFIX, LOG_SUFFIX, readFully, readInt64, segmentFile, TIME_INDEX_SUFFIX, writeFully } from './file-format.js';
import type { LogConfig } from './log-config.js';
import { OffsetIndex, TimeIndex } from './segment-index.js';

/** The header fields a scan needs end with MaxTimestamp. */
const SCAN_HEADER_BYTES = OFFSET_MAX_TIMESTAMP + 8;
const MIN_BATCH_LENGTH = BATCH_HEADER_SIZE - LOG_OVERHEAD;
/** Header scans start at an index entry, so the target is usually within index.interval.bytes (4096). */
const SCAN_CHUNK = 16 * 1024;
const RECENT_BATCHES = 128;
const RECOVERY_CHUNK = 1024 * 1024;

/** A batch's place in the file, as scans and appends see it. */
export interface BatchPosition {
  position: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  size: number;
}

/** One scratch buffer per process for header scans (single-threaded; never handed out). */
const scratch = Buffer.allocUnsafe(SCAN_CHUNK);

export class LogSegment {
  readonly logPath: string;
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  private fd: number;
  /** Bytes in the .log file. */
  size: number;
  /** One past the last offset stored here; baseOffset while empty. */
  nextOffset: number;
  /** Largest batch MaxTimestamp in the segment (-1: none) and the last offset of the batch that carried it. */
  maxTimestamp = -1;
  offsetOfMaxTimestamp: number;
  /** The first batch's MaxTimestamp: segment.ms counts from it (Kafka's rollingBasedTimestamp). */
  firstBatchTimestamp: number | undefined;
  /** When this process created or opened the segment (segment.ms for segments without timestamps). */
  readonly created: number;
  private bytesSinceLastIndexEntry = 0;
  private closed = false;
  /**
   * The latest appended batches of the active segment (oldest first, at most 2 × RECENT_BATCHES): a consumer
   * keeping up asks for one of these, and finds it without an index lookup or a header-scan read.
   */
  private recent: BatchPosition[] = [];

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    private indexIntervalBytes: number,
    segmentIndexBytes: number,
    now: number,
    fresh: boolean,
  ) {
    this.logPath = segmentFile(dir, baseOffset, LOG_SUFFIX);
    this.offsetIndex = new OffsetIndex(segmentFile(dir, baseOffset, INDEX_SUFFIX), baseOffset, segmentIndexBytes, fresh);
    this.timeIndex = new TimeIndex(segmentFile(dir, baseOffset, TIME_INDEX_SUFFIX), baseOffset, segmentIndexBytes, fresh);
    const flags = constants.O_RDWR | constants.O_CREAT | (fresh ? constants.O_TRUNC : 0);
    this.fd = openSync(this.logPath, flags, 0o644);
    this.size = fresh ? 0 : fstatSync(this.fd).size;
    this.nextOffset = baseOffset;
    this.offsetOfMaxTimestamp = baseOffset;
    this.created = now;
  }

  /** A new, empty segment (replaces any files of the same name). */
  static create(dir: string, baseOffset: number, config: LogConfig, now: number): LogSegment {
    const seg = new LogSegment(dir, baseOffset, config.indexIntervalBytes, config.segmentIndexBytes, now, true);
    seg.offsetIndex.flush();
    seg.timeIndex.flush();
    return seg;
  }

  /**
   * An existing segment, trusting its indexes (a clean start, or a segment below the recovery point). Reads the
   * batch headers after the last index entry to learn the next offset. Returns `needsRecovery` when the indexes
   * fail their sanity check or the tail does not parse, so the caller runs `recover()`.
   */
  static open(dir: string, baseOffset: number, config: LogConfig, now: number): { segment: LogSegment; needsRecovery: boolean } {
    const seg = new LogSegment(dir, baseOffset, config.indexIntervalBytes, config.segmentIndexBytes, now, false);
    const indexesPresent = existsSync(seg.offsetIndex.path) && existsSync(seg.timeIndex.path);
    return { segment: seg, needsRecovery: !seg.loadTail() || !indexesPresent };
  }

  private loadTail(): boolean {
    if (!this.offsetIndex.isSane(this.size) || !this.timeIndex.isSane()) return false;
    const lastTime = this.timeIndex.lastEntry();
    if (lastTime) {
      this.maxTimestamp = lastTime.timestamp;
      this.offsetOfMaxTimestamp = lastTime.offset;
    }
    const n = this.offsetIndex.entries;
    const start = n > 0 ? this.offsetIndex.positionAt(n - 1) : 0;
    let ok = true;
    let end = start;
    this.bytesSinceLastIndexEntry = 0;
    this.scan(start, this.size, (b) => {
      this.nextOffset = b.lastOffset + 1;
      if (b.maxTimestamp > this.maxTimestamp) {
        this.maxTimestamp = b.maxTimestamp;
        this.offsetOfMaxTimestamp = b.lastOffset;
      }
      this.bytesSinceLastIndexEntry += b.size;
      end = b.position + b.size;
      return true;
    });
    if (end !== this.size) ok = false;
    if (n > 0 && this.nextOffset <= this.offsetIndex.offsetAt(n - 1)) ok = false;
    const lastTimeEntry = this.timeIndex.lastEntry();
    if (lastTimeEntry && lastTimeEntry.offset >= this.nextOffset) ok = false;
    if (ok) this.loadFirstBatchTimestamp();
    this.offsetIndex.release();
    this.timeIndex.release();
    return ok;
  }

  private loadFirstBatchTimestamp(): void {
    this.firstBatchTimestamp = undefined;
    this.scan(0, this.size, (b) => {
      this.firstBatchTimestamp = b.maxTimestamp;
      return false;
    });
  }

  /**
   * Validates every batch (length inside the file, magic 2, CRC-32C over [Attributes, end), offsets increasing),
   * rebuilds both indexes, and truncates the file at the first batch that fails. Returns the bytes cut off.
   */
  recover(): number {
    this.recent = [];
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = this.baseOffset;
    this.nextOffset = this.baseOffset;
    this.bytesSinceLastIndexEntry = 0;
    let buf = Buffer.allocUnsafe(Math.min(RECOVERY_CHUNK, Math.max(this.size, 1)));
    let bufStart = 0;
    let bufLen = 0;
    let pos = 0;
    while (pos < this.size) {
      // Make sure the 12-byte prefix, then the whole batch, is in the buffer.
      const need = (n: number): boolean => {
        if (pos + n > this.size) return false;
        if (pos >= bufStart && pos + n <= bufStart + bufLen) return true;
        if (n > buf.length) buf = Buffer.allocUnsafe(n);
        bufStart = pos;
        bufLen = readFully(this.fd, buf, 0, Math.min(buf.length, this.size - pos), pos);
        return bufLen >= n;
      };
      if (!need(LOG_OVERHEAD)) break;
      const length = buf.readInt32BE(pos - bufStart + OFFSET_BATCH_LENGTH);
      if (length < MIN_BATCH_LENGTH) break;
      const size = LOG_OVERHEAD + length;
      if (!need(size)) break;
      const at = pos - bufStart;
      if (buf[at + OFFSET_MAGIC] !== 2) break;
      if (crc32c(buf, at + CRC_START, at + size) !== buf.readUInt32BE(at + OFFSET_CRC)) break;
      const baseOffset = readInt64(buf, at + OFFSET_BASE_OFFSET);
      const delta = buf.readInt32BE(at + OFFSET_LAST_OFFSET_DELTA);
      if (baseOffset < this.nextOffset || delta < 0 || baseOffset + delta - this.baseOffset > 0x7fffffff) break;
      const b: BatchPosition = { position: pos, baseOffset, lastOffset: baseOffset + delta, maxTimestamp: readInt64(buf, at + OFFSET_MAX_TIMESTAMP), size };
      this.indexBatch(b);
      this.nextOffset = b.lastOffset + 1;
      pos += size;
    }
    const truncated = this.size - pos;
    if (truncated > 0) {
      ftruncateSync(this.fd, pos);
      this.size = pos;
    }
    this.loadFirstBatchTimestamp();
    this.offsetIndex.flush();
    this.timeIndex.flush();
    return truncated;
  }

  /** Index bookkeeping for one batch just written (or re-read by recovery), as Kafka's LogSegment.append. */
  private indexBatch(b: BatchPosition): void {
    if (b.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = b.maxTimestamp;
      this.offsetOfMaxTimestamp = b.lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.indexIntervalBytes) {
      this.offsetIndex.append(b.lastOffset, b.position);
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += b.size;
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  get indexesFull(): boolean {
    return this.offsetIndex.isFull || this.timeIndex.isFull;
  }

  /**
   * Appends `data` (batches already rewritten by the caller; `batches` describes them with positions relative to
   * data's start) in one write.
   */
  append(data: Buffer, batches: readonly BatchPosition[]): void {
    const base = this.size;
    writeFully(this.fd, data, 0, data.length, base);
    this.size += data.length;
    if (this.firstBatchTimestamp === undefined && batches.length > 0) this.firstBatchTimestamp = batches[0].maxTimestamp;
    for (const b of batches) {
      b.position += base; // the caller's descriptors become ours
      this.indexBatch(b);
      this.recent.push(b);
    }
    if (this.recent.length > 2 * RECENT_BATCHES) this.recent = this.recent.slice(-RECENT_BATCHES);
    if (batches.length > 0) this.nextOffset = batches[batches.length - 1].lastOffset + 1;
  }

  /**
   * Walks batch headers from `start` until `end`, calling visit for each whole, plausible batch until it returns
   * false. Stops silently at anything that does not parse (recovery is where that gets judged).
   */
  scan(start: number, end: number, visit: (b: BatchPosition) => boolean): void {
    let pos = start;
    let bufStart = 0;
    let bufLen = 0;
    while (pos + LOG_OVERHEAD <= end) {
      if (pos < bufStart || pos + SCAN_HEADER_BYTES > bufStart + bufLen) {
        bufStart = pos;
        bufLen = readFully(this.fd, scratch, 0, Math.min(SCAN_CHUNK, end - pos), pos);
        if (bufLen < SCAN_HEADER_BYTES) return;
      }
      const at = pos - bufStart;
      const length = scratch.readInt32BE(at + OFFSET_BATCH_LENGTH);
      if (length < MIN_BATCH_LENGTH || scratch[at + OFFSET_MAGIC] !== 2) return;
      const size = LOG_OVERHEAD + length;
      if (pos + size > end) return;
      const baseOffset = readInt64(scratch, at + OFFSET_BASE_OFFSET);
      const b: BatchPosition = {
        position: pos,
        baseOffset,
        lastOffset: baseOffset + scratch.readInt32BE(at + OFFSET_LAST_OFFSET_DELTA),
        maxTimestamp: readInt64(scratch, at + OFFSET_MAX_TIMESTAMP),
        size,
      };
      if (!visit(b)) return;
      pos += size;
    }
  }

  /** The first batch whose last offset is >= offset, found via the offset index then a short header scan. */
  translateOffset(offset: number, startPosition = 0): BatchPosition | undefined {
    const recent = this.recent;
    if (recent.length > 0 && offset >= recent[0].baseOffset && recent[0].position >= startPosition) {
      // Batches are contiguous, so the answer is among the recent ones (or there is none).
      let lo = 0;
      let hi = recent.length - 1;
      if (recent[hi].lastOffset < offset) return undefined;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (recent[mid].lastOffset >= offset) hi = mid;
        else lo = mid + 1;
      }
      return recent[lo];
    }
    const fromIndex = this.offsetIndex.lookup(offset).position;
    let found: BatchPosition | undefined;
    this.scan(Math.max(fromIndex, startPosition), this.size, (b) => {
      if (b.lastOffset >= offset) {
        found = b;
        return false;
      }
      return true;
    });
    return found;
  }

  /**
   * Whole batches from the one that holds `offset`: at least that batch, then more while they fit in maxBytes
   * and start below maxOffset. One positioned read into one buffer.
   */
  read(offset: number, maxBytes: number, maxOffset: number): { data: Buffer; firstOffset: number } | undefined {
    const first = this.translateOffset(offset);
    if (!first || first.baseOffset >= maxOffset) return undefined;
    const budget = maxBytes > 0 ? maxBytes : 0; // NaN or negative: just the one batch
    const want = Math.max(first.size, Math.min(budget, this.size - first.position));
    const data = Buffer.allocUnsafe(want);
    const got = readFully(this.fd, data, 0, want, first.position);
    // Cut at the last whole batch that starts below maxOffset.
    let cut = 0;
    while (cut + LOG_OVERHEAD <= got) {
      const size = LOG_OVERHEAD + data.readInt32BE(cut + OFFSET_BATCH_LENGTH);
      if (size < BATCH_HEADER_SIZE || cut + size > got) break;
      if (cut > 0 && readInt64(data, cut + OFFSET_BASE_OFFSET) >= maxOffset) break;
      cut += size;
    }
    if (cut === 0) return undefined;
    return { data: cut === data.length ? data : data.subarray(0, cut), firstOffset: first.baseOffset };
  }

  /** Reads `size` bytes at `position` (one batch, for timestamp searches). */
  readAt(position: number, size: number): Buffer {
    const data = Buffer.allocUnsafe(size);
    const got = readFully(this.fd, data, 0, size, position);
    return got === size ? data : data.subarray(0, got);
  }

  /** Removes every batch whose last offset is >= offset (whole batches; Kafka's LogSegment.truncateTo). */
  truncateTo(offset: number): number {
    const from = this.translateOffset(offset);
    if (!from) return 0;
    const cut = this.size - from.position;
    this.recent = [];
    ftruncateSync(this.fd, from.position);
    this.size = from.position;
    this.offsetIndex.truncateTo(offset);
    this.timeIndex.truncateTo(offset);
    // Recompute what the remaining batches say (cheap next to a truncation, which is rare).
    this.nextOffset = this.baseOffset;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = this.baseOffset;
    this.bytesSinceLastIndexEntry = 0;
    this.scan(0, this.size, (b) => {
      this.nextOffset = b.lastOffset + 1;
      if (b.maxTimestamp > this.maxTimestamp) {
        this.maxTimestamp = b.maxTimestamp;
        this.offsetOfMaxTimestamp = b.lastOffset;
      }
      return true;
    });
    this.loadFirstBatchTimestamp();
    return cut;
  }

  /** Newest timestamp for retention: the largest batch timestamp, else the file's modification time. */
  largestTimestamp(): number {
    if (this.maxTimestamp >= 0) return this.maxTimestamp;
    return fstatSync(this.fd).mtimeMs;
  }

  /** Writes the index files and fsyncs the .log file. */
  flush(): void {
    if (this.closed) return;
    fsyncSync(this.fd);
    this.offsetIndex.flush();
    this.timeIndex.flush();
  }

  /** fsync on libuv's thread pool (after a roll); done(ok) runs when it finished. */
  flushAsync(done: (ok: boolean) => void): void {
    if (this.closed) return done(false); // deleted or closed meanwhile: never recreate its index files
    this.offsetIndex.flush();
    this.timeIndex.flush();
    fsync(this.fd, (err) => done(!err && !this.closed));
  }

  /** A segment stops being the active one: the final time-index entry, index files written (Kafka's onBecomeInactiveSegment). */
  onBecomeInactive(): void {
    this.recent = [];
    this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
    this.offsetIndex.flush();
    this.timeIndex.flush();
    this.offsetIndex.release();
    this.timeIndex.release();
  }

  close(): void {
    if (this.closed) return;
    this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
    this.offsetIndex.flush();
    this.timeIndex.flush();
    closeSync(this.fd);
    this.closed = true;
  }

  /** Closes and removes the three files. */
  deleteFiles(): void {
    if (!this.closed) {
      closeSync(this.fd);
      this.closed = true;
    }
    for (const path of [this.logPath, this.offsetIndex.path, this.timeIndex.path]) {
      try {
        unlinkSync(path);
      } catch {
        /* already gone */
      }
    }
  }
}
