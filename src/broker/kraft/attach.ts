/**
 * KRaft cluster mode for a node with the broker role (process.roles has broker, and the quorum is more than
 * this one node): the broker follows the metadata log (its Raft node — a voter on a combined node, an observer
 * on a broker-only one — applies committed records to the MetadataImage), registers with the active controller
 * and heartbeats (broker-lifecycle.ts), and answers clients from the image (kraft-cluster.ts). Local topic
 * changes made by the handlers (deletions, added partitions, config overrides) are forwarded to the controller
 * and come back to every broker as metadata records.
 */
import type { BrokerContext } from '../context.js';
import type { TopicInfo } from '../metadata/topic-registry.js';
import type { RaftController, VoterEndpoint } from '../raft/runtime/controller.js';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../protocol/generated/delete-topics.js';
import type { CreatePartitionsResponse } from '../../protocol/generated/create-partitions.js';
import type { IncrementalAlterConfigsResponse } from '../../protocol/generated/incremental-alter-configs.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { ControllerChannel } from './controller-channel.js';
import { BrokerLifecycle } from './broker-lifecycle.js';
import { KraftCluster } from './kraft-cluster.js';
import type { MetadataImage } from './metadata-image.js';

export interface KraftAttachOptions {
  raft: RaftController;
  image: MetadataImage;
  voters: VoterEndpoint[];
  heartbeatIntervalMs: number;
  /** broker.session.timeout.ms: a duplicate registration is retried a little longer than this. */
  sessionTimeoutMs: number;
  /** How long start-up waits to be registered and unfenced. */
  registrationTimeoutMs: number;
}

export interface KraftMembership {
  readonly cluster: KraftCluster;
  readonly lifecycle: BrokerLifecycle;
  close(): Promise<void>;
}

export async function attachKraft(ctx: BrokerContext, opts: KraftAttachOptions): Promise<KraftMembership> {
  const endpoints = [...ctx.listeners.values()].map((l) => ({ name: l.listenerName, securityProtocol: l.securityProtocol, host: l.advertised.host, port: l.advertised.port }));
  const channel = new ControllerChannel({ nodeId: ctx.nodeId, voters: opts.voters, leaderId: () => opts.raft.leaderId, logger: ctx.logger });
  const lifecycle = new BrokerLifecycle({
    nodeId: ctx.nodeId,
    clusterId: ctx.clusterId,
    endpoints,
    rack: ctx.config.get('broker.rack') ?? null,
    logDirs: [...ctx.config.logDirs],
    heartbeatIntervalMs: opts.heartbeatIntervalMs,
    duplicateRetryMs: opts.sessionTimeoutMs + 2 * opts.heartbeatIntervalMs,
    channel,
    metadataOffset: () => opts.image.lastAppliedOffset,
    logger: ctx.logger,
  });
  const cluster = new KraftCluster(ctx, opts.image, channel, () => lifecycle.brokerEpoch);
  ctx.cluster = cluster;
  try {
    await lifecycle.start(opts.registrationTimeoutMs);
  } catch (err) {
    await lifecycle.stop(0).catch(() => undefined);
    channel.close();
    throw err;
  }
  // Unfenced = caught up with the metadata log up to this broker's registration: the image is now the truth
  // about topics, and the local registry follows it.
  cluster.active = true;
  cluster.sync();
  ctx.logger.info(`[KafkaServer id=${ctx.nodeId}] Joined the KRaft cluster: ${opts.image.activeBrokerIds().length} active broker(s), ${opts.image.topics.size} topic(s) in the metadata log`);

  ctx.topics.onChange((change) => {
    if (cluster.applyingFromImage) return;
    const fail = (what: string) => (err: unknown) => ctx.logger.error(`could not forward ${what} of topic ${change.topic.name} to the controller: ${String(err)}`);
    if (change.kind === 'deleted') {
      cluster.markDeleting(change.topic.name);
      void forwardDelete(channel, change.topic.name).catch(fail('the deletion'));
    } else if (change.kind === 'changed') {
      void forwardChange(channel, opts.image, change.topic).catch(fail('a change'));
    }
  });

  return {
    cluster,
    lifecycle,
    async close() {
      await lifecycle.stop();
      channel.close();
    },
  };
}

const deadline = () => Date.now() + 10000;

async function forwardDelete(channel: ControllerChannel, name: string): Promise<void> {
  const body: DeleteTopicsRequest = { topics: [], topicNames: [name], timeoutMs: 10000 };
  const res = await channel.request<DeleteTopicsResponse>(20, 5, body, (r) => r.responses[0]?.errorCode ?? ErrorCode.NONE, deadline());
  const code = res.responses[0]?.errorCode ?? ErrorCode.NONE;
  if (code !== ErrorCode.NONE && code !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new Error(`DeleteTopics answered error ${code}`);
}

/** Added partitions and changed config overrides, as the controller's CreatePartitions / IncrementalAlterConfigs. */
async function forwardChange(channel: ControllerChannel, image: MetadataImage, topic: TopicInfo): Promise<void> {
  const known = image.topics.get(topic.name);
  if (!known) return;
  if (topic.leaderEpochs.length > known.partitions.size) {
    const res = await channel.request<CreatePartitionsResponse>(37, 3, { topics: [{ name: topic.name, count: topic.leaderEpochs.length, assignments: null }], timeoutMs: 10000, validateOnly: false }, (r) => r.results[0]?.errorCode ?? ErrorCode.NONE, deadline());
    const code = res.results[0]?.errorCode ?? ErrorCode.NONE;
    if (code !== ErrorCode.NONE) throw new Error(`CreatePartitions answered error ${code}: ${res.results[0]?.errorMessage ?? ''}`);
  }
  const configs: { name: string; configOperation: number; value: string | null }[] = [];
  for (const [k, v] of topic.configs) if (known.configs.get(k) !== v) configs.push({ name: k, configOperation: 0, value: v });
  for (const k of known.configs.keys()) if (!topic.configs.has(k)) configs.push({ name: k, configOperation: 1, value: null });
  if (configs.length === 0) return;
  const res = await channel.request<IncrementalAlterConfigsResponse>(44, 1, { resources: [{ resourceType: 2, resourceName: topic.name, configs }], validateOnly: false }, (r) => r.responses[0]?.errorCode ?? ErrorCode.NONE, deadline());
  const code = res.responses[0]?.errorCode ?? ErrorCode.NONE;
  if (code !== ErrorCode.NONE) throw new Error(`IncrementalAlterConfigs answered error ${code}`);
}
