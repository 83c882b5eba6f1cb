/**
 * The classic consumer-group state machine, as pure functions of (group, event, now).
 *
 *   Empty ──join──► PreparingRebalance ──all members joined / rebalance timeout──► CompletingRebalance
 *     ▲                    ▲    │                                                     │ leader's SyncGroup
 *     └─ last member gone ─┘    └──────── join/leave/expiry restarts the round ◄── Stable ◄┘
 *   Dead: deleted (DeleteGroups) — never leaves Dead.
 *
 * `step()` never touches sockets, timers or the clock: it copies the group, applies one event, and returns the new
 * group plus effects (replies to parked JoinGroup/SyncGroup requests, "persist the group metadata"). Every request
 * carries a `waiter` number; its reply arrives as an effect, either at once or when the rebalance completes. The
 * coordinator turns effects into resolved promises and log appends, and feeds `tick` events from one coarse timer.
 *
 * Behaviour follows Apache Kafka's classic GroupCoordinator (2.x–3.x):
 * - The first JoinGroup into an Empty group waits `group.initial.rebalance.delay.ms`, extended by the same delay
 *   each time another member joins, never past the rebalance timeout. Later rounds complete when every known
 *   member has rejoined (and no MEMBER_ID_REQUIRED member is pending), or at the largest rebalance timeout, when
 *   members that did not rejoin are removed.
 * - The leader (the first member, kept while it stays) gets the member list with each member's metadata for the
 *   chosen protocol; followers get an empty list. The protocol is chosen by vote among those every member supports.
 * - Followers' SyncGroup waits for the leader's SyncGroup, which carries the assignments. Members that send no
 *   SyncGroup within the rebalance timeout are removed and the round restarts.
 * - Members that neither heartbeat nor wait in a JoinGroup/SyncGroup for `session.timeout.ms` are removed.
 * - MEMBER_ID_REQUIRED only for JoinGroup v4+ with an empty member id and no group.instance.id.
 * - Static members (group.instance.id): a restart rejoining with an empty member id takes over the old member's
 *   place (its old member id is then fenced: FENCED_INSTANCE_ID); in a Stable group with unchanged protocols a
 *   follower gets the current generation back without a rebalance.
 * - Cooperative (incremental) rebalancing needs nothing special from the broker: clients revoke and rejoin, and a
 *   rejoin with new metadata starts a new round while the others keep heartbeating.
 * Differences from Kafka: no group.max.size; JoinGroup v6+ (skipAssignment, reason) are out of range, so a
 * restarted static *leader* gets a rebalance (it needs the member list), as with Kafka before JoinGroup v9.
 */
import { GroupErrorCode as E } from './error-codes.js';

export type GroupStateName = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface MemberProtocol {
  name: string;
  metadata: Buffer;
}

export interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: MemberProtocol[];
  /** The assignment from the last completed SyncGroup (empty until then). */
  assignment: Buffer;
  /** A parked JoinGroup waiting for this round to complete. */
  joinWaiter: number | null;
  /** A parked SyncGroup waiting for the leader's assignment. */
  syncWaiter: number | null;
  /** Set when this member has sent SyncGroup in the current CompletingRebalance round. */
  synced: boolean;
  lastHeartbeatMs: number;
}

export interface InitialDelay {
  delayMs: number;
  remainingMs: number;
  newMemberAdded: boolean;
}

export interface GroupState {
  groupId: string;
  state: GroupStateName;
  stateSinceMs: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leaderId: string | null;
  /** Insertion order = join order. */
  members: Map<string, Member>;
  /** Member ids handed out with MEMBER_ID_REQUIRED, with the time they expire if the client never rejoins. */
  pendingMembers: Map<string, number>;
  /** group.instance.id → current member id. */
  staticMembers: Map<string, string>;
  /** When the current PreparingRebalance / CompletingRebalance round times out. */
  roundDeadlineMs: number | null;
  initialDelay: InitialDelay | null;
}

export interface GroupConfig {
  groupInitialRebalanceDelayMs: number;
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
}

