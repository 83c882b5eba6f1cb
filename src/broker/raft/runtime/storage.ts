/**
 * The Raft core's durable state on disk, in `<metadata.log.dir or first log dir>/__cluster_metadata-0/`:
 *
 * - `<20-digit base offset>.log`: the metadata log as v2 record batches (records.ts encodes them: one batch per
 *   run of entries with the same epoch and kind, PartitionLeaderEpoch = epoch, LeaderChange as control batches),
 *   the same segment layout as any Kafka partition. One segment: the metadata log is small.
 * - `quorum-state`: Kafka's JSON (quorum-state.ts encodes it), written to a temp file, fsynced and renamed.
 * - `<20-digit end offset>-<10-digit epoch>.checkpoint`: snapshots (the state machine's bytes as they are;
 *   Kafka frames its checkpoints as record batches, this one does not).
 *
 * Every change is fsynced before the call returns, because the core assumes durability when it does (a vote
 * or an acknowledged append must survive kill -9). Appends write only the new batches; truncation and prefix
 * deletion (rare) rewrite the segment through a temp file and rename. On open a torn tail (a batch cut short
 * or failing its CRC after a crash) is cut off, as Kafka's recovery does.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync, ftruncateSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryRaftLog, RaftLogError, type RaftLog } from '../log.js';
import { decodeQuorumStateFile, encodeQuorumStateFile, QuorumStateFileError, type QuorumState, type QuorumStateStore } from '../quorum-state.js';
import { decodeEntries, encodeEntries, RaftRecordsError } from '../records.js';
import type { SnapshotStore } from '../snapshot-store.js';
import { METADATA_PARTITION, METADATA_TOPIC, type NewRaftEntry, type OffsetAndEpoch, type RaftEntry, type RaftSnapshot } from '../types.js';

export const METADATA_DIR_NAME = `${METADATA_TOPIC}-${METADATA_PARTITION}`;
const QUORUM_STATE_FILE = 'quorum-state';
const SEGMENT_RE = /^(\d{20})\.log$/;
const SNAPSHOT_RE = /^(\d{20})-(\d{10})\.checkpoint$/;

export class RaftStorageError extends Error {
  readonly code = 'KSTACK_RAFT_STORAGE';
  constructor(message: string) {
    super(message);
    this.name = 'RaftStorageError';
  }
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes `data` to `path` atomically and durably (temp file, fsync, rename, fsync of the directory). */
function writeDurably(dir: string, name: string, data: Buffer | string): void {
  const path = join(dir, name);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dir);
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** The metadata partition directory, created when missing. */
export function metadataDir(root: string): string {
  const dir = join(root, METADATA_DIR_NAME);
  mkdirSync(dir, { recursive: true });
  return dir;
}

// ------------------------------------------------------------------------------------------------- quorum-state

export class FileQuorumStateStore implements QuorumStateStore {
  private readonly dir: string;
  private readonly voters: number[];
  private readonly clusterId: string;
  /** Times the file was written (tests). */
  writes = 0;

  constructor(dir: string, voters: number[], clusterId: string) {
    this.dir = dir;
    this.voters = [...voters];
    this.clusterId = clusterId;
  }

  get path(): string {
    return join(this.dir, QUORUM_STATE_FILE);
  }

  /** undefined when no file exists yet; a corrupt file is a RaftStorageError naming it (never silently reset). */
  read(): QuorumState | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new RaftStorageError(`cannot read ${this.path}: ${(err as Error).message}`);
    }
    try {
      const s = decodeQuorumStateFile(text);
      return { epoch: s.epoch, votedId: s.votedId, leaderId: s.leaderId };
    } catch (err) {
      if (err instanceof QuorumStateFileError) throw new RaftStorageError(`${this.path}: ${err.message}`);
      throw err;
    }
  }

  write(state: QuorumState): void {
    writeDurably(this.dir, QUORUM_STATE_FILE, encodeQuorumStateFile(state, this.voters, this.clusterId));
    this.writes++;
  }
}

