/**
 * KraftCluster: a KRaft broker's ClusterView, answered from the MetadataImage its Raft node applies from the
 * committed `__cluster_metadata` log (the same image on every node):
 * - brokers: registered and unfenced ones are live (a fenced broker leaves Metadata at once);
 * - partitions: replicas, ISR, leader (served only while that leader is unfenced), leader and partition epochs;
 * - the "controller" clients see (Metadata's controllerId) is the lowest active broker id, the same answer on
 *   every broker: as with Kafka's KRaft brokers, clients never reach the quorum itself — admin requests that
 *   need the controller land on that broker, which forwards them (CreateTopics through createTopic here,
 *   deletions, added partitions and config changes through the topic registry observer in attach.ts);
 * - local mirror: every topic in the image is kept in the broker's TopicRegistry (same topic id, partition
 *   count, configs, leader epochs) and a log is open for every partition this broker is a replica of; topics
 *   removed from the image are deleted here.
 */
import type { BrokerContext } from '../context.js';
import type { AlterIsrRequest, AlterIsrResult, ClusterBroker, ClusterTopicRequest, ClusterTopicResult, ClusterView, PartitionRoute } from '../cluster/cluster-view.js';
import { checkCreateTopic } from '../metadata/topic-admin.js';
import { mirrorTopics } from '../cluster/local-mirror.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { CreateTopicsRequest, CreateTopicsResponse } from '../../protocol/generated/create-topics.js';
import type { AlterPartitionRequest, AlterPartitionResponse } from '../../protocol/generated/alter-partition.js';
import type { MetadataImage } from './metadata-image.js';
import type { ControllerChannel } from './controller-channel.js';
import { ControllerUnavailableError } from './controller-channel.js';
import { ProducerIdBlocks } from '../producers/producer-id-blocks.js';
import type { AllocateProducerIdsResponse } from '../../protocol/generated/allocate-producer-ids.js';

