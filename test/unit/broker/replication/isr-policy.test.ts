/**
 * The leader's replication decisions with an injected clock: follower catch-up times, the high watermark over
 * the ISR, ISR shrink and expand, and where a follower truncates after a leader change.
 */
import { describe, expect, it } from 'vitest';
import { caughtUpReplicas, initialFollowerState, laggingReplicas, nextHighWatermark, recordFollowerFetch, truncationOffset, type FollowerState } from '../../../../src/broker/replication/isr-policy.js';
import { LeaderEpochCache } from '../../../../src/broker/log/leader-epoch-cache.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('follower fetch state (Kafka Replica.updateFetchState)', () => {
  it('is caught up when it asks for the leader end, or for at least the end the leader had at its previous fetch', () => {
    let f = initialFollowerState(true, 1000);
    expect(f.lastCaughtUpTimeMs).toBe(1000);
    f = recordFollowerFetch(f, 50, 100, 2000); // behind, and no previous fetch to compare with
    expect(f.lastCaughtUpTimeMs).toBe(1000);
    expect(f.logEndOffset).toBe(50);
    f = recordFollowerFetch(f, 100, 120, 2500); // reached what the leader had at 2000
    expect(f.lastCaughtUpTimeMs).toBe(2000);
    f = recordFollowerFetch(f, 120, 120, 3000); // has everything
    expect(f.lastCaughtUpTimeMs).toBe(3000);
    expect(initialFollowerState(false, 1000).lastCaughtUpTimeMs).toBe(0);
  });
});

describe('high watermark', () => {
  const fs = (entries: [number, number][]) => new Map<number, FollowerState>(entries.map(([id, leo]) => [id, { ...initialFollowerState(true, 0), logEndOffset: leo }]));
  it('is the smallest log end over the ISR, ignoring followers outside it', () => {
    expect(nextHighWatermark(0, 1, 100, [1, 2, 3], fs([[2, 80], [3, 90]]))).toBe(80);
    expect(nextHighWatermark(0, 1, 100, [1, 3], fs([[2, 10], [3, 90]]))).toBe(90);
    expect(nextHighWatermark(0, 1, 100, [1], fs([[2, 10]]))).toBe(100);
  });
  it('never goes back, and waits while an ISR member has not fetched yet', () => {
    expect(nextHighWatermark(85, 1, 100, [1, 2], fs([[2, 80]]))).toBe(85);
    expect(nextHighWatermark(40, 1, 100, [1, 2], new Map([[2, initialFollowerState(true, 0)]]))).toBe(40);
  });
});

describe('ISR changes', () => {
  const state = (leo: number, caughtUp: number): FollowerState => ({ logEndOffset: leo, lastCaughtUpTimeMs: caughtUp, lastFetchTimeMs: caughtUp, lastFetchLeaderLogEndOffset: leo });
  it('shrinks followers that have not caught up within replica.lag.time.max.ms', () => {
    const followers = new Map([
      [2, state(100, 5_000)],
      [3, state(90, 19_000)],
    ]);
    expect(laggingReplicas(1, [1, 2, 3], followers, 20_000, 10_000)).toEqual([2]);
    expect(laggingReplicas(1, [1, 2, 3], followers, 14_000, 10_000)).toEqual([]);
    expect(laggingReplicas(1, [1, 2, 3], new Map(), 0, 10_000)).toEqual([2, 3]); // unknown followers count as lagging
  });
  it('expands with followers that reached the high watermark and the start of the leader epoch', () => {
    const followers = new Map([
      [2, state(100, 0)],
      [3, state(60, 0)],
    ]);
    expect(caughtUpReplicas(1, [1, 2, 3], [1], followers, 100, 50)).toEqual([2]);
    expect(caughtUpReplicas(1, [1, 2, 3], [1], followers, 60, 50)).toEqual([2, 3]);
    expect(caughtUpReplicas(1, [1, 2, 3], [1], followers, 60, 80)).toEqual([2]); // 3 lacks part of this epoch
    expect(caughtUpReplicas(1, [1, 2, 3], [1, 2], followers, 60, 0)).toEqual([3]);
  });
});

describe('truncation point after a leader change', () => {
  function cache(entries: [number, number][]): LeaderEpochCache {
    const dir = mkdtempSync(join(tmpdir(), 'kstack-epochs-'));
    const c = new LeaderEpochCache(dir);
    for (const [e, o] of entries) c.assign(e, o);
    rmSync(dir, { recursive: true, force: true });
    return c;
  }
  const follower = (entries: [number, number][], leo: number, hw: number) => {
    const c = cache(entries);
    return { logEndOffset: leo, highWatermark: hw, latestEpoch: c.latestEpoch(), endOffsetFor: (e: number) => c.endOffsetFor(e, leo) };
  };

  it('a former leader drops what it wrote in its last epoch past where the new leader took over', () => {
    // Old leader wrote epoch 1 from 0 and epoch 3 from 100 up to 150; the new leader (epoch 4) had epoch 3 up to 120.
    expect(truncationOffset(follower([[1, 0], [3, 100]], 150, 110), { leaderEpoch: 3, endOffset: 120 })).toBe(120);
  });
  it('an epoch the leader never saw: cut where the leader\'s largest earlier epoch ends (or our copy of it)', () => {
    // We wrote epoch 3 from 100 (never replicated); the leader knows epoch 1 up to 100, then its own epoch 4.
    expect(truncationOffset(follower([[1, 0], [3, 100]], 150, 90), { leaderEpoch: 1, endOffset: 100 })).toBe(100);
    // Our own epoch 1 ended earlier than the leader's: keep only ours.
    expect(truncationOffset(follower([[1, 0], [3, 80]], 150, 50), { leaderEpoch: 1, endOffset: 100 })).toBe(80);
  });
  it('never past the own log end; unknown answers fall back to the high watermark; no epochs, nothing to cut', () => {
    expect(truncationOffset(follower([[2, 0]], 40, 30), { leaderEpoch: 2, endOffset: 500 })).toBe(40);
    expect(truncationOffset(follower([[2, 0]], 40, 30), { leaderEpoch: -1, endOffset: -1 })).toBe(30);
    expect(truncationOffset(follower([], 0, 0), { leaderEpoch: -1, endOffset: -1 })).toBe(0);
  });
});

describe('leader epoch cache answers (LeaderEpochFileCache.endOffsetFor)', () => {
  it('answers the latest epoch with the log end, older ones with the next start, unknown newer ones undefined', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kstack-epochs-'));
    try {
      const c = new LeaderEpochCache(dir);
      c.assign(2, 10);
      c.assign(5, 40);
      expect(c.endOffsetFor(5, 77)).toEqual({ epoch: 5, endOffset: 77 });
      expect(c.endOffsetFor(3, 77)).toEqual({ epoch: 2, endOffset: 40 });
      expect(c.endOffsetFor(1, 77)).toEqual({ epoch: 1, endOffset: 10 });
      expect(c.endOffsetFor(6, 77)).toEqual({ epoch: -1, endOffset: -1 });
      expect(c.endOffsetFor(-1, 77)).toEqual({ epoch: -1, endOffset: -1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