export interface JoinReply {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncReply {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export type Effect =
  | { type: 'join-reply'; waiter: number; reply: JoinReply }
  | { type: 'sync-reply'; waiter: number; reply: SyncReply }
  /** Heartbeat and LeaveGroup replies are immediate: one error code (LeaveGroup v3+: per member). */
  | { type: 'reply'; waiter: number; errorCode: number; memberErrors?: { memberId: string; groupInstanceId: string | null; errorCode: number }[] }
  /** Group metadata changed in a way Kafka persists (generation completed, group emptied, static id replaced). */
  | { type: 'persist' };

export interface JoinEvent {
  type: 'join';
  waiter: number;
  /** The JoinGroup request version: v4+ gets MEMBER_ID_REQUIRED for an empty member id. */
  version: number;
  memberId: string;
  groupInstanceId: string | null;
  /** A fresh id (clientId-uuid) the caller generated, used if this join needs a new member id. */
  newMemberId: string;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: MemberProtocol[];
}

export interface SyncEvent {
  type: 'sync';
  waiter: number;
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
  /** SyncGroup v5+ only; null = not sent. */
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface HeartbeatEvent {
  type: 'heartbeat';
  waiter: number;
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
}

export interface LeaveEvent {
  type: 'leave';
  waiter: number;
  members: { memberId: string; groupInstanceId: string | null }[];
}

export interface TickEvent {
  type: 'tick';
}

export type GroupEvent = JoinEvent | SyncEvent | HeartbeatEvent | LeaveEvent | TickEvent;

export interface StepResult {
  group: GroupState;
  effects: Effect[];
}

const EMPTY_BUFFER = Buffer.alloc(0);

export function newGroup(groupId: string, now: number): GroupState {
  return {
    groupId,
    state: 'Empty',
    stateSinceMs: now,
    generationId: 0,
    protocolType: null,
    protocolName: null,
    leaderId: null,
    members: new Map(),
    pendingMembers: new Map(),
    staticMembers: new Map(),
    roundDeadlineMs: null,
    initialDelay: null,
  };
}

export function cloneGroup(g: GroupState): GroupState {
  const members = new Map<string, Member>();
  for (const [id, m] of g.members) members.set(id, { ...m, protocols: m.protocols.slice() });
  return {
    ...g,
    members,
    pendingMembers: new Map(g.pendingMembers),
    staticMembers: new Map(g.staticMembers),
    initialDelay: g.initialDelay === null ? null : { ...g.initialDelay },
  };
}

/** Apply one event. Never mutates `group`. */
export function step(group: GroupState, event: GroupEvent, now: number, config: GroupConfig): StepResult {
  const g = cloneGroup(group);
  const fx: Effect[] = [];
  switch (event.type) {
    case 'join':
      onJoin(g, event, now, config, fx);
      break;
    case 'sync':
      onSync(g, event, now, fx);
      break;
    case 'heartbeat':
      onHeartbeat(g, event, now, fx);
      break;
    case 'leave':
      onLeave(g, event, now, fx);
      break;
    case 'tick':
      onTick(g, now, fx);
      break;
  }
  return { group: g, effects: fx };
}

// ── queries ──────────────────────────────────────────────────────────────────────────────────────────────

/** Protocols every current member supports, in the first member's order of preference. */
export function candidateProtocols(g: GroupState): string[] {
  const members = [...g.members.values()];
  if (members.length === 0) return [];
  return members[0].protocols
    .map((p) => p.name)
    .filter((name) => members.every((m) => m.protocols.some((p) => p.name === name)));
}

/** Kafka's vote: each member votes for its most preferred candidate; most votes wins (ties: first candidate). */
export function selectProtocol(g: GroupState): string | null {
  const candidates = candidateProtocols(g);
  if (candidates.length === 0) return null;
  const votes = new Map<string, number>(candidates.map((c) => [c, 0]));
  for (const m of g.members.values()) {
    const pick = m.protocols.find((p) => votes.has(p.name));
    if (pick) votes.set(pick.name, (votes.get(pick.name) ?? 0) + 1);
  }
  let best = candidates[0];
  for (const c of candidates) if ((votes.get(c) ?? 0) > (votes.get(best) ?? 0)) best = c;
  return best;
}

function supportsProtocols(g: GroupState, protocolType: string, protocols: MemberProtocol[], ignoreMember?: string): boolean {
  const others = [...g.members.values()].filter((m) => m.memberId !== ignoreMember);
  if (others.length === 0) return protocolType.length > 0 && protocols.length > 0;
  if (g.protocolType !== protocolType) return false;
  return protocols.some((p) => others.every((m) => m.protocols.some((q) => q.name === p.name)));
}

/** True when a request naming `groupInstanceId` with `memberId` comes from a fenced (replaced) static member. */
export function isStaticMemberFenced(g: GroupState, memberId: string, groupInstanceId: string | null): boolean {
  if (groupInstanceId === null) return false;
  const current = g.staticMembers.get(groupInstanceId);
  return current !== undefined && current !== memberId;
}

function metadataFor(m: Member, protocol: string | null): Buffer {
  return m.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY_BUFFER;
}

function sameProtocols(a: MemberProtocol[], b: MemberProtocol[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i].name && p.metadata.equals(b[i].metadata));
}

function maxRebalanceTimeout(g: GroupState): number {
  let max = 0;
  for (const m of g.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
  return max;
}

// ── transitions ──────────────────────────────────────────────────────────────────────────────────────────

function transition(g: GroupState, to: GroupStateName, now: number): void {
  g.state = to;
  g.stateSinceMs = now;
}

function joinError(waiter: number, memberId: string, errorCode: number): Effect {
  return {
    type: 'join-reply',
    waiter,
    reply: { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [] },
  };
}

function syncError(waiter: number, errorCode: number): Effect {
  return { type: 'sync-reply', waiter, reply: { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BUFFER } };
}

/** The JoinGroup reply for `m` in the current generation (the leader also gets the member list). */
function currentJoinReply(g: GroupState, m: Member): JoinReply {
  const isLeader = g.leaderId === m.memberId;
  return {
    errorCode: E.NONE,
    generationId: g.generationId,
    protocolType: g.protocolType,
    protocolName: g.protocolName,
    leader: g.leaderId ?? '',
    memberId: m.memberId,
    members: isLeader
      ? [...g.members.values()].map((x) => ({ memberId: x.memberId, groupInstanceId: x.groupInstanceId, metadata: metadataFor(x, g.protocolName) }))
      : [],
  };
}

function onJoin(g: GroupState, ev: JoinEvent, now: number, config: GroupConfig, fx: Effect[]): void {
  if (g.state === 'Dead') {
    // The group was deleted under this request; the client retries FindCoordinator and finds a fresh group.
    fx.push(joinError(ev.waiter, ev.memberId, E.COORDINATOR_NOT_AVAILABLE));
    return;
  }
  if (ev.sessionTimeoutMs < config.groupMinSessionTimeoutMs || ev.sessionTimeoutMs > config.groupMaxSessionTimeoutMs) {
    fx.push(joinError(ev.waiter, ev.memberId, E.INVALID_SESSION_TIMEOUT));
    return;
  }
  const isKnownMember = ev.memberId !== '' && (g.members.has(ev.memberId) || g.pendingMembers.has(ev.memberId));
  if (!supportsProtocols(g, ev.protocolType, ev.protocols, isKnownMember ? ev.memberId : undefined)) {
    fx.push(joinError(ev.waiter, ev.memberId, E.INCONSISTENT_GROUP_PROTOCOL));
    return;
  }

  if (ev.memberId === '') {
    joinUnknownMember(g, ev, now, config, fx);
    return;
  }

  if (isStaticMemberFenced(g, ev.memberId, ev.groupInstanceId)) {
    fx.push(joinError(ev.waiter, ev.memberId, E.FENCED_INSTANCE_ID));
    return;
  }
  if (g.pendingMembers.has(ev.memberId)) {
    g.pendingMembers.delete(ev.memberId);
    addMemberAndRebalance(g, ev, ev.memberId, now, config, fx);
    return;
  }
  const m = g.members.get(ev.memberId);
  if (!m || (ev.groupInstanceId !== null && g.staticMembers.get(ev.groupInstanceId) !== ev.memberId)) {
    fx.push(joinError(ev.waiter, ev.memberId, E.UNKNOWN_MEMBER_ID));
    return;
  }
  m.lastHeartbeatMs = now;
  switch (g.state) {
    case 'PreparingRebalance':
      updateMemberAndRebalance(g, m, ev, now, config, fx);
      return;
    case 'CompletingRebalance':
      if (sameProtocols(m.protocols, ev.protocols)) {
        // A retry of a JoinGroup whose reply was lost: answer with the current generation again.
        fx.push({ type: 'join-reply', waiter: ev.waiter, reply: currentJoinReply(g, m) });
      } else {
        updateMemberAndRebalance(g, m, ev, now, config, fx);
      }
      return;
    case 'Stable':
      if (g.leaderId === m.memberId || !sameProtocols(m.protocols, ev.protocols)) {
        // The leader rejoining means it wants a new assignment (e.g. metadata changed); so does new metadata.
        updateMemberAndRebalance(g, m, ev, now, config, fx);
      } else {
        fx.push({ type: 'join-reply', waiter: ev.waiter, reply: currentJoinReply(g, m) });
      }
      return;
    case 'Empty':
      fx.push(joinError(ev.waiter, ev.memberId, E.UNKNOWN_MEMBER_ID));
      return;
  }
}

function joinUnknownMember(g: GroupState, ev: JoinEvent, now: number, config: GroupConfig, fx: Effect[]): void {
  const newId = ev.newMemberId;
  if (ev.groupInstanceId !== null) {
    const oldId = g.staticMembers.get(ev.groupInstanceId);
    const old = oldId === undefined ? undefined : g.members.get(oldId);
    if (old && oldId !== undefined) {
      replaceStaticMember(g, old, newId, fx);
      const m = g.members.get(newId)!;
      m.lastHeartbeatMs = now;
      m.clientId = ev.clientId;
      m.clientHost = ev.clientHost;
      m.sessionTimeoutMs = ev.sessionTimeoutMs;
      m.rebalanceTimeoutMs = ev.rebalanceTimeoutMs;
      if (g.state === 'Stable' && g.leaderId !== newId && sameProtocols(m.protocols, ev.protocols)) {
        // A restarted static follower: same subscription, so no rebalance; it syncs and gets its old assignment.
        fx.push({ type: 'persist' });
        fx.push({ type: 'join-reply', waiter: ev.waiter, reply: currentJoinReply(g, m) });
        return;
      }
      updateMemberAndRebalance(g, m, ev, now, config, fx);
      return;
    }
    addMemberAndRebalance(g, ev, newId, now, config, fx);
    return;
  }
  if (ev.version >= 4) {
    // KIP-394: hand out the id first, so a client that times out and retries does not leave a ghost member.
    g.pendingMembers.set(newId, now + ev.sessionTimeoutMs);
    fx.push(joinError(ev.waiter, newId, E.MEMBER_ID_REQUIRED));
    return;
  }
  addMemberAndRebalance(g, ev, newId, now, config, fx);
}

function replaceStaticMember(g: GroupState, old: Member, newId: string, fx: Effect[]): void {
  const oldId = old.memberId;
  // The old incarnation's parked requests are answered: it has been fenced by its own restart.
  if (old.joinWaiter !== null) fx.push(joinError(old.joinWaiter, oldId, E.FENCED_INSTANCE_ID));
  if (old.syncWaiter !== null) fx.push(syncError(old.syncWaiter, E.FENCED_INSTANCE_ID));
  const replacement: Member = { ...old, memberId: newId, joinWaiter: null, syncWaiter: null };
  // Keep the member's place in join order.
  const entries = [...g.members.entries()].map(([id, m]) => (id === oldId ? ([newId, replacement] as const) : ([id, m] as const)));
  g.members = new Map(entries);
  if (g.leaderId === oldId) g.leaderId = newId;
  g.staticMembers.set(old.groupInstanceId!, newId);
}

function addMemberAndRebalance(g: GroupState, ev: JoinEvent, memberId: string, now: number, config: GroupConfig, fx: Effect[]): void {
  const m: Member = {
    memberId,
    groupInstanceId: ev.groupInstanceId,
    clientId: ev.clientId,
    clientHost: ev.clientHost,
    rebalanceTimeoutMs: ev.rebalanceTimeoutMs,
    sessionTimeoutMs: ev.sessionTimeoutMs,
    protocolType: ev.protocolType,
    protocols: ev.protocols,
    assignment: EMPTY_BUFFER,
    joinWaiter: ev.waiter,
    syncWaiter: null,
    synced: false,
    lastHeartbeatMs: now,
  };
  if (g.members.size === 0) g.protocolType = ev.protocolType;
  g.members.set(memberId, m);
  if (g.leaderId === null) g.leaderId = memberId;
  if (ev.groupInstanceId !== null) g.staticMembers.set(ev.groupInstanceId, memberId);
  if (g.state === 'PreparingRebalance' && g.initialDelay) g.initialDelay.newMemberAdded = true;
  maybePrepareRebalance(g, now, config, fx);
  if (g.state === 'PreparingRebalance') tryCompleteJoin(g, now, fx);
}

function updateMemberAndRebalance(g: GroupState, m: Member, ev: JoinEvent, now: number, config: GroupConfig, fx: Effect[]): void {
  if (m.joinWaiter !== null && m.joinWaiter !== ev.waiter) {
    // A second JoinGroup for the same member (the first one's connection is probably gone): answer the old one.
    fx.push(joinError(m.joinWaiter, m.memberId, E.REBALANCE_IN_PROGRESS));
  }
  m.protocols = ev.protocols;
  m.protocolType = ev.protocolType;
  // The only member may switch protocol type (supportsProtocols let it through); the group follows.
  if (g.members.size === 1) g.protocolType = ev.protocolType;
  m.sessionTimeoutMs = ev.sessionTimeoutMs;
  m.rebalanceTimeoutMs = ev.rebalanceTimeoutMs;
  m.joinWaiter = ev.waiter;
  m.lastHeartbeatMs = now;
  maybePrepareRebalance(g, now, config, fx);
  if (g.state === 'PreparingRebalance') tryCompleteJoin(g, now, fx);
}

function maybePrepareRebalance(g: GroupState, now: number, config: GroupConfig, fx: Effect[]): void {
  if (g.state === 'Stable' || g.state === 'CompletingRebalance' || g.state === 'Empty') prepareRebalance(g, now, config.groupInitialRebalanceDelayMs, fx);
}

/** `initialDelayMs` only matters when the group is Empty (the first round). */
function prepareRebalance(g: GroupState, now: number, initialDelayMs: number, fx: Effect[]): void {
  if (g.state === 'CompletingRebalance') {
    // Followers still waiting for the leader's assignment must rejoin instead.
    for (const m of g.members.values()) {
      if (m.syncWaiter !== null) {
        fx.push(syncError(m.syncWaiter, E.REBALANCE_IN_PROGRESS));
        m.syncWaiter = null;
      }
      m.synced = false;
    }
  }
  const rebalanceTimeout = maxRebalanceTimeout(g);
  if (g.state === 'Empty' && initialDelayMs > 0) {
    const delay = Math.min(initialDelayMs, rebalanceTimeout);
    g.initialDelay = { delayMs: delay, remainingMs: Math.max(rebalanceTimeout - delay, 0), newMemberAdded: false };
    g.roundDeadlineMs = now + delay;
  } else {
    g.initialDelay = null;
    g.roundDeadlineMs = now + rebalanceTimeout;
  }
  transition(g, 'PreparingRebalance', now);
}

function allMembersJoined(g: GroupState): boolean {
  if (g.pendingMembers.size > 0) return false;
  for (const m of g.members.values()) if (m.joinWaiter === null) return false;
  return true;
}

/** Complete the round early when everyone is in — except during the initial delay, which always runs out. */
function tryCompleteJoin(g: GroupState, now: number, fx: Effect[]): void {
  if (g.state !== 'PreparingRebalance' || g.initialDelay !== null) return;
  if (allMembersJoined(g)) completeJoin(g, now, fx);
}

function completeJoin(g: GroupState, now: number, fx: Effect[]): void {
  // Members that did not rejoin in time are out of the group.
  for (const m of [...g.members.values()]) {
    if (m.joinWaiter === null) removeMember(g, m.memberId, fx);
  }
  g.pendingMembers.clear();
  g.initialDelay = null;
  g.generationId += 1;
  if (g.members.size === 0) {
    g.protocolName = null;
    g.roundDeadlineMs = null;
    transition(g, 'Empty', now);
    fx.push({ type: 'persist' });
    return;
  }
  g.protocolName = selectProtocol(g);
  transition(g, 'CompletingRebalance', now);
  g.roundDeadlineMs = now + maxRebalanceTimeout(g);
  for (const m of g.members.values()) {
    const reply = currentJoinReply(g, m);
    fx.push({ type: 'join-reply', waiter: m.joinWaiter!, reply });
    m.joinWaiter = null;
    m.synced = false;
    m.lastHeartbeatMs = now;
  }
}

/** Drop a member; its parked requests are answered with UNKNOWN_MEMBER_ID. Does not change the group state. */
function removeMember(g: GroupState, memberId: string, fx: Effect[]): void {
  const m = g.members.get(memberId);
  if (!m) return;
  if (m.joinWaiter !== null) fx.push(joinError(m.joinWaiter, memberId, E.UNKNOWN_MEMBER_ID));
  if (m.syncWaiter !== null) fx.push(syncError(m.syncWaiter, E.UNKNOWN_MEMBER_ID));
  g.members.delete(memberId);
  if (m.groupInstanceId !== null && g.staticMembers.get(m.groupInstanceId) === memberId) g.staticMembers.delete(m.groupInstanceId);
  if (g.leaderId === memberId) {
    // Prefer a member already waiting in this round, as Kafka does.
    const next = [...g.members.values()].find((x) => x.joinWaiter !== null) ?? g.members.values().next().value;
    g.leaderId = next ? next.memberId : null;
  }
}

/** After a member left or expired: restart the round, or finish it if the rest are all in. */
function removeMemberAndUpdateGroup(g: GroupState, memberId: string, now: number, fx: Effect[]): void {
  removeMember(g, memberId, fx);
  switch (g.state) {
    case 'Stable':
    case 'CompletingRebalance':
      prepareRebalance(g, now, 0, fx);
      if (g.members.size === 0) completeJoin(g, now, fx);
      break;
    case 'PreparingRebalance':
      tryCompleteJoin(g, now, fx);
      break;
    default:
      break;
  }
}

function onSync(g: GroupState, ev: SyncEvent, now: number, fx: Effect[]): void {
  if (g.state === 'Dead') {
    fx.push(syncError(ev.waiter, E.COORDINATOR_NOT_AVAILABLE));
    return;
  }
  if (isStaticMemberFenced(g, ev.memberId, ev.groupInstanceId)) {
    fx.push(syncError(ev.waiter, E.FENCED_INSTANCE_ID));
    return;
  }
  const m = g.members.get(ev.memberId);
  if (!m) {
    fx.push(syncError(ev.waiter, E.UNKNOWN_MEMBER_ID));
    return;
  }
  if (ev.generationId !== g.generationId) {
    fx.push(syncError(ev.waiter, E.ILLEGAL_GENERATION));
    return;
  }
  if ((ev.protocolType !== null && ev.protocolType !== g.protocolType) || (ev.protocolName !== null && ev.protocolName !== g.protocolName)) {
    fx.push(syncError(ev.waiter, E.INCONSISTENT_GROUP_PROTOCOL));
    return;
  }
  m.lastHeartbeatMs = now;
  switch (g.state) {
    case 'Empty':
      fx.push(syncError(ev.waiter, E.UNKNOWN_MEMBER_ID));
      return;
    case 'PreparingRebalance':
      fx.push(syncError(ev.waiter, E.REBALANCE_IN_PROGRESS));
      return;
    case 'Stable':
      fx.push({ type: 'sync-reply', waiter: ev.waiter, reply: { errorCode: E.NONE, protocolType: g.protocolType, protocolName: g.protocolName, assignment: m.assignment } });
      return;
    case 'CompletingRebalance': {
      if (m.syncWaiter !== null && m.syncWaiter !== ev.waiter) fx.push(syncError(m.syncWaiter, E.REBALANCE_IN_PROGRESS));
      m.syncWaiter = ev.waiter;
      m.synced = true;
      if (g.leaderId !== m.memberId) return;
      const byMember = new Map(ev.assignments.map((a) => [a.memberId, a.assignment]));
      for (const x of g.members.values()) x.assignment = byMember.get(x.memberId) ?? EMPTY_BUFFER;
      transition(g, 'Stable', now);
      g.roundDeadlineMs = null;
      fx.push({ type: 'persist' });
      for (const x of g.members.values()) {
        if (x.syncWaiter !== null) {
          fx.push({ type: 'sync-reply', waiter: x.syncWaiter, reply: { errorCode: E.NONE, protocolType: g.protocolType, protocolName: g.protocolName, assignment: x.assignment } });
          x.syncWaiter = null;
        }
        x.lastHeartbeatMs = now;
      }
      return;
    }
  }
}

function onHeartbeat(g: GroupState, ev: HeartbeatEvent, now: number, fx: Effect[]): void {
  const reply = (errorCode: number): void => {
    fx.push({ type: 'reply', waiter: ev.waiter, errorCode });
  };
  if (g.state === 'Dead') return reply(E.COORDINATOR_NOT_AVAILABLE);
  if (isStaticMemberFenced(g, ev.memberId, ev.groupInstanceId)) return reply(E.FENCED_INSTANCE_ID);
  const m = g.members.get(ev.memberId);
  if (g.state === 'Empty' || !m) return reply(E.UNKNOWN_MEMBER_ID);
  if (ev.generationId !== g.generationId) return reply(E.ILLEGAL_GENERATION);
  m.lastHeartbeatMs = now;
  reply(g.state === 'PreparingRebalance' ? E.REBALANCE_IN_PROGRESS : E.NONE);
}

function onLeave(g: GroupState, ev: LeaveEvent, now: number, fx: Effect[]): void {
  if (g.state === 'Dead') {
    fx.push({ type: 'reply', waiter: ev.waiter, errorCode: E.COORDINATOR_NOT_AVAILABLE, memberErrors: [] });
    return;
  }
  const memberErrors: { memberId: string; groupInstanceId: string | null; errorCode: number }[] = [];
  for (const who of ev.members) {
    let errorCode: number = E.NONE;
    if (who.groupInstanceId !== null) {
      const current = g.staticMembers.get(who.groupInstanceId);
      if (current === undefined) errorCode = E.UNKNOWN_MEMBER_ID;
      else if (who.memberId !== '' && who.memberId !== current) errorCode = E.FENCED_INSTANCE_ID;
      else removeMemberAndUpdateGroup(g, current, now, fx);
    } else if (g.pendingMembers.has(who.memberId)) {
      g.pendingMembers.delete(who.memberId);
      if (g.state === 'PreparingRebalance') tryCompleteJoin(g, now, fx);
    } else if (!g.members.has(who.memberId)) {
      errorCode = E.UNKNOWN_MEMBER_ID;
    } else {
      removeMemberAndUpdateGroup(g, who.memberId, now, fx);
    }
    memberErrors.push({ memberId: who.memberId, groupInstanceId: who.groupInstanceId, errorCode });
  }
  fx.push({ type: 'reply', waiter: ev.waiter, errorCode: E.NONE, memberErrors });
}

function onTick(g: GroupState, now: number, fx: Effect[]): void {
  if (g.state === 'Dead') return;
  // Expired MEMBER_ID_REQUIRED ids.
  for (const [id, deadline] of [...g.pendingMembers]) {
    if (now >= deadline) {
      g.pendingMembers.delete(id);
      if (g.state === 'PreparingRebalance') tryCompleteJoin(g, now, fx);
    }
  }
  // Session expiry: a member parked in JoinGroup or SyncGroup is alive by definition.
  for (const m of [...g.members.values()]) {
    if (!g.members.has(m.memberId)) continue;
    if (m.joinWaiter !== null || m.syncWaiter !== null) continue;
    if (now >= m.lastHeartbeatMs + m.sessionTimeoutMs) removeMemberAndUpdateGroup(g, m.memberId, now, fx);
  }
  if (g.roundDeadlineMs === null || now < g.roundDeadlineMs) return;
  if (g.state === 'PreparingRebalance') {
    const d = g.initialDelay;
    if (d !== null && d.newMemberAdded && d.remainingMs > 0) {
      const delay = Math.min(d.delayMs, d.remainingMs);
      g.initialDelay = { delayMs: d.delayMs, remainingMs: d.remainingMs - delay, newMemberAdded: false };
      g.roundDeadlineMs = now + delay;
      return;
    }
    completeJoin(g, now, fx);
  } else if (g.state === 'CompletingRebalance') {
    // Members that never sent SyncGroup in time are gone; the rest must rejoin.
    for (const m of [...g.members.values()]) if (!m.synced) removeMember(g, m.memberId, fx);
    prepareRebalance(g, now, 0, fx);
    if (g.members.size === 0) completeJoin(g, now, fx);
  } else {
    g.roundDeadlineMs = null;
  }
}

/** Kafka's consumer-protocol subscription (ConsumerProtocolSubscription v0+): the topics a member subscribes to. */
export function subscribedTopics(metadata: Buffer): string[] | null {
  // int16 version, array(int32 count) of string(int16 length + utf8); later versions only append fields.
  if (metadata.length < 6) return null;
  let pos = 2;
  const count = metadata.readInt32BE(pos);
  pos += 4;
  if (count < 0 || count > metadata.length) return null;
  const topics: string[] = [];
  for (let i = 0; i < count; i++) {
    if (pos + 2 > metadata.length) return null;
    const len = metadata.readInt16BE(pos);
    pos += 2;
    if (len < 0 || pos + len > metadata.length) return null;
    topics.push(metadata.toString('utf8', pos, pos + len));
    pos += len;
  }
  return topics;
}

/**
 * May this OffsetCommit write offsets? Kafka's order of checks. Generation -1 with an empty member id is a
 * standalone commit (a consumer using the group only to store offsets): allowed into an Empty group only.
 * A valid commit from a member also counts as a heartbeat, so the returned group may differ from the input.
 */
export function validateCommit(
  group: GroupState | undefined,
  who: { memberId: string; groupInstanceId: string | null; generationId: number },
  now: number,
): { errorCode: number; group: GroupState | undefined } {
  if (group === undefined) return { errorCode: who.generationId < 0 ? E.NONE : E.ILLEGAL_GENERATION, group };
  if (group.state === 'Dead') return { errorCode: E.COORDINATOR_NOT_AVAILABLE, group };
  if (isStaticMemberFenced(group, who.memberId, who.groupInstanceId)) return { errorCode: E.FENCED_INSTANCE_ID, group };
  if (who.generationId < 0 && group.state === 'Empty') return { errorCode: E.NONE, group };
  const m = group.members.get(who.memberId);
  if (!m) return { errorCode: E.UNKNOWN_MEMBER_ID, group };
  if (who.generationId !== group.generationId) return { errorCode: E.ILLEGAL_GENERATION, group };
  if (group.state === 'CompletingRebalance') return { errorCode: E.REBALANCE_IN_PROGRESS, group };
  const g = cloneGroup(group);
  g.members.get(who.memberId)!.lastHeartbeatMs = now;
  return { errorCode: E.NONE, group: g };
}
