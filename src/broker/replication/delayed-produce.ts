/**
 * The delayed-produce purgatory: acks=all Produce requests wait here, per partition, until the partition's high
 * watermark covers their records (Kafka's DelayedProduce). Woken by high watermark advances and ISR changes
 * (check), never by polling; each wait has its own deadline (the request's timeout_ms).
 * Outcome per wait, as Kafka decides it once the high watermark reached the required offset: NONE when the ISR
 * still has min.insync.replicas members, NOT_ENOUGH_REPLICAS_AFTER_APPEND when it shrank below; before that,
 * REQUEST_TIMED_OUT at the deadline, NOT_LEADER_OR_FOLLOWER when leadership moved (abort).
 */
import { ErrorCode } from '../../protocol/generated/error-codes.js';

export interface PartitionProgress {
  highWatermark: number;
  isrSize: number;
  minInSyncReplicas: number;
}

interface Waiter {
  requiredOffset: number;
  resolve(errorCode: number): void;
  cancelTimer(): void;
}

export type Scheduler = (fn: () => void, ms: number) => () => void;

const realScheduler: Scheduler = (fn, ms) => {
  const t = setTimeout(fn, Math.min(Math.max(ms, 0), 2_147_483_647));
  return () => clearTimeout(t);
};

export class DelayedProducePurgatory {
  private readonly waiting = new Map<string, Set<Waiter>>();

  constructor(private readonly schedule: Scheduler = realScheduler) {}

  /** Waits until `progress` says the high watermark is ≥ requiredOffset; checked at once, then on every check(key). */
  wait(key: string, requiredOffset: number, timeoutMs: number, progress: PartitionProgress): Promise<number> {
    const now = decide(requiredOffset, progress);
    if (now !== null) return Promise.resolve(now);
    return new Promise((resolve) => {
      let set = this.waiting.get(key);
      if (!set) this.waiting.set(key, (set = new Set()));
      const s = set;
      const w: Waiter = {
        requiredOffset,
        resolve: (code) => {
          w.cancelTimer();
          s.delete(w);
          if (s.size === 0 && this.waiting.get(key) === s) this.waiting.delete(key);
          resolve(code);
        },
        cancelTimer: () => {},
      };
      s.add(w);
      w.cancelTimer = this.schedule(() => w.resolve(ErrorCode.REQUEST_TIMED_OUT), timeoutMs);
    });
  }

  /** Re-decides every wait on the partition (after its high watermark or ISR changed). */
  check(key: string, progress: PartitionProgress): void {
    const set = this.waiting.get(key);
    if (!set) return;
    for (const w of [...set]) {
      const code = decide(w.requiredOffset, progress);
      if (code !== null) w.resolve(code);
    }
  }

  /** Ends every wait on the partition with `errorCode` (this broker no longer leads it). */
  abort(key: string, errorCode: number): void {
    const set = this.waiting.get(key);
    if (!set) return;
    for (const w of [...set]) w.resolve(errorCode);
  }

  abortAll(errorCode: number): void {
    for (const key of [...this.waiting.keys()]) this.abort(key, errorCode);
  }

  /** Waits pending on a partition (tests, diagnostics). */
  pending(key: string): number {
    return this.waiting.get(key)?.size ?? 0;
  }
}

function decide(requiredOffset: number, p: PartitionProgress): number | null {
  if (p.highWatermark < requiredOffset) return null;
  return p.isrSize >= p.minInSyncReplicas ? ErrorCode.NONE : ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
}
