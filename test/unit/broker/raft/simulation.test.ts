// Whole quorums on the deterministic SimulatedNetwork: virtual clock, seeded delays/drops/partitions,
// crash and restart. Every test names its seed; the harness checks Raft's safety properties on every event
// and assertSafe() adds log matching and state-machine agreement at the end.
import { describe, expect, it } from 'vitest';
import { quorumReport, QuorumReportError } from '../../../../src/broker/raft/quorum-report.js';
import { SimulatedNetwork, type SimNode } from '../../../../src/broker/raft/simulated-network.js';
import type { RaftEvent } from '../../../../src/broker/raft/types.js';

function events<T extends RaftEvent['type']>(sim: SimNode, type: T): Array<Extract<RaftEvent, { type: T }>> {
  return sim.events.map((e) => e.event).filter((e): e is Extract<RaftEvent, { type: T }> => e.type === type);
}

function electLeader(net: SimulatedNetwork, maxMs = 20_000): SimNode {
  expect(net.runUntil(() => net.leader() !== undefined, maxMs), 'a leader is elected').toBe(true);
  return net.leader()!;
}

/** Runs until every up node applied `count` values. */
function settle(net: SimulatedNetwork, count: number, maxMs = 20_000): void {
  const ok = net.runUntil(() => [...net.nodes.values()].every((s) => !s.up || s.stateMachine.values.length >= count), maxMs);
  expect(ok, `every up node applied ${count} values`).toBe(true);
}

function leadersNow(net: SimulatedNetwork): SimNode[] {
  return [...net.nodes.values()].filter((s) => s.up && s.node.stateName === 'Leader');
}

describe('elections', () => {
  it('a single-node quorum elects itself and commits alone (seed 1)', () => {
    const net = new SimulatedNetwork({ seed: 1, voters: [1] });
    const leader = electLeader(net, 100);
    expect(leader.node.currentEpoch).toBe(1);
    net.propose(['a', 'b']);
    expect(leader.stateMachine.values).toEqual(['a', 'b']);
    net.assertSafe();
  });

  it('three nodes elect exactly one leader per epoch and the others follow it (seeds 1-20)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const net = new SimulatedNetwork({ seed, voters: [1, 2, 3] });
      const leader = electLeader(net);
      net.runFor(5_000);
      const now = leadersNow(net);
      expect(now.map((s) => s.id), `seed ${seed}`).toEqual([leader.id]);
      for (const s of net.nodes.values()) {
        expect(s.node.currentEpoch, `seed ${seed} node ${s.id}`).toBe(leader.node.currentEpoch);
        expect(s.node.currentLeader, `seed ${seed} node ${s.id}`).toBe(leader.id);
      }
      // The first election happens within the jittered window (timeout 1000 + [0, 1000)) plus a round trip.
      const first = events(leader, 'became-leader')[0];
      expect(first.epoch).toBeGreaterThanOrEqual(1);
      net.assertSafe();
    }
  });

  it('split votes happen with tight timeouts and still resolve to one leader (seeds 1-40, 4 voters)', () => {
    let splits = 0;
    for (let seed = 1; seed <= 40; seed++) {
      // Short election timeouts against slow links make simultaneous candidacies common.
      const net = new SimulatedNetwork({ seed, voters: [1, 2, 3, 4], minDelayMs: 20, maxDelayMs: 60, config: { electionTimeoutMs: 100, electionBackoffMaxMs: 400 } });
      const leader = electLeader(net, 30_000);
      const candidatesByEpoch = new Map<number, number>();
      for (const s of net.nodes.values()) {
        for (const e of events(s, 'state-changed')) if (e.to === 'Candidate') candidatesByEpoch.set(e.epoch, (candidatesByEpoch.get(e.epoch) ?? 0) + 1);
      }
      const leaders = net.leaders();
      const split = [...candidatesByEpoch].some(([epoch, n]) => n >= 2 && !leaders.has(epoch));
      if (split) splits++;
      net.runFor(3_000);
      expect(leadersNow(net).map((s) => s.node.currentEpoch), `seed ${seed}`).toEqual([net.leader()!.node.currentEpoch]);
      expect(leader.node.currentEpoch).toBeGreaterThanOrEqual(1);
      net.assertSafe();
    }
    // The scenario really was exercised, not just possible.
    expect(splits).toBeGreaterThanOrEqual(3);
  });

  it('a partitioned leader steps down (check-quorum) and the majority elects a new one (seed 3)', () => {
    const net = new SimulatedNetwork({ seed: 3, voters: [1, 2, 3] });
    const old = electLeader(net);
    const oldEpoch = old.node.currentEpoch;
    net.propose(['before']);
    settle(net, 1);
    net.isolate(old.id);
    const cut = net.now;
    // A write the isolated leader still accepts can never commit.
    expect(net.proposeAt(old.id, ['lost'])).toMatchObject({ ok: true });
    expect(net.runUntil(() => old.node.stateName !== 'Leader', 10_000)).toBe(true);
    // Within 1.5 × fetch timeout (3000 ms) plus one tick.
    expect(net.now - cut).toBeLessThanOrEqual(3_020);
    const fresh = electLeader(net);
    expect(fresh.id).not.toBe(old.id);
    expect(fresh.node.currentEpoch).toBeGreaterThan(oldEpoch);
    net.propose(['after']);
    net.heal();
    settle(net, 2);
    net.runFor(5_000);
    for (const s of net.nodes.values()) expect(s.stateMachine.values, `node ${s.id}`).toEqual(['before', 'after']);
    expect(events(old, 'truncated').length).toBeGreaterThan(0); // 'lost' was cut off its log
    net.assertSafe();
  });
});

