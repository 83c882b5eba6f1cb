/**
 * The group coordinator: owns every classic consumer group and its committed offsets on this broker.
 *
 * - Group state changes are `step()` calls (group-state.ts, pure). Each group has one serialized queue, so events
 *   for a group apply one at a time, including the awaited log append that some of them need.
 * - JoinGroup/SyncGroup return promises that settle when the rebalance round completes (the connection keeps
 *   responses in request order).
 * - ONE coarse timer (`tickIntervalMs`, default 200 ms) drives session expiry, rebalance timeouts and
 *   `group.initial.rebalance.delay.ms`, and (every `offsetsRetentionCheckIntervalMs`) offset retention.
 * - Offsets and group metadata are written to `__consumer_offsets` through an `OffsetStore`, partition
 *   `abs(javaHashCode(groupId)) % offsets.topic.num.partitions`, and replayed by `load()`. A commit is answered
 *   NONE only after its records are appended.
 * Offset retention (Kafka 2.1+ rules, KIP-211): offsets of a group with members never expire; once the group is
 * Empty they expire `offsets.retention.minutes` after the later of the commit and the moment the group emptied;
 * an explicit expiry (OffsetCommit v1 timestamp, v2-v4 retention time) wins. A group left with no members and no
 * offsets is removed.
 */
import { randomUUID } from 'node:crypto';
import { GroupErrorCode as E } from './error-codes.js';
import {
  type GroupConfig,
  type GroupState,
  type GroupEvent,
  type JoinReply,
  type SyncReply,
  type Effect,
  type MemberProtocol,
  newGroup,
  step,
  validateCommit,
  subscribedTopics,
} from './group-state.js';
import {
  decodeGroupValue,
  decodeKey,
  decodeOffsetValue,
  encodeGroupValue,
  encodeKey,
  encodeOffsetValue,
  partitionForGroup,
  type OffsetValue,
} from './offsets-records.js';
import type { OffsetRecord, OffsetStore } from './offset-store.js';

export interface CoordinatorConfig {
  groupInitialRebalanceDelayMs: number;
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  offsetsRetentionMinutes: number;
  offsetsTopicNumPartitions: number;
  /** offset.metadata.max.bytes (Kafka default 4096). */
  offsetMetadataMaxBytes?: number;
  /** offsets.retention.check.interval.ms (Kafka default 600000). */
  offsetsRetentionCheckIntervalMs?: number;
}

export interface CoordinatorLogger {
  warn(msg: string): void;
  error(msg: string): void;
}

export interface CoordinatorDeps {
  clock: () => number;
  nodeId: number;
  config: CoordinatorConfig;
  persist: OffsetStore;
  /** 0 = no timer (tests call `tick()` themselves). Default 200 ms. */
  tickIntervalMs?: number;
  logger?: CoordinatorLogger;
  /** Member id suffix source; tests inject a predictable one. */
  newId?: () => string;
}

export interface JoinRequest {
  groupId: string;
  version: number;
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: MemberProtocol[];
}

export interface SyncRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface LeaveResult {
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export interface CommitPartition {
  partition: number;
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
  /** OffsetCommit v1 only; -1 = now. */
  commitTimestamp: number;
}

export interface CommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** v2-v4 retention_time_ms; -1 = broker default. */
  retentionTimeMs: number;
  topics: { name: string; partitions: CommitPartition[] }[];
}

export interface CommitResult {
  topics: { name: string; partitions: { partition: number; errorCode: number }[] }[];
}

export interface FetchedOffset {
  partition: number;
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  errorCode: number;
}

export interface FetchResult {
  errorCode: number;
  topics: { name: string; partitions: FetchedOffset[] }[];
}

export interface GroupDescription {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: { memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; metadata: Buffer; assignment: Buffer }[];
}

interface CommittedOffset extends OffsetValue {}

const EMPTY = Buffer.alloc(0);

function offsetKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function splitOffsetKey(k: string): [string, number] {
  const i = k.lastIndexOf('\u0000');
  return [k.slice(0, i), Number(k.slice(i + 1))];
}

