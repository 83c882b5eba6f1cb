/**
 * The local mirror of a cluster's topics, shared by zk mode (from ZooKeeper) and KRaft (from the metadata image):
 * every topic the cluster knows is kept in the broker's TopicRegistry (same topic id, partition count, configs,
 * the controller's leader epochs) with a log open for every partition this broker is a replica of — the leader's
 * written by producers, the followers' by their fetchers — and topics the cluster no longer has are deleted here.
 */
import type { BrokerContext } from '../context.js';
import { logConfigOf } from '../metadata/topic-admin.js';

export interface MirroredPartition {
  replicas: readonly number[];
  leader: number;
  leaderEpoch: number;
}

export interface MirroredTopic {
  name: string;
  /** null when the cluster has no id for it (a topic written by an old Kafka to ZooKeeper). */
  topicId: string | null;
  configs: ReadonlyMap<string, string>;
  partitionCount: number;
  /** The partition's state, undefined while the controller has not given it one. */
  partition(p: number): MirroredPartition | undefined;
}

/**
 * Applies the cluster's topics locally. `deleting`: topics this broker deleted itself, skipped until the cluster
 * no longer lists them (and forgotten then). `source` names the cluster's store in log lines.
 */
export function mirrorTopics(ctx: BrokerContext, topics: Iterable<MirroredTopic>, deleting: Set<string>, source: string): void {
  const known = new Set<string>();
  for (const t of topics) {
    known.add(t.name);
    if (deleting.has(t.name) || t.partitionCount === 0) continue;
    let local = ctx.topics.get(t.name);
    if (local && t.topicId && local.topicId !== t.topicId) {
      ctx.logger.info(`[KafkaServer id=${ctx.nodeId}] Topic ${t.name} has id ${t.topicId} in ${source}, ${local.topicId} here: the local copy is removed`);
      dropLocalTopic(ctx, t.name);
      local = undefined;
    }
    if (!local) local = ctx.topics.create(t.name, t.partitionCount, new Map(t.configs), t.topicId ?? undefined);
    else if (local.leaderEpochs.length < t.partitionCount) ctx.topics.addPartitions(t.name, t.partitionCount);
    const configsChanged = t.configs.size !== local.configs.size || [...t.configs].some(([k, v]) => local!.configs.get(k) !== v);
    if (configsChanged) ctx.topics.setConfigs(t.name, new Map(t.configs));
    const lc = logConfigOf(ctx.config, local.configs);
    for (let p = 0; p < t.partitionCount; p++) {
      if (configsChanged && ctx.logs.get(t.name, p)) ctx.logs.getOrCreate(t.name, p, local.topicId, lc);
      const state = t.partition(p);
      if (!state) continue;
      if (state.leaderEpoch >= 0 && local.leaderEpochs[p] !== state.leaderEpoch) ctx.topics.setLeaderEpoch(t.name, p, state.leaderEpoch);
      const replica = state.replicas.includes(ctx.nodeId);
      const open = ctx.logs.get(t.name, p);
      if (replica && !open) {
        ctx.logs.getOrCreate(t.name, p, local.topicId, lc);
        ctx.logger.info(`[KafkaServer id=${ctx.nodeId}] Created log for ${t.name}-${p} (${state.leader === ctx.nodeId ? 'leader' : 'follower'}, leader epoch ${state.leaderEpoch})`);
      } else if (!replica && open && open.logEndOffset === 0) {
        // Start-up opens a log for every partition the registry knows; an empty one this broker is no replica
        // of is closed and its directory removed (logs live only where their replicas are).
        ctx.logs.deletePartition(t.name, p);
      }
    }
  }
  for (const name of [...deleting]) if (!known.has(name)) deleting.delete(name);
  for (const local of ctx.topics.list()) {
    if (!known.has(local.name)) {
      ctx.logger.info(`[KafkaServer id=${ctx.nodeId}] Topic ${local.name} is no longer in ${source}: deleting it here`);
      dropLocalTopic(ctx, local.name);
    }
  }
}

export function dropLocalTopic(ctx: BrokerContext, name: string): void {
  const info = ctx.topics.delete(name);
  if (!info) return;
  for (let p = 0; p < info.leaderEpochs.length; p++) {
    ctx.logs.deletePartition(name, p);
    ctx.producers.dropPartition(`${name}\u0000${p}`);
  }
}
