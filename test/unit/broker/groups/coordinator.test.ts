import { afterEach, describe, expect, it, vi } from 'vitest';
import { GroupCoordinator, type JoinRequest } from '../../../../src/broker/groups/coordinator.js';
import { GroupErrorCode as E } from '../../../../src/broker/groups/error-codes.js';
import { InMemoryOffsetStore } from '../../../../src/broker/groups/offset-store.js';
import type { JoinReply } from '../../../../src/broker/groups/group-state.js';

/** A coordinator on an injected clock and no timer: the test drives time with `advance()`. */
function setup(opts: { initialDelay?: number; store?: InMemoryOffsetStore; retentionMinutes?: number; now?: number } = {}) {
  const clock = { now: opts.now ?? 1_000_000 };
  const store = opts.store ?? new InMemoryOffsetStore();
  let ids = 0;
  const c = new GroupCoordinator({
    clock: () => clock.now,
    nodeId: 1,
    config: {
      groupInitialRebalanceDelayMs: opts.initialDelay ?? 0,
      groupMinSessionTimeoutMs: 6000,
      groupMaxSessionTimeoutMs: 1_800_000,
      offsetsRetentionMinutes: opts.retentionMinutes ?? 10080,
      offsetsTopicNumPartitions: 50,
      offsetsRetentionCheckIntervalMs: 1000,
    },
    persist: store,
    tickIntervalMs: 0,
    newId: () => `id${++ids}`,
  });
  const advance = async (ms: number) => {
    await drain();
    clock.now += ms;
    await c.tick();
  };
  return { c, store, clock, advance };
}

vi.setConfig({ testTimeout: 5000 });

const live: GroupCoordinator[] = [];
afterEach(async () => {
  for (const c of live.splice(0)) await c.close();
});

async function started(opts: Parameters<typeof setup>[0] = {}) {
  const s = setup(opts);
  await s.c.load();
  live.push(s.c);
  return s;
}

function join(over: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId: 'g',
    version: 3,
    memberId: '',
    groupInstanceId: null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('sub-range') }],
    ...over,
  };
}