export class KraftCluster implements ClusterView {
  /** Off until the broker's start-up has caught up with the metadata log. */
  active = false;
  private syncing = false;
  /** Topics deleted through this broker, skipped by the mirror until the image no longer lists them. */
  private readonly deleting = new Set<string>();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly ctx: BrokerContext,
    readonly image: MetadataImage,
    private readonly channel: ControllerChannel,
    private readonly brokerEpoch: () => number,
  ) {
    image.onChange(() => {
      this.sync();
      for (const l of [...this.listeners]) l();
    });
  }

  controllerId(): number {
    return this.image.activeBrokerIds()[0] ?? -1;
  }

  isLive(nodeId: number): boolean {
    const b = this.image.brokers.get(nodeId);
    return b !== undefined && !b.fenced;
  }

  liveBrokers(listenerName: string): ClusterBroker[] {
    const out: ClusterBroker[] = [];
    for (const id of this.image.activeBrokerIds()) {
      const b = this.image.brokers.get(id)!;
      const ep = b.endpoints.find((e) => e.name === listenerName);
      if (ep) out.push({ nodeId: id, host: ep.host, port: ep.port, rack: b.rack });
    }
    return out;
  }

  partition(topic: string, partition: number): PartitionRoute | undefined {
    const state = this.image.topics.get(topic)?.partitions.get(partition);
    if (!state) return undefined;
    const offlineReplicas = state.replicas.filter((r) => !this.isLive(r));
    const leader = state.leader >= 0 && this.isLive(state.leader) ? state.leader : -1;
    return { leader, leaderEpoch: state.leaderEpoch, replicas: [...state.replicas], isr: [...state.isr], offlineReplicas, partitionEpoch: state.partitionEpoch };
  }

  private readonly producerIds = new ProducerIdBlocks(async () => {
    const res = await this.channel.request<AllocateProducerIdsResponse>(67, 0, { brokerId: this.ctx.nodeId, brokerEpoch: BigInt(this.brokerEpoch()) }, (r) => r.errorCode, Date.now() + 5000);
    if (res.errorCode !== ErrorCode.NONE) throw new Error(`AllocateProducerIds answered error ${res.errorCode}`);
    return { start: res.producerIdStart, length: res.producerIdLen };
  });

  nextProducerId(): Promise<bigint> {
    return this.producerIds.nextProducerId();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async createTopic(request: ClusterTopicRequest, timeoutMs: number): Promise<ClusterTopicResult> {
    const check = checkCreateTopic(this.ctx, request.name, request.partitions, request.replicationFactor, new Map(request.configs), request.internal ?? false);
    if (check.errorCode !== ErrorCode.NONE) return { errorCode: check.errorCode, errorMessage: check.errorMessage };
    const body: CreateTopicsRequest = {
      topics: [{ name: request.name, numPartitions: request.partitions, replicationFactor: request.replicationFactor, assignments: [], configs: [...request.configs].map(([name, value]) => ({ name, value })) }],
      timeoutMs,
      validateOnly: false,
    };
    const deadline = Date.now() + timeoutMs;
    let res: CreateTopicsResponse;
    try {
      res = await this.channel.request<CreateTopicsResponse>(19, 7, body, (r) => r.topics[0]?.errorCode ?? ErrorCode.NONE, deadline);
    } catch (err) {
      if (err instanceof ControllerUnavailableError) return { errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: `no active controller answered: ${err.message}` };
      throw err;
    }
    const t = res.topics[0];
    if (!t) return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'the controller answered without the topic' };
    if (t.errorCode !== ErrorCode.NONE) return { errorCode: t.errorCode, errorMessage: t.errorMessage ?? null };
    const topicId = t.topicId;
    const ready = () => this.ctx.topics.get(request.name)?.topicId === topicId;
    if (!(await this.waitFor(ready, Math.max(0, deadline - Date.now())))) {
      return { errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: `Topic ${request.name} was created by the controller but this broker has not applied it yet`, topicId };
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, topicId };
  }

  async alterIsr(request: AlterIsrRequest): Promise<AlterIsrResult> {
    const topic = this.image.topics.get(request.topic);
    if (!topic) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    const body: AlterPartitionRequest = {
      brokerId: this.ctx.nodeId,
      brokerEpoch: BigInt(this.brokerEpoch()),
      topics: [{ topicName: request.topic, topicId: topic.topicId, partitions: [{ partitionIndex: request.partition, leaderEpoch: request.leaderEpoch, newIsr: request.isr, newIsrWithEpochs: request.isr.map((brokerId) => ({ brokerId, brokerEpoch: -1n })), leaderRecoveryState: 0, partitionEpoch: request.partitionEpoch }] }],
    };
    let res: AlterPartitionResponse;
    try {
      res = await this.channel.request<AlterPartitionResponse>(56, 2, body, (r) => r.errorCode, Date.now() + 5000);
    } catch (err) {
      if (err instanceof ControllerUnavailableError) return { errorCode: ErrorCode.REQUEST_TIMED_OUT };
      throw err;
    }
    const p = res.topics[0]?.partitions[0];
    if (res.errorCode !== ErrorCode.NONE || !p) return { errorCode: res.errorCode || ErrorCode.UNKNOWN_SERVER_ERROR };
    if (p.errorCode === ErrorCode.NONE) {
      // Answer once this broker has applied the change, so the caller's next look at the route agrees.
      await this.waitFor(() => (this.image.topics.get(request.topic)?.partitions.get(request.partition)?.partitionEpoch ?? -1) >= p.partitionEpoch, 2000);
    }
    return { errorCode: p.errorCode, route: this.partition(request.topic, request.partition) };
  }

  /** Resolves true once `cond()` holds (checked after every applied metadata change), false after `timeoutMs`. */
  waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
    if (cond()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(ok);
      };
      const check = () => {
        if (cond()) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      timer.unref();
      this.listeners.add(check);
    });
  }

  markDeleting(name: string): void {
    this.deleting.add(name);
  }

  get applyingFromImage(): boolean {
    return this.syncing;
  }

  /** Mirrors the image's topics into the local registry and opens the logs of this broker's replicas. */
  sync(): void {
    if (!this.active) return;
    this.syncing = true;
    try {
      const topics = [...this.image.topics.values()].map((t) => ({
        name: t.name,
        topicId: t.topicId,
        configs: t.configs,
        partitionCount: t.partitions.size === 0 ? 0 : Math.max(...t.partitions.keys()) + 1,
        partition: (p: number) => t.partitions.get(p),
      }));
      mirrorTopics(this.ctx, topics, this.deleting, 'the metadata log');
    } catch (err) {
      this.ctx.logger.error(`could not apply KRaft metadata locally: ${String(err)}`);
    } finally {
      this.syncing = false;
    }
  }
}
