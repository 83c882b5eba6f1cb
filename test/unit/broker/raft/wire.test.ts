// The core's messages through the generated codecs: a whole quorum runs with every message encoded and
// decoded at the oldest and the newest KRaft-capable versions (seeds 31, 32).
import { describe, expect, it } from 'vitest';
import { SimulatedNetwork } from '../../../../src/broker/raft/simulated-network.js';
import { decodeRaftBody, encodeRaftBody, MAX_RAFT_API_VERSIONS, MIN_RAFT_API_VERSIONS, RaftWireError, type RaftApiVersions } from '../../../../src/broker/raft/wire.js';
import type { RaftMessage } from '../../../../src/broker/raft/types.js';

function scenario(seed: number, wire: RaftApiVersions): SimulatedNetwork {
  const net = new SimulatedNetwork({ seed, voters: [1, 2, 3], wire, config: { maxEntriesBetweenSnapshots: 10, snapshotChunkBytes: 50 } });
  expect(net.runUntil(() => net.leader() !== undefined, 20_000)).toBe(true);
  const old = net.leader()!;
  const lagger = [...net.nodes.keys()].find((id) => id !== old.id)!;
  net.crash(lagger);
  for (let i = 0; i < 30; i++) net.propose([`v${i}`]);
  net.runFor(1_000);
  // Divergence: the leader takes writes while cut off, a new leader is elected, the old one rejoins.
  net.restart(lagger);
  net.runFor(3_000);
  net.isolate(old.id);
  net.proposeAt(old.id, ['lost']);
  expect(net.runUntil(() => net.leader() !== undefined && net.leader()!.id !== old.id, 20_000)).toBe(true);
  net.propose(['after']);
  net.runFor(1_000); // 'after' commits on the majority side; 'lost' never can
  net.heal();
  net.resign(net.leader()!.id); // EndQuorumEpoch too
  expect(net.runUntil(() => [...net.nodes.values()].every((s) => s.stateMachine.values.length === 31), 30_000)).toBe(true);
  net.assertSafe();
  return net;
}

describe('Raft messages on the wire', () => {
  it('a quorum works with every message through the newest codec versions (seed 31)', () => {
    const net = scenario(31, MAX_RAFT_API_VERSIONS);
    expect(net.delivered).toBeGreaterThan(50);
    expect(net.wireBytes).toBeGreaterThan(net.delivered * 30); // every delivered message was encoded
    for (const s of net.nodes.values()) expect(s.stateMachine.values.at(-1)).toBe('after');
    const installed = [...net.nodes.values()].flatMap((s) => s.events.filter((e) => e.event.type === 'snapshot-installed'));
    expect(installed.length).toBeGreaterThan(0); // FetchSnapshot went over the codecs as well
  });

  it('and through the oldest KRaft-capable versions (Fetch 13: replica id in the body, topic ids) (seed 32)', () => {
    const net = scenario(32, MIN_RAFT_API_VERSIONS);
    for (const s of net.nodes.values()) expect(s.stateMachine.values.at(-1)).toBe('after');
  });

  it('refuses versions that cannot carry KRaft fields, and malformed bodies', () => {
    const m: RaftMessage = {
      type: 'VoteResponse', from: 1, to: 2, correlationId: 1,
      body: { errorCode: 0, topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0, errorCode: 0, leaderId: 1, leaderEpoch: 3, voteGranted: true }] }] },
    };
    const bytes = encodeRaftBody(m, 1);
    expect(decodeRaftBody('VoteResponse', m, bytes, 1).body).toMatchObject(m.body);
    expect(() => decodeRaftBody('VoteResponse', m, bytes.subarray(0, bytes.length - 2), 1)).toThrow(RaftWireError);
    expect(() => decodeRaftBody('VoteResponse', m, Buffer.concat([bytes, Buffer.from([0])]), 1)).toThrow(/unread bytes/);
    expect(() => encodeRaftBody({ ...m, type: 'FetchResponse', body: { responses: [] } } as RaftMessage, 11)).toThrow(/Fetch version 11/);
    expect(() => encodeRaftBody(m, 2)).toThrow(RaftWireError);
  });
});
