// RaftNode on its own: messages are built by hand or relayed between real nodes by the test, so each rule
// (vote granting, persistence before answers, fetch validation, high-watermark) is checked in isolation.
// Every node here uses seededRandom(seed) with the seed stated in the test.
import { describe, expect, it } from 'vitest';
import { MemoryRaftLog } from '../../../../src/broker/raft/log.js';
import { RaftConfigError, RaftNode } from '../../../../src/broker/raft/node.js';
import { MemoryQuorumStateStore } from '../../../../src/broker/raft/quorum-state.js';
import { decodeEntries, encodeEntries } from '../../../../src/broker/raft/records.js';
import { seededRandom, ValueListStateMachine } from '../../../../src/broker/raft/simulated-network.js';
import { MemorySnapshotStore } from '../../../../src/broker/raft/snapshot-store.js';
import { DEFAULT_RAFT_CONFIG, METADATA_TOPIC, type RaftMessage, type RaftOutput } from '../../../../src/broker/raft/types.js';
import { ErrorCode } from '../../../../src/protocol/generated/error-codes.js';
import type { FetchRequest } from '../../../../src/protocol/generated/fetch.js';
import type { VoteRequest } from '../../../../src/protocol/generated/vote.js';

interface Parts {
  log: MemoryRaftLog;
  quorumStore: MemoryQuorumStateStore;
  snapshots: MemorySnapshotStore;
  stateMachine: ValueListStateMachine;
}

function parts(): Parts {
  return { log: new MemoryRaftLog(), quorumStore: new MemoryQuorumStateStore(), snapshots: new MemorySnapshotStore(), stateMachine: new ValueListStateMachine() };
}

function makeNode(nodeId: number, p: Parts, seed: number, voters = [1, 2, 3], now = 0, extra = {}): RaftNode {
  return new RaftNode({
    config: { ...DEFAULT_RAFT_CONFIG, nodeId, voters, clusterId: 'c1', ...extra },
    ...p,
    random: seededRandom(seed),
    now,
  });
}

const value = (s: string) => ({ epoch: 1, control: false, timestamp: 0, value: Buffer.from(s) });

function voteRequest(from: number, to: number, epoch: number, lastEpoch: number, lastOffset: number, clusterId: string | null = 'c1'): RaftMessage {
  const body: VoteRequest = {
    clusterId,
    voterId: to,
    topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: 0, candidateEpoch: epoch, candidateId: from, candidateDirectoryId: '', voterDirectoryId: '', lastOffsetEpoch: lastEpoch, lastOffset: BigInt(lastOffset) }] }],
  };
  return { type: 'VoteRequest', from, to, correlationId: 1, body };
}

function fetchRequest(from: number, to: number, epoch: number, fetchOffset: number, lastFetchedEpoch: number, maxWaitMs = 0): RaftMessage {
  const body: FetchRequest = {
    clusterId: 'c1', replicaId: from, replicaState: { replicaId: from, replicaEpoch: -1n }, maxWaitMs, minBytes: 0, maxBytes: 1 << 20,
    isolationLevel: 0, sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: '',
    topics: [{ topic: METADATA_TOPIC, topicId: '', partitions: [{ partition: 0, currentLeaderEpoch: epoch, fetchOffset: BigInt(fetchOffset), lastFetchedEpoch, logStartOffset: 0n, partitionMaxBytes: 1 << 20, replicaDirectoryId: '' }] }],
  };
  return { type: 'FetchRequest', from, to, correlationId: 7, body };
}

function only<T extends RaftMessage['type']>(out: RaftOutput, type: T): Extract<RaftMessage, { type: T }> {
  const found = out.messages.filter((m) => m.type === type);
  expect(found, `exactly one ${type} in ${out.messages.map((m) => m.type).join(', ')}`).toHaveLength(1);
  return found[0] as Extract<RaftMessage, { type: T }>;
}

function voteGranted(out: RaftOutput): boolean {
  return only(out, 'VoteResponse').body.topics[0].partitions[0].voteGranted;
}

/** Makes node 1 leader of epoch 1 over voters [1,2,3] with node 2's vote (seed 11). */
function electedLeader(p = parts()): { node: RaftNode; p: Parts; now: number } {
  const node = makeNode(1, p, 11);
  const out = node.tick(3000); // past any election timeout (≤ 2000 ms)
  expect(node.stateName).toBe('Candidate');
  const req = out.messages.find((m) => m.type === 'VoteRequest' && m.to === 2)!;
  const voter = makeNode(2, parts(), 12);
  const answer = voter.receive(req, 3001);
  node.receive(only(answer, 'VoteResponse'), 3002);
  expect(node.stateName).toBe('Leader');
  return { node, p, now: 3002 };
}

