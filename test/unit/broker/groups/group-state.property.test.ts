/**
 * Random event sequences against the pure state machine (fast-check): it never throws, and after every step the
 * group's invariants hold and every parked request is answered at most once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newGroup, step, type GroupEvent, type GroupState } from '../../../../src/broker/groups/group-state.js';

const cfg = { groupInitialRebalanceDelayMs: 300, groupMinSessionTimeoutMs: 100, groupMaxSessionTimeoutMs: 5000 };
const MEMBER_IDS = ['m0', 'm1', 'm2', 'm3', 'ghost'];
const INSTANCES = [null, null, 'i0', 'i1'];

const action = fc.oneof(
  fc.record({ kind: fc.constant('join' as const), who: fc.nat(4), fresh: fc.boolean(), version: fc.integer({ min: 0, max: 5 }), inst: fc.nat(3), proto: fc.nat(2), session: fc.constantFrom(50, 1000, 3000) }),
  fc.record({ kind: fc.constant('sync' as const), who: fc.nat(4), genDelta: fc.integer({ min: -1, max: 1 }), inst: fc.nat(3) }),
  fc.record({ kind: fc.constant('heartbeat' as const), who: fc.nat(4), genDelta: fc.integer({ min: -1, max: 1 }), inst: fc.nat(3) }),
  fc.record({ kind: fc.constant('leave' as const), who: fc.nat(4), inst: fc.nat(3) }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 4000 }) }),
);

function checkInvariants(g: GroupState): void {
  if (g.members.size > 0) expect(g.members.has(g.leaderId!)).toBe(true);
  else expect(['Empty', 'PreparingRebalance', 'Dead']).toContain(g.state);
  for (const [inst, id] of g.staticMembers) expect(g.members.get(id)?.groupInstanceId).toBe(inst);
  for (const m of g.members.values()) {
    if (m.joinWaiter !== null) expect(g.state).toBe('PreparingRebalance');
    if (m.syncWaiter !== null) expect(g.state).toBe('CompletingRebalance');
  }
  if (g.state === 'Stable' || g.state === 'CompletingRebalance') expect(g.protocolName).not.toBeNull();
}

describe('group state machine under random events', () => {
  it('keeps its invariants and answers each request at most once', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 60 }), (actions) => {
        let g = newGroup('g', 0);
        let now = 0;
        let waiter = 0;
        let fresh = 0;
        const answered = new Set<number>();
        const joinedIds: string[] = [];
        for (const a of actions) {
          let ev: GroupEvent;
          const pick = (i: number) => (i < joinedIds.length ? joinedIds[i] : MEMBER_IDS[i]);
          if (a.kind === 'join') {
            ev = {
              type: 'join', waiter: ++waiter, version: a.version, memberId: a.fresh ? '' : pick(a.who),
              groupInstanceId: a.version >= 5 ? INSTANCES[a.inst] : null, newMemberId: `new-${++fresh}`, clientId: 'c', clientHost: 'h',
              sessionTimeoutMs: a.session, rebalanceTimeoutMs: 2000, protocolType: 'consumer',
              protocols: [{ name: ['range', 'roundrobin', 'sticky'][a.proto], metadata: Buffer.from([a.proto]) }, { name: 'range', metadata: Buffer.alloc(0) }],
            };
          } else if (a.kind === 'sync') {
            ev = { type: 'sync', waiter: ++waiter, memberId: pick(a.who), groupInstanceId: INSTANCES[a.inst], generationId: g.generationId + a.genDelta, protocolType: null, protocolName: null, assignments: joinedIds.map((id) => ({ memberId: id, assignment: Buffer.from(id) })) };
          } else if (a.kind === 'heartbeat') {
            ev = { type: 'heartbeat', waiter: ++waiter, memberId: pick(a.who), groupInstanceId: INSTANCES[a.inst], generationId: g.generationId + a.genDelta };
          } else if (a.kind === 'leave') {
            ev = { type: 'leave', waiter: ++waiter, members: [{ memberId: pick(a.who), groupInstanceId: INSTANCES[a.inst] }] };
          } else {
            now += a.ms;
            ev = { type: 'tick' };
          }
          const r = step(g, ev, now, cfg);
          for (const e of r.effects) {
            if (e.type === 'persist') continue;
            expect(answered.has(e.waiter), `waiter ${e.waiter} answered twice`).toBe(false);
            answered.add(e.waiter);
            if (e.type === 'join-reply' && e.reply.memberId && !joinedIds.includes(e.reply.memberId)) joinedIds.push(e.reply.memberId);
          }
          g = r.group;
          checkInvariants(g);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