// ------------------------------------------------------------------------------------------------- snapshots

export class FileSnapshotStore implements SnapshotStore {
  private readonly dir: string;
  private current: RaftSnapshot | undefined;

  constructor(dir: string) {
    this.dir = dir;
    let best: OffsetAndEpoch | undefined;
    for (const name of readdirSync(dir)) {
      const m = SNAPSHOT_RE.exec(name);
      if (!m) continue;
      const id = { offset: Number(m[1]), epoch: Number(m[2]) };
      if (best === undefined || id.offset > best.offset) best = id;
    }
    if (best !== undefined) this.current = { id: best, data: readFileSync(join(dir, snapshotName(best))) };
  }

  latest(): RaftSnapshot | undefined {
    return this.current;
  }

  save(snapshot: RaftSnapshot): void {
    if (this.current !== undefined && snapshot.id.offset < this.current.id.offset) return; // never go back
    writeDurably(this.dir, snapshotName(snapshot.id), snapshot.data);
    const previous = this.current;
    this.current = { id: { ...snapshot.id }, data: Buffer.from(snapshot.data) };
    if (previous !== undefined && snapshotName(previous.id) !== snapshotName(snapshot.id)) {
      try {
        unlinkSync(join(this.dir, snapshotName(previous.id)));
      } catch {
        // Already gone: nothing to clean.
      }
    }
  }
}

function snapshotName(id: OffsetAndEpoch): string {
  return `${pad(id.offset, 20)}-${pad(id.epoch, 10)}.checkpoint`;
}

// ------------------------------------------------------------------------------------------------- the log

/**
 * A RaftLog whose every change is on disk (fsynced) when the call returns. Reads are served from memory
 * (a MemoryRaftLog mirrors the file; the metadata log is small).
 */
export class FileRaftLog implements RaftLog {
  private readonly dir: string;
  private readonly mem = new MemoryRaftLog();
  private fd: number;
  private segmentBase: number;
  /** Bytes cut off the segment tail on open (a torn write before a crash). */
  readonly recoveredBytes: number;

