import { describe, expect, it } from 'vitest';
import { AssignmentError, assignReplicas, nextLeaderState } from '../../../../src/broker/cluster/assignment.js';

describe('assignReplicas (Kafka rack-unaware)', () => {
  it('spreads single-replica leaders round-robin from the start index', () => {
    const a = assignReplicas([3, 1, 2], 6, 1, 1);
    expect([...a.values()].map((r) => r[0])).toEqual([2, 3, 1, 2, 3, 1]);
  });

  it('gives every broker the same share of leaders for any start', () => {
    for (let start = 0; start < 5; start++) {
      const counts = new Map<number, number>();
      for (const [, r] of assignReplicas([1, 2, 3], 6, 1, start)) counts.set(r[0], (counts.get(r[0]) ?? 0) + 1);
      expect([...counts.values()]).toEqual([2, 2, 2]);
    }
  });

  it('places followers on distinct brokers, shifting every n partitions (Kafka AdminUtils example)', () => {
    // Kafka's doc example: 5 brokers, 10 partitions, RF 3, start index 0, shift 0.
    const ids = [0, 1, 2, 3, 4];
    const a = assignReplicas(ids, 10, 3, 0, 0);
    expect(a.get(0)).toEqual([0, 1, 2]);
    expect(a.get(4)).toEqual([4, 0, 1]);
    expect(a.get(5)).toEqual([0, 2, 3]);
    expect(a.get(9)).toEqual([4, 1, 2]);
    for (const r of a.values()) expect(new Set(r).size).toBe(3);
  });

  it('refuses impossible requests with Kafka\'s wording', () => {
    expect(() => assignReplicas([1, 2], 3, 3, 0)).toThrow(new AssignmentError('Replication factor: 3 larger than available brokers: 2.'));
    expect(() => assignReplicas([1], 0, 1, 0)).toThrow(AssignmentError);
  });
});

describe('nextLeaderState', () => {
  const live = (...ids: number[]) => new Set(ids);

  it('starts a new partition on its first live replica', () => {
    expect(nextLeaderState(undefined, [2, 3], live(1, 3))).toEqual({ leader: 3, leaderEpoch: 0, isr: [3] });
    expect(nextLeaderState(undefined, [2], live(1))).toEqual({ leader: -1, leaderEpoch: 0, isr: [2] });
  });

  it('leaves a healthy partition alone', () => {
    expect(nextLeaderState({ leader: 2, leaderEpoch: 4, isr: [2] }, [2], live(1, 2))).toBeNull();
  });

  it('takes a replication-factor-1 partition offline when its broker goes, and back when it returns', () => {
    const gone = nextLeaderState({ leader: 2, leaderEpoch: 4, isr: [2] }, [2], live(1, 3));
    expect(gone).toEqual({ leader: -1, leaderEpoch: 5, isr: [2] });
    expect(nextLeaderState(gone!, [2], live(1, 3))).toBeNull();
    expect(nextLeaderState(gone!, [2], live(1, 2, 3))).toEqual({ leader: 2, leaderEpoch: 6, isr: [2] });
  });

  it('moves leadership to a live ISR member and shrinks the ISR', () => {
    expect(nextLeaderState({ leader: 1, leaderEpoch: 0, isr: [1, 2, 3] }, [1, 2, 3], live(2, 3))).toEqual({ leader: 2, leaderEpoch: 1, isr: [2, 3] });
    expect(nextLeaderState({ leader: 1, leaderEpoch: 0, isr: [1, 2, 3] }, [1, 2, 3], live(1, 3))).toEqual({ leader: 1, leaderEpoch: 0, isr: [1, 3] });
    // Not in the ISR → not eligible (no unclean election).
    expect(nextLeaderState({ leader: 1, leaderEpoch: 0, isr: [1] }, [1, 2], live(2))).toEqual({ leader: -1, leaderEpoch: 1, isr: [1] });
  });

  it('does not put a returning follower back in the ISR (its leader does, once it caught up)', () => {
    expect(nextLeaderState({ leader: 1, leaderEpoch: 2, isr: [1, 3] }, [1, 2, 3], live(1, 2, 3))).toBeNull();
  });

  it('elects an out-of-sync replica only with unclean.leader.election.enable=true', () => {
    const offline = { leader: 1, leaderEpoch: 3, isr: [1] };
    expect(nextLeaderState(offline, [1, 2, 3], live(2, 3))).toEqual({ leader: -1, leaderEpoch: 4, isr: [1] });
    expect(nextLeaderState(offline, [1, 2, 3], live(2, 3), { uncleanLeaderElection: true })).toEqual({ leader: 2, leaderEpoch: 4, isr: [2] });
    // A clean candidate is always preferred.
    expect(nextLeaderState({ leader: 1, leaderEpoch: 3, isr: [1, 3] }, [1, 2, 3], live(2, 3), { uncleanLeaderElection: true })).toEqual({ leader: 3, leaderEpoch: 4, isr: [3] });
  });
});
