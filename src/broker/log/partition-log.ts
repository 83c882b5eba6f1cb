/**
 * One partition's log: the directory `<log dir>/<topic>-<partition>/` in Kafka's layout —
 *
 *   00000000000000000000.log / .index / .timeindex   segments named by base offset (log-segment.ts,
 *   00000000000000001520.log / .index / .timeindex     segment-index.ts); the last one is the active segment
 *   leader-epoch-checkpoint                           leader-epoch-cache.ts
 *   partition.metadata                                partition-metadata.ts
 *
 * Appends take v2 batches the Produce handler already validated (CRC checked once there), rewrite BaseOffset and
 * PartitionLeaderEpoch in place (outside the CRC) and write them with one positioned write. Reads return whole
 * batches with one positioned read. Segments roll by `segment.bytes`, `segment.ms` and full indexes; retention
 * deletes whole old segments by `retention.ms`, `retention.bytes` and the log start offset (DeleteRecords).
 *
 * Replication: a follower appends the leader's batches as they are (appendAsFollower: offsets, epochs and CRCs
 * kept, the leader epoch cache learns from them); a replicated log's high watermark is set by the replica
 * manager (setReplicated) instead of following the log end; truncateTo / truncateFullyAndStartAt cut a
 * follower back to where it agrees with its leader.
 *
 * Differences from Apache Kafka: all file work is synchronous (the broker is one thread; only the fsync of a
 * rolled segment goes to libuv's pool); no producer-state snapshots (.snapshot) or aborted-transaction index
 * (.txnindex); no compaction. Recovery validates every batch from the segment holding the recovery point on.
 */
import { mkdirSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { KstackError } from '../../errors.js';
import {
  ATTR_COMPRESSION_MASK,
  ATTR_TIMESTAMP_TYPE_LOG_APPEND,
  BATCH_HEADER_SIZE,
  CRC_START,
  LOG_OVERHEAD,
  OFFSET_ATTRIBUTES,
  OFFSET_BASE_TIMESTAMP,
  OFFSET_BATCH_LENGTH,
  OFFSET_CRC,
  OFFSET_LAST_OFFSET_DELTA,
  OFFSET_MAGIC,
  OFFSET_MAX_TIMESTAMP,
  OFFSET_PARTITION_LEADER_EPOCH,
  OFFSET_RECORDS_COUNT,
} from '../../protocol/records/batch-header.js';
import { decompress } from '../../protocol/records/compression.js';
import { crc32c } from '../../protocol/records/crc.js';
import { INDEX_SUFFIX, LOG_SUFFIX, normalizeUuid, parseSegmentName, readInt64, segmentFile, STRAY_SUFFIXES, TIME_INDEX_SUFFIX, writeInt64 } from './file-format.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import { LogAppendError, type LogConfig, type OffsetOutOfRange, type StorageLogger } from './log-config.js';
import { LogSegment, type BatchPosition } from './log-segment.js';
import { readPartitionMetadata, writePartitionMetadata } from './partition-metadata.js';

export type { LogConfig, OffsetOutOfRange, StorageLogger } from './log-config.js';
export { DEFAULT_LOG_CONFIG, LogAppendError, isOffsetOutOfRange, validateLogConfig } from './log-config.js';

export interface PartitionLogOptions {
  /** Run recovery (validate batches from the recovery point, truncate a torn tail, rebuild indexes). */
  recover: boolean;
  clock?: () => number;
  /** From the log dir's recovery-point-offset-checkpoint; recovery scans from the segment holding it (default 0). */
  recoveryPoint?: number;
  /** From the log dir's log-start-offset-checkpoint. */
  logStartOffset?: number;
  /** Called after logStartOffset moves (DeleteRecords, retention) so the owner can checkpoint it. */
  onLogStartOffsetChange?: (log: PartitionLog) => void;
  /**
   * Decompresses a batch's records for timestamp searches (codec = attributes & 7). Default: every Kafka codec
   * via src/protocol/records/compression.ts; when it fails, a search answers with the batch's first offset.
   */
  decompress?: (codec: number, data: Buffer) => Buffer;
  logger?: StorageLogger;
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** The broker time stamped into LogAppendTime batches; -1 for CreateTime topics (as Produce responses say). */
  logAppendTime: number;
}

export interface ReadResult {
  /** Whole batches, exactly as stored. Empty at the log end. */
  data: Buffer;
  /** The base offset of the first batch in data (may be below the offset asked for); the offset asked for when empty. */
  firstOffset: number;
}

const EMPTY = Buffer.alloc(0);
const INT32_MAX = 0x7fffffff;

export class PartitionLog {
  private segments: LogSegment[] = [];
  private startOffset = 0;
  private hw = 0;
  /** Everything below is on disk (fsynced) and needs no recovery after a crash. */
  private recoveryPointOffset = 0;
  private unflushedMessages = 0;
  private lastFlushTime: number;
  private closed = false;
  /** Single node: the high watermark is the log end. Replicated: the replica manager moves it. */
  private hwFollowsEnd = true;
  /** Rolled segments waiting for their background fsync, oldest first (one in flight at a time). */
  private rollFlushQueue: { segment: LogSegment; upTo: number }[] = [];
  private rollFlushBusy = false;
  private readonly clock: () => number;
  readonly leaderEpochCache: LeaderEpochCache;

  private constructor(
    readonly dir: string,
    readonly topic: string,
    readonly partition: number,
    readonly topicId: string,
    private cfg: LogConfig,
    private readonly opts: PartitionLogOptions,
  ) {
    this.clock = opts.clock ?? Date.now;
    this.lastFlushTime = this.clock();
    this.leaderEpochCache = new LeaderEpochCache(dir);
  }

  /** Opens (creating when new) the partition directory `dir`. Synchronous: a start-up step. */
  static open(dir: string, topic: string, partition: number, topicId: string, config: LogConfig, opts: PartitionLogOptions): PartitionLog {
    const id = normalizeUuid(topicId);
    if (!id) {
      throw new KstackError('KSTACK_LOG_TOPIC_ID', `Topic id ${JSON.stringify(topicId)} of ${topic}-${partition} is not a UUID`, {
        fix: 'Pass the topic id as Kafka prints it (22 characters of URL-safe base64) or as a hex UUID.',
      });
    }
    mkdirSync(dir, { recursive: true });
    const onDisk = readPartitionMetadata(dir);
    if (onDisk && onDisk !== id) {
      throw new KstackError('KSTACK_LOG_TOPIC_ID', `${dir} holds topic id ${onDisk}, not ${id} (${topic}-${partition})`, {
        fix: `The directory belongs to an older topic of the same name; remove ${dir} if its data is not needed.`,
      });
    }
    if (!onDisk) writePartitionMetadata(dir, id);
    const log = new PartitionLog(dir, topic, partition, id, config, opts);
    log.load();
    return log;
  }

  private load(): void {
    const now = this.clock();
    const bases: number[] = [];
    const names = readdirSync(this.dir);
    const logNames = new Set<string>();
    for (const name of names) {
      if (STRAY_SUFFIXES.some((s) => name.endsWith(s))) {
        unlinkSync(join(this.dir, name));
        continue;
      }
      const base = parseSegmentName(name, LOG_SUFFIX);
      if (base !== undefined) {
        bases.push(base);
        logNames.add(name.slice(0, -LOG_SUFFIX.length));
      }
    }
    // Index files whose .log is gone are left-overs of a deletion.
    for (const name of names) {
      for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
        if (parseSegmentName(name, suffix) !== undefined && !logNames.has(name.slice(0, -suffix.length))) unlinkSync(join(this.dir, name));
      }
    }
    bases.sort((a, b) => a - b);
    const recoveryPoint = this.opts.recoveryPoint ?? 0;
    let recovered = false;
    for (let i = 0; i < bases.length; i++) {
      const { segment, needsRecovery } = LogSegment.open(this.dir, bases[i], this.cfg, now);
      const nextBase = i + 1 < bases.length ? bases[i + 1] : Infinity;
      const prev = this.segments[this.segments.length - 1];
      const inOrder = !prev || prev.nextOffset <= segment.baseOffset;
      this.segments.push(segment);
      if ((this.opts.recover && nextBase > recoveryPoint) || needsRecovery || !inOrder) {
        recovered = true;
        const cut = segment.recover();
        const bad = cut > 0 || !inOrder || (i + 1 < bases.length && segment.nextOffset > nextBase);
        if (cut > 0) this.opts.logger?.warn(`[Log partition=${this.name}, dir=${this.dir}] Recovery truncated ${cut} bytes of invalid or torn batches from ${segment.logPath}`);
        if (bad) {
          // Everything after a damaged segment is unreachable in offset order: drop it, as Kafka does.
          for (const later of bases.slice(i + 1)) {
            this.opts.logger?.warn(`[Log partition=${this.name}, dir=${this.dir}] Deleting segment ${later} after the damaged one`);
            for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) rmSync(segmentFile(this.dir, later, suffix), { force: true });
          }
          if (!inOrder) {
            this.segments.pop();
            segment.deleteFiles();
          }
          break;
        }
      }
    }
    const wantedStart = Math.max(0, this.opts.logStartOffset ?? 0);
    if (this.segments.length === 0) this.segments.push(LogSegment.create(this.dir, wantedStart, this.cfg, now));
    this.startOffset = Math.max(wantedStart, this.segments[0].baseOffset);
    if (this.startOffset > this.logEndOffset) {
      // The checkpointed start is past what survived: nothing below it may be served anyway.
      this.opts.logger?.warn(`[Log partition=${this.name}, dir=${this.dir}] Log start offset ${this.startOffset} is past the log end ${this.logEndOffset}; starting empty there`);
      for (const s of this.segments) s.deleteFiles();
      this.segments = [LogSegment.create(this.dir, this.startOffset, this.cfg, now)];
    }
    this.leaderEpochCache.truncateFromEnd(this.logEndOffset);
    this.leaderEpochCache.truncateFromStart(this.startOffset);
    this.hw = this.logEndOffset;
    if (recovered) {
      this.active.flush();
      this.recoveryPointOffset = this.logEndOffset;
    } else {
      this.recoveryPointOffset = Math.min(Math.max(recoveryPoint, this.startOffset), this.logEndOffset);
    }
  }

  private get name(): string {
    return `${this.topic}-${this.partition}`;
  }

  private get active(): LogSegment {
    return this.segments[this.segments.length - 1];
  }

  get config(): LogConfig {
    return this.cfg;
  }

  /** New topic configs take effect for the next append, roll and retention pass. */
  updateConfig(config: LogConfig): void {
    this.cfg = config;
  }

  get logStartOffset(): number {
    return this.startOffset;
  }

  get logEndOffset(): number {
    return this.active.nextOffset;
  }

  /** Single node: follows the log end on every append. Replication may set it (kept within [start, end]). */
  get highWatermark(): number {
    return this.hw;
  }

  set highWatermark(value: number) {
    this.hw = Math.min(Math.max(value, this.startOffset), this.logEndOffset);
  }

  /** Replicated partitions: appends no longer move the high watermark (the leader's ISR or the leader's answer does). */
  setReplicated(replicated: boolean): void {
    this.hwFollowsEnd = !replicated;
    if (!replicated) this.hw = this.logEndOffset;
  }

  get replicated(): boolean {
    return !this.hwFollowsEnd;
  }

  get recoveryPoint(): number {
    return this.recoveryPointOffset;
  }

  /** Bytes in all segment .log files. */
  get size(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  append(batches: Buffer, leaderEpoch: number, now: number): AppendResult {
    this.ensureOpen();
    const cfg = this.cfg;
    // Pass 1: structure only, so a bad request changes nothing.
    let count = 0;
    let records = 0;
    let maxTimestamp = -1;
    for (let pos = 0; pos < batches.length; ) {
      if (batches.length - pos < BATCH_HEADER_SIZE) throw new LogAppendError('CORRUPT_MESSAGE', `${this.name}: ${batches.length - pos} trailing bytes are not a record batch`);
      const length = batches.readInt32BE(pos + OFFSET_BATCH_LENGTH);
      const size = LOG_OVERHEAD + length;
      if (length < BATCH_HEADER_SIZE - LOG_OVERHEAD || pos + size > batches.length) {
        throw new LogAppendError('CORRUPT_MESSAGE', `${this.name}: batch at byte ${pos} has length ${length}, ${batches.length - pos - LOG_OVERHEAD} bytes left`);
      }
      if (batches[pos + OFFSET_MAGIC] !== 2) throw new LogAppendError('CORRUPT_MESSAGE', `${this.name}: batch at byte ${pos} has magic ${batches[pos + OFFSET_MAGIC]}; the log stores v2 batches only`);
      if (size > cfg.maxMessageBytes) throw new LogAppendError('MESSAGE_TOO_LARGE', `${this.name}: batch of ${size} bytes exceeds max.message.bytes=${cfg.maxMessageBytes}`);
      const delta = batches.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA);
      if (delta < 0) throw new LogAppendError('CORRUPT_MESSAGE', `${this.name}: batch at byte ${pos} has LastOffsetDelta ${delta}`);
      maxTimestamp = Math.max(maxTimestamp, readInt64(batches, pos + OFFSET_MAX_TIMESTAMP));
      records += delta + 1;
      count++;
      pos += size;
    }
    if (count === 0) throw new LogAppendError('CORRUPT_MESSAGE', `${this.name}: no record batches to append`);
    if (batches.length > cfg.segmentBytes) {
      throw new LogAppendError('RECORD_LIST_TOO_LARGE', `${this.name}: ${batches.length} bytes of batches exceed segment.bytes=${cfg.segmentBytes}`);
    }
    const logAppendTime = cfg.messageTimestampType === 'LogAppendTime';
    if (logAppendTime) maxTimestamp = now;
    try {
      this.maybeRollForAppend(batches.length, records, maxTimestamp, now);
    } catch (err) {
      throw storageError(this.name, 'roll a new segment', err);
    }

    // Pass 2: assign offsets and epoch in place (outside the CRC); LogAppendTime changes covered bytes → new CRC.
    const firstOffset = this.logEndOffset;
    let next = firstOffset;
    const positions: BatchPosition[] = new Array(count);
    for (let pos = 0, i = 0; pos < batches.length; i++) {
      const size = LOG_OVERHEAD + batches.readInt32BE(pos + OFFSET_BATCH_LENGTH);
      const lastOffset = next + batches.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA);
      writeInt64(batches, next, pos);
      batches.writeInt32BE(leaderEpoch, pos + OFFSET_PARTITION_LEADER_EPOCH);
      if (logAppendTime) {
        batches.writeInt16BE(batches.readInt16BE(pos + OFFSET_ATTRIBUTES) | ATTR_TIMESTAMP_TYPE_LOG_APPEND, pos + OFFSET_ATTRIBUTES);
        writeInt64(batches, now, pos + OFFSET_MAX_TIMESTAMP);
        batches.writeUInt32BE(crc32c(batches, pos + CRC_START, pos + size), pos + OFFSET_CRC);
      }
      positions[i] = { position: pos, baseOffset: next, lastOffset, maxTimestamp: readInt64(batches, pos + OFFSET_MAX_TIMESTAMP), size };
      next = lastOffset + 1;
      pos += size;
    }
    try {
      this.active.append(batches, positions); // a failed write changes no state (the next write goes to the same place)
    } catch (err) {
      throw storageError(this.name, 'write to the log', err);
    }
    this.leaderEpochCache.assign(leaderEpoch, firstOffset);
    if (this.hwFollowsEnd) this.hw = this.logEndOffset;
    this.unflushedMessages += records;
    if (this.unflushedMessages >= cfg.flushIntervalMessages) this.flush();
    return { baseOffset: firstOffset, lastOffset: next - 1, logAppendTime: logAppendTime ? now : -1 };
  }

  /**
   * A follower's append: v2 batches exactly as the leader stored them (offsets, partition leader epochs, CRCs
   * kept). Each batch is checked (framing, magic, CRC) and must start at or after the log end; the leader epoch
   * cache learns every new epoch from the batches. Batches wholly below the log end (a repeated fetch) are
   * skipped. Returns the offsets appended (lastOffset < baseOffset when nothing was new).
   */
  appendAsFollower(batches: Buffer, now: number): { baseOffset: number; lastOffset: number } {
    this.ensureOpen();
    const cfg = this.cfg;
    const positions: BatchPosition[] = [];
    const epochs: { epoch: number; offset: number }[] = [];
    let records = 0;
    let maxTimestamp = -1;
    let skip = 0;
    let expected = this.logEndOffset;
    for (let pos = 0; pos < batches.length; ) {
      if (batches.length - pos < BATCH_HEADER_SIZE) break; // a partial trailing batch (size-limited fetch): next time
      const length = batches.readInt32BE(pos + OFFSET_BATCH_LENGTH);
      const size = LOG_OVERHEAD + length;
      if (length < BATCH_HEADER_SIZE - LOG_OVERHEAD) throw new LogAppendError('CORRUPT_MESSAGE', `${this.name}: replicated batch at byte ${pos} has length ${length}`);
      if (pos + size > batches.length) break;
      if (batches[pos + OFFSET_MAGIC] !== 2) throw new LogAppendError('CORRUPT_MESSAGE', `${this.name}: replicated batch at byte ${pos} has magic ${batches[pos + OFFSET_MAGIC]}`);
      const base = readInt64(batches, pos);
      const last = base + batches.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA);
      if (last < expected && positions.length === 0) {
        skip = pos + size;
        pos += size;
        continue;
      }
      // An empty log started inside a batch (the leader's log start offset is mid-batch): take the whole batch.
      const emptyStart = positions.length === 0 && this.active.isEmpty && this.segments.length === 1;
      if (base < expected && !emptyStart) throw new LogAppendError('CORRUPT_MESSAGE', `${this.name}: replicated batch at offset ${base} overlaps the log end ${expected}`);
      if (batches.readUInt32BE(pos + OFFSET_CRC) !== crc32c(batches, pos + CRC_START, pos + size)) {
        throw new LogAppendError('CORRUPT_MESSAGE', `${this.name}: replicated batch at offset ${base} fails its CRC check`);
      }
      const batchMax = readInt64(batches, pos + OFFSET_MAX_TIMESTAMP);
      maxTimestamp = Math.max(maxTimestamp, batchMax);
      positions.push({ position: pos - skip, baseOffset: base, lastOffset: last, maxTimestamp: batchMax, size });
      epochs.push({ epoch: batches.readInt32BE(pos + OFFSET_PARTITION_LEADER_EPOCH), offset: base });
      records += last - base + 1;
      expected = last + 1;
      pos += size;
    }
    if (positions.length === 0) return { baseOffset: this.logEndOffset, lastOffset: this.logEndOffset - 1 };
    const first = positions[0];
    const end = positions[positions.length - 1];
    const data = batches.subarray(skip, end.position + skip + end.size);
    if (data.length > cfg.segmentBytes) throw new LogAppendError('RECORD_LIST_TOO_LARGE', `${this.name}: ${data.length} replicated bytes exceed segment.bytes=${cfg.segmentBytes}`);
    try {
      this.maybeRollForAppend(data.length, end.lastOffset - this.logEndOffset + 1, maxTimestamp, now);
      if (!this.active.isEmpty && end.lastOffset - this.active.baseOffset > INT32_MAX) this.roll('relative offset overflow');
      if (this.active.isEmpty && this.active.baseOffset !== first.baseOffset) {
        // An empty active segment named for an offset the leader skipped: start it at the first replicated batch.
        this.segments.pop()!.deleteFiles();
        this.segments.push(LogSegment.create(this.dir, first.baseOffset, cfg, now));
      }
      this.active.append(data, positions);
    } catch (err) {
      throw storageError(this.name, 'write replicated batches', err);
    }
    for (const e of epochs) this.leaderEpochCache.assign(e.epoch, e.offset);
    if (this.hwFollowsEnd) this.hw = this.logEndOffset;
    this.unflushedMessages += records;
    if (this.unflushedMessages >= cfg.flushIntervalMessages) this.flush();
    return { baseOffset: first.baseOffset, lastOffset: end.lastOffset };
  }

  private timeWaitedForRoll(segment: LogSegment, now: number, messageTimestamp: number): number {
    const first = segment.firstBatchTimestamp;
    return first !== undefined && first >= 0 ? messageTimestamp - first : now - segment.created;
  }

  private maybeRollForAppend(bytes: number, records: number, maxTimestamp: number, now: number): void {
    const seg = this.active;
    if (seg.isEmpty) return;
    const reason =
      seg.size + bytes > this.cfg.segmentBytes
        ? 'segment.bytes'
        : seg.indexesFull
          ? 'index full'
          : this.timeWaitedForRoll(seg, now, maxTimestamp) > this.cfg.segmentMs
            ? 'segment.ms'
            : this.logEndOffset + records - 1 - seg.baseOffset > INT32_MAX
              ? 'relative offset overflow'
              : undefined;
    if (reason) this.roll(reason);
  }

  /** Rolls the active segment when it is older than segment.ms (the background task calls this). */
  maybeRoll(now: number): void {
    this.ensureOpen();
    const seg = this.active;
    if (!seg.isEmpty && this.timeWaitedForRoll(seg, now, now) > this.cfg.segmentMs) this.roll('segment.ms');
  }

  private roll(reason: string): void {
    const old = this.active;
    const base = this.logEndOffset;
    old.onBecomeInactive();
    this.segments.push(LogSegment.create(this.dir, base, this.cfg, this.clock()));
    this.opts.logger?.info(`[Log partition=${this.name}, dir=${this.dir}] Rolled new log segment at offset ${base} (${reason})`);
    this.rollFlushQueue.push({ segment: old, upTo: base });
    this.drainRollFlushes();
  }

  /** fsyncs rolled segments off the event loop, one at a time, moving the recovery point behind them. */
  private drainRollFlushes(): void {
    if (this.rollFlushBusy) return;
    const job = this.rollFlushQueue.shift();
    if (!job) return;
    this.rollFlushBusy = true;
    job.segment.flushAsync((ok) => {
      this.rollFlushBusy = false;
      if (ok && !this.closed) this.recoveryPointOffset = Math.max(this.recoveryPointOffset, job.upTo);
      if (!this.closed) this.drainRollFlushes();
    });
  }

  /** Index of the last segment whose base offset is <= offset (0 when offset is below all). */
  private floorSegment(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid].baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /**
   * Whole batches starting with the one that contains `offset`, up to maxBytes (at least one whole batch when any
   * exist at/after offset, even if larger), from one segment. `maxOffset` (exclusive; default the log end) stops
   * at e.g. the high watermark: no batch starting at or after it is returned.
   */
  read(offset: number, maxBytes: number, maxOffset: number = this.logEndOffset): ReadResult | OffsetOutOfRange {
    this.ensureOpen();
    const end = this.logEndOffset;
    if (!Number.isSafeInteger(offset) || offset < this.startOffset || offset > end) {
      return { outOfRange: true, offset, logStartOffset: this.startOffset, logEndOffset: end };
    }
    const limit = Math.min(maxOffset, end);
    if (offset >= limit) return { data: EMPTY, firstOffset: offset };
    for (let i = this.floorSegment(offset); i < this.segments.length; i++) {
      const seg = this.segments[i];
      if (seg.baseOffset >= limit) break;
      const r = seg.read(offset, maxBytes, limit);
      if (r) return r;
    }
    return { data: EMPTY, firstOffset: offset };
  }

  /**
   * ListOffsets by timestamp: the first offset (>= logStartOffset) whose record timestamp is >= ts, and that
   * timestamp; null when every record is older. Segments are skipped by their largest timestamp, the time index
   * finds where to start, and the batch's records give the exact offset.
   */
  offsetForTimestamp(ts: number): { offset: number; timestamp: number } | null {
    this.ensureOpen();
    for (const seg of this.segments) {
      if (seg.isEmpty || seg.maxTimestamp < ts || seg.nextOffset <= this.startOffset) continue;
      const below = seg.timeIndex.lookupBelow(ts);
      const startOffset = Math.max(below ? below.offset : seg.baseOffset, this.startOffset);
      let hit: BatchPosition | undefined;
      const from = seg.translateOffset(startOffset);
      if (!from) continue;
      seg.scan(from.position, seg.size, (b) => {
        if (b.maxTimestamp >= ts && b.lastOffset >= this.startOffset) {
          hit = b;
          return false;
        }
        return true;
      });
      if (!hit) continue;
      return this.findInBatch(seg.readAt(hit.position, hit.size), ts, Math.max(hit.baseOffset, this.startOffset));
    }
    return null;
  }

  /** The record-level answer inside one batch (whose MaxTimestamp is >= ts). */
  private findInBatch(batch: Buffer, ts: number, minOffset: number): { offset: number; timestamp: number } {
    const attributes = batch.readInt16BE(OFFSET_ATTRIBUTES);
    const baseOffset = readInt64(batch, 0);
    const maxTimestamp = readInt64(batch, OFFSET_MAX_TIMESTAMP);
    const batchLevel = { offset: Math.max(baseOffset, minOffset), timestamp: maxTimestamp };
    if (attributes & ATTR_TIMESTAMP_TYPE_LOG_APPEND) return batchLevel; // every record carries MaxTimestamp
    const codec = attributes & ATTR_COMPRESSION_MASK;
    let records: Buffer;
    try {
      const raw = batch.subarray(BATCH_HEADER_SIZE);
      records = codec === 0 ? raw : (this.opts.decompress ?? decompress)(codec, raw);
    } catch {
      return batchLevel; // undecodable records: the batch is the best answer there is
    }
    const baseTimestamp = readInt64(batch, OFFSET_BASE_TIMESTAMP);
    const count = batch.readInt32BE(OFFSET_RECORDS_COUNT);
    const r = new VarintCursor(records);
    for (let i = 0; i < count && r.ok; i++) {
      const length = r.varint();
      const start = r.pos;
      r.pos += 1; // attributes
      const timestamp = baseTimestamp + r.varlong();
      const offset = baseOffset + r.varint();
      if (!r.ok) break;
      if (timestamp >= ts && offset >= minOffset) return { offset, timestamp };
      r.pos = start + length;
    }
    return batchLevel;
  }

  /** The largest timestamp in the log and the offset of the batch that carried it (ListOffsets -3). */
  maxTimestampAndOffset(): { timestamp: number; offset: number } | null {
    let best: { timestamp: number; offset: number } | null = null;
    for (const seg of this.segments) {
      if (seg.maxTimestamp >= 0 && (!best || seg.maxTimestamp > best.timestamp)) best = { timestamp: seg.maxTimestamp, offset: seg.offsetOfMaxTimestamp };
    }
    return best;
  }

  /** DeleteRecords: moves logStartOffset forward to `offset` (<= high watermark) and drops segments entirely below. */
  deleteRecordsBefore(offset: number): void {
    this.ensureOpen();
    if (!Number.isSafeInteger(offset) || offset > this.hw) {
      throw new KstackError('KSTACK_LOG_OFFSET_OUT_OF_RANGE', `${this.name}: cannot delete records before ${offset}; the high watermark is ${this.hw}`, {
        fix: 'Pass an offset at or below the high watermark (or -1 for "up to the high watermark").',
      });
    }
    if (offset <= this.startOffset) return;
    this.setLogStartOffset(offset);
    this.deleteOldSegments((seg, next) => next !== undefined && next.baseOffset <= this.startOffset, 'log start offset');
  }

  private setLogStartOffset(offset: number): void {
    if (offset <= this.startOffset) return;
    this.startOffset = offset;
    this.leaderEpochCache.truncateFromStart(offset);
    this.opts.onLogStartOffsetChange?.(this);
  }

  /** Removes everything at and after `offset` (whole batches, so the end may land below it). For replication. */
  truncateTo(offset: number): void {
    this.ensureOpen();
    if (offset >= this.logEndOffset) return;
    const now = this.clock();
    if (offset <= this.segments[0].baseOffset) {
      for (const s of this.segments) s.deleteFiles();
      const start = Math.max(offset, 0);
      this.segments = [LogSegment.create(this.dir, start, this.cfg, now)];
      this.startOffset = start;
      this.opts.onLogStartOffsetChange?.(this);
    } else {
      while (this.active.baseOffset >= offset) this.segments.pop()!.deleteFiles();
      this.active.truncateTo(offset);
    }
    this.hw = Math.min(this.hw, this.logEndOffset);
    this.recoveryPointOffset = Math.min(this.recoveryPointOffset, this.logEndOffset);
    this.leaderEpochCache.truncateFromEnd(this.logEndOffset);
  }

  /**
   * Drops the whole log and starts it empty at `offset` (a follower whose leader's log starts past this log's
   * end). The leader epoch cache is cleared; the fetched batches teach it again.
   */
  truncateFullyAndStartAt(offset: number): void {
    this.ensureOpen();
    for (const s of this.segments) s.deleteFiles();
    this.rollFlushQueue = [];
    this.segments = [LogSegment.create(this.dir, offset, this.cfg, this.clock())];
    this.startOffset = offset;
    this.hw = offset;
    this.recoveryPointOffset = offset;
    this.leaderEpochCache.truncateFromEnd(Number.MIN_SAFE_INTEGER);
    this.opts.onLogStartOffsetChange?.(this);
  }

  /** Deletes old segments by log start offset, then retention.bytes, then retention.ms (Kafka's order). */
  applyRetention(now: number): void {
    this.ensureOpen();
    this.deleteOldSegments((seg, next) => next !== undefined && next.baseOffset <= this.startOffset, 'log start offset');
    if (!this.cfg.cleanupPolicy.split(',').includes('delete')) return;
    if (this.cfg.retentionBytes >= 0) {
      let excess = this.size - this.cfg.retentionBytes;
      this.deleteOldSegments((seg) => {
        if (excess - seg.size < 0) return false;
        excess -= seg.size;
        return true;
      }, `retention.bytes=${this.cfg.retentionBytes}`);
    }
    if (this.cfg.retentionMs >= 0) {
      this.deleteOldSegments((seg) => now - seg.largestTimestamp() > this.cfg.retentionMs, `retention.ms=${this.cfg.retentionMs}`);
    }
  }

  /** Deletes the longest prefix of segments the predicate accepts (never past the high watermark). */
  private deleteOldSegments(shouldDelete: (seg: LogSegment, next: LogSegment | undefined) => boolean, reason: string): number {
    let n = 0;
    while (n < this.segments.length) {
      const seg = this.segments[n];
      const next = this.segments[n + 1];
      const upper = next ? next.baseOffset : this.logEndOffset;
      if (this.hw < upper || (!next && seg.isEmpty) || !shouldDelete(seg, next)) break;
      n++;
    }
    if (n === 0) return 0;
    if (n === this.segments.length) this.roll(`retention (${reason})`); // keep an active segment at the log end
    const doomed = this.segments.splice(0, n);
    for (const seg of doomed) {
      this.rollFlushQueue = this.rollFlushQueue.filter((j) => j.segment !== seg);
      seg.deleteFiles();
    }
    this.opts.logger?.info(`[Log partition=${this.name}, dir=${this.dir}] Deleted ${n} segment(s) before offset ${this.segments[0].baseOffset} (${reason})`);
    this.setLogStartOffset(this.segments[0].baseOffset);
    return n;
  }

  /** fsyncs every segment from the recovery point and writes their indexes; the recovery point becomes the end. */
  flush(): void {
    this.ensureOpen();
    for (let i = this.floorSegment(this.recoveryPointOffset); i < this.segments.length; i++) this.segments[i].flush();
    this.recoveryPointOffset = this.logEndOffset;
    this.unflushedMessages = 0;
    this.lastFlushTime = this.clock();
  }

  /** flush.ms: flushes when there are unflushed records older than the interval. Returns whether it flushed. */
  flushIfDue(now: number): boolean {
    if (this.closed || this.unflushedMessages === 0 || now - this.lastFlushTime < this.cfg.flushIntervalMs) return false;
    this.flush();
    return true;
  }

  /** Flushes and closes every file. */
  close(): void {
    if (this.closed) return;
    this.flush();
    for (const s of this.segments) s.close();
    this.closed = true;
    this.rollFlushQueue = [];
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Closes and removes the partition directory (topic deleted, or partition moved away). */
  delete(): void {
    if (!this.closed) {
      for (const s of this.segments) s.deleteFiles();
      this.closed = true;
      this.rollFlushQueue = [];
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private ensureOpen(): void {
    if (this.closed) throw new KstackError('KSTACK_LOG_CLOSED', `${this.name}: the log in ${this.dir} is closed`);
  }
}

/** A file-system failure during an append, as the Kafka error a Produce response carries. */
function storageError(partition: string, what: string, err: unknown): LogAppendError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  return new LogAppendError('KAFKA_STORAGE_ERROR', `${partition}: could not ${what}${code ? ` (${code})` : ''}: ${detail}`);
}

/** Zigzag varints of the record format, bounds-checked (ok turns false past the end). */
class VarintCursor {
  pos = 0;
  ok = true;
  constructor(private readonly buf: Buffer) {}

  varlong(): number {
    let raw = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) {
        this.ok = false;
        return 0;
      }
      const b = this.buf[this.pos++];
      raw += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      mul *= 128;
    }
    this.ok = false;
    return 0;
  }

  varint(): number {
    return this.varlong();
  }
}
