/**
 * The replicated log as the Raft core sees it, and an in-memory implementation (tests, simulations).
 * A file-backed implementation in Kafka's batch format (`__cluster_metadata-0/*.log` plus
 * `leader-epoch-checkpoint` and `<endOffset>-<epoch>.checkpoint` snapshots) comes later; it must keep the same
 * contract, including the epoch bookkeeping across a snapshot (the log start carries the snapshot's epoch).
 */
import type { NewRaftEntry, OffsetAndEpoch, RaftEntry } from './types.js';

export interface RaftLog {
  /** First offset still in the log (the latest snapshot's end offset once the prefix was deleted). */
  readonly logStartOffset: number;
  /** One past the last entry (LEO). */
  readonly endOffset: number;
  /** Epoch of the last entry; the snapshot's epoch when the log is empty after a snapshot; 0 when empty. */
  readonly lastEpoch: number;
  /** Appends at endOffset; epochs must not go down. Returns the assigned offsets' first and last. */
  append(entries: NewRaftEntry[]): { firstOffset: number; lastOffset: number };
  /** Removes every entry at or above `offset` (logStartOffset ≤ offset ≤ endOffset). */
  truncateTo(offset: number): void;
  /** Up to `maxEntries` entries from `offset` (logStartOffset ≤ offset ≤ endOffset). */
  read(offset: number, maxEntries: number): RaftEntry[];
  /**
   * The largest epoch ≤ `epoch` known to the log and the offset where it ends (the next epoch's start, or the
   * LEO). When every known epoch is larger, the log-start baseline (snapshot epoch, or 0 at offset 0).
   */
  endOffsetForEpoch(epoch: number): OffsetAndEpoch;
  /** Epoch of the entry at `offset` (undefined outside [logStartOffset, endOffset)). */
  epochAt(offset: number): number | undefined;
  /** Drops entries below `snapshotId.offset` (≤ endOffset) after a snapshot covering them was saved. */
  deleteBefore(snapshotId: OffsetAndEpoch): void;
  /** Drops everything: the log becomes empty, starting at the snapshot's end (installing a fetched snapshot). */
  resetTo(snapshotId: OffsetAndEpoch): void;
}

export class RaftLogError extends Error {
  readonly code = 'KSTACK_RAFT_LOG';
  constructor(message: string) {
    super(message);
    this.name = 'RaftLogError';
  }
}

interface EpochStart {
  epoch: number;
  startOffset: number;
}

export class MemoryRaftLog implements RaftLog {
  private entries: RaftEntry[] = [];
  private start = 0;
  /** The snapshot the log starts after (offset = logStartOffset); undefined while the log starts at 0. */
  private baseline: OffsetAndEpoch | undefined;
  /** Where each epoch of the entries still present starts, ascending. */
  private epochs: EpochStart[] = [];

  get logStartOffset(): number {
    return this.start;
  }
  get endOffset(): number {
    return this.start + this.entries.length;
  }
  get lastEpoch(): number {
    if (this.epochs.length > 0) return this.epochs[this.epochs.length - 1].epoch;
    return this.baseline?.epoch ?? 0;
  }

  append(entries: NewRaftEntry[]): { firstOffset: number; lastOffset: number } {
    const firstOffset = this.endOffset;
    let last = this.lastEpoch;
    for (const e of entries) {
      if (!Number.isInteger(e.epoch) || e.epoch < last) {
        throw new RaftLogError(`epoch ${e.epoch} after epoch ${last} at offset ${this.endOffset}: epochs never go down`);
      }
      last = e.epoch;
    }
    for (const e of entries) {
      const offset = this.endOffset;
      if (this.epochs.length === 0 || this.epochs[this.epochs.length - 1].epoch !== e.epoch) {
        this.epochs.push({ epoch: e.epoch, startOffset: offset });
      }
      this.entries.push({ offset, epoch: e.epoch, control: e.control, timestamp: e.timestamp, value: e.value });
    }
    return { firstOffset, lastOffset: this.endOffset - 1 };
  }

  truncateTo(offset: number): void {
    if (!Number.isInteger(offset) || offset < this.start || offset > this.endOffset) {
      throw new RaftLogError(`cannot truncate to ${offset}: the log holds [${this.start}, ${this.endOffset})`);
    }
    this.entries.length = offset - this.start;
    while (this.epochs.length > 0 && this.epochs[this.epochs.length - 1].startOffset >= offset) this.epochs.pop();
  }

  read(offset: number, maxEntries: number): RaftEntry[] {
    if (!Number.isInteger(offset) || offset < this.start || offset > this.endOffset) {
      throw new RaftLogError(`cannot read at ${offset}: the log holds [${this.start}, ${this.endOffset})`);
    }
    const from = offset - this.start;
    return this.entries.slice(from, from + Math.max(0, maxEntries));
  }

  endOffsetForEpoch(epoch: number): OffsetAndEpoch {
    for (let i = this.epochs.length - 1; i >= 0; i--) {
      if (this.epochs[i].epoch <= epoch) {
        const end = i + 1 < this.epochs.length ? this.epochs[i + 1].startOffset : this.endOffset;
        return { epoch: this.epochs[i].epoch, offset: end };
      }
    }
    const firstStart = this.epochs.length > 0 ? this.epochs[0].startOffset : this.endOffset;
    if (this.baseline !== undefined && this.baseline.epoch <= epoch) return { epoch: this.baseline.epoch, offset: firstStart };
    // Every known epoch is larger: nothing is known to match below the log start.
    return { epoch: this.baseline?.epoch ?? 0, offset: this.start };
  }

  epochAt(offset: number): number | undefined {
    if (offset < this.start || offset >= this.endOffset) return undefined;
    return this.entries[offset - this.start].epoch;
  }

  deleteBefore(snapshotId: OffsetAndEpoch): void {
    const { offset } = snapshotId;
    if (!Number.isInteger(offset) || offset > this.endOffset) {
      throw new RaftLogError(`cannot delete below ${offset}: the log ends at ${this.endOffset}`);
    }
    if (offset <= this.start) return;
    const epochBefore = this.epochAt(offset - 1);
    if (epochBefore !== snapshotId.epoch) {
      throw new RaftLogError(`snapshot ${offset}-${snapshotId.epoch} does not match the log (epoch ${epochBefore} at ${offset - 1})`);
    }
    this.entries = this.entries.slice(offset - this.start);
    this.start = offset;
    this.baseline = { offset, epoch: snapshotId.epoch };
    // The epoch still running at the new start now begins there.
    let i = 0;
    while (i + 1 < this.epochs.length && this.epochs[i + 1].startOffset <= offset) i++;
    this.epochs = this.epochs.slice(i);
    if (this.entries.length === 0) this.epochs = [];
    else if (this.epochs.length > 0 && this.epochs[0].startOffset < offset) this.epochs[0] = { epoch: this.epochs[0].epoch, startOffset: offset };
  }

  resetTo(snapshotId: OffsetAndEpoch): void {
    if (!Number.isInteger(snapshotId.offset) || snapshotId.offset < 0) {
      throw new RaftLogError(`cannot reset to offset ${snapshotId.offset}`);
    }
    this.entries = [];
    this.epochs = [];
    this.start = snapshotId.offset;
    this.baseline = snapshotId.offset > 0 ? { ...snapshotId } : undefined;
  }
}
