/**
 * The acks=all purgatory with an injected scheduler: answers once the high watermark covers the records,
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below min.insync.replicas by then, REQUEST_TIMED_OUT at
 * the deadline, NOT_LEADER_OR_FOLLOWER when leadership moves.
 */
import { describe, expect, it } from 'vitest';
import { DelayedProducePurgatory, type Scheduler } from '../../../../src/broker/replication/delayed-produce.js';
import { ErrorCode } from '../../../../src/protocol/generated/error-codes.js';

function fakeScheduler(): { schedule: Scheduler; fire: () => void; pending: () => number } {
  const timers = new Set<() => void>();
  return {
    schedule: (fn) => {
      timers.add(fn);
      return () => timers.delete(fn);
    },
    fire: () => {
      for (const t of [...timers]) {
        timers.delete(t);
        t();
      }
    },
    pending: () => timers.size,
  };
}

describe('DelayedProducePurgatory', () => {
  it('answers at once when the high watermark already covers the records', async () => {
    const p = new DelayedProducePurgatory(fakeScheduler().schedule);
    await expect(p.wait('t-0', 10, 1000, { highWatermark: 10, isrSize: 2, minInSyncReplicas: 2 })).resolves.toBe(ErrorCode.NONE);
    expect(p.pending('t-0')).toBe(0);
  });

  it('waits for the high watermark, woken by check(), and cancels its timer', async () => {
    const s = fakeScheduler();
    const p = new DelayedProducePurgatory(s.schedule);
    const a = p.wait('t-0', 10, 1000, { highWatermark: 5, isrSize: 3, minInSyncReplicas: 2 });
    const b = p.wait('t-0', 20, 1000, { highWatermark: 5, isrSize: 3, minInSyncReplicas: 2 });
    p.check('t-0', { highWatermark: 12, isrSize: 3, minInSyncReplicas: 2 });
    await expect(a).resolves.toBe(ErrorCode.NONE);
    expect(p.pending('t-0')).toBe(1);
    p.check('t-1', { highWatermark: 100, isrSize: 3, minInSyncReplicas: 2 }); // another partition: no effect
    expect(p.pending('t-0')).toBe(1);
    p.check('t-0', { highWatermark: 20, isrSize: 1, minInSyncReplicas: 2 });
    await expect(b).resolves.toBe(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
    expect(s.pending()).toBe(0);
  });

  it('times out with REQUEST_TIMED_OUT, and abort() ends waits with the given error', async () => {
    const s = fakeScheduler();
    const p = new DelayedProducePurgatory(s.schedule);
    const timedOut = p.wait('t-0', 10, 1000, { highWatermark: 0, isrSize: 2, minInSyncReplicas: 2 });
    s.fire();
    await expect(timedOut).resolves.toBe(ErrorCode.REQUEST_TIMED_OUT);
    const moved = p.wait('t-0', 10, 1000, { highWatermark: 0, isrSize: 2, minInSyncReplicas: 2 });
    p.abort('t-0', ErrorCode.NOT_LEADER_OR_FOLLOWER);
    await expect(moved).resolves.toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(s.pending()).toBe(0);
    expect(p.pending('t-0')).toBe(0);
  });
});