describe('regressions', () => {
  it('a stale-log candidate that keeps bumping the epoch does not hold the quorum leaderless (seed 884927082)', () => {
    // Found by the property test: node 3, cut off for ~8.5 s, returns at epoch 5 with an empty log. Refused
    // votes used to restart the others' election timers, so each of its new epochs postponed their elections
    // again: 43 s without a leader. Only a granted vote restarts the timer now.
    const net = new SimulatedNetwork({ seed: 884927082, voters: [1, 2, 3], maxDelayMs: 15 });
    net.crash(2);
    net.restart(2);
    net.runFor(742);
    net.partition([[1, 2], [3]]);
    net.runFor(8_495);
    expect(net.get(3).node.stateName).toBe('Candidate');
    net.heal();
    const healed = net.now;
    expect(net.runUntil(() => [...net.nodes.values()].every((s) => s.node.currentLeader >= 0 && s.node.currentLeader === net.leader()?.id), 60_000)).toBe(true);
    expect(net.now - healed).toBeLessThan(10_000);
    net.assertSafe();
  });
});

describe('replication', () => {
  it('an old leader with uncommitted entries rejoins and is truncated via divergingEpoch (seed 4)', () => {
    const net = new SimulatedNetwork({ seed: 4, voters: [1, 2, 3] });
    const old = electLeader(net);
    net.propose(['c1', 'c2']);
    settle(net, 2);
    net.isolate(old.id);
    net.proposeAt(old.id, ['u1', 'u2', 'u3']);
    const oldEnd = old.log.endOffset;
    expect(net.runUntil(() => net.leader() !== undefined && net.leader()!.id !== old.id, 20_000)).toBe(true);
    const fresh = net.leader()!;
    expect(fresh.id).not.toBe(old.id);
    net.propose(['n1']);
    net.runFor(500);
    net.heal();
    settle(net, 3);
    net.runFor(3_000);
    const truncations = events(old, 'truncated');
    expect(truncations.length).toBeGreaterThan(0);
    expect(truncations[0].toOffset).toBeLessThan(oldEnd);
    // The old leader's log now equals the others' and holds none of u1-u3.
    const values = (s: SimNode) => s.log.read(s.log.logStartOffset, 1000).filter((e) => !e.control).map((e) => e.value.toString());
    for (const s of net.nodes.values()) expect(values(s), `node ${s.id}`).toEqual(values(net.leader()!));
    expect(values(old).some((v) => v.startsWith('u'))).toBe(false);
    for (const s of net.nodes.values()) expect(s.stateMachine.values).toEqual(['c1', 'c2', 'n1']);
    net.assertSafe();
  });

  it('the high-watermark waits for a majority: nothing commits while two of three are down (seed 5)', () => {
    const net = new SimulatedNetwork({ seed: 5, voters: [1, 2, 3] });
    const leader = electLeader(net);
    net.propose(['a']);
    settle(net, 1);
    const others = [...net.nodes.keys()].filter((id) => id !== leader.id);
    net.crash(others[0]);
    net.crash(others[1]);
    const hw = leader.node.highWatermark;
    net.proposeAt(leader.id, ['b']);
    net.runFor(1_000);
    expect(leader.node.highWatermark).toBe(hw);
    expect(leader.stateMachine.values).toEqual(['a']);
    net.restart(others[0]);
    // The leader may have resigned for lack of a quorum meanwhile; either way 'b' or a newer leader's
    // LeaderChange commits only once two nodes hold it, and nothing committed is lost.
    expect(net.runUntil(() => net.get(others[0]).stateMachine.values.length >= 1 && net.leader() !== undefined && net.leader()!.node.highWatermark > hw, 20_000)).toBe(true);
    net.runFor(3_000);
    expect(net.get(others[0]).stateMachine.values[0]).toBe('a');
    net.assertSafe();
  });

  it('keeps working with 10% message loss and jittery links (seed 6)', () => {
    const net = new SimulatedNetwork({ seed: 6, voters: [1, 2, 3, 4, 5], dropRate: 0.1, minDelayMs: 1, maxDelayMs: 30, config: { requestTimeoutMs: 600, fetchMaxWaitMs: 200 } });
    electLeader(net);
    let proposed = 0;
    for (let i = 0; i < 40; i++) {
      if (net.propose([`v${i}`])?.ok) proposed++;
      net.runFor(100);
    }
    net.runFor(10_000);
    expect(net.dropped).toBeGreaterThan(0);
    const lengths = [...net.nodes.values()].map((s) => s.stateMachine.values.length);
    expect(Math.min(...lengths)).toBeGreaterThan(proposed / 2); // progress despite losses
    net.assertSafe();
  });

  it('a graceful resignation hands over through EndQuorumEpoch faster than an election timeout (seed 7)', () => {
    const net = new SimulatedNetwork({ seed: 7, voters: [1, 2, 3] });
    const old = electLeader(net);
    net.propose(['x']);
    settle(net, 1);
    const t = net.now;
    const out = net.resign(old.id);
    const ends = out.messages.filter((m) => m.type === 'EndQuorumEpochRequest');
    expect(ends.map((m) => m.to).sort()).toEqual([...net.nodes.keys()].filter((id) => id !== old.id).sort());
    expect(old.node.stateName).toBe('Resigned');
    expect(net.runUntil(() => net.leader() !== undefined, 5_000)).toBe(true);
    expect(net.now - t).toBeLessThan(1_000); // the preferred successor did not wait a full election timeout
    expect(net.leader()!.id).not.toBe(old.id);
    net.assertSafe();
  });
});

