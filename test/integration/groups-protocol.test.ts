/**
 * The group APIs on the wire, version by version, against the in-process native broker: what each version
 * carries (MEMBER_ID_REQUIRED only from JoinGroup v4, static members from v5, batched LeaveGroup v3, OffsetCommit
 * v0 standalone / v1 timestamps / v6+ leader epochs, OffsetFetch v2+ "all topics", DescribeGroups v4 instance ids,
 * FindCoordinator key types), Kafka's error codes, and a Stable group with members and assignments surviving a
 * broker restart (read back from __consumer_offsets through the real store).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WireConnection } from '../../src/client/wire.js';
import { startNativeBroker, type NativeBroker } from '../support/native-broker.js';

let broker: NativeBroker;
let conn: WireConnection;

const E = { NONE: 0, UNKNOWN_TOPIC_OR_PARTITION: 3, ILLEGAL_GENERATION: 22, INCONSISTENT_GROUP_PROTOCOL: 23, UNKNOWN_MEMBER_ID: 25, INVALID_SESSION_TIMEOUT: 26, REBALANCE_IN_PROGRESS: 27, INVALID_REQUEST: 42, NON_EMPTY_GROUP: 68, GROUP_ID_NOT_FOUND: 69, MEMBER_ID_REQUIRED: 79, FENCED_INSTANCE_ID: 82, GROUP_SUBSCRIBED_TO_TOPIC: 86 };

async function open(): Promise<WireConnection> {
  return WireConnection.connect({ host: '127.0.0.1', port: broker.port, clientId: 'groups-wire', requestTimeoutMs: 20_000 });
}

beforeAll(async () => {
  broker = await startNativeBroker({ properties: { 'num.partitions': '2', 'auto.create.topics.enable': 'true' } });
  conn = await open();
  // Topic "w" with 2 partitions, via auto-creation on Metadata v4+.
  await conn.request(3, 4, { topics: [{ name: 'w', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
});

afterAll(async () => {
  conn?.close();
  await broker?.cleanup();
});

// ConsumerProtocolSubscription v0 for topic "w" and an assignment blob.
const SUB_W = Buffer.from('0000' + '00000001' + '0001' + '77' + 'ffffffff', 'hex');

interface JoinRes { errorCode: number; generationId: number; protocolName: string; leader: string; memberId: string; members: { memberId: string; groupInstanceId?: string | null; metadata: Buffer }[] }

function join(c: WireConnection, v: number, groupId: string, memberId = '', groupInstanceId: string | null = null, over: Record<string, unknown> = {}) {
  return c.request<JoinRes>(11, v, {
    groupId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId,
    groupInstanceId,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: SUB_W }],
    reason: null,
    ...over,
  });
}

function sync(c: WireConnection, v: number, groupId: string, generationId: number, memberId: string, assignments: { memberId: string; assignment: Buffer }[] = [], groupInstanceId: string | null = null) {
  return c.request<{ errorCode: number; assignment: Buffer }>(14, v, { groupId, generationId, memberId, groupInstanceId, protocolType: null, protocolName: null, assignments });
}

function heartbeat(c: WireConnection, v: number, groupId: string, generationId: number, memberId: string, groupInstanceId: string | null = null) {
  return c.request<{ errorCode: number }>(12, v, { groupId, generationId, memberId, groupInstanceId });
}

function commit(c: WireConnection, v: number, groupId: string, generationId: number, memberId: string, parts: { topic: string; partition: number; offset: bigint; metadata: string | null; leaderEpoch?: number; ts?: bigint }[]) {
  const topics = [...new Set(parts.map((p) => p.topic))].map((name) => ({
    name,
    partitions: parts.filter((p) => p.topic === name).map((p) => ({ partitionIndex: p.partition, committedOffset: p.offset, committedLeaderEpoch: p.leaderEpoch ?? -1, commitTimestamp: p.ts ?? -1n, committedMetadata: p.metadata })),
  }));
  return c.request<{ topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[] }>(8, v, { groupId, generationIdOrMemberEpoch: generationId, memberId, groupInstanceId: null, retentionTimeMs: -1n, topics });
}

interface FetchRes { errorCode?: number; topics: { name: string; partitions: { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch?: number; metadata: string | null; errorCode: number }[] }[] }
function fetchOffsets(c: WireConnection, v: number, groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null) {
  return c.request<FetchRes>(9, v, { groupId, topics, groups: [], requireStable: false });
}

describe('group APIs on the wire', () => {
  it('FindCoordinator v0-v4: this broker for groups and transactional ids; unknown key types refused', async () => {
    for (const v of [0, 1, 2]) {
      const r = await conn.request<{ errorCode: number; nodeId: number; host: string; port: number }>(10, v, { key: 'grp', keyType: 0, coordinatorKeys: [] });
      expect(r).toMatchObject({ errorCode: E.NONE, nodeId: 1, host: '127.0.0.1', port: broker.port });
    }
    expect(await conn.request(10, 1, { key: 'txn-1', keyType: 1, coordinatorKeys: [] })).toMatchObject({ errorCode: E.NONE, nodeId: 1 });
    expect(await conn.request(10, 2, { key: 'x', keyType: 7, coordinatorKeys: [] })).toMatchObject({ errorCode: E.INVALID_REQUEST, nodeId: -1 });
    // v3: flexible, one key; v4: batched keys (KIP-699), one answer per key.
    expect(await conn.request(10, 3, { key: 'grp', keyType: 0, coordinatorKeys: [] })).toMatchObject({ errorCode: E.NONE, nodeId: 1, port: broker.port });
    const batched = await conn.request<{ coordinators: { key: string; nodeId: number; port: number; errorCode: number }[] }>(10, 4, { key: '', keyType: 0, coordinatorKeys: ['g1', 'g2'] });
    expect(batched.coordinators.map((c) => [c.key, c.nodeId, c.port, c.errorCode])).toEqual([
      ['g1', 1, broker.port, E.NONE],
      ['g2', 1, broker.port, E.NONE],
    ]);
    const badType = await conn.request<{ coordinators: { errorCode: number }[] }>(10, 4, { key: '', keyType: 9, coordinatorKeys: ['t'] });
    expect(badType.coordinators[0].errorCode).toBe(E.INVALID_REQUEST);
  });

  it('JoinGroup: MEMBER_ID_REQUIRED only from v4; v0 uses the session timeout as rebalance timeout; bad timeouts refused', async () => {
    for (const v of [0, 1, 2, 3]) {
      const r = await join(conn, v, `j${v}`);
      expect(r.errorCode, `v${v}`).toBe(E.NONE);
      expect(r.memberId.startsWith('groups-wire-')).toBe(true);
      expect(r.leader).toBe(r.memberId);
      expect(r.members[0].metadata.equals(SUB_W)).toBe(true);
    }
    const first = await join(conn, 4, 'j4');
    expect(first.errorCode).toBe(E.MEMBER_ID_REQUIRED);
    expect(first.generationId).toBe(-1);
    const second = await join(conn, 4, 'j4', first.memberId);
    expect(second).toMatchObject({ errorCode: E.NONE, memberId: first.memberId, generationId: 1, protocolName: 'range' });
    const stat = await join(conn, 5, 'j5', '', 'instance-1');
    expect(stat.errorCode).toBe(E.NONE);
    expect(stat.members[0].groupInstanceId).toBe('instance-1');
    expect((await join(conn, 5, 'j5', 'someone-else', 'instance-1')).errorCode).toBe(E.FENCED_INSTANCE_ID);
    expect((await join(conn, 3, 'jbad', '', null, { sessionTimeoutMs: 1000 })).errorCode).toBe(E.INVALID_SESSION_TIMEOUT);
    expect((await join(conn, 3, 'j3', '', null, { protocolType: 'connect' })).errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('SyncGroup and Heartbeat: leader assignment, Kafka error codes for unknown members and stale generations', async () => {
    const r = await join(conn, 3, 'sh');
    expect((await heartbeat(conn, 0, 'sh', r.generationId, r.memberId)).errorCode).toBe(E.NONE);
    const s = await sync(conn, 2, 'sh', r.generationId, r.memberId, [{ memberId: r.memberId, assignment: Buffer.from('assigned!') }]);
    expect(s.errorCode).toBe(E.NONE);
    expect(s.assignment.toString()).toBe('assigned!');
    expect((await sync(conn, 0, 'sh', r.generationId + 1, r.memberId)).errorCode).toBe(E.ILLEGAL_GENERATION);
    expect((await sync(conn, 1, 'sh', r.generationId, 'ghost')).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
    expect((await heartbeat(conn, 1, 'sh', r.generationId + 1, r.memberId)).errorCode).toBe(E.ILLEGAL_GENERATION);
    expect((await heartbeat(conn, 2, 'sh', r.generationId, 'ghost')).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
    expect((await heartbeat(conn, 3, 'nope', 1, 'ghost')).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
    // A second member (on its own connection: JoinGroup parks until the first rejoins) starts a rebalance.
    const other = await open();
    try {
      const j2 = join(other, 3, 'sh');
      await new Promise((res) => setTimeout(res, 100));
      expect((await heartbeat(conn, 3, 'sh', r.generationId, r.memberId)).errorCode).toBe(E.REBALANCE_IN_PROGRESS);
      const [a, b] = await Promise.all([join(conn, 3, 'sh', r.memberId), j2]);
      expect(a.generationId).toBe(r.generationId + 1);
      expect(b.generationId).toBe(r.generationId + 1);
      expect(a.members).toHaveLength(2);
      expect(b.members).toHaveLength(0);
      // The follower's SyncGroup waits for the leader's.
      const fs = sync(other, 3, 'sh', b.generationId, b.memberId);
      await new Promise((res) => setTimeout(res, 100));
      await sync(conn, 3, 'sh', a.generationId, a.memberId, [{ memberId: b.memberId, assignment: Buffer.from('for-b') }]);
      expect((await fs).assignment.toString()).toBe('for-b');
    } finally {
      other.close();
    }
  });

  it('OffsetCommit v0-v7 and OffsetFetch v0-v7: standalone commits, metadata and leader epochs round-trip', async () => {
    const c0 = await commit(conn, 0, 'oc', -1, '', [{ topic: 'w', partition: 0, offset: 11n, metadata: 'v0-meta' }]);
    expect(c0.topics[0].partitions[0].errorCode).toBe(E.NONE);
    // sarama's default: OffsetCommit v1, generation -1, empty member, commit timestamp -1.
    const c1 = await commit(conn, 1, 'oc', -1, '', [{ topic: 'w', partition: 1, offset: 22n, metadata: '', ts: -1n }]);
    expect(c1.topics[0].partitions[0].errorCode).toBe(E.NONE);
    const c7 = await commit(conn, 7, 'oc7', -1, '', [
      { topic: 'w', partition: 0, offset: 33n, metadata: null, leaderEpoch: 4 },
      { topic: 'missing-topic', partition: 0, offset: 1n, metadata: null },
      { topic: 'w', partition: 9, offset: 1n, metadata: null },
    ]);
    expect(c7.topics.map((t) => t.partitions.map((p) => p.errorCode))).toEqual([[E.NONE, E.UNKNOWN_TOPIC_OR_PARTITION], [E.UNKNOWN_TOPIC_OR_PARTITION]]);

    for (const v of [0, 1, 2, 3, 4, 5, 6, 7]) {
      const f = await fetchOffsets(conn, v, 'oc', [{ name: 'w', partitionIndexes: [0, 1] }]);
      expect(f.topics[0].partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata, p.errorCode]), `v${v}`).toEqual([
        [0, 11n, 'v0-meta', E.NONE],
        [1, 22n, '', E.NONE],
      ]);
    }
    for (const v of [5, 7]) {
      const f5 = await fetchOffsets(conn, v, 'oc7', [{ name: 'w', partitionIndexes: [0, 1] }]);
      expect(f5.topics[0].partitions.map(({ partitionIndex, committedOffset, committedLeaderEpoch, metadata, errorCode }) => ({ partitionIndex, committedOffset, committedLeaderEpoch, metadata, errorCode }))).toEqual([
        { partitionIndex: 0, committedOffset: 33n, committedLeaderEpoch: 4, metadata: '', errorCode: E.NONE },
        { partitionIndex: 1, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: E.NONE },
      ]);
    }
    const all7 = await fetchOffsets(conn, 7, 'oc', null);
    expect(all7.errorCode).toBe(E.NONE);
    expect(all7.topics.map((t) => t.name)).toEqual(['w']);
    const all = await fetchOffsets(conn, 2, 'oc', null);
    expect(all.errorCode).toBe(E.NONE);
    expect(all.topics.map((t) => [t.name, t.partitions.map((p) => p.committedOffset)])).toEqual([['w', [11n, 22n]]]);
    // A group member's commit needs its generation.
    const m = await join(conn, 3, 'oc-member');
    await sync(conn, 0, 'oc-member', m.generationId, m.memberId, []);
    const wrongGen = await commit(conn, 2, 'oc-member', m.generationId + 1, m.memberId, [{ topic: 'w', partition: 0, offset: 1n, metadata: null }]);
    expect(wrongGen.topics[0].partitions[0].errorCode).toBe(E.ILLEGAL_GENERATION);
    const standaloneIntoActive = await commit(conn, 2, 'oc-member', -1, '', [{ topic: 'w', partition: 0, offset: 1n, metadata: null }]);
    expect(standaloneIntoActive.topics[0].partitions[0].errorCode).toBe(E.UNKNOWN_MEMBER_ID);
    const ok = await commit(conn, 5, 'oc-member', m.generationId, m.memberId, [{ topic: 'w', partition: 0, offset: 5n, metadata: 'x' }]);
    expect(ok.topics[0].partitions[0].errorCode).toBe(E.NONE);
  });

  it('LeaveGroup v0-v3 (v3 batched, by member id or group.instance.id), ListGroups, DeleteGroups, OffsetDelete', async () => {
    const a = await join(conn, 5, 'lv', '', 'inst-a');
    expect((await conn.request<{ errorCode: number }>(13, 0, { groupId: 'lv', memberId: 'ghost', members: [] })).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
    const res = await conn.request<{ errorCode: number; members: { memberId: string; groupInstanceId: string | null; errorCode: number }[] }>(13, 3, {
      groupId: 'lv',
      memberId: '',
      members: [
        { memberId: 'wrong-id', groupInstanceId: 'inst-a', reason: null },
        { memberId: '', groupInstanceId: 'inst-zzz', reason: null },
        { memberId: a.memberId, groupInstanceId: 'inst-a', reason: null },
      ],
    });
    expect(res.errorCode).toBe(E.NONE);
    expect(res.members.map((m) => m.errorCode)).toEqual([E.FENCED_INSTANCE_ID, E.UNKNOWN_MEMBER_ID, E.NONE]);

    const list = await conn.request<{ errorCode: number; groups: { groupId: string; protocolType: string }[] }>(16, 2, { statesFilter: [], typesFilter: [] });
    expect(list.errorCode).toBe(E.NONE);
    expect(list.groups.map((g) => [g.groupId, g.protocolType])).toEqual(expect.arrayContaining([['lv', 'consumer'], ['oc', '']]));

    // OffsetDelete: refused for a topic an active member subscribes to ("w"), allowed once the group is Empty.
    const od = await conn.request<{ errorCode: number; topics: { partitions: { errorCode: number }[] }[] }>(47, 0, { groupId: 'oc-member', topics: [{ name: 'w', partitions: [{ partitionIndex: 0 }] }] });
    expect(od.topics[0].partitions[0].errorCode).toBe(E.GROUP_SUBSCRIBED_TO_TOPIC);
    const od2 = await conn.request<{ errorCode: number; topics: { partitions: { errorCode: number }[] }[] }>(47, 0, { groupId: 'oc', topics: [{ name: 'w', partitions: [{ partitionIndex: 1 }] }] });
    expect(od2.errorCode).toBe(E.NONE);
    expect(od2.topics[0].partitions[0].errorCode).toBe(E.NONE);
    expect((await fetchOffsets(conn, 1, 'oc', [{ name: 'w', partitionIndexes: [1] }])).topics[0].partitions[0].committedOffset).toBe(-1n);
    expect((await conn.request<{ errorCode: number }>(47, 0, { groupId: 'never', topics: [] })).errorCode).toBe(E.GROUP_ID_NOT_FOUND);

    for (const v of [0, 1]) {
      const del = await conn.request<{ results: { groupId: string; errorCode: number }[] }>(42, v, { groupsNames: v === 0 ? ['oc', 'oc-member'] : ['oc', 'nope'] });
      expect(del.results).toEqual(v === 0 ? [{ groupId: 'oc', errorCode: E.NONE }, { groupId: 'oc-member', errorCode: E.NON_EMPTY_GROUP }] : [{ groupId: 'oc', errorCode: E.GROUP_ID_NOT_FOUND }, { groupId: 'nope', errorCode: E.GROUP_ID_NOT_FOUND }]);
    }
    expect((await fetchOffsets(conn, 3, 'oc', null)).topics).toEqual([]);
  });

  it('a Stable group with static and dynamic members, their assignments and offsets survive a broker restart (DescribeGroups v0-v4)', async () => {
    const other = await open();
    let a: JoinRes;
    let b: JoinRes;
    try {
      a = await join(conn, 5, 'durable', '', 'static-a');
      const jb = join(other, 5, 'durable', '', null); // v5 without instance id: MEMBER_ID_REQUIRED first
      const first = await jb;
      expect(first.errorCode).toBe(E.MEMBER_ID_REQUIRED);
      const jb2 = join(other, 5, 'durable', first.memberId);
      await new Promise((res) => setTimeout(res, 100));
      const [a2, b2] = await Promise.all([join(conn, 5, 'durable', a.memberId, 'static-a'), jb2]);
      a = a2;
      b = b2;
      const fs = sync(other, 3, 'durable', b.generationId, b.memberId);
      await sync(conn, 3, 'durable', a.generationId, a.memberId, [{ memberId: a.memberId, assignment: Buffer.from('to-a') }, { memberId: b.memberId, assignment: Buffer.from('to-b') }], 'static-a');
      expect((await fs).assignment.toString()).toBe('to-b');
      await commit(conn, 6, 'durable', a.generationId, a.memberId, [{ topic: 'w', partition: 1, offset: 77n, metadata: 'kept', leaderEpoch: 0 }]);
    } finally {
      other.close();
    }
    conn.close();
    await broker.restart();
    conn = await open();

    type Described = { groups: { errorCode: number; groupId: string; groupState: string; protocolType: string; protocolData: string; members: { memberId: string; groupInstanceId?: string | null; clientId: string; clientHost: string; memberMetadata: Buffer; memberAssignment: Buffer }[] }[] };
    for (const v of [0, 1, 2, 3, 4]) {
      const d = await conn.request<Described>(15, v, { groups: ['durable'], includeAuthorizedOperations: false });
      const g = d.groups[0];
      expect(g, `v${v}`).toMatchObject({ errorCode: E.NONE, groupId: 'durable', groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
      expect(g.members.map((m) => [m.memberId, m.clientId, m.clientHost, m.memberAssignment.toString(), m.memberMetadata.equals(SUB_W)])).toEqual([
        [a.memberId, 'groups-wire', '/127.0.0.1', 'to-a', true],
        [b.memberId, 'groups-wire', '/127.0.0.1', 'to-b', true],
      ]);
      if (v >= 4) expect(g.members.map((m) => m.groupInstanceId)).toEqual(['static-a', null]);
    }
    const f = await fetchOffsets(conn, 5, 'durable', [{ name: 'w', partitionIndexes: [1] }]);
    expect(f.topics[0].partitions[0]).toMatchObject({ committedOffset: 77n, committedLeaderEpoch: 0, metadata: 'kept' });
    // The reloaded members carry on with their generation...
    expect((await heartbeat(conn, 3, 'durable', a.generationId, a.memberId, 'static-a')).errorCode).toBe(E.NONE);
    const unknown = await conn.request<Described>(15, 4, { groups: ['no-such-group'], includeAuthorizedOperations: false });
    expect(unknown.groups[0]).toMatchObject({ errorCode: E.NONE, groupState: 'Dead', members: [] });
  });
});