describe('RaftNode configuration', () => {
  it('refuses a bad voter set or timeouts with a clear error', () => {
    expect(() => makeNode(1, parts(), 1, [])).toThrow(RaftConfigError);
    expect(() => makeNode(1, parts(), 1, [1, 1, 2])).toThrow(/distinct/);
    expect(() => makeNode(-1, parts(), 1)).toThrow(/node.id/);
    expect(() => makeNode(1, parts(), 1, [1, 2, 3], 0, { electionTimeoutMs: 0 })).toThrow(/electionTimeoutMs/);
  });
});

describe('voting (seed 5)', () => {
  it('grants one vote per epoch, persisted before the answer leaves', () => {
    const p = parts();
    const node = makeNode(2, p, 5);
    const first = node.receive(voteRequest(1, 2, 1, 0, 0), 10);
    expect(voteGranted(first)).toBe(true);
    expect(node.stateName).toBe('Voted');
    expect(p.quorumStore.read()).toEqual({ epoch: 1, votedId: 1, leaderId: -1 });
    // The persisted-state event comes before the answer is handed out (same step, events record it).
    expect(first.events.some((e) => e.type === 'quorum-state-persisted' && e.votedId === 1)).toBe(true);
    // Same candidate again: still granted (a retry); another candidate in the same epoch: refused.
    expect(voteGranted(node.receive(voteRequest(1, 2, 1, 0, 0), 11))).toBe(true);
    expect(voteGranted(node.receive(voteRequest(3, 2, 1, 0, 0), 12))).toBe(false);
    // A newer epoch frees the vote.
    expect(voteGranted(node.receive(voteRequest(3, 2, 2, 0, 0), 13))).toBe(true);
    expect(p.quorumStore.read()).toEqual({ epoch: 2, votedId: 3, leaderId: -1 });
  });

  it('keeps its vote across a restart: no second vote in the same epoch', () => {
    const p = parts();
    const node = makeNode(2, p, 5);
    expect(voteGranted(node.receive(voteRequest(1, 2, 4, 0, 0), 10))).toBe(true);
    const restarted = makeNode(2, p, 6, [1, 2, 3], 20);
    expect(restarted.stateName).toBe('Voted');
    expect(restarted.currentEpoch).toBe(4);
    expect(restarted.votedFor).toBe(1);
    expect(voteGranted(restarted.receive(voteRequest(3, 2, 4, 9, 100), 21))).toBe(false);
    expect(voteGranted(restarted.receive(voteRequest(1, 2, 4, 0, 0), 22))).toBe(true);
  });

  it('refuses candidates whose log is behind (last epoch first, then end offset)', () => {
    const p = parts();
    p.log.append([value('a'), value('b'), { ...value('c'), epoch: 2 }]); // ends at 3, last epoch 2
    p.quorumStore.write({ epoch: 2, votedId: -1, leaderId: -1 });
    const node = makeNode(2, p, 5);
    expect(voteGranted(node.receive(voteRequest(1, 2, 3, 1, 50), 1))).toBe(false); // older last epoch
    expect(voteGranted(node.receive(voteRequest(1, 2, 4, 2, 2), 2))).toBe(false); // same epoch, shorter
    expect(voteGranted(node.receive(voteRequest(1, 2, 5, 2, 3), 3))).toBe(true); // as up to date
    expect(voteGranted(node.receive(voteRequest(3, 2, 6, 3, 0), 4))).toBe(true); // newer last epoch
  });

  it('answers stale epochs, strangers and other clusters with Kafka error codes', () => {
    const p = parts();
    p.quorumStore.write({ epoch: 5, votedId: -1, leaderId: -1 });
    const node = makeNode(2, p, 5);
    const stale = only(node.receive(voteRequest(1, 2, 4, 0, 0), 1), 'VoteResponse').body;
    expect(stale.topics[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.FENCED_LEADER_EPOCH, leaderEpoch: 5, voteGranted: false });
    const stranger = only(node.receive(voteRequest(9, 2, 6, 0, 0), 2), 'VoteResponse').body;
    expect(stranger.topics[0].partitions[0].errorCode).toBe(ErrorCode.INCONSISTENT_VOTER_SET);
    const other = only(node.receive(voteRequest(1, 2, 6, 0, 0, 'other'), 3), 'VoteResponse').body;
    expect(other.errorCode).toBe(ErrorCode.INCONSISTENT_CLUSTER_ID);
    expect(node.currentEpoch).toBe(5); // none of them moved the epoch
    const misrouted = node.receive(voteRequest(1, 3, 6, 0, 0), 4);
    expect(misrouted.messages).toEqual([]);
    expect(misrouted.events[0]).toMatchObject({ type: 'message-rejected' });
  });
});