describe('observers', () => {
  it('replicas outside the voter set find the leader, follow the log, never vote, and follow a new leader (seed 14)', () => {
    const net = new SimulatedNetwork({ seed: 14, voters: [1, 2, 3], observers: [101, 102] });
    const first = electLeader(net);
    for (let i = 0; i < 5; i++) net.propose([`v${i}`]);
    settle(net, 5);
    for (const id of [101, 102]) {
      const o = net.get(id);
      expect(o.node.stateName).toBe('Follower');
      expect(o.node.currentLeader).toBe(first.id);
      expect(o.node.isVoter).toBe(false);
      expect(events(o, 'state-changed').some((e) => e.to === 'Candidate')).toBe(false);
    }
    const report = first.node.describeQuorum(net.now).topics[0].partitions[0];
    expect(report.observers.map((o) => o.replicaId)).toEqual([101, 102]);
    // The observers' fetches count for nothing: with two voters down, nothing commits.
    const others = [1, 2, 3].filter((id) => id !== first.id);
    net.crash(others[0]);
    net.crash(others[1]);
    const hw = first.node.highWatermark;
    net.proposeAt(first.id, ['not-committed']);
    net.runFor(1_000);
    expect(first.node.highWatermark).toBe(hw);
    // Voters back, leader crashed: the observers move to the new leader by themselves.
    net.restart(others[0]);
    net.restart(others[1]);
    net.crash(first.id);
    expect(net.runUntil(() => net.leader() !== undefined, 20_000)).toBe(true);
    const second = net.leader()!;
    net.propose(['after']);
    expect(net.runUntil(() => [101, 102].every((id) => net.get(id).node.currentLeader === second.id && net.get(id).stateMachine.values.at(-1) === 'after'), 20_000)).toBe(true);
    net.assertSafe();
  });
});

