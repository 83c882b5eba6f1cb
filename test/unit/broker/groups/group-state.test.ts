import { describe, expect, it } from 'vitest';
import { newGroup, step, selectProtocol, subscribedTopics, type JoinEvent } from '../../../../src/broker/groups/group-state.js';
import { GroupErrorCode as E } from '../../../../src/broker/groups/error-codes.js';

const cfg = { groupInitialRebalanceDelayMs: 3000, groupMinSessionTimeoutMs: 6000, groupMaxSessionTimeoutMs: 300000 };
const joinEv = (waiter: number, newMemberId: string, over: Partial<JoinEvent> = {}): JoinEvent => ({
  type: 'join',
  waiter,
  version: 3,
  memberId: '',
  groupInstanceId: null,
  newMemberId,
  clientId: 'c',
  clientHost: '/127.0.0.1',
  sessionTimeoutMs: 10000,
  rebalanceTimeoutMs: 60000,
  protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: Buffer.from('x') }],
  ...over,
});

describe('group state machine (pure)', () => {
  it('never mutates its input and is deterministic in (state, event, now)', () => {
    const g0 = newGroup('g', 0);
    const a = step(g0, joinEv(1, 'm1'), 100, cfg);
    const b = step(g0, joinEv(1, 'm1'), 100, cfg);
    expect(g0.state).toBe('Empty');
    expect(g0.members.size).toBe(0);
    expect(a).toEqual(b);
    expect(a.group.state).toBe('PreparingRebalance');
    expect(a.effects).toEqual([]);
    // The initial delay runs out on the clock passed in, not on any timer.
    expect(step(a.group, { type: 'tick' }, 3099, cfg).effects).toEqual([]);
    const done = step(a.group, { type: 'tick' }, 3100, cfg);
    expect(done.group.state).toBe('CompletingRebalance');
    expect(done.effects).toEqual([{ type: 'join-reply', waiter: 1, reply: expect.objectContaining({ errorCode: E.NONE, generationId: 1, leader: 'm1', memberId: 'm1' }) }]);
    expect(a.group.state).toBe('PreparingRebalance');
  });

  it('persists when a generation completes (leader SyncGroup) and answers every parked SyncGroup', () => {
    let g = newGroup('g', 0);
    g = step(g, joinEv(1, 'm1'), 0, cfg).group;
    g = step(g, joinEv(2, 'm2'), 0, cfg).group;
    g = step(g, { type: 'tick' }, 3000, cfg).group; // extended: m2 joined during the delay
    const joined = step(g, { type: 'tick' }, 6000, cfg);
    expect(joined.effects.map((e) => e.type)).toEqual(['join-reply', 'join-reply']);
    g = joined.group;
    const follower = step(g, { type: 'sync', waiter: 3, memberId: 'm2', groupInstanceId: null, generationId: 1, protocolType: null, protocolName: null, assignments: [] }, 6001, cfg);
    expect(follower.effects).toEqual([]);
    const leader = step(follower.group, { type: 'sync', waiter: 4, memberId: 'm1', groupInstanceId: null, generationId: 1, protocolType: null, protocolName: null, assignments: [{ memberId: 'm2', assignment: Buffer.from('p') }] }, 6002, cfg);
    expect(leader.effects.map((e) => e.type)).toEqual(['persist', 'sync-reply', 'sync-reply']);
    expect(leader.group.state).toBe('Stable');
    expect(leader.group.members.get('m1')!.assignment.length).toBe(0); // missing from the leader's list: empty
  });

  it('picks the protocol most members prefer among the common ones', () => {
    const g = newGroup('g', 0);
    const p = (names: string[]) => names.map((name) => ({ name, metadata: Buffer.alloc(0) }));
    const add = (id: string, names: string[]) =>
      g.members.set(id, { memberId: id, groupInstanceId: null, clientId: '', clientHost: '', rebalanceTimeoutMs: 1, sessionTimeoutMs: 1, protocolType: 'consumer', protocols: p(names), assignment: Buffer.alloc(0), joinWaiter: null, syncWaiter: null, synced: false, lastHeartbeatMs: 0 });
    add('a', ['x', 'y', 'z']);
    add('b', ['y', 'x']);
    add('c', ['y', 'z', 'x']);
    expect(selectProtocol(g)).toBe('y');
    add('d', ['q']);
    expect(selectProtocol(g)).toBeNull();
  });

  it('reads the subscribed topics from ConsumerProtocolSubscription and refuses garbage', () => {
    const sub = Buffer.from('0001' + '00000002' + '0001' + '61' + '0002' + '6263' + 'ffffffff' + '00000000', 'hex');
    expect(subscribedTopics(sub)).toEqual(['a', 'bc']);
    expect(subscribedTopics(Buffer.from('0000', 'hex'))).toBeNull();
    expect(subscribedTopics(Buffer.from('000000000005' + '0001', 'hex'))).toBeNull();
    expect(subscribedTopics(Buffer.from('00000000000100ff61', 'hex'))).toBeNull();
  });
});
