/**
 * ReplicaManager: this broker's part in replication, driven by the ClusterView (zk today, KRaft through the same
 * seam). Started by server.ts whenever the broker belongs to a cluster; a standalone broker has none and its
 * paths are untouched.
 *
 * On every cluster change, for each partition this broker is a replica of:
 * - leader: the log's high watermark is managed here (log.setReplicated); a new leader epoch is recorded in the
 *   leader epoch cache at the current log end; followers' positions come from their Fetch requests
 *   (followerFetch) and move the high watermark (min log end over the ISR, isr-policy.ts); a timer shrinks the
 *   ISR of followers that lag more than replica.lag.time.max.ms, and a follower that caught up is added back —
 *   both through ClusterView.alterIsr (one change in flight per partition);
 * - follower: fetched by the LeaderFetcher of its leader (one per leader broker), after truncating to where it
 *   agrees with the leader;
 * - no leader: nothing is fetched; acks=all waits end with NOT_LEADER_OR_FOLLOWER.
 * acks=all Produce waits in the delayed-produce purgatory until the high watermark covers it.
 * The high watermarks are checkpointed (replication-offset-checkpoint) every 5 s and at shutdown, and read back
 * when a partition is first managed after a restart.
 */
import type { BrokerContext } from '../context.js';
import { partitionKey } from '../context.js';
import type { ClusterView, PartitionRoute } from '../cluster/cluster-view.js';
import type { PartitionLog } from '../log/partition-log.js';
import { effectiveTopicConfig } from '../metadata/topic-admin.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { DelayedProducePurgatory, type PartitionProgress } from './delayed-produce.js';
import { caughtUpReplicas, initialFollowerState, laggingReplicas, nextHighWatermark, recordFollowerFetch, type FollowerState } from './isr-policy.js';
import { LeaderFetcher, type FetcherSettings } from './leader-fetcher.js';

/** What the handlers (Produce, Fetch) ask of replication; BrokerContext.replication. */
export interface Replication {
  /** A leader appended to the partition (Produce, internal topics): the high watermark may move. */
  onAppend(topic: string, partition: number): void;
  /** A follower's Fetch at `fetchOffset`: NONE, or NOT_LEADER_OR_FOLLOWER when it is not a follower of ours. */
  followerFetch(topic: string, partition: number, replicaId: number, fetchOffset: number): number;
  /** acks=all before appending: NOT_ENOUGH_REPLICAS when the ISR is smaller than min.insync.replicas. */
  checkMinInSync(topic: string, partition: number): number;
  /** acks=all after appending: resolves the partition's error code once the high watermark reaches `requiredOffset`. */
  waitForHighWatermark(topic: string, partition: number, requiredOffset: number, timeoutMs: number): Promise<number>;
}

interface LeaderPartition {
  topic: string;
  partition: number;
  leaderEpoch: number;
  /** The log end when this epoch began: a follower must reach it to join the ISR. */
  epochStartOffset: number;
  followers: Map<number, FollowerState>;
  isrChangeInFlight: boolean;
}

const OFFSETS_TOPIC = '__consumer_offsets';

export interface ReplicaManagerOptions {
  replicaLagTimeMaxMs: number;
  fetchMaxWaitMs: number;
  hwCheckpointIntervalMs: number;
  listenerName: string;
}

export class ReplicaManager implements Replication {
  private readonly leaders = new Map<string, LeaderPartition>();
  private readonly followed = new Map<string, { leaderId: number; leaderEpoch: number }>();
  private readonly fetchers = new Map<number, LeaderFetcher>();
  private readonly managed = new Set<string>();
  private readonly purgatory = new DelayedProducePurgatory();
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  /** After the first pass: leadership gained from then on moved here while running. */
  private started = false;

  constructor(
    private readonly ctx: BrokerContext,
    private readonly cluster: ClusterView,
    private readonly opts: ReplicaManagerOptions,
  ) {}