describe('elections (seed 11)', () => {
  it('a sole voter elects itself on its first tick', () => {
    const p = parts();
    const node = makeNode(1, p, 11, [1]);
    const out = node.tick(1);
    expect(node.stateName).toBe('Leader');
    expect(node.currentEpoch).toBe(1);
    expect(out.events.some((e) => e.type === 'became-leader')).toBe(true);
    // The LeaderChange entry commits at once: a majority of one.
    expect(node.highWatermark).toBe(1);
    const r = node.propose([Buffer.from('x')], 2);
    expect(r.result).toEqual({ ok: true, epoch: 1, firstOffset: 1, lastOffset: 1 });
    expect(node.highWatermark).toBe(2);
    expect(p.stateMachine.values).toEqual(['x']);
  });

  it('waits a jittered election timeout, then runs as candidate of the next epoch', () => {
    const p = parts();
    const node = makeNode(1, p, 11);
    expect(node.tick(999).messages).toEqual([]); // never before the base timeout
    const out = node.tick(3000);
    expect(node.stateName).toBe('Candidate');
    expect(node.currentEpoch).toBe(1);
    expect(p.quorumStore.read()).toEqual({ epoch: 1, votedId: 1, leaderId: -1 });
    expect(out.messages.map((m) => [m.type, m.to])).toEqual([['VoteRequest', 2], ['VoteRequest', 3]]);
  });

  it('a leader appends LeaderChange, tells the voters with BeginQuorumEpoch and refuses a second leader', () => {
    const { node, p } = electedLeader();
    expect(p.log.endOffset).toBe(1);
    expect(p.log.read(0, 1)[0]).toMatchObject({ epoch: 1, control: true });
    expect(p.quorumStore.read()).toEqual({ epoch: 1, votedId: 1, leaderId: 1 });
    const out = node.tick(3003);
    void out;
    const follower = makeNode(3, parts(), 13);
    const begin = follower.receive({ type: 'BeginQuorumEpochRequest', from: 1, to: 3, correlationId: 1, body: { clusterId: 'c1', voterId: 3, leaderEndpoints: [], topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: 0, voterDirectoryId: '', leaderId: 1, leaderEpoch: 1 }] }] } }, 5);
    expect(follower.stateName).toBe('Follower');
    expect(follower.currentLeader).toBe(1);
    expect(only(begin, 'BeginQuorumEpochResponse').body.topics[0].partitions[0].errorCode).toBe(0);
    const rival = follower.receive({ type: 'BeginQuorumEpochRequest', from: 2, to: 3, correlationId: 2, body: { clusterId: 'c1', voterId: 3, leaderEndpoints: [], topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: 0, voterDirectoryId: '', leaderId: 2, leaderEpoch: 1 }] }] } }, 6);
    expect(only(rival, 'BeginQuorumEpochResponse').body.topics[0].partitions[0].errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(follower.currentLeader).toBe(1);
  });

  it('a restarted leader resigns its epoch instead of leading it twice', () => {
    const { p } = electedLeader();
    const again = makeNode(1, p, 99, [1, 2, 3], 5000);
    expect(again.stateName).toBe('Resigned');
    expect(again.propose([Buffer.from('x')], 5001).result).toMatchObject({ ok: false, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    again.tick(9000);
    expect(again.stateName).toBe('Candidate');
    expect(again.currentEpoch).toBe(2);
  });
});

