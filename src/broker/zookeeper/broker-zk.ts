/**
 * ZooKeeper mode for a native broker (zookeeper.connect set, no process.roles): registers the broker with its
 * advertised endpoints, runs for /controller, and mirrors every topic into /brokers/topics with its assignment
 * and partition state, as a Kafka 2.x/3.x broker and controller would. This single-node broker leads every
 * partition; spreading partitions over several brokers comes with multi-broker clusters.
 */
import type { BrokerContext } from '../context.js';
import type { TopicInfo } from '../metadata/topic-registry.js';
import { ZkMembership } from './registration.js';

export interface ZkAttachOptions {
  zookeeperConnect: string;
  sessionTimeoutMs: number;
  connectionTimeoutMs: number;
}

function assignmentOf(topic: TopicInfo, brokerId: number): Map<number, number[]> {
  return new Map(topic.leaderEpochs.map((_, p) => [p, [brokerId]]));
}

function epochsOf(topic: TopicInfo): Map<number, number> {
  return new Map(topic.leaderEpochs.map((e, p) => [p, e]));
}

export async function attachZooKeeper(ctx: BrokerContext, opts: ZkAttachOptions): Promise<ZkMembership> {
  const endpoints = [...ctx.listeners.values()].map((l) => ({ listenerName: l.listenerName, securityProtocol: l.securityProtocol, host: l.advertised.host, port: l.advertised.port }));
  const membership = new ZkMembership({
    zookeeperConnect: opts.zookeeperConnect,
    sessionTimeoutMs: opts.sessionTimeoutMs,
    connectTimeoutMs: opts.connectionTimeoutMs,
    brokerId: ctx.nodeId,
    clusterId: ctx.clusterId,
    endpoints,
    logger: ctx.logger,
    onControllerChange: (id) => ctx.logger.info(`[KafkaServer id=${ctx.nodeId}] The active controller is now broker ${id}`),
  });
  await membership.start();
  ctx.logger.info(`[KafkaServer id=${ctx.nodeId}] Registered broker ${ctx.nodeId} at path /brokers/ids/${ctx.nodeId} with addresses: ${endpoints.map((e) => `${e.listenerName}://${e.host}:${e.port}`).join(',')}`);

  const publish = (topic: TopicInfo) =>
    membership.publishTopic(topic.name, topic.topicId, assignmentOf(topic, ctx.nodeId), Object.fromEntries(topic.configs), epochsOf(topic)).catch((err) => ctx.logger.error(`could not publish topic ${topic.name} to ZooKeeper: ${String(err)}`));
  for (const topic of ctx.topics.list()) await publish(topic);
  ctx.topics.onChange((change) => {
    if (change.kind === 'deleted') void membership.removeTopic(change.topic.name).catch((err) => ctx.logger.error(`could not remove topic ${change.topic.name} from ZooKeeper: ${String(err)}`));
    else void publish(change.topic);
  });
  return membership;
}