describe('restarts', () => {
  it('crashing and restarting every node keeps all committed entries and votes (seed 8)', () => {
    const net = new SimulatedNetwork({ seed: 8, voters: [1, 2, 3] });
    electLeader(net);
    for (let i = 0; i < 10; i++) net.propose([`v${i}`]);
    settle(net, 10);
    const epochs = new Map([...net.nodes.values()].map((s) => [s.id, s.node.currentEpoch]));
    for (const id of net.nodes.keys()) net.crash(id);
    net.runFor(500);
    for (const id of net.nodes.keys()) {
      net.restart(id);
      const s = net.get(id);
      expect(s.node.currentEpoch).toBe(epochs.get(id)); // the epoch survived
      expect(s.stateMachine.values).toEqual([]); // the state machine did not: it replays from the log
    }
    const leader = electLeader(net);
    expect(leader.node.currentEpoch).toBeGreaterThan(epochs.get(leader.id)!);
    net.propose(['after']);
    settle(net, 11);
    for (const s of net.nodes.values()) expect(s.stateMachine.values).toEqual([...Array.from({ length: 10 }, (_, i) => `v${i}`), 'after']);
    net.assertSafe();
  });

  it('the same seed replays the same run, event for event (seed 9)', () => {
    const run = () => {
      const net = new SimulatedNetwork({ seed: 9, voters: [1, 2, 3], dropRate: 0.05, maxDelayMs: 20 });
      electLeader(net);
      net.propose(['a']);
      net.runFor(1_000);
      net.crash(2);
      net.runFor(3_000);
      net.restart(2);
      net.propose(['b']);
      net.runFor(3_000);
      return JSON.stringify([...net.nodes.values()].map((s) => s.events));
    };
    const a = run();
    expect(a.length).toBeGreaterThan(1000);
    expect(run()).toBe(a);
  });
});