describe('fetch validation and the high-watermark (seed 11)', () => {
  it('advances the high-watermark only on a majority', () => {
    const { node, now } = electedLeader();
    node.propose([Buffer.from('a'), Buffer.from('b')], now);
    expect(node.highWatermark).toBe(0); // the leader alone is no majority of three
    const resp = only(node.receive(fetchRequest(2, 1, 1, 0, 0), now + 1), 'FetchResponse').body;
    expect(decodeEntries(resp.responses[0].partitions[0].records!).map((e) => e.offset)).toEqual([0, 1, 2]);
    expect(node.highWatermark).toBe(0); // node 2 has not confirmed anything yet
    node.receive(fetchRequest(2, 1, 1, 2, 1), now + 2);
    expect(node.highWatermark).toBe(2);
    node.receive(fetchRequest(2, 1, 1, 3, 1), now + 3);
    expect(node.highWatermark).toBe(3);
  });

  it('does not commit older-epoch entries by counting replicas until an entry of its own epoch is replicated', () => {
    // Node 1 holds two epoch-1 entries nobody committed, then wins epoch 3.
    const p = parts();
    p.log.append([value('old-a'), value('old-b')]);
    p.quorumStore.write({ epoch: 2, votedId: -1, leaderId: -1 });
    const node = makeNode(1, p, 11);
    const req = node.tick(5000).messages.find((m) => m.type === 'VoteRequest' && m.to === 2)!;
    const voterParts = parts();
    voterParts.log.append([value('old-a'), value('old-b')]);
    const voter = makeNode(2, voterParts, 12);
    node.receive(only(voter.receive(req, 5001), 'VoteResponse'), 5002);
    expect(node.stateName).toBe('Leader');
    expect(node.currentEpoch).toBe(3);
    // Node 2 already has offsets 0-1: on a majority, but from epoch 1.
    node.receive(fetchRequest(2, 1, 3, 2, 1), 5003);
    expect(node.highWatermark).toBe(0);
    expect(p.stateMachine.values).toEqual([]);
    // Once node 2 holds the epoch-3 LeaderChange entry, everything up to it commits.
    const out = node.receive(fetchRequest(2, 1, 3, 3, 3), 5004);
    expect(node.highWatermark).toBe(3);
    expect(p.stateMachine.values).toEqual(['old-a', 'old-b']);
    const committed = out.events.find((e) => e.type === 'committed');
    expect(committed?.type === 'committed' && committed.entries.map((e) => e.offset)).toEqual([0, 1, 2]);
  });

  it('answers a diverging follower with divergingEpoch, and the follower truncates to it', () => {
    const { node, now } = electedLeader(); // leader log: [0: epoch 1 LeaderChange]
    node.propose([Buffer.from('a')], now); // offset 1, epoch 1
    // A follower whose log runs past the leader's end of epoch 1 (which ends at 2 on the leader).
    const fp = parts();
    fp.log.append([value('lc'), value('x'), value('y'), value('z')]);
    const res = only(node.receive(fetchRequest(2, 1, 1, 4, 1), now + 1), 'FetchResponse');
    const part = res.body.responses[0].partitions[0];
    expect(part.errorCode).toBe(0);
    expect(part.divergingEpoch).toEqual({ epoch: 1, endOffset: 2n });
    expect(part.records).toBeNull();

    const follower = makeNode(2, fp, 21);
    follower.receive({ type: 'BeginQuorumEpochRequest', from: 1, to: 2, correlationId: 1, body: { clusterId: 'c1', voterId: 2, leaderEndpoints: [], topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: 0, voterDirectoryId: '', leaderId: 1, leaderEpoch: 1 }] }] } }, now);
    const fetch = only(follower.tick(now + 1), 'FetchRequest');
    expect(fetch.body.topics[0].partitions[0]).toMatchObject({ fetchOffset: 4n, lastFetchedEpoch: 1, currentLeaderEpoch: 1 });
    const answer = only(node.receive(fetch, now + 2), 'FetchResponse');
    const out = follower.receive(answer, now + 3);
    expect(out.events).toContainEqual({ type: 'truncated', toOffset: 2, removed: 2 });
    expect(fp.log.endOffset).toBe(2);
    // Fetching again from the truncation point is valid.
    const again = only(node.receive(only(follower.tick(now + 4), 'FetchRequest'), now + 5), 'FetchResponse');
    expect(again.body.responses[0].partitions[0].divergingEpoch).toEqual({ epoch: -1, endOffset: -1n });
  });

  it('fences stale epochs, flags unknown ones and tells a fetcher who leads', () => {
    const { node, now } = electedLeader();
    const stale = only(node.receive(fetchRequest(2, 1, 0, 0, 0), now), 'FetchResponse').body.responses[0].partitions[0];
    expect(stale.errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect(stale.currentLeader).toEqual({ leaderId: 1, leaderEpoch: 1 });
    const follower = makeNode(3, parts(), 31);
    const notLeader = only(follower.receive(fetchRequest(2, 3, 0, 0, 0), 1), 'FetchResponse').body.responses[0].partitions[0];
    expect(notLeader.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const future = only(node.receive(fetchRequest(2, 1, 7, 0, 0), now + 1), 'FetchResponse').body.responses[0].partitions[0];
    expect(future.errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect(node.stateName).toBe('Unattached'); // a newer epoch exists: this leader is done
    expect(node.currentEpoch).toBe(7);
  });

  it('parks a fetch with nothing new and answers it when a proposal arrives', () => {
    const { node, now } = electedLeader();
    node.receive(fetchRequest(2, 1, 1, 1, 1), now + 1); // caught up: commits the LeaderChange
    const parked = node.receive(fetchRequest(2, 1, 1, 1, 1, 500), now + 2);
    expect(parked.messages.filter((m) => m.type === 'FetchResponse')).toHaveLength(0);
    const out = node.propose([Buffer.from('news')], now + 3);
    const resp = only(out, 'FetchResponse').body.responses[0].partitions[0];
    expect(decodeEntries(resp.records!).map((e) => e.value.toString())).toEqual(['news']);
    // With nothing new, the parked fetch is answered empty at its deadline.
    // Acknowledging 'news' moves the high-watermark, which answers at once; the next fetch has nothing new.
    expect(only(node.receive(fetchRequest(2, 1, 1, 2, 1, 500), now + 4), 'FetchResponse').body.responses[0].partitions[0].highWatermark).toBe(2n);
    expect(node.receive(fetchRequest(2, 1, 1, 2, 1, 500), now + 4).messages).toEqual([]);
    expect(node.tick(now + 100).messages.filter((m) => m.type === 'FetchResponse')).toHaveLength(0);
    const late = node.tick(now + 504);
    expect(only(late, 'FetchResponse').body.responses[0].partitions[0].records).toBeNull();
  });

  it('rejects malformed records from a leader without crashing', () => {
    const p = parts();
    p.quorumStore.write({ epoch: 1, votedId: -1, leaderId: 1 });
    const follower = makeNode(2, p, 41, [1, 2, 3], 0);
    const fetch = only(follower.tick(1), 'FetchRequest');
    const good = encodeEntries([{ offset: 0, epoch: 1, control: false, timestamp: 0, value: Buffer.from('a') }]);
    const bad = Buffer.from(good);
    bad[bad.length - 1] ^= 1;
    const body = {
      throttleTimeMs: 0, errorCode: 0, sessionId: 0,
      responses: [{ topic: METADATA_TOPIC, partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 1n, currentLeader: { leaderId: 1, leaderEpoch: 1 }, records: bad }] }],
    };
    const out = follower.receive({ type: 'FetchResponse', from: 1, to: 2, correlationId: fetch.correlationId, body }, 2);
    expect(out.events).toContainEqual(expect.objectContaining({ type: 'message-rejected', reason: expect.stringMatching(/CRC/) }));
    expect(p.log.endOffset).toBe(0);
  });
});