  start(): void {
    this.unsubscribe = this.cluster.onChange(() => this.apply());
    this.apply();
    this.started = true;
    const isrEvery = Math.max(100, Math.min(5000, Math.floor(this.opts.replicaLagTimeMaxMs / 2)));
    this.timers.push(setInterval(() => this.guard(() => this.maybeShrinkIsr()), isrEvery));
    this.timers.push(setInterval(() => this.guard(() => this.ctx.logs.checkpointHighWatermarks()), this.opts.hwCheckpointIntervalMs));
    for (const t of this.timers) t.unref();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.timers) clearInterval(t);
    for (const f of this.fetchers.values()) f.stop();
    this.fetchers.clear();
    this.purgatory.abortAll(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctx.logger.error(`[ReplicaManager broker=${this.ctx.nodeId}] ${(err as Error).stack ?? String(err)}`);
    }
  }

  // ---- cluster changes ----

  /** Brings leader/follower roles in line with the cluster's view (after every change). */
  apply(): void {
    if (this.stopped) return;
    this.guard(() => {
      const seen = new Set<string>();
      for (const t of this.ctx.topics.list()) {
        for (let p = 0; p < t.leaderEpochs.length; p++) {
          const route = this.cluster.partition(t.name, p);
          if (!route || !route.replicas.includes(this.ctx.nodeId)) continue;
          const log = this.ctx.logs.get(t.name, p);
          if (!log) continue;
          const key = partitionKey(t.name, p);
          seen.add(key);
          this.manage(key, log);
          if (route.leader === this.ctx.nodeId) this.becomeLeader(key, t.name, p, route, log);
          else if (route.leader >= 0) this.becomeFollower(key, t.name, p, route);
          else this.goOffline(key);
        }
      }
      for (const key of [...this.leaders.keys()]) if (!seen.has(key)) this.dropLeader(key);
      for (const key of [...this.followed.keys()]) if (!seen.has(key)) this.stopFollowing(key);
      for (const key of [...this.managed]) if (!seen.has(key)) this.managed.delete(key);
    });
  }

  /** First time: the high watermark comes from the checkpoint and is managed here from now on. */
  private manage(key: string, log: PartitionLog): void {
    if (this.managed.has(key)) return;
    this.managed.add(key);
    log.setReplicated(true);
    log.highWatermark = this.ctx.logs.checkpointedHighWatermark(log.topic, log.partition) ?? 0;
  }

  private becomeLeader(key: string, topic: string, partition: number, route: PartitionRoute, log: PartitionLog): void {
    this.stopFollowing(key);
    const existing = this.leaders.get(key);
    if (existing && existing.leaderEpoch === route.leaderEpoch) {
      // Same epoch: the ISR may have changed (ours or the controller's): the high watermark and waits may move.
      for (const r of route.replicas) if (r !== this.ctx.nodeId && !existing.followers.has(r)) existing.followers.set(r, initialFollowerState(false, this.ctx.clock()));
      this.updateHighWatermark(existing, log);
      this.purgatory.check(key, this.progress(topic, partition, log, route));
      return;
    }
    const now = this.ctx.clock();
    log.leaderEpochCache.assign(route.leaderEpoch, log.logEndOffset);
    const followers = new Map<number, FollowerState>();
    for (const r of route.replicas) if (r !== this.ctx.nodeId) followers.set(r, initialFollowerState(route.isr.includes(r), now));
    const lp: LeaderPartition = { topic, partition, leaderEpoch: route.leaderEpoch, epochStartOffset: log.logEndOffset, followers, isrChangeInFlight: false };
    this.leaders.set(key, lp);
    this.ctx.logger.info(`[Partition ${topic}-${partition} broker=${this.ctx.nodeId}] Leader at epoch ${route.leaderEpoch}: high watermark ${log.highWatermark}, log end ${log.logEndOffset}, ISR ${route.isr.join(',')}`);
    this.updateHighWatermark(lp, log);
    // Group coordination moved here: load the groups of this offsets partition from the replicated log (start-up
    // loaded them already for the partitions led from the start).
    if (topic === OFFSETS_TOPIC && this.started && this.ctx.groups) {
      this.ctx.groups.loadPartition(partition).catch((err) => this.ctx.logger.error(`could not load the groups of ${topic}-${partition}: ${String(err)}`));
    }
  }

  private becomeFollower(key: string, topic: string, partition: number, route: PartitionRoute): void {
    if (this.leaders.has(key)) this.dropLeader(key);
    const current = this.followed.get(key);
    if (current && current.leaderId === route.leader && current.leaderEpoch === route.leaderEpoch) return;
    if (current && current.leaderId !== route.leader) this.fetchers.get(current.leaderId)?.remove(key);
    this.followed.set(key, { leaderId: route.leader, leaderEpoch: route.leaderEpoch });
    let fetcher = this.fetchers.get(route.leader);
    if (!fetcher) {
      fetcher = new LeaderFetcher(this.ctx, this.cluster, route.leader, this.fetcherSettings());
      this.fetchers.set(route.leader, fetcher);
    }
    this.ctx.logger.info(`[Partition ${topic}-${partition} broker=${this.ctx.nodeId}] Follower of broker ${route.leader} at epoch ${route.leaderEpoch}`);
    fetcher.add(key, { topic, partition, leaderEpoch: route.leaderEpoch, needsTruncation: true, delayUntil: 0 });
  }

  private goOffline(key: string): void {
    this.dropLeader(key);
    this.stopFollowing(key);
  }

  private dropLeader(key: string): void {
    if (!this.leaders.delete(key)) return;
    this.purgatory.abort(key, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  }

  private stopFollowing(key: string): void {
    const f = this.followed.get(key);
    if (!f) return;
    this.followed.delete(key);
    const fetcher = this.fetchers.get(f.leaderId);
    fetcher?.remove(key);
    if (fetcher && fetcher.partitions.size === 0) {
      fetcher.stop();
      this.fetchers.delete(f.leaderId);
    }
  }

  private fetcherSettings(): FetcherSettings {
    const c = this.ctx.config;
    return {
      listenerName: this.opts.listenerName,
      maxWaitMs: this.opts.fetchMaxWaitMs,
      minBytes: 1,
      maxBytes: 10 * 1024 * 1024,
      partitionMaxBytes: c.getInt('replica.fetch.max.bytes'),
      backoffMs: 500,
    };
  }

  // ---- leader side ----

  private minInSync(topic: string): number {
    const info = this.ctx.topics.get(topic);
    return Number(effectiveTopicConfig(this.ctx.config, info?.configs ?? new Map(), 'min.insync.replicas'));
  }

  private progress(topic: string, partition: number, log: PartitionLog, route = this.cluster.partition(topic, partition)): PartitionProgress {
    return { highWatermark: log.highWatermark, isrSize: route?.isr.length ?? 0, minInSyncReplicas: this.minInSync(topic) };
  }

  /** Moves the high watermark as far as the ISR allows; wakes consumers and acks=all waits when it moved. */
  private updateHighWatermark(lp: LeaderPartition, log: PartitionLog): void {
    const route = this.cluster.partition(lp.topic, lp.partition);
    if (!route) return;
    const next = nextHighWatermark(log.highWatermark, this.ctx.nodeId, log.logEndOffset, route.isr, lp.followers);
    if (next <= log.highWatermark) return;
    log.highWatermark = next;
    this.purgatory.check(partitionKey(lp.topic, lp.partition), this.progress(lp.topic, lp.partition, log, route));
    this.ctx.notifyAppend(lp.topic, lp.partition); // consumers wait for the high watermark, not the log end
  }

  onAppend(topic: string, partition: number): void {
    const lp = this.leaders.get(partitionKey(topic, partition));
    if (!lp) return;
    const log = this.ctx.logs.get(topic, partition);
    if (log) this.updateHighWatermark(lp, log);
  }

  followerFetch(topic: string, partition: number, replicaId: number, fetchOffset: number): number {
    const key = partitionKey(topic, partition);
    const lp = this.leaders.get(key);
    const log = this.ctx.logs.get(topic, partition);
    if (!lp || !log) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    const f = lp.followers.get(replicaId);
    if (!f) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    if (fetchOffset > log.logEndOffset || fetchOffset < 0) return ErrorCode.NONE; // the read answers OFFSET_OUT_OF_RANGE
    lp.followers.set(replicaId, recordFollowerFetch(f, fetchOffset, log.logEndOffset, this.ctx.clock()));
    this.updateHighWatermark(lp, log);
    this.maybeExpandIsr(lp, log);
    return ErrorCode.NONE;
  }

  checkMinInSync(topic: string, partition: number): number {
    const route = this.cluster.partition(topic, partition);
    const min = this.minInSync(topic);
    return route && route.isr.length >= min ? ErrorCode.NONE : ErrorCode.NOT_ENOUGH_REPLICAS;
  }

  waitForHighWatermark(topic: string, partition: number, requiredOffset: number, timeoutMs: number): Promise<number> {
    const key = partitionKey(topic, partition);
    const log = this.ctx.logs.get(topic, partition);
    if (!log || !this.leaders.has(key)) return Promise.resolve(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    return this.purgatory.wait(key, requiredOffset, timeoutMs, this.progress(topic, partition, log));
  }

  private maybeExpandIsr(lp: LeaderPartition, log: PartitionLog): void {
    if (lp.isrChangeInFlight) return;
    const route = this.cluster.partition(lp.topic, lp.partition);
    if (!route || route.leader !== this.ctx.nodeId || route.leaderEpoch !== lp.leaderEpoch) return;
    const joining = caughtUpReplicas(this.ctx.nodeId, route.replicas, route.isr, lp.followers, log.highWatermark, lp.epochStartOffset).filter((r) => this.cluster.isLive(r));
    if (joining.length === 0) return;
    const isr = route.replicas.filter((r) => route.isr.includes(r) || joining.includes(r));
    this.ctx.logger.info(`[Partition ${lp.topic}-${lp.partition} broker=${this.ctx.nodeId}] Expanding ISR from ${route.isr.join(',')} to ${isr.join(',')}`);
    this.alterIsr(lp, route, isr);
  }

  private maybeShrinkIsr(): void {
    const now = this.ctx.clock();
    for (const lp of this.leaders.values()) {
      if (lp.isrChangeInFlight) continue;
      const route = this.cluster.partition(lp.topic, lp.partition);
      const log = this.ctx.logs.get(lp.topic, lp.partition);
      if (!route || !log || route.leader !== this.ctx.nodeId || route.leaderEpoch !== lp.leaderEpoch) continue;
      const lagging = laggingReplicas(this.ctx.nodeId, route.isr, lp.followers, now, this.opts.replicaLagTimeMaxMs);
      if (lagging.length === 0) continue;
      const isr = route.isr.filter((r) => !lagging.includes(r));
      this.ctx.logger.info(
        `[Partition ${lp.topic}-${lp.partition} broker=${this.ctx.nodeId}] Shrinking ISR from ${route.isr.join(',')} to ${isr.join(',')}. Leader: (highWatermark: ${log.highWatermark}, endOffset: ${log.logEndOffset}). Out of sync replicas: ${lagging.map((r) => `(brokerId: ${r}, endOffset: ${lp.followers.get(r)?.logEndOffset ?? -1}, lastCaughtUpTimeMs: ${lp.followers.get(r)?.lastCaughtUpTimeMs ?? 0})`).join(' ')}.`,
      );
      this.alterIsr(lp, route, isr);
    }
  }

  private alterIsr(lp: LeaderPartition, route: PartitionRoute, isr: number[]): void {
    lp.isrChangeInFlight = true;
    this.cluster
      .alterIsr({ topic: lp.topic, partition: lp.partition, leaderEpoch: route.leaderEpoch, partitionEpoch: route.partitionEpoch, isr })
      .then((r) => {
        if (r.errorCode !== ErrorCode.NONE) {
          this.ctx.logger.info(`[Partition ${lp.topic}-${lp.partition} broker=${this.ctx.nodeId}] ISR change to ${isr.join(',')} refused with error ${r.errorCode}; retrying from the current state`);
        }
      })
      .catch((err) => this.ctx.logger.warn(`[Partition ${lp.topic}-${lp.partition} broker=${this.ctx.nodeId}] ISR change failed: ${String(err)}`))
      .finally(() => {
        lp.isrChangeInFlight = false;
        // The ISR may now allow a higher high watermark (shrink), or waits may end (either way).
        this.apply();
      });
  }
}

/** The inter-broker listener: inter.broker.listener.name, else the PLAINTEXT listener, else the first one. */
export function interBrokerListener(ctx: BrokerContext): string {
  const named = ctx.config.get('inter.broker.listener.name');
  if (named) return named.toUpperCase();
  if (ctx.listeners.has('PLAINTEXT')) return 'PLAINTEXT';
  return [...ctx.listeners.keys()][0] ?? 'PLAINTEXT';
}

/** Starts replication for a broker in a cluster; server.ts stops it before closing the logs. */
export function startReplication(ctx: BrokerContext, cluster: ClusterView): ReplicaManager {
  const rm = new ReplicaManager(ctx, cluster, {
    replicaLagTimeMaxMs: ctx.config.getInt('replica.lag.time.max.ms'),
    fetchMaxWaitMs: ctx.config.getInt('replica.fetch.wait.max.ms'),
    hwCheckpointIntervalMs: ctx.config.getInt('replica.high.watermark.checkpoint.interval.ms'),
    listenerName: interBrokerListener(ctx),
  });
  ctx.replication = rm;
  rm.start();
  return rm;
}