/** Let queued group jobs run (they read the clock when they run, as in production). */
async function drain() {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** Resolves to the value, or 'pending' if the promise has not settled after the queue drains. */
async function peek<T>(p: Promise<T>): Promise<T | 'pending'> {
  const marker = Symbol('pending');
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  const v = await Promise.race([p, Promise.resolve(marker)]);
  return v === marker ? 'pending' : (v as T);
}

/** Two members joined and synced: a Stable generation 1. */
async function stableGroupOfTwo(c: GroupCoordinator) {
  // Delay 0: the first member gets generation 1 alone; the second makes it rejoin for generation 2.
  const r1 = await c.joinGroup(join({ clientId: 'a' }));
  const j2 = c.joinGroup(join({ clientId: 'b' }));
  const [leader, follower] = await Promise.all([c.joinGroup(join({ clientId: 'a', memberId: r1.memberId })), j2]);
  expect(leader.members).toHaveLength(2);
  const fs = c.syncGroup({ groupId: 'g', memberId: follower.memberId, groupInstanceId: null, generationId: follower.generationId, protocolType: null, protocolName: null, assignments: [] });
  const ls = c.syncGroup({
    groupId: 'g',
    memberId: leader.memberId,
    groupInstanceId: null,
    generationId: leader.generationId,
    protocolType: null,
    protocolName: null,
    assignments: [
      { memberId: leader.memberId, assignment: Buffer.from('L') },
      { memberId: follower.memberId, assignment: Buffer.from('F') },
    ],
  });
  await Promise.all([fs, ls]);
  return { leader, follower };
}

describe('GroupCoordinator: joining and syncing', () => {
  it('elects the first member leader, gives only the leader the member list, and waits for the leader in SyncGroup', async () => {
    const { c } = await started();
    const j1 = c.joinGroup(join({ clientId: 'a' }));
    const r1 = await j1;
    // Alone in the group and the delay is 0: generation 1 at once.
    expect(r1.errorCode).toBe(E.NONE);
    expect(r1.generationId).toBe(1);
    expect(r1.leader).toBe(r1.memberId);
    expect(r1.memberId).toBe('a-id1');
    expect(r1.members.map((m) => m.memberId)).toEqual([r1.memberId]);
    expect(r1.protocolName).toBe('range');
    expect(c.group('g')!.state).toBe('CompletingRebalance');

    // A second member makes the group rebalance; the first one must rejoin too.
    const j2 = c.joinGroup(join({ clientId: 'b' }));
    expect(await peek(j2)).toBe('pending');
    expect(c.group('g')!.state).toBe('PreparingRebalance');
    const j1b = c.joinGroup(join({ clientId: 'a', memberId: r1.memberId }));
    const [r1b, r2] = await Promise.all([j1b, j2]);
    expect(r1b.generationId).toBe(2);
    expect(r2.generationId).toBe(2);
    expect(r1b.leader).toBe(r1.memberId);
    expect(r2.leader).toBe(r1.memberId);
    expect(r1b.members.map((m) => [m.memberId, m.metadata.toString()])).toEqual([
      [r1.memberId, 'sub-range'],
      [r2.memberId, 'sub-range'],
    ]);
    expect(r2.members).toEqual([]);

    const fs = c.syncGroup({ groupId: 'g', memberId: r2.memberId, groupInstanceId: null, generationId: 2, protocolType: null, protocolName: null, assignments: [] });
    expect(await peek(fs)).toBe('pending');
    const ls = c.syncGroup({
      groupId: 'g',
      memberId: r1.memberId,
      groupInstanceId: null,
      generationId: 2,
      protocolType: null,
      protocolName: null,
      assignments: [
        { memberId: r1.memberId, assignment: Buffer.from('A') },
        { memberId: r2.memberId, assignment: Buffer.from('B') },
      ],
    });
    expect((await ls).assignment.toString()).toBe('A');
    expect((await fs).assignment.toString()).toBe('B');
    expect(c.group('g')!.state).toBe('Stable');
    // Stable: SyncGroup answers at once with the stored assignment.
    const again = await c.syncGroup({ groupId: 'g', memberId: r2.memberId, groupInstanceId: null, generationId: 2, protocolType: null, protocolName: null, assignments: [] });
    expect(again.assignment.toString()).toBe('B');
  });

  it('holds the first round for group.initial.rebalance.delay.ms and extends it while members keep joining', async () => {
    const { c, advance } = await started({ initialDelay: 3000 });
    const j1 = c.joinGroup(join({ clientId: 'a' }));
    await advance(2000);
    const j2 = c.joinGroup(join({ clientId: 'b' }));
    await advance(1000); // first delay over, but a member joined during it: extended by another 3000
    expect(await peek(j1)).toBe('pending');
    await advance(2900);
    expect(await peek(j2)).toBe('pending');
    await advance(100);
    const [r1, r2] = await Promise.all([j1, j2]);
    expect(r1.generationId).toBe(1);
    expect(r2.generationId).toBe(1);
    expect(r1.members).toHaveLength(2);
  });

  it('never extends the initial delay past the rebalance timeout', async () => {
    const { c, advance } = await started({ initialDelay: 3000 });
    const joins = [c.joinGroup(join({ clientId: 'a', rebalanceTimeoutMs: 5000 }))];
    for (let t = 0; t < 4; t++) {
      await advance(1000);
      joins.push(c.joinGroup(join({ clientId: `m${t}`, rebalanceTimeoutMs: 5000 })));
    }
    // At 3 s the delay was extended, but only by the 2 s left of the 5 s rebalance timeout.
    await advance(999);
    expect(await peek(joins[0])).toBe('pending');
    await advance(1);
    const replies = await Promise.all(joins);
    expect(new Set(replies.map((r) => r.generationId))).toEqual(new Set([1]));
  });

  it('answers MEMBER_ID_REQUIRED only to JoinGroup v4+ with an empty member id and no instance id', async () => {
    const { c, advance } = await started();
    const r = await c.joinGroup(join({ version: 4 }));
    expect(r.errorCode).toBe(E.MEMBER_ID_REQUIRED);
    expect(r.memberId).toBe('client-id1');
    expect(c.group('g')!.members.size).toBe(0);
    const ok = await c.joinGroup(join({ version: 4, memberId: r.memberId }));
    expect(ok.errorCode).toBe(E.NONE);
    expect(ok.memberId).toBe(r.memberId);

    const v3 = await c.joinGroup(join({ groupId: 'g3', version: 3 }));
    expect(v3.errorCode).toBe(E.NONE);
    const v5static = await c.joinGroup(join({ groupId: 'g5', version: 5, groupInstanceId: 'inst' }));
    expect(v5static.errorCode).toBe(E.NONE);

    // An id handed out but never used expires after the session timeout.
    const r2 = await c.joinGroup(join({ groupId: 'gx', version: 4 }));
    expect(c.group('gx')!.pendingMembers.has(r2.memberId)).toBe(true);
    await advance(10_000);
    expect(c.group('gx')).toBeUndefined();
  });

  it('rejects bad session timeouts, unknown member ids and incompatible protocols', async () => {
    const { c } = await started();
    expect((await c.joinGroup(join({ sessionTimeoutMs: 10 }))).errorCode).toBe(E.INVALID_SESSION_TIMEOUT);
    expect((await c.joinGroup(join({ sessionTimeoutMs: 2_000_000 }))).errorCode).toBe(E.INVALID_SESSION_TIMEOUT);
    expect((await c.joinGroup(join({ memberId: 'nobody' }))).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
    expect((await c.joinGroup(join({ groupId: '' }))).errorCode).toBe(E.INVALID_GROUP_ID);
    expect((await c.joinGroup(join({ protocols: [] }))).errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL);
    const first = await c.joinGroup(join());
    expect(first.errorCode).toBe(E.NONE);
    expect((await c.joinGroup(join({ protocolType: 'connect' }))).errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL);
    expect((await c.joinGroup(join({ protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }] }))).errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL);
    expect((await c.joinGroup(join({ memberId: 'nobody' }))).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
  });

  it('selects the protocol by vote among those every member supports', async () => {
    const { c, advance } = await started({ initialDelay: 100 });
    const p = (names: string[]) => names.map((name) => ({ name, metadata: Buffer.from(name) }));
    const j = [
      c.joinGroup(join({ clientId: 'a', protocols: p(['range', 'roundrobin', 'sticky']) })),
      c.joinGroup(join({ clientId: 'b', protocols: p(['roundrobin', 'range']) })),
      c.joinGroup(join({ clientId: 'c', protocols: p(['roundrobin', 'range', 'sticky']) })),
    ];
    await advance(100); // others joined during the delay: extended once
    await advance(100);
    const replies = await Promise.all(j);
    expect(replies.every((r) => r.protocolName === 'roundrobin')).toBe(true);
    const leader = replies.find((r) => r.members.length > 0)!;
    expect(leader.members.map((m) => m.metadata.toString())).toEqual(['roundrobin', 'roundrobin', 'roundrobin']);
  });
});

describe('GroupCoordinator: heartbeats, timeouts and leaving', () => {
  it('answers heartbeats with Kafka error codes per state', async () => {
    const { c } = await started();
    const { leader, follower } = await stableGroupOfTwo(c);
    const hb = (memberId: string, generationId: number) => c.heartbeat({ groupId: 'g', memberId, groupInstanceId: null, generationId });
    expect(await hb(leader.memberId, leader.generationId)).toBe(E.NONE);
    expect(await hb('ghost', leader.generationId)).toBe(E.UNKNOWN_MEMBER_ID);
    expect(await hb(leader.memberId, leader.generationId + 5)).toBe(E.ILLEGAL_GENERATION);
    expect(await c.heartbeat({ groupId: 'nope', memberId: 'x', groupInstanceId: null, generationId: 1 })).toBe(E.UNKNOWN_MEMBER_ID);
    // A third member starts a rebalance: the others learn of it from their heartbeat.
    const j3 = c.joinGroup(join({ clientId: 'c' }));
    expect(await hb(follower.memberId, follower.generationId)).toBe(E.REBALANCE_IN_PROGRESS);
    expect(await c.syncGroup({ groupId: 'g', memberId: follower.memberId, groupInstanceId: null, generationId: follower.generationId, protocolType: null, protocolName: null, assignments: [] })).toMatchObject({ errorCode: E.REBALANCE_IN_PROGRESS });
    await Promise.all([c.joinGroup(join({ memberId: leader.memberId })), c.joinGroup(join({ memberId: follower.memberId })), j3]);
  });

  it('expels a member whose session times out and rebalances the rest', async () => {
    const { c, advance } = await started();
    const { leader, follower } = await stableGroupOfTwo(c);
    const hb = (memberId: string) => c.heartbeat({ groupId: 'g', memberId, groupInstanceId: null, generationId: 2 });
    // The leader heartbeats every 3 s; the follower goes silent.
    for (let i = 0; i < 3; i++) {
      await advance(3000);
      expect(await c.heartbeat({ groupId: 'g', memberId: leader.memberId, groupInstanceId: null, generationId: leader.generationId })).toBe(E.NONE);
    }
    await advance(1500);
    expect(c.group('g')!.members.has(follower.memberId)).toBe(false);
    expect(c.group('g')!.state).toBe('PreparingRebalance');
    expect(await hb(follower.memberId)).toBe(E.UNKNOWN_MEMBER_ID);
    expect(await c.heartbeat({ groupId: 'g', memberId: leader.memberId, groupInstanceId: null, generationId: leader.generationId })).toBe(E.REBALANCE_IN_PROGRESS);
    const r = await c.joinGroup(join({ memberId: leader.memberId }));
    expect(r.generationId).toBe(leader.generationId + 1);
    expect(r.members.map((m) => m.memberId)).toEqual([leader.memberId]);
  });

  it('removes members that do not rejoin within the rebalance timeout, and members that never sync', async () => {
    const { c, advance } = await started();
    const { leader, follower } = await stableGroupOfTwo(c);
    const rejoin = c.joinGroup(join({ memberId: leader.memberId, protocols: [{ name: 'range', metadata: Buffer.from('changed') }] }));
    // The follower keeps heartbeating (so its session stays alive) but never rejoins.
    for (let t = 0; t < 30_000; t += 5000) {
      expect(await peek(rejoin)).toBe('pending');
      await c.heartbeat({ groupId: 'g', memberId: follower.memberId, groupInstanceId: null, generationId: follower.generationId });
      await advance(5000);
    }
    const r = await rejoin;
    expect(r.errorCode).toBe(E.NONE);
    expect(r.members.map((m) => m.memberId)).toEqual([leader.memberId]);
    expect(await c.heartbeat({ groupId: 'g', memberId: follower.memberId, groupInstanceId: null, generationId: r.generationId })).toBe(E.UNKNOWN_MEMBER_ID);
    // Now the leader never sends SyncGroup: after the rebalance timeout it is out too and the group is Empty.
    await advance(30_000);
    expect(c.group('g')!.state).toBe('Empty');
    expect(c.group('g')!.members.size).toBe(0);
  });

  it('leaves: one member (v0-2) and a batch with per-member errors (v3), electing a new leader', async () => {
    const { c } = await started();
    const { leader, follower } = await stableGroupOfTwo(c);
    const res = await c.leaveGroup('g', [{ memberId: leader.memberId, groupInstanceId: null }, { memberId: 'ghost', groupInstanceId: null }]);
    expect(res.errorCode).toBe(E.NONE);
    expect(res.members.map((m) => m.errorCode)).toEqual([E.NONE, E.UNKNOWN_MEMBER_ID]);
    const g = c.group('g')!;
    expect(g.state).toBe('PreparingRebalance');
    expect(g.leaderId).toBe(follower.memberId);
    const r = await c.joinGroup(join({ memberId: follower.memberId }));
    expect(r.leader).toBe(follower.memberId);
    expect(r.members).toHaveLength(1);
    // Last member leaves: Empty, and the group metadata is written.
    await c.leaveGroup('g', [{ memberId: follower.memberId, groupInstanceId: null }]);
    expect(c.group('g')!.state).toBe('Empty');
    expect((await c.leaveGroup('unknown-group', [{ memberId: 'x', groupInstanceId: null }])).members[0].errorCode).toBe(E.UNKNOWN_MEMBER_ID);
  });
});

describe('GroupCoordinator: static membership and cooperative rebalancing', () => {
  async function staticPair(c: GroupCoordinator) {
    const first = await c.joinGroup(join({ version: 5, clientId: 'a', groupInstanceId: 'ia' }));
    const j2 = c.joinGroup(join({ version: 5, clientId: 'b', groupInstanceId: 'ib' }));
    const j1 = c.joinGroup(join({ version: 5, clientId: 'a', groupInstanceId: 'ia', memberId: first.memberId }));
    const [r1, r2] = await Promise.all([j1, j2]);
    const sync = (r: JoinReply, inst: string) =>
      c.syncGroup({
        groupId: 'g',
        memberId: r.memberId,
        groupInstanceId: inst,
        generationId: r.generationId,
        protocolType: null,
        protocolName: null,
        assignments: r.members.length ? [{ memberId: r1.memberId, assignment: Buffer.from('A') }, { memberId: r2.memberId, assignment: Buffer.from('B') }] : [],
      });
    await Promise.all([sync(r1, 'ia'), sync(r2, 'ib')]);
    return { r1, r2 };
  }

  it('lets a restarted static follower take its place without a rebalance and fences the old member id', async () => {
    const { c } = await started();
    const { r1, r2 } = await staticPair(c);
    expect(r1.leader).toBe(r1.memberId);
    const generation = c.group('g')!.generationId;
    const back = await c.joinGroup(join({ version: 5, clientId: 'b', groupInstanceId: 'ib' }));
    expect(back.errorCode).toBe(E.NONE);
    expect(back.memberId).not.toBe(r2.memberId);
    expect(back.generationId).toBe(generation);
    expect(c.group('g')!.state).toBe('Stable');
    const s = await c.syncGroup({ groupId: 'g', memberId: back.memberId, groupInstanceId: 'ib', generationId: generation, protocolType: null, protocolName: null, assignments: [] });
    expect(s.assignment.toString()).toBe('B');
    expect(await c.heartbeat({ groupId: 'g', memberId: r2.memberId, groupInstanceId: 'ib', generationId: generation })).toBe(E.FENCED_INSTANCE_ID);
    expect((await c.joinGroup(join({ version: 5, memberId: r2.memberId, groupInstanceId: 'ib' }))).errorCode).toBe(E.FENCED_INSTANCE_ID);
    const commit = await c.commitOffsets({ groupId: 'g', generationId: generation, memberId: r2.memberId, groupInstanceId: 'ib', retentionTimeMs: -1, topics: [{ name: 't', partitions: [{ partition: 0, offset: 1n, leaderEpoch: -1, metadata: '', commitTimestamp: -1 }] }] });
    expect(commit.topics[0].partitions[0].errorCode).toBe(E.FENCED_INSTANCE_ID);
    const leave = await c.leaveGroup('g', [{ memberId: r2.memberId, groupInstanceId: 'ib' }, { memberId: '', groupInstanceId: 'nope' }]);
    expect(leave.members.map((m) => m.errorCode)).toEqual([E.FENCED_INSTANCE_ID, E.UNKNOWN_MEMBER_ID]);
    expect(await c.heartbeat({ groupId: 'g', memberId: back.memberId, groupInstanceId: 'ib', generationId: generation })).toBe(E.NONE);
  });

  it('rebalances when a static leader restarts, keeping it leader', async () => {
    const { c } = await started();
    const { r1, r2 } = await staticPair(c);
    const back = c.joinGroup(join({ version: 5, clientId: 'a', groupInstanceId: 'ia' }));
    expect(await peek(back)).toBe('pending');
    expect(c.group('g')!.state).toBe('PreparingRebalance');
    const f = c.joinGroup(join({ version: 5, memberId: r2.memberId, groupInstanceId: 'ib' }));
    const [b, fr] = await Promise.all([back, f]);
    expect(b.memberId).not.toBe(r1.memberId);
    expect(b.leader).toBe(b.memberId);
    expect(fr.leader).toBe(b.memberId);
    expect(b.members.map((m) => m.groupInstanceId)).toEqual(['ia', 'ib']);
  });

  it('follows a cooperative (incremental) rebalance as the clients drive it', async () => {
    const { c } = await started();
    const meta = (owned: string) => [{ name: 'cooperative-sticky', metadata: Buffer.from(owned) }];
    const a1 = await c.joinGroup(join({ clientId: 'a', protocols: meta('a:') }));
    await c.syncGroup({ groupId: 'g', memberId: a1.memberId, groupInstanceId: null, generationId: 1, protocolType: 'consumer', protocolName: 'cooperative-sticky', assignments: [{ memberId: a1.memberId, assignment: Buffer.from('0,1,2,3') }] });
    // b joins; a keeps its partitions while it rejoins with what it owns.
    const b1 = c.joinGroup(join({ clientId: 'b', protocols: meta('b:') }));
    expect(await c.heartbeat({ groupId: 'g', memberId: a1.memberId, groupInstanceId: null, generationId: 1 })).toBe(E.REBALANCE_IN_PROGRESS);
    const commitDuring = await c.commitOffsets({ groupId: 'g', generationId: 1, memberId: a1.memberId, groupInstanceId: null, retentionTimeMs: -1, topics: [{ name: 't', partitions: [{ partition: 0, offset: 5n, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] }] });
    expect(commitDuring.topics[0].partitions[0].errorCode).toBe(E.NONE);
    const a2 = c.joinGroup(join({ memberId: a1.memberId, protocols: meta('a:0,1,2,3') }));
    const [ra2, rb1] = await Promise.all([a2, b1]);
    expect(ra2.generationId).toBe(2);
    expect(ra2.members.find((m) => m.memberId === ra2.memberId)!.metadata.toString()).toBe('a:0,1,2,3');
    // First cooperative round: the leader revokes 2,3 from a and gives b nothing yet.
    const sb = c.syncGroup({ groupId: 'g', memberId: rb1.memberId, groupInstanceId: null, generationId: 2, protocolType: 'consumer', protocolName: 'cooperative-sticky', assignments: [] });
    await c.syncGroup({ groupId: 'g', memberId: ra2.memberId, groupInstanceId: null, generationId: 2, protocolType: 'consumer', protocolName: 'cooperative-sticky', assignments: [{ memberId: ra2.memberId, assignment: Buffer.from('0,1') }, { memberId: rb1.memberId, assignment: Buffer.alloc(0) }] });
    expect((await sb).assignment.length).toBe(0);
    // a revoked: it rejoins at once (second round), b rejoins too.
    const a3 = c.joinGroup(join({ memberId: ra2.memberId, protocols: meta('a:0,1') }));
    await drain();
    expect(c.group('g')!.state).toBe('PreparingRebalance');
    const b3 = c.joinGroup(join({ memberId: rb1.memberId, protocols: meta('b:') }));
    const [ra3, rb3] = await Promise.all([a3, b3]);
    expect(ra3.generationId).toBe(3);
    expect(rb3.generationId).toBe(3);
    const sb3 = c.syncGroup({ groupId: 'g', memberId: rb3.memberId, groupInstanceId: null, generationId: 3, protocolType: 'consumer', protocolName: 'cooperative-sticky', assignments: [] });
    await c.syncGroup({ groupId: 'g', memberId: ra3.memberId, groupInstanceId: null, generationId: 3, protocolType: 'consumer', protocolName: 'cooperative-sticky', assignments: [{ memberId: ra3.memberId, assignment: Buffer.from('0,1') }, { memberId: rb3.memberId, assignment: Buffer.from('2,3') }] });
    expect((await sb3).assignment.toString()).toBe('2,3');
    // SyncGroup v5 naming the wrong protocol is refused.
    expect((await c.syncGroup({ groupId: 'g', memberId: rb3.memberId, groupInstanceId: null, generationId: 3, protocolType: 'consumer', protocolName: 'range', assignments: [] })).errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL);
  });
});

describe('GroupCoordinator: offsets', () => {
  const commit = (c: GroupCoordinator, over: { groupId?: string; generationId?: number; memberId?: string; metadata?: string | null; offset?: bigint; partition?: number; topic?: string; retention?: number } = {}) =>
    c.commitOffsets({
      groupId: over.groupId ?? 'g',
      generationId: over.generationId ?? -1,
      memberId: over.memberId ?? '',
      groupInstanceId: null,
      retentionTimeMs: over.retention ?? -1,
      topics: [{ name: over.topic ?? 't', partitions: [{ partition: over.partition ?? 0, offset: over.offset ?? 10n, leaderEpoch: 3, metadata: over.metadata === undefined ? 'meta' : over.metadata, commitTimestamp: -1 }] }],
    });
  const code = (r: Awaited<ReturnType<GroupCoordinator['commitOffsets']>>) => r.topics[0].partitions[0].errorCode;

  it('accepts standalone commits (generation -1, empty member id) and round-trips metadata', async () => {
    const { c } = await started();
    expect(code(await commit(c, { metadata: 'hello ✓' }))).toBe(E.NONE);
    expect(code(await commit(c, { partition: 1, metadata: null, offset: 7n }))).toBe(E.NONE);
    const f = c.fetchOffsets('g', [{ name: 't', partitions: [0, 1, 2] }]);
    expect(f.topics[0].partitions).toEqual([
      { partition: 0, offset: 10n, leaderEpoch: 3, metadata: 'hello ✓', errorCode: E.NONE },
      { partition: 1, offset: 7n, leaderEpoch: 3, metadata: '', errorCode: E.NONE },
      { partition: 2, offset: -1n, leaderEpoch: -1, metadata: '', errorCode: E.NONE },
    ]);
    expect(c.fetchOffsets('g', null).topics).toEqual([{ name: 't', partitions: [expect.objectContaining({ partition: 0 }), expect.objectContaining({ partition: 1 })] }]);
    expect(c.fetchOffsets('other', [{ name: 't', partitions: [0] }]).topics[0].partitions[0].offset).toBe(-1n);
    expect(c.listGroups()).toEqual([{ groupId: 'g', protocolType: '', groupState: 'Empty' }]);
    expect(code(await commit(c, { metadata: 'x'.repeat(4097) }))).toBe(E.OFFSET_METADATA_TOO_LARGE);
  });

  it('checks member, generation and state for group members (Kafka order)', async () => {
    const { c } = await started();
    expect(code(await commit(c, { groupId: 'new', generationId: 3, memberId: 'm' }))).toBe(E.ILLEGAL_GENERATION);
    const { leader } = await stableGroupOfTwo(c);
    expect(code(await commit(c))).toBe(E.UNKNOWN_MEMBER_ID);
    expect(code(await commit(c, { generationId: leader.generationId, memberId: 'ghost' }))).toBe(E.UNKNOWN_MEMBER_ID);
    expect(code(await commit(c, { generationId: leader.generationId - 1, memberId: leader.memberId }))).toBe(E.ILLEGAL_GENERATION);
    expect(code(await commit(c, { generationId: leader.generationId, memberId: leader.memberId }))).toBe(E.NONE);
    // CompletingRebalance: REBALANCE_IN_PROGRESS. Get there with the leader alone rejoining after the other leaves.
    await c.leaveGroup('g', [{ memberId: c.group('g')!.members.keys().next().value === leader.memberId ? [...c.group('g')!.members.keys()][1] : leader.memberId, groupInstanceId: null }]);
    const remaining = [...c.group('g')!.members.keys()][0];
    const r = await c.joinGroup(join({ memberId: remaining }));
    expect(c.group('g')!.state).toBe('CompletingRebalance');
    expect(code(await commit(c, { generationId: r.generationId, memberId: remaining }))).toBe(E.REBALANCE_IN_PROGRESS);
  });

  it('answers commit errors when the log append fails, and keeps the old offset', async () => {
    const { c, store } = await started();
    await commit(c, { offset: 1n });
    store.failNext = new Error('disk full');
    expect(code(await commit(c, { offset: 2n }))).toBe(E.COORDINATOR_NOT_AVAILABLE);
    expect(c.fetchOffsets('g', [{ name: 't', partitions: [0] }]).topics[0].partitions[0].offset).toBe(1n);
  });

  it('deletes offsets (OffsetDelete) except for topics that active consumers subscribe to', async () => {
    const { c } = await started();
    // ConsumerProtocolSubscription v0: version, [topics], userData
    const sub = Buffer.from('0000' + '00000001' + '0001' + '61' + 'ffffffff', 'hex'); // topic "a"
    const r = await c.joinGroup(join({ protocols: [{ name: 'range', metadata: sub }] }));
    await c.syncGroup({ groupId: 'g', memberId: r.memberId, groupInstanceId: null, generationId: r.generationId, protocolType: null, protocolName: null, assignments: [] });
    await commit(c, { generationId: r.generationId, memberId: r.memberId, topic: 'a' });
    await commit(c, { generationId: r.generationId, memberId: r.memberId, topic: 'b' });
    const res = await c.deleteOffsets('g', [{ name: 'a', partitions: [0] }, { name: 'b', partitions: [0] }]);
    expect(res.errorCode).toBe(E.NONE);
    expect(res.topics.map((t) => t.partitions[0].errorCode)).toEqual([E.GROUP_SUBSCRIBED_TO_TOPIC, E.NONE]);
    expect(c.fetchOffsets('g', null).topics.map((t) => t.name)).toEqual(['a']);
    expect((await c.deleteOffsets('nope', [])).errorCode).toBe(E.GROUP_ID_NOT_FOUND);
  });

  it('expires offsets of an Empty group after offsets.retention.minutes and then forgets the group', async () => {
    const { c, advance, store } = await started({ retentionMinutes: 1 });
    await commit(c, { groupId: 'old' });
    await advance(30_000);
    await commit(c, { groupId: 'old', partition: 1 });
    await advance(31_000);
    expect(c.fetchOffsets('old', null).topics[0].partitions.map((p) => p.partition)).toEqual([1]);
    await advance(30_000);
    expect(c.fetchOffsets('old', null).topics).toEqual([]);
    expect(c.listGroups()).toEqual([]);
    // Explicit retention (OffsetCommit v2-v4 retention_time_ms) wins over the broker default.
    await commit(c, { groupId: 'short', retention: 2000 });
    await advance(2500);
    expect(c.fetchOffsets('short', null).topics).toEqual([]);
    // The expiry is durable: a fresh coordinator on the same log has nothing either.
    const again = setup({ store, retentionMinutes: 1 });
    await again.c.load();
    live.push(again.c);
    expect(again.c.listGroups()).toEqual([]);
  });

  it('does not expire offsets while the group has members', async () => {
    const { c, advance } = await started({ retentionMinutes: 1 });
    const r = await c.joinGroup(join({ sessionTimeoutMs: 600_000 }));
    await c.syncGroup({ groupId: 'g', memberId: r.memberId, groupInstanceId: null, generationId: r.generationId, protocolType: null, protocolName: null, assignments: [] });
    await commit(c, { generationId: r.generationId, memberId: r.memberId });
    await advance(120_000);
    expect(c.fetchOffsets('g', null).topics).toHaveLength(1);
  });
});

describe('GroupCoordinator: durability, describe, list, delete', () => {
  it('reloads offsets and a Stable group (members, assignments, generation) from __consumer_offsets', async () => {
    const store = new InMemoryOffsetStore();
    const first = await started({ store });
    const { leader, follower } = await stableGroupOfTwo(first.c);
    await first.c.commitOffsets({ groupId: 'g', generationId: leader.generationId, memberId: leader.memberId, groupInstanceId: null, retentionTimeMs: -1, topics: [{ name: 't', partitions: [{ partition: 2, offset: 99n, leaderEpoch: 0, metadata: 'm', commitTimestamp: -1 }] }] });
    await first.c.commitOffsets({ groupId: 'solo', generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, topics: [{ name: 't', partitions: [{ partition: 0, offset: 5n, leaderEpoch: -1, metadata: '', commitTimestamp: -1 }] }] });
    await first.c.close();
    // Everything went to the group's partition of __consumer_offsets.
    expect([...store.partitions.keys()].sort()).toEqual([...new Set([first.c.partitionFor('g'), first.c.partitionFor('solo')])].sort());

    const second = await started({ store });
    const d = second.c.describeGroup('g');
    expect(d.groupState).toBe('Stable');
    expect(d.protocolType).toBe('consumer');
    expect(d.protocolData).toBe('range');
    expect(d.members.map((m) => [m.memberId, m.assignment.toString(), m.metadata.toString()])).toEqual([
      [leader.memberId, 'L', 'sub-range'],
      [follower.memberId, 'F', 'sub-range'],
    ]);
    expect(second.c.group('g')!.generationId).toBe(leader.generationId);
    expect(second.c.fetchOffsets('g', [{ name: 't', partitions: [2] }]).topics[0].partitions[0]).toMatchObject({ offset: 99n, metadata: 'm', leaderEpoch: 0 });
    expect(second.c.fetchOffsets('solo', null).topics[0].partitions[0].offset).toBe(5n);
    // The reloaded members can carry on: heartbeat with their generation.
    expect(await second.c.heartbeat({ groupId: 'g', memberId: follower.memberId, groupInstanceId: null, generationId: leader.generationId })).toBe(E.NONE);
    // ...and if they never come back, their session expires.
    await second.advance(10_001);
    expect(second.c.describeGroup('g')).toMatchObject({ groupState: 'Empty', members: [] });
  });

  it('describes groups as Kafka does (metadata only when Stable; unknown group = Dead)', async () => {
    const { c } = await started({ initialDelay: 3000 });
    expect(c.describeGroup('none')).toMatchObject({ errorCode: E.NONE, groupState: 'Dead', members: [] });
    void c.joinGroup(join({ clientId: 'a' }));
    await peek(Promise.resolve());
    const d = c.describeGroup('g');
    expect(d.groupState).toBe('PreparingRebalance');
    expect(d.protocolData).toBe('');
    expect(d.members).toHaveLength(1);
    expect(d.members[0].metadata.length).toBe(0);
    expect(d.members[0].clientId).toBe('a');
    expect(c.listGroups()).toEqual([{ groupId: 'g', protocolType: 'consumer', groupState: 'PreparingRebalance' }]);
  });

  it('deletes Empty groups with their offsets, refuses non-empty ones', async () => {
    const store = new InMemoryOffsetStore();
    const { c } = await started({ store });
    await c.commitOffsets({ groupId: 'empty', generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, topics: [{ name: 't', partitions: [{ partition: 0, offset: 5n, leaderEpoch: -1, metadata: '', commitTimestamp: -1 }] }] });
    await stableGroupOfTwo(c);
    expect(await c.deleteGroups(['empty', 'g', 'missing', ''])).toEqual([
      { groupId: 'empty', errorCode: E.NONE },
      { groupId: 'g', errorCode: E.NON_EMPTY_GROUP },
      { groupId: 'missing', errorCode: E.GROUP_ID_NOT_FOUND },
      { groupId: '', errorCode: E.INVALID_GROUP_ID },
    ]);
    expect(c.fetchOffsets('empty', null).topics).toEqual([]);
    const again = await started({ store });
    expect(again.c.listGroups().map((g) => g.groupId)).toEqual(['g']);
    expect(again.c.fetchOffsets('empty', null).topics).toEqual([]);
  });

  it('answers parked requests when closed, and refuses requests before load', async () => {
    const s = setup({ initialDelay: 3000 });
    expect((await s.c.joinGroup(join())).errorCode).toBe(E.COORDINATOR_LOAD_IN_PROGRESS);
    await s.c.load();
    const pending = s.c.joinGroup(join());
    await peek(pending);
    await s.c.close();
    expect((await pending).errorCode).toBe(E.COORDINATOR_NOT_AVAILABLE);
  });
});