describe('restarts and bad input (seeds 11, 41, 51)', () => {
  it('a restarted sole voter takes over again on its first tick', () => {
    const p = parts();
    const node = makeNode(1, p, 11, [1]);
    node.tick(1);
    node.propose([Buffer.from('x')], 2);
    const fresh = new ValueListStateMachine(); // the process restarted: its in-memory state is gone
    const again = makeNode(1, { ...p, stateMachine: fresh }, 12, [1], 100);
    expect(again.stateName).toBe('Resigned');
    again.tick(101);
    expect(again.stateName).toBe('Leader');
    expect(again.currentEpoch).toBe(2);
    expect(again.highWatermark).toBe(3); // the old LeaderChange, x, the new LeaderChange
    expect(fresh.values).toEqual(['x']); // replayed from the log once committed again
  });

  it('refuses a vote request whose sender is not the candidate', () => {
    const node = makeNode(2, parts(), 51);
    const m = voteRequest(1, 2, 1, 0, 0);
    const out = node.receive({ ...m, from: 3 }, 1);
    expect(only(out, 'VoteResponse').body.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(node.votedFor).toBe(-1);
  });

  it('refuses entries that would take its log\'s epoch backwards, log unchanged', () => {
    const p = parts();
    p.log.append([{ ...value('a'), epoch: 3 }]);
    p.quorumStore.write({ epoch: 4, votedId: -1, leaderId: 1 });
    const follower = makeNode(2, p, 41);
    const fetch = only(follower.tick(1), 'FetchRequest');
    const records = encodeEntries([{ offset: 1, epoch: 2, control: false, timestamp: 0, value: Buffer.from('b') }]);
    const body = {
      throttleTimeMs: 0, errorCode: 0, sessionId: 0,
      responses: [{ topic: METADATA_TOPIC, partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 2n, currentLeader: { leaderId: 1, leaderEpoch: 4 }, records }] }],
    };
    const out = follower.receive({ type: 'FetchResponse', from: 1, to: 2, correlationId: fetch.correlationId, body }, 2);
    expect(out.events).toContainEqual(expect.objectContaining({ type: 'message-rejected', reason: expect.stringMatching(/epochs never go down/) }));
    expect(p.log.endOffset).toBe(1);
  });
});

