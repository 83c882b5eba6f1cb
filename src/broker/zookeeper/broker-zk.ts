/**
 * ZooKeeper mode for a native broker (zookeeper.connect set, no process.roles), as a Kafka 2.x/3.x broker runs
 * it: registers the broker with its advertised endpoints, runs for /controller, and takes its view of the
 * cluster from ZooKeeper (zk-cluster.ts: the metadata cache, the controller's partition states, topics mirrored
 * locally). On a fresh ensemble, topics this broker already had on disk are published with this broker as their
 * only replica; otherwise local topics ZooKeeper does not list were deleted meanwhile and go here too.
 */
import type { BrokerContext } from '../context.js';
import type { TopicInfo } from '../metadata/topic-registry.js';
import { ZkMembership } from './registration.js';
import { ZkMetadataCache } from './metadata-cache.js';
import { ZkCluster } from './zk-cluster.js';
import { assignReplicas } from '../cluster/assignment.js';

export interface ZkAttachOptions {
  zookeeperConnect: string;
  sessionTimeoutMs: number;
  connectionTimeoutMs: number;
}

export async function attachZooKeeper(ctx: BrokerContext, opts: ZkAttachOptions): Promise<ZkMembership> {
  const endpoints = [...ctx.listeners.values()].map((l) => ({ listenerName: l.listenerName, securityProtocol: l.securityProtocol, host: l.advertised.host, port: l.advertised.port }));
  const cache = new ZkMetadataCache(ctx.logger);
  let cluster: ZkCluster | undefined;
  const membership = new ZkMembership({
    zookeeperConnect: opts.zookeeperConnect,
    sessionTimeoutMs: opts.sessionTimeoutMs,
    connectTimeoutMs: opts.connectionTimeoutMs,
    brokerId: ctx.nodeId,
    clusterId: ctx.clusterId,
    endpoints,
    rack: ctx.config.get('broker.rack') ?? null,
    logger: ctx.logger,
    onSession: (client) => cache.attach(client),
    onClosed: () => cache.detach(),
    onControllerChange: (id) => {
      ctx.logger.info(`[KafkaServer id=${ctx.nodeId}] The active controller is now broker ${id}`);
      void cluster?.reconcile();
    },
  });
  cluster = new ZkCluster(ctx, membership, cache);
  // Answer from the cluster view at once: until this broker is registered and has read ZooKeeper, Metadata lists
  // no brokers and no leaders (clients retry), rather than a standalone broker's "I lead everything".
  ctx.cluster = cluster;
  await membership.start();
  ctx.logger.info(`[KafkaServer id=${ctx.nodeId}] Registered broker ${ctx.nodeId} at path /brokers/ids/${ctx.nodeId} with addresses: ${endpoints.map((e) => `${e.listenerName}://${e.host}:${e.port}`).join(',')}`);

  // A fresh ensemble (no topics at all) and local topics: this broker's data predates ZooKeeper's (a standalone
  // broker moved to zk mode, or the ensemble's data was wiped), so its topics are published with this broker as
  // their only replica. Otherwise ZooKeeper is the truth: a local topic it does not list was deleted while this
  // broker was away, and the sync below deletes it here too.
  const freshEnsemble = cache.topics.size === 0;
  for (const topic of freshEnsemble ? ctx.topics.list() : []) {
    const assignment = new Map(topic.leaderEpochs.map((_, p) => [p, [ctx.nodeId]]));
    await membership.createTopicZnodes(topic.name, topic.topicId, assignment, Object.fromEntries(topic.configs));
    ctx.logger.info(`[KafkaServer id=${ctx.nodeId}] Published local topic ${topic.name} to ZooKeeper`);
  }
  const c = cluster;
  if (freshEnsemble) await c.waitFor(() => ctx.topics.list().every((t) => cache.topics.has(t.name)), opts.connectionTimeoutMs);
  c.active = true;
  c.sync();
  ctx.topics.onChange((change) => {
    if (c.applyingFromZooKeeper) return;
    if (change.kind === 'deleted') {
      c.markDeleting(change.topic.name);
      void membership.removeTopic(change.topic.name).catch((err) => ctx.logger.error(`could not remove topic ${change.topic.name} from ZooKeeper: ${String(err)}`));
    } else if (change.kind === 'changed') {
      void publishChange(membership, cache, change.topic).catch((err) => ctx.logger.error(`could not update topic ${change.topic.name} in ZooKeeper: ${String(err)}`));
    }
  });
  return membership;
}

/**
 * Partitions added or configs changed through this broker. New partitions (as many replicas as partition 0) continue the
 * round-robin over the live brokers from where the existing ones stop, as Kafka's assignment for added
 * partitions does.
 */
async function publishChange(membership: ZkMembership, cache: ZkMetadataCache, topic: TopicInfo): Promise<void> {
  const known = cache.topics.get(topic.name);
  const assignment = new Map(known?.assignment ?? []);
  const live = [...cache.brokers.keys()].sort((a, b) => a - b);
  if (live.length === 0) live.push(membership.brokerId);
  const first = assignment.get(0)?.[0];
  const start = first !== undefined && live.includes(first) ? live.indexOf(first) : 0;
  // Added partitions keep the topic's replication factor (capped by the live brokers).
  const rf = Math.max(1, Math.min(assignment.get(0)?.length ?? 1, live.length));
  const spread = assignReplicas(live, topic.leaderEpochs.length, rf, start);
  for (let p = 0; p < topic.leaderEpochs.length; p++) if (!assignment.has(p)) assignment.set(p, spread.get(p)!);
  await membership.updateTopic(topic.name, topic.topicId, assignment, Object.fromEntries(topic.configs));
}