  /**
   * Opens (or creates) the log in `dir`. `snapshot` is the latest snapshot (FileSnapshotStore): the log starts
   * at its end offset when the segment holds nothing newer.
   */
  constructor(dir: string, snapshot?: OffsetAndEpoch) {
    this.dir = dir;
    const segments = readdirSync(dir)
      .map((n) => SEGMENT_RE.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    // A crash between writing a rewritten segment and deleting the old one leaves two: the newest wins.
    this.segmentBase = segments.length > 0 ? segments[segments.length - 1] : snapshot?.offset ?? 0;
    for (const base of segments.slice(0, -1)) unlinkSync(join(dir, segmentName(base)));
    const path = join(dir, segmentName(this.segmentBase));
    const bytes = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
    const { entries, validBytes } = scanSegment(bytes);
    this.recoveredBytes = bytes.length - validBytes;

    // The log starts at the latest snapshot when the segment does not reach further back (its epoch is the
    // baseline for endOffsetForEpoch); a segment without its snapshot starts at its base offset.
    const start = snapshot !== undefined && snapshot.offset >= this.segmentBase ? snapshot : undefined;
    if (start !== undefined && start.offset > 0) this.mem.resetTo(start);
    else if (this.segmentBase > 0) this.mem.resetTo({ offset: this.segmentBase, epoch: entries[0]?.epoch ?? 0 });
    const keep = entries.filter((e) => e.offset >= this.mem.logStartOffset);
    if (keep.length > 0 && keep[0].offset !== this.mem.endOffset) {
      throw new RaftStorageError(`${path}: the log resumes at offset ${keep[0].offset}, but the log start is ${this.mem.endOffset}`);
    }
    try {
      this.mem.append(keep.map((e) => ({ epoch: e.epoch, control: e.control, timestamp: e.timestamp, value: e.value })));
    } catch (err) {
      if (err instanceof RaftLogError) throw new RaftStorageError(`${path}: ${err.message}`);
      throw err;
    }
    this.fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
    if (this.recoveredBytes > 0) {
      ftruncateSync(this.fd, validBytes);
      fsyncSync(this.fd);
    }
    if (keep.length !== entries.length || this.mem.logStartOffset !== this.segmentBase) this.rewrite();
  }

  get logStartOffset(): number {
    return this.mem.logStartOffset;
  }
  get endOffset(): number {
    return this.mem.endOffset;
  }
  get lastEpoch(): number {
    return this.mem.lastEpoch;
  }

  append(entries: NewRaftEntry[]): { firstOffset: number; lastOffset: number } {
    const before = this.mem.endOffset;
    const result = this.mem.append(entries); // validates epochs before anything reaches the file
    if (entries.length > 0) {
      const written = this.mem.read(before, entries.length);
      const bytes = encodeEntries(written);
      const size = fileSize(this.fd);
      try {
        writeAt(this.fd, bytes, size);
        fsyncSync(this.fd);
      } catch (err) {
        // Keep memory and file in step: forget the entries the file does not hold.
        this.mem.truncateTo(before);
        try {
          ftruncateSync(this.fd, size);
        } catch {
          // The next open cuts the torn tail anyway.
        }
        throw err;
      }
    }
    return result;
  }

  truncateTo(offset: number): void {
    this.mem.truncateTo(offset);
    this.rewrite();
  }

  read(offset: number, maxEntries: number): RaftEntry[] {
    return this.mem.read(offset, maxEntries);
  }

  endOffsetForEpoch(epoch: number): OffsetAndEpoch {
    return this.mem.endOffsetForEpoch(epoch);
  }

  epochAt(offset: number): number | undefined {
    return this.mem.epochAt(offset);
  }

  deleteBefore(snapshotId: OffsetAndEpoch): void {
    const start = this.mem.logStartOffset;
    this.mem.deleteBefore(snapshotId);
    if (this.mem.logStartOffset !== start) this.rewrite();
  }

  resetTo(snapshotId: OffsetAndEpoch): void {
    this.mem.resetTo(snapshotId);
    this.rewrite();
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** Writes the whole log as a new segment named by the log start, then drops the old one. */
  private rewrite(): void {
    const entries = this.mem.read(this.mem.logStartOffset, this.mem.endOffset - this.mem.logStartOffset);
    const base = this.mem.logStartOffset;
    const name = segmentName(base);
    writeDurably(this.dir, name, entries.length > 0 ? encodeEntries(entries) : Buffer.alloc(0));
    if (this.fd >= 0) closeSync(this.fd);
    if (base !== this.segmentBase) {
      try {
        unlinkSync(join(this.dir, segmentName(this.segmentBase)));
      } catch {
        // Already gone.
      }
      fsyncDir(this.dir);
    }
    this.segmentBase = base;
    this.fd = openSync(join(this.dir, name), 'r+');
  }
}

function segmentName(base: number): string {
  return `${pad(base, 20)}.log`;
}

function fileSize(fd: number): number {
  return fstatSync(fd).size;
}

function writeAt(fd: number, buf: Buffer, position: number): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off, position + off);
}

/**
 * Whole, valid batches from the start of a segment; stops at the first batch that is cut short or fails its
 * CRC (everything after it is a torn write and is cut off).
 */
export function scanSegment(bytes: Buffer): { entries: RaftEntry[]; validBytes: number } {
  const entries: RaftEntry[] = [];
  let pos = 0;
  while (pos + 12 <= bytes.length) {
    const length = bytes.readInt32BE(pos + 8);
    const end = pos + 12 + length;
    if (length < 49 || end > bytes.length) break;
    let batch: RaftEntry[];
    try {
      batch = decodeEntries(bytes.subarray(pos, end));
    } catch (err) {
      if (err instanceof RaftRecordsError) break;
      throw err;
    }
    if (batch.length > 0 && entries.length > 0 && batch[0].offset !== entries[entries.length - 1].offset + 1) break;
    entries.push(...batch);
    pos = end;
  }
  return { entries, validBytes: pos };
}
