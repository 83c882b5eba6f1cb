/**
 * `leader-epoch-checkpoint` (per partition, Kafka's `LeaderEpochCheckpointFile`): which leader epoch wrote from
 * which offset on. The checkpoint text format (checkpoint-file.ts) with one "<epoch> <startOffset>" line per
 * epoch, epochs and start offsets increasing:
 *
 *   0
 *   2
 *   0 0
 *   3 1520
 *
 * Rewritten (atomically) whenever an entry is added or truncated away; that is rare (once per leader change).
 */
import { join } from 'node:path';
import { KstackError } from '../../errors.js';
import { readCheckpointLines, writeCheckpointLines } from './checkpoint-file.js';

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export class LeaderEpochCache {
  private entries: EpochEntry[];
  readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, LEADER_EPOCH_CHECKPOINT);
    this.entries = readCheckpointLines(this.path, 2).map(([e, o]) => {
      const entry = { epoch: Number(e), startOffset: Number(o) };
      if (!Number.isSafeInteger(entry.epoch) || !Number.isSafeInteger(entry.startOffset)) {
        throw new KstackError('KSTACK_LOG_CHECKPOINT', `Malformed ${this.path}: bad entry "${e} ${o}"`, {
          fix: `Remove ${this.path}; it is rebuilt as leaders write.`,
        });
      }
      return entry;
    });
  }

  list(): readonly EpochEntry[] {
    return this.entries;
  }

  latestEpoch(): number {
    return this.entries.length === 0 ? -1 : this.entries[this.entries.length - 1].epoch;
  }

  /** Records that `epoch` starts writing at `startOffset` (ignored unless the epoch is newer; -1 = no epoch). */
  assign(epoch: number, startOffset: number): void {
    if (epoch < 0 || epoch <= this.latestEpoch()) return;
    this.entries.push({ epoch, startOffset });
    this.save();
  }

  /**
   * For OffsetForLeaderEpoch (Kafka's LeaderEpochFileCache.endOffsetFor): the latest epoch → the log end; an
   * older epoch → the largest known epoch ≤ it, ending where the next known epoch starts; an epoch older than
   * every entry → that epoch, ending where the first entry starts; an epoch newer than every entry, or -1 →
   * undefined (-1, -1).
   */
  endOffsetFor(epoch: number, logEndOffset: number): { epoch: number; endOffset: number } {
    if (epoch < 0) return { epoch: -1, endOffset: -1 };
    if (this.entries.length > 0 && epoch === this.latestEpoch()) return { epoch, endOffset: logEndOffset };
    const higher = this.entries.findIndex((e) => e.epoch > epoch);
    if (higher < 0) return { epoch: -1, endOffset: -1 };
    if (higher === 0) return { epoch, endOffset: this.entries[0].startOffset };
    return { epoch: this.entries[higher - 1].epoch, endOffset: this.entries[higher].startOffset };
  }

  /** Drops entries starting at or after `offset` (the log was truncated there). */
  truncateFromEnd(offset: number): void {
    const kept = this.entries.filter((e) => e.startOffset < offset);
    if (kept.length !== this.entries.length) {
      this.entries = kept;
      this.save();
    }
  }

  /** The log now starts at `offset`: earlier entries go, the one in effect there moves up to it. */
  truncateFromStart(offset: number): void {
    let last = -1;
    for (let i = 0; i < this.entries.length; i++) if (this.entries[i].startOffset <= offset) last = i;
    if (last < 0) return;
    const before = JSON.stringify(this.entries);
    this.entries = [{ epoch: this.entries[last].epoch, startOffset: offset }, ...this.entries.slice(last + 1)];
    if (JSON.stringify(this.entries) !== before) this.save();
  }

  save(): void {
    writeCheckpointLines(this.path, this.entries.map((e) => [e.epoch, e.startOffset]));
  }
}