describe('snapshots', () => {
  it('a far-behind follower installs the leader\'s snapshot in chunks, then catches up by fetching (seed 10)', () => {
    const net = new SimulatedNetwork({ seed: 10, voters: [1, 2, 3], config: { maxEntriesBetweenSnapshots: 20, snapshotChunkBytes: 100 } });
    const leader = electLeader(net);
    const lagger = [...net.nodes.keys()].find((id) => id !== leader.id)!;
    net.crash(lagger);
    for (let i = 0; i < 60; i++) {
      net.propose([`v${i}`]);
      net.runFor(20);
    }
    net.runFor(500);
    expect(leader.log.logStartOffset).toBeGreaterThan(0); // the prefix is gone: only a snapshot covers it
    expect(events(leader, 'snapshot-saved').length).toBeGreaterThanOrEqual(2);
    net.restart(lagger);
    settle(net, 60);
    const l = net.get(lagger);
    const installed = events(l, 'snapshot-installed');
    expect(installed).toHaveLength(1);
    expect(installed[0].id.offset).toBeLessThanOrEqual(leader.log.logStartOffset);
    expect(l.stateMachine.values).toEqual(Array.from({ length: 60 }, (_, i) => `v${i}`));
    // The snapshot (> 100 bytes) came in several FetchSnapshot round trips.
    expect(l.snapshots.latest()!.data.length).toBeGreaterThan(100);
    net.propose(['tail']);
    settle(net, 61);
    net.assertSafe();
  });

  it('a restarted node restores its state machine from its own snapshot (seed 12)', () => {
    const net = new SimulatedNetwork({ seed: 12, voters: [1, 2, 3], config: { maxEntriesBetweenSnapshots: 10 } });
    electLeader(net);
    for (let i = 0; i < 25; i++) net.propose([`v${i}`]);
    settle(net, 25);
    const follower = [...net.nodes.values()].find((s) => s.node.stateName === 'Follower')!;
    expect(follower.snapshots.latest()).toBeDefined();
    net.crash(follower.id);
    net.restart(follower.id);
    const restored = follower.snapshots.latest()!.id.offset;
    expect(follower.node.highWatermark).toBe(restored);
    expect(follower.stateMachine.values.length).toBeGreaterThan(0); // from the snapshot, before any fetch
    settle(net, 25);
    net.assertSafe();
  });
});

describe('DescribeQuorum', () => {
  it('reports voters\' log end offsets; lag grows for a crashed voter (seed 13)', () => {
    const net = new SimulatedNetwork({ seed: 13, voters: [1, 2, 3] });
    const leader = electLeader(net);
    net.propose(['a', 'b']);
    settle(net, 2);
    net.runFor(600);
    let p = leader.node.describeQuorum(net.now).topics[0].partitions[0];
    expect(p.leaderId).toBe(leader.id);
    expect(p.leaderEpoch).toBe(leader.node.currentEpoch);
    expect(p.highWatermark).toBe(BigInt(leader.log.endOffset));
    const leo = BigInt(leader.log.endOffset);
    expect(p.currentVoters.map((v) => v.logEndOffset)).toEqual([leo, leo, leo]);
    const down = [...net.nodes.keys()].find((id) => id !== leader.id)!;
    net.crash(down);
    net.propose(['c', 'd', 'e']);
    net.runFor(600);
    p = leader.node.describeQuorum(net.now).topics[0].partitions[0];
    const lag = (id: number) => BigInt(leader.log.endOffset) - p.currentVoters.find((v) => v.replicaId === id)!.logEndOffset;
    expect(lag(down)).toBe(3n);
    expect(lag(leader.id)).toBe(0n);
    expect(p.highWatermark).toBe(BigInt(leader.log.endOffset)); // two of three are enough
    // As `kafka-metadata-quorum describe --replication` shows it.
    const report = quorumReport(leader.node.describeQuorum(net.now));
    expect(report.maxFollowerLag).toBe(3);
    expect(report.rows.map((r) => [r.nodeId, r.status, r.lag])).toEqual(
      [...net.nodes.keys()].map((id) => [id, id === leader.id ? 'Leader' : 'Follower', id === down ? 3 : 0]),
    );
    const follower = [...net.nodes.values()].find((s) => s.up && s.id !== leader.id)!;
    expect(() => quorumReport(follower.node.describeQuorum(net.now))).toThrow(QuorumReportError);
    expect(() => quorumReport(follower.node.describeQuorum(net.now))).toThrow(/NOT_LEADER_OR_FOLLOWER/);
    net.assertSafe();
  });
});