export class GroupCoordinator {
  private readonly deps: CoordinatorDeps;
  private readonly groupConfig: GroupConfig;
  private readonly groups = new Map<string, GroupState>();
  private readonly offsets = new Map<string, Map<string, CommittedOffset>>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly waiters = new Map<number, (e: Effect) => void>();
  private nextWaiter = 1;
  private timer: NodeJS.Timeout | null = null;
  private loaded = false;
  private closed = false;
  private lastRetentionCheck = 0;

  constructor(deps: CoordinatorDeps) {
    this.deps = deps;
    this.groupConfig = {
      groupInitialRebalanceDelayMs: deps.config.groupInitialRebalanceDelayMs,
      groupMinSessionTimeoutMs: deps.config.groupMinSessionTimeoutMs,
      groupMaxSessionTimeoutMs: deps.config.groupMaxSessionTimeoutMs,
    };
  }

  get nodeId(): number {
    return this.deps.nodeId;
  }

  /** The `__consumer_offsets` partition that holds this group's records. */
  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.deps.config.offsetsTopicNumPartitions);
  }

  // ── lifecycle ──────────────────────────────────────────────────────────────────────────────────────────

  /** Replay `__consumer_offsets` and start the timer. Call once, before serving group requests. */
  async load(): Promise<void> {
    const now = this.deps.clock();
    await this.replay(() => true);
    this.loaded = true;
    this.lastRetentionCheck = now;
    const interval = this.deps.tickIntervalMs ?? 200;
    if (interval > 0) {
      this.timer = setInterval(() => void this.tick(), interval);
      this.timer.unref();
    }
  }

  /**
   * Coordination of one `__consumer_offsets` partition moved to this broker (replication: it now leads the
   * partition): its groups and offsets are read again from the log its follower copy kept current, as Kafka
   * loads a partition on election. Groups of that partition held in memory are replaced.
   */
  async loadPartition(partition: number): Promise<void> {
    for (const groupId of [...this.groups.keys()]) if (this.partitionFor(groupId) === partition) this.groups.delete(groupId);
    for (const groupId of [...this.offsets.keys()]) if (this.partitionFor(groupId) === partition) this.offsets.delete(groupId);
    await this.replay((p) => p === partition);
  }

  private async replay(wanted: (partition: number) => boolean): Promise<void> {
    const now = this.deps.clock();
    const groupValues = new Map<string, ReturnType<typeof decodeGroupValue> | null>();
    await this.deps.persist.replay((partition, rec) => {
      if (!wanted(partition)) return;
      try {
        const key = decodeKey(rec.key);
        if (key.type === 'offset') {
          let m = this.offsets.get(key.groupId);
          if (rec.value === null) {
            m?.delete(offsetKey(key.topic, key.partition));
          } else {
            if (!m) this.offsets.set(key.groupId, (m = new Map()));
            m.set(offsetKey(key.topic, key.partition), decodeOffsetValue(rec.value));
          }
        } else {
          groupValues.set(key.groupId, rec.value === null ? null : decodeGroupValue(rec.value));
        }
      } catch (err) {
        this.deps.logger?.warn(`skipping unreadable __consumer_offsets record in partition ${partition}: ${(err as Error).message}`);
      }
    });
    for (const [groupId, v] of groupValues) {
      if (v === null) {
        // Deleted group: its offsets were tombstoned before the group record.
        continue;
      }
      const g = newGroup(groupId, v.currentStateTimestamp >= 0 ? v.currentStateTimestamp : now);
      g.generationId = v.generationId;
      g.protocolType = v.protocolType === '' ? null : v.protocolType;
      g.protocolName = v.protocolName;
      g.leaderId = v.leaderId;
      for (const m of v.members) {
        g.members.set(m.memberId, {
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          rebalanceTimeoutMs: m.rebalanceTimeoutMs,
          sessionTimeoutMs: m.sessionTimeoutMs,
          protocolType: v.protocolType,
          protocols: v.protocolName === null ? [] : [{ name: v.protocolName, metadata: m.subscription }],
          assignment: m.assignment,
          joinWaiter: null,
          syncWaiter: null,
          synced: true,
          // Members get a full session to reconnect after a restart, as in Kafka.
          lastHeartbeatMs: now,
        });
        if (m.groupInstanceId !== null) g.staticMembers.set(m.groupInstanceId, m.memberId);
      }
      if (g.members.size > 0) {
        g.state = 'Stable';
        g.stateSinceMs = now;
        if (g.leaderId === null || !g.members.has(g.leaderId)) g.leaderId = g.members.keys().next().value ?? null;
      } else {
        g.leaderId = null;
        g.protocolName = null;
      }
      this.groups.set(groupId, g);
    }
    // Groups known only by their offsets (standalone commits) exist too, Empty.
    for (const [groupId, m] of this.offsets) {
      if (m.size === 0) this.offsets.delete(groupId);
      else if (!this.groups.has(groupId)) this.groups.set(groupId, newGroup(groupId, now));
    }
  }

  /** Stop the timer and answer every parked request with COORDINATOR_NOT_AVAILABLE (the clients will retry). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all([...this.queues.values()]);
    for (const [waiter, resolve] of [...this.waiters]) {
      this.waiters.delete(waiter);
      resolve({ type: 'reply', waiter, errorCode: E.COORDINATOR_NOT_AVAILABLE });
    }
  }

  /** One timer round: feed `tick` to every group; check offset retention when due. */
  async tick(): Promise<void> {
    if (!this.loaded || this.closed) return;
    const jobs: Promise<void>[] = [];
    for (const groupId of [...this.groups.keys()]) jobs.push(this.enqueue(groupId, () => this.apply(groupId, { type: 'tick' })));
    await Promise.all(jobs);
    const now = this.deps.clock();
    const every = this.deps.config.offsetsRetentionCheckIntervalMs ?? 600_000;
    if (now - this.lastRetentionCheck >= every) {
      this.lastRetentionCheck = now;
      await this.expireOffsets();
    }
  }

  // ── group membership ───────────────────────────────────────────────────────────────────────────────────

  joinGroup(req: JoinRequest): Promise<JoinReply> {
    const fail = (errorCode: number): Promise<JoinReply> =>
      Promise.resolve({ errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: req.memberId, members: [] });
    if (!this.loaded) return fail(E.COORDINATOR_LOAD_IN_PROGRESS);
    if (this.closed) return fail(E.COORDINATOR_NOT_AVAILABLE);
    if (req.groupId === '') return fail(E.INVALID_GROUP_ID);
    const waiter = this.nextWaiter++;
    const done = new Promise<JoinReply>((resolve) => {
      this.waiters.set(waiter, (e) => resolve(e.type === 'join-reply' ? e.reply : { errorCode: e.type === 'reply' ? e.errorCode : E.UNKNOWN_SERVER_ERROR, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: req.memberId, members: [] }));
    });
    const newId = this.deps.newId ?? randomUUID;
    void this.enqueue(req.groupId, async () => {
      const existing = this.groups.get(req.groupId);
      if (!existing || existing.state === 'Dead') {
        if (req.memberId !== '') {
          // A member id the coordinator never handed out (or a group deleted meanwhile).
          this.settle(waiter, { type: 'join-reply', waiter, reply: { errorCode: E.UNKNOWN_MEMBER_ID, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: req.memberId, members: [] } });
          return;
        }
        this.groups.set(req.groupId, newGroup(req.groupId, this.deps.clock()));
      }
      await this.apply(req.groupId, { type: 'join', waiter, ...req, newMemberId: `${req.clientId}-${newId()}` });
    });
    return done;
  }

  syncGroup(req: SyncRequest): Promise<SyncReply> {
    const fail = (errorCode: number): Promise<SyncReply> => Promise.resolve({ errorCode, protocolType: null, protocolName: null, assignment: EMPTY });
    if (!this.loaded) return fail(E.COORDINATOR_LOAD_IN_PROGRESS);
    if (this.closed) return fail(E.COORDINATOR_NOT_AVAILABLE);
    if (req.groupId === '') return fail(E.INVALID_GROUP_ID);
    const waiter = this.nextWaiter++;
    const done = new Promise<SyncReply>((resolve) => {
      this.waiters.set(waiter, (e) => resolve(e.type === 'sync-reply' ? e.reply : { errorCode: e.type === 'reply' ? e.errorCode : E.UNKNOWN_SERVER_ERROR, protocolType: null, protocolName: null, assignment: EMPTY }));
    });
    void this.enqueue(req.groupId, async () => {
      if (!this.groups.has(req.groupId)) {
        this.settle(waiter, { type: 'reply', waiter, errorCode: E.UNKNOWN_MEMBER_ID });
        return;
      }
      await this.apply(req.groupId, { type: 'sync', waiter, ...req });
    });
    return done;
  }

  heartbeat(req: { groupId: string; memberId: string; groupInstanceId: string | null; generationId: number }): Promise<number> {
    if (!this.loaded) return Promise.resolve(E.COORDINATOR_LOAD_IN_PROGRESS);
    if (this.closed) return Promise.resolve(E.COORDINATOR_NOT_AVAILABLE);
    if (req.groupId === '') return Promise.resolve(E.INVALID_GROUP_ID);
    const waiter = this.nextWaiter++;
    const done = new Promise<number>((resolve) => {
      this.waiters.set(waiter, (e) => resolve(e.type === 'reply' ? e.errorCode : E.UNKNOWN_SERVER_ERROR));
    });
    void this.enqueue(req.groupId, async () => {
      if (!this.groups.has(req.groupId)) {
        this.settle(waiter, { type: 'reply', waiter, errorCode: E.UNKNOWN_MEMBER_ID });
        return;
      }
      await this.apply(req.groupId, { type: 'heartbeat', waiter, ...req });
    });
    return done;
  }

  leaveGroup(groupId: string, members: { memberId: string; groupInstanceId: string | null }[]): Promise<LeaveResult> {
    if (!this.loaded) return Promise.resolve({ errorCode: E.COORDINATOR_LOAD_IN_PROGRESS, members: [] });
    if (this.closed) return Promise.resolve({ errorCode: E.COORDINATOR_NOT_AVAILABLE, members: [] });
    if (groupId === '') return Promise.resolve({ errorCode: E.INVALID_GROUP_ID, members: [] });
    const waiter = this.nextWaiter++;
    const done = new Promise<LeaveResult>((resolve) => {
      this.waiters.set(waiter, (e) =>
        resolve(e.type === 'reply' ? { errorCode: e.errorCode, members: e.memberErrors ?? [] } : { errorCode: E.UNKNOWN_SERVER_ERROR, members: [] }),
      );
    });
    void this.enqueue(groupId, async () => {
      if (!this.groups.has(groupId)) {
        this.settle(waiter, { type: 'reply', waiter, errorCode: E.NONE, memberErrors: members.map((m) => ({ ...m, errorCode: E.UNKNOWN_MEMBER_ID })) });
        return;
      }
      await this.apply(groupId, { type: 'leave', waiter, members });
    });
    return done;
  }

  // ── offsets ────────────────────────────────────────────────────────────────────────────────────────────

  commitOffsets(req: CommitRequest): Promise<CommitResult> {
    const allWith = (errorCode: number): CommitResult => ({
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode })) })),
    });
    if (!this.loaded) return Promise.resolve(allWith(E.COORDINATOR_LOAD_IN_PROGRESS));
    if (this.closed) return Promise.resolve(allWith(E.COORDINATOR_NOT_AVAILABLE));
    if (req.groupId === '') return Promise.resolve(allWith(E.INVALID_GROUP_ID));
    return this.enqueueResult(req.groupId, async () => {
      const now = this.deps.clock();
      const check = validateCommit(this.groups.get(req.groupId), req, now);
      if (check.errorCode !== E.NONE) return allWith(check.errorCode);
      const group = check.group ?? newGroup(req.groupId, now);
      const maxMeta = this.deps.config.offsetMetadataMaxBytes ?? 4096;
      const records: OffsetRecord[] = [];
      const accepted: [string, CommittedOffset][] = [];
      const result: CommitResult = { topics: [] };
      for (const t of req.topics) {
        const parts: { partition: number; errorCode: number }[] = [];
        for (const p of t.partitions) {
          const metadata = p.metadata ?? '';
          if (Buffer.byteLength(metadata) > maxMeta) {
            parts.push({ partition: p.partition, errorCode: E.OFFSET_METADATA_TOO_LARGE });
            continue;
          }
          const commitTimestamp = p.commitTimestamp >= 0 ? p.commitTimestamp : now;
          const expireTimestamp =
            p.commitTimestamp >= 0
              ? p.commitTimestamp + this.retentionMs()
              : req.retentionTimeMs >= 0
                ? commitTimestamp + req.retentionTimeMs
                : -1;
          const value: CommittedOffset = { offset: p.offset, leaderEpoch: p.leaderEpoch, metadata, commitTimestamp, expireTimestamp };
          records.push({ key: encodeKey({ type: 'offset', groupId: req.groupId, topic: t.name, partition: p.partition }), value: encodeOffsetValue(value), timestamp: now });
          accepted.push([offsetKey(t.name, p.partition), value]);
          parts.push({ partition: p.partition, errorCode: E.NONE });
        }
        result.topics.push({ name: t.name, partitions: parts });
      }
      if (records.length > 0) {
        try {
          await this.deps.persist.append(this.partitionFor(req.groupId), records);
        } catch (err) {
          this.deps.logger?.error(`could not write offsets of group ${req.groupId} to __consumer_offsets: ${(err as Error).message}`);
          for (const t of result.topics) for (const p of t.partitions) if (p.errorCode === E.NONE) p.errorCode = E.COORDINATOR_NOT_AVAILABLE;
          return result;
        }
      }
      this.groups.set(req.groupId, group);
      let m = this.offsets.get(req.groupId);
      if (!m) this.offsets.set(req.groupId, (m = new Map()));
      for (const [k, v] of accepted) m.set(k, v);
      return result;
    });
  }

  /** `topics` null = every committed offset of the group (OffsetFetch v2+). Unknown partitions: offset -1. */
  fetchOffsets(groupId: string, topics: { name: string; partitions: number[] }[] | null): FetchResult {
    if (!this.loaded) return { errorCode: E.COORDINATOR_LOAD_IN_PROGRESS, topics: [] };
    const m = this.offsets.get(groupId);
    if (topics === null) {
      const byTopic = new Map<string, FetchedOffset[]>();
      for (const [k, v] of m ?? []) {
        const [topic, partition] = splitOffsetKey(k);
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push({ partition, offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, errorCode: E.NONE });
      }
      return { errorCode: E.NONE, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions: partitions.sort((a, b) => a.partition - b.partition) })) };
    }
    return {
      errorCode: E.NONE,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((partition) => {
          const v = m?.get(offsetKey(t.name, partition));
          return v
            ? { partition, offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, errorCode: E.NONE }
            : { partition, offset: -1n, leaderEpoch: -1, metadata: '', errorCode: E.NONE };
        }),
      })),
    };
  }

  /** OffsetDelete: only for topics no active consumer-protocol member subscribes to. */
  deleteOffsets(groupId: string, topics: { name: string; partitions: number[] }[]): Promise<{ errorCode: number; topics: { name: string; partitions: { partition: number; errorCode: number }[] }[] }> {
    if (!this.loaded) return Promise.resolve({ errorCode: E.COORDINATOR_LOAD_IN_PROGRESS, topics: [] });
    return this.enqueueResult(groupId, async () => {
      const g = this.groups.get(groupId);
      if (!g || g.state === 'Dead') return { errorCode: E.GROUP_ID_NOT_FOUND, topics: [] };
      let subscribed = new Set<string>();
      if (g.state !== 'Empty') {
        if (g.protocolType !== 'consumer') return { errorCode: E.NON_EMPTY_GROUP, topics: [] };
        for (const m of g.members.values()) {
          const meta = m.protocols.find((p) => p.name === g.protocolName)?.metadata ?? m.protocols[0]?.metadata;
          for (const t of (meta && subscribedTopics(meta)) ?? []) subscribed.add(t);
        }
      }
      const now = this.deps.clock();
      const records: OffsetRecord[] = [];
      const out = topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((partition) => {
          if (subscribed.has(t.name)) return { partition, errorCode: E.GROUP_SUBSCRIBED_TO_TOPIC };
          records.push({ key: encodeKey({ type: 'offset', groupId, topic: t.name, partition }), value: null, timestamp: now });
          return { partition, errorCode: E.NONE };
        }),
      }));
      subscribed = new Set();
      if (records.length > 0) {
        try {
          await this.deps.persist.append(this.partitionFor(groupId), records);
        } catch (err) {
          this.deps.logger?.error(`could not write offset deletions of group ${groupId}: ${(err as Error).message}`);
          return { errorCode: E.COORDINATOR_NOT_AVAILABLE, topics: [] };
        }
        const m = this.offsets.get(groupId);
        for (const t of out) for (const p of t.partitions) if (p.errorCode === E.NONE) m?.delete(offsetKey(t.name, p.partition));
      }
      return { errorCode: E.NONE, topics: out };
    });
  }

  // ── admin ──────────────────────────────────────────────────────────────────────────────────────────────

  describeGroup(groupId: string): GroupDescription {
    const g = this.groups.get(groupId);
    if (!this.loaded) return { errorCode: E.COORDINATOR_LOAD_IN_PROGRESS, groupId, groupState: '', protocolType: '', protocolData: '', members: [] };
    if (!g) return { errorCode: E.NONE, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
    // As Kafka: member metadata and assignments are shown only for a Stable group.
    const stable = g.state === 'Stable';
    return {
      errorCode: E.NONE,
      groupId,
      groupState: g.state,
      protocolType: g.protocolType ?? '',
      protocolData: stable ? (g.protocolName ?? '') : '',
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? (m.protocols.find((p) => p.name === g.protocolName)?.metadata ?? EMPTY) : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  listGroups(): { groupId: string; protocolType: string; groupState: string }[] {
    return [...this.groups.values()].filter((g) => g.state !== 'Dead').map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state }));
  }

  async deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]> {
    if (!this.loaded) return groupIds.map((groupId) => ({ groupId, errorCode: E.COORDINATOR_LOAD_IN_PROGRESS }));
    return Promise.all(
      groupIds.map((groupId) => {
        if (groupId === '') return { groupId, errorCode: E.INVALID_GROUP_ID };
        return this.enqueueResult(groupId, async () => {
          const g = this.groups.get(groupId);
          if (!g || g.state === 'Dead') return { groupId, errorCode: E.GROUP_ID_NOT_FOUND };
          if (g.state !== 'Empty') return { groupId, errorCode: E.NON_EMPTY_GROUP };
          try {
            await this.removeGroupDurably(groupId);
          } catch (err) {
            this.deps.logger?.error(`could not delete group ${groupId}: ${(err as Error).message}`);
            return { groupId, errorCode: E.COORDINATOR_NOT_AVAILABLE };
          }
          return { groupId, errorCode: E.NONE };
        });
      }),
    );
  }

  /** For tests and DescribeGroups-like tools: a copy-free read of one group's state. */
  group(groupId: string): GroupState | undefined {
    return this.groups.get(groupId);
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────────────────

  private retentionMs(): number {
    return this.deps.config.offsetsRetentionMinutes * 60_000;
  }

  private enqueue(groupId: string, job: () => Promise<void>): Promise<void> {
    const prev = this.queues.get(groupId) ?? Promise.resolve();
    const next = prev.then(job).catch((err: unknown) => {
      this.deps.logger?.error(`group ${groupId}: ${(err as Error)?.stack ?? String(err)}`);
    });
    this.queues.set(groupId, next);
    void next.then(() => {
      if (this.queues.get(groupId) === next) this.queues.delete(groupId);
    });
    return next;
  }

  private enqueueResult<T>(groupId: string, job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      void this.enqueue(groupId, async () => {
        try {
          resolve(await job());
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  private settle(waiter: number, e: Effect): void {
    const resolve = this.waiters.get(waiter);
    if (!resolve) return;
    this.waiters.delete(waiter);
    resolve(e);
  }

  /** Run one event through the state machine, persist if asked, then deliver the replies. */
  private async apply(groupId: string, event: GroupEvent): Promise<void> {
    const before = this.groups.get(groupId);
    if (!before) return;
    const now = this.deps.clock();
    const { group, effects } = step(before, event, now, this.groupConfig);
    this.groups.set(groupId, group);
    if (effects.some((e) => e.type === 'persist')) {
      try {
        await this.persistGroup(group, now);
      } catch (err) {
        // The group stays usable in memory; the next generation writes it again.
        this.deps.logger?.error(`could not write metadata of group ${groupId} to __consumer_offsets: ${(err as Error).message}`);
      }
    }
    for (const e of effects) if (e.type !== 'persist') this.settle(e.waiter, e);
    // A group created by a join that never got anywhere (bad session timeout, abandoned MEMBER_ID_REQUIRED).
    if (event.type === 'tick' && group.state === 'Empty' && group.generationId === 0 && group.members.size === 0 && group.pendingMembers.size === 0 && (this.offsets.get(groupId)?.size ?? 0) === 0) {
      this.groups.delete(groupId);
    }
  }

  private async persistGroup(g: GroupState, now: number): Promise<void> {
    const value = encodeGroupValue({
      protocolType: g.protocolType ?? '',
      generationId: g.generationId,
      protocolName: g.protocolName,
      leaderId: g.leaderId,
      currentStateTimestamp: g.stateSinceMs,
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.sessionTimeoutMs,
        subscription: m.protocols.find((p) => p.name === g.protocolName)?.metadata ?? EMPTY,
        assignment: m.assignment,
      })),
    });
    await this.deps.persist.append(this.partitionFor(g.groupId), [{ key: encodeKey({ type: 'group', groupId: g.groupId }), value, timestamp: now }]);
  }

  /** Tombstone every offset and the group record, then forget the group. */
  private async removeGroupDurably(groupId: string): Promise<void> {
    const now = this.deps.clock();
    const records: OffsetRecord[] = [];
    for (const k of this.offsets.get(groupId)?.keys() ?? []) {
      const [topic, partition] = splitOffsetKey(k);
      records.push({ key: encodeKey({ type: 'offset', groupId, topic, partition }), value: null, timestamp: now });
    }
    records.push({ key: encodeKey({ type: 'group', groupId }), value: null, timestamp: now });
    await this.deps.persist.append(this.partitionFor(groupId), records);
    this.offsets.delete(groupId);
    const g = this.groups.get(groupId);
    if (g) {
      // Parked requests (there should be none in an Empty group) learn that the group is gone.
      this.groups.set(groupId, { ...g, state: 'Dead' });
      this.groups.delete(groupId);
    }
  }

  /** Offset retention (see the file comment). Runs in each group's queue. */
  async expireOffsets(): Promise<void> {
    const now = this.deps.clock();
    const retention = this.retentionMs();
    const jobs: Promise<void>[] = [];
    for (const groupId of [...this.offsets.keys()]) {
      jobs.push(
        this.enqueue(groupId, async () => {
          const g = this.groups.get(groupId);
          const m = this.offsets.get(groupId);
          if (!m || (g && g.members.size > 0)) return;
          const emptySince = g && g.protocolType !== null ? g.stateSinceMs : -1;
          const expired: string[] = [];
          for (const [k, v] of m) {
            const deadline = v.expireTimestamp >= 0 ? v.expireTimestamp : Math.max(v.commitTimestamp, emptySince) + retention;
            if (now >= deadline) expired.push(k);
          }
          if (expired.length === 0) return;
          if (expired.length === m.size) {
            await this.removeGroupDurably(groupId);
            return;
          }
          const records = expired.map((k) => {
            const [topic, partition] = splitOffsetKey(k);
            return { key: encodeKey({ type: 'offset', groupId, topic, partition }), value: null, timestamp: now };
          });
          await this.deps.persist.append(this.partitionFor(groupId), records);
          for (const k of expired) m.delete(k);
        }),
      );
    }
    await Promise.all(jobs);
  }
}