describe('FetchSnapshot errors (seed 61)', () => {
  it('answers an unknown snapshot id or position with Kafka error codes', () => {
    const p = parts();
    const node = makeNode(1, p, 61, [1], 0, { maxEntriesBetweenSnapshots: 3 });
    node.tick(1);
    node.propose([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')], 2);
    const snap = p.snapshots.latest()!;
    expect(snap.id).toEqual({ offset: 4, epoch: 1 });
    expect(p.log.logStartOffset).toBe(4);
    const ask = (offset: number, epoch: number, position: number, leaderEpoch = 1) => {
      const out = node.receive({
        type: 'FetchSnapshotRequest', from: 2, to: 1, correlationId: 3,
        body: { clusterId: 'c1', replicaId: 2, maxBytes: 10, topics: [{ name: METADATA_TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: leaderEpoch, snapshotId: { endOffset: BigInt(offset), epoch }, position: BigInt(position), replicaDirectoryId: '' }] }] },
      }, 3);
      return only(out, 'FetchSnapshotResponse').body.topics[0].partitions[0];
    };
    const chunk = ask(4, 1, 0);
    expect(chunk.errorCode).toBe(0);
    expect(chunk.size).toBe(BigInt(snap.data.length));
    expect(chunk.unalignedRecords).toEqual(snap.data.subarray(0, 10));
    expect(ask(3, 1, 0).errorCode).toBe(ErrorCode.SNAPSHOT_NOT_FOUND);
    expect(ask(4, 1, snap.data.length + 1).errorCode).toBe(ErrorCode.POSITION_OUT_OF_RANGE);
    expect(ask(4, 1, 0, 0).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    // A Fetch below the log start is pointed at the snapshot.
    const res = only(node.receive(fetchRequest(2, 1, 1, 0, 0), 4), 'FetchResponse').body.responses[0].partitions[0];
    expect(res.snapshotId).toEqual({ endOffset: 4n, epoch: 1 });
  });
});

describe('DescribeQuorum (seed 11)', () => {
  it('reports leader, epoch, high-watermark and each voter\'s log end offset', () => {
    const { node, now } = electedLeader();
    node.propose([Buffer.from('a'), Buffer.from('b')], now);
    node.receive(fetchRequest(2, 1, 1, 3, 1), now + 5);
    node.receive(fetchRequest(9, 1, 1, 1, 1), now + 6); // an observer
    const d = node.describeQuorum(now + 10);
    const p = d.topics[0].partitions[0];
    expect(p).toMatchObject({ errorCode: 0, leaderId: 1, leaderEpoch: 1, highWatermark: 3n });
    expect(p.currentVoters.map((v) => [v.replicaId, v.logEndOffset, v.lastFetchTimestamp])).toEqual([
      [1, 3n, BigInt(now + 10)],
      [2, 3n, BigInt(now + 5)],
      [3, -1n, -1n],
    ]);
    expect(p.observers.map((v) => [v.replicaId, v.logEndOffset])).toEqual([[9, 1n]]);
    const other = makeNode(2, parts(), 3).describeQuorum(0);
    expect(other.topics[0].partitions[0].errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const unknown = node.describeQuorum(0, { topics: [{ topicName: 'nope', partitions: [{ partitionIndex: 0 }] }] });
    expect(unknown.topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
