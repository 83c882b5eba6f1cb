/**
 * ZkCluster: one broker's part in a zk-mode cluster. ZooKeeper is the source of truth:
 * - ClusterView for the handlers, answered from the ZkMetadataCache (live brokers per listener, the controller,
 *   each partition's leader/ISR/epoch);
 * - the controller's job while this broker holds /controller: every partition without a state znode gets one
 *   (leader = first live replica), and when brokers come and go leaders move (assignment.ts: nextLeaderState;
 *   replication factor 1 → leader -1 until the broker returns, as Kafka does without unclean election);
 * - local sync: every topic in ZooKeeper is mirrored into the broker's TopicRegistry (same topic id, partition
 *   count, configs, the controller's leader epochs) and the broker opens logs for the partitions it is a replica of;
 *   a topic removed from ZooKeeper is deleted here too;
 * - topic creation from any broker: the assignment is written to /brokers/topics/<t>, spread over the live
 *   brokers with Kafka's rack-unaware scheme from a rotating start.
 * - ISR changes from partition leaders (alterIsr): a conditional write of the state znode at the version the leader
 *   knows (the partition epoch = the znode's version, Kafka's zkVersion), as a Kafka 2.x leader updated its ISR;
 *   a stale leader epoch is FENCED_LEADER_EPOCH, a stale version INVALID_UPDATE_VERSION. The controller's own
 *   writes are conditional too, so the two never overwrite each other's change unseen.
 * Replication itself (followers, high watermark, ISR policy) is replication/replica-manager.ts, over ClusterView.
 */
import type { BrokerContext } from '../context.js';
import type { AlterIsrRequest, AlterIsrResult, ClusterBroker, ClusterTopicRequest, ClusterTopicResult, ClusterView, PartitionRoute } from '../cluster/cluster-view.js';
import { AssignmentError, assignReplicas, nextLeaderState } from '../cluster/assignment.js';
import { checkCreateTopic, effectiveTopicConfig } from '../metadata/topic-admin.js';
import { mirrorTopics } from '../cluster/local-mirror.js';
import { parsePartitionState } from './znodes.js';
import { newTopicId } from '../metadata/topic-registry.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { ProducerIdBlocks } from '../producers/producer-id-blocks.js';

/** Ids per block, as Kafka's ProducerIdManager reserves them. */
const PRODUCER_ID_BLOCK_SIZE = 1000;
import type { ZkMembership } from './registration.js';
import type { ZkMetadataCache } from './metadata-cache.js';

export class ZkCluster implements ClusterView {
  private nextStart = Math.floor(Math.random() * 1000);
  private reconciling = false;
  private reconcileAgain = false;
  /** Topics this broker deleted, skipped by the sync until ZooKeeper no longer lists them. */
  private readonly deleting = new Set<string>();
  private syncing = false;
  /** Off until start-up has published the broker's own topics (before that, a local topic is not stray). */
  active = false;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly ctx: BrokerContext,
    private readonly membership: ZkMembership,
    private readonly cache: ZkMetadataCache,
  ) {
    cache.onChange(() => {
      this.sync();
      void this.reconcile();
      for (const w of [...this.waiters]) w();
    });
  }

  controllerId(): number {
    return this.cache.controllerId;
  }

  isLive(nodeId: number): boolean {
    return this.cache.brokers.has(nodeId);
  }

  liveBrokers(listenerName: string): ClusterBroker[] {
    const out: ClusterBroker[] = [];
    for (const b of [...this.cache.brokers.values()].sort((x, y) => x.brokerId - y.brokerId)) {
      const ep = b.endpoints.find((e) => e.listenerName === listenerName);
      if (ep) out.push({ nodeId: b.brokerId, host: ep.host, port: ep.port, rack: b.rack });
    }
    return out;
  }

  partition(topic: string, partition: number): PartitionRoute | undefined {
    const t = this.cache.topics.get(topic);
    const replicas = t?.assignment.get(partition);
    if (!replicas) return undefined;
    const state = this.cache.state(topic, partition);
    const offlineReplicas = replicas.filter((r) => !this.cache.brokers.has(r));
    if (!state) return { leader: -1, leaderEpoch: -1, replicas: [...replicas], isr: [], offlineReplicas, partitionEpoch: -1 };
    // A leader whose registration is gone is not served, even before the controller has moved it.
    const leader = state.leader >= 0 && this.cache.brokers.has(state.leader) ? state.leader : -1;
    return { leader, leaderEpoch: state.leaderEpoch, replicas: [...replicas], isr: [...state.isr], offlineReplicas, partitionEpoch: state.zkVersion ?? state.leaderEpoch };
  }

  async createTopic(request: ClusterTopicRequest, timeoutMs: number): Promise<ClusterTopicResult> {
    const check = checkCreateTopic(this.ctx, request.name, request.partitions, request.replicationFactor, new Map(request.configs), request.internal ?? false);
    if (check.errorCode !== ErrorCode.NONE) return { errorCode: check.errorCode, errorMessage: check.errorMessage };
    // Read the live set from ZooKeeper itself: a broker that just died may still be in the cache for a moment.
    let live: number[];
    try {
      live = await this.membership.liveBrokerIds();
    } catch (err) {
      return { errorCode: ErrorCode.BROKER_NOT_AVAILABLE, errorMessage: `could not read the live brokers from ZooKeeper: ${String(err)}` };
    }
    if (live.length === 0) return { errorCode: ErrorCode.BROKER_NOT_AVAILABLE, errorMessage: 'No broker is registered in ZooKeeper' };
    let assignment: Map<number, number[]>;
    try {
      assignment = assignReplicas(live, request.partitions, request.replicationFactor, this.nextStart++);
    } catch (err) {
      if (err instanceof AssignmentError) return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: err.message };
      throw err;
    }
    const topicId = newTopicId();
    let created: boolean;
    try {
      created = await this.membership.createTopicZnodes(request.name, topicId, assignment, Object.fromEntries(request.configs));
    } catch (err) {
      return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: `could not write topic ${request.name} to ZooKeeper: ${String(err)}` };
    }
    if (!created) return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `Topic '${request.name}' already exists.` };
    this.ctx.logger.info(`[KafkaServer id=${this.ctx.nodeId}] Created topic ${request.name} with topic id ${topicId} and assignment ${[...assignment].map(([p, r]) => `${p}->${r.join('/')}`).join(', ')}`);
    const ready = () => this.ctx.topics.get(request.name)?.topicId === topicId && [...assignment.keys()].every((p) => this.cache.state(request.name, p) !== undefined);
    if (!(await this.waitFor(ready, timeoutMs))) {
      return { errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: `Topic ${request.name} was written to ZooKeeper but its partitions have no state yet after ${timeoutMs} ms`, topicId };
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, topicId };
  }

  private readonly producerIds = new ProducerIdBlocks(() => this.membership.allocateProducerIdBlock(PRODUCER_ID_BLOCK_SIZE));

  nextProducerId(): Promise<bigint> {
    return this.producerIds.nextProducerId();
  }

  onChange(listener: () => void): () => void {
    this.waiters.add(listener);
    return () => this.waiters.delete(listener);
  }

  /**
   * A leader's ISR change: checked against the state this broker has (leader, leader epoch, partition epoch),
   * then written conditionally on the znode version; a write that loses the race re-reads the znode and answers
   * INVALID_UPDATE_VERSION with the partition as it is now.
   */
  async alterIsr(request: AlterIsrRequest): Promise<AlterIsrResult> {
    const { topic, partition } = request;
    const replicas = this.cache.topics.get(topic)?.assignment.get(partition);
    const state = this.cache.state(topic, partition);
    if (!replicas || !state) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    const route = () => this.partition(topic, partition);
    if (request.leaderEpoch < state.leaderEpoch) return { errorCode: ErrorCode.FENCED_LEADER_EPOCH, route: route() };
    if (request.leaderEpoch > state.leaderEpoch) return { errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH, route: route() };
    if (state.leader !== this.ctx.nodeId) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, route: route() };
    if (request.partitionEpoch !== (state.zkVersion ?? state.leaderEpoch)) return { errorCode: ErrorCode.INVALID_UPDATE_VERSION, route: route() };
    if (!request.isr.includes(state.leader) || request.isr.some((r) => !replicas.includes(r))) return { errorCode: ErrorCode.INVALID_REQUEST, route: route() };
    if (request.isr.some((r) => r !== state.leader && !state.isr.includes(r) && !this.cache.brokers.has(r))) return { errorCode: ErrorCode.INELIGIBLE_REPLICA, route: route() };
    const next = { leader: state.leader, leaderEpoch: state.leaderEpoch, isr: [...request.isr] };
    let version: number | null;
    try {
      version = await this.membership.writePartitionState(topic, partition, next, state.zkVersion ?? 0);
    } catch (err) {
      this.ctx.logger.warn(`[Partition ${topic}-${partition} broker=${this.ctx.nodeId}] ISR update failed: ${String(err)}`);
      return { errorCode: ErrorCode.REQUEST_TIMED_OUT, route: route() };
    }
    if (version === null) {
      await this.refreshState(topic, partition);
      return { errorCode: ErrorCode.INVALID_UPDATE_VERSION, route: route() };
    }
    this.cache.states.set(`${topic}/${partition}`, { controllerEpoch: state.controllerEpoch, ...next, zkVersion: version });
    this.ctx.logger.info(`[Partition ${topic}-${partition} broker=${this.ctx.nodeId}] ISR updated to ${next.isr.join(',')} (partition epoch ${version})`);
    this.notify();
    return { errorCode: ErrorCode.NONE, route: route() };
  }

  /** Re-reads one state znode into the cache (after a conditional write lost). */
  private async refreshState(topic: string, partition: number): Promise<void> {
    try {
      const node = await this.membership.readPartitionState(topic, partition);
      if (node) this.cache.states.set(`${topic}/${partition}`, { ...parsePartitionState(node.data), zkVersion: node.version });
    } catch (err) {
      this.ctx.logger.warn(`could not re-read the state of ${topic}-${partition}: ${String(err)}`);
    }
  }

  private notify(): void {
    for (const w of [...this.waiters]) {
      try {
        w();
      } catch (err) {
        this.ctx.logger.error(`cluster change listener failed: ${String(err)}`);
      }
    }
  }

  /** Resolves true once `cond()` holds (checked after every metadata change), false after `timeoutMs`. */
  waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
    if (cond()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(ok);
      };
      const check = () => {
        if (cond()) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      timer.unref();
      this.waiters.add(check);
    });
  }

  /** A topic deleted through this broker: the registry observer removes it from ZooKeeper. */
  markDeleting(name: string): void {
    this.deleting.add(name);
  }

  get applyingFromZooKeeper(): boolean {
    return this.syncing;
  }

  /** Mirrors ZooKeeper's topics into the local registry and opens the logs of the partitions this broker is a replica of. */
  sync(): void {
    if (!this.active) return;
    const { cache } = this;
    this.syncing = true;
    try {
      const topics = [...cache.topics.values()].map((t) => ({
        name: t.name,
        topicId: t.topicId,
        configs: t.configs,
        partitionCount: Math.max(0, ...[...t.assignment.keys()].map((p) => p + 1)),
        partition: (p: number) => {
          const state = cache.state(t.name, p);
          return state ? { replicas: t.assignment.get(p) ?? [], leader: state.leader, leaderEpoch: state.leaderEpoch } : undefined;
        },
      }));
      mirrorTopics(this.ctx, topics, this.deleting, 'ZooKeeper');
    } catch (err) {
      this.ctx.logger.error(`could not apply ZooKeeper metadata locally: ${String(err)}`);
    } finally {
      this.syncing = false;
    }
  }

  /** The controller's pass over every partition (serialized; a change during a pass runs another). */
  async reconcile(): Promise<void> {
    if (this.reconciling) {
      this.reconcileAgain = true;
      return;
    }
    this.reconciling = true;
    try {
      do {
        this.reconcileAgain = false;
        if (!this.membership.isController || !this.membership.session) return;
        const live = new Set(this.cache.brokers.keys());
        for (const t of [...this.cache.topics.values()]) {
          const unclean = effectiveTopicConfig(this.ctx.config, t.configs, 'unclean.leader.election.enable') === 'true';
          for (const [p, replicas] of t.assignment) {
            if (!this.membership.isController) return;
            const current = this.cache.state(t.name, p);
            const next = nextLeaderState(current, replicas, live, { uncleanLeaderElection: unclean });
            if (!next) continue;
            const version = await this.membership.writePartitionState(t.name, p, next, current ? (current.zkVersion ?? 0) : undefined);
            if (version === null) {
              // A leader changed its ISR (or another controller wrote) meanwhile: decide again from what is there.
              await this.refreshState(t.name, p);
              this.reconcileAgain = true;
              continue;
            }
            // Written: remember it now, so the next pass does not bump the epoch again before the watch fires.
            this.cache.states.set(`${t.name}/${p}`, { controllerEpoch: this.membership.epoch, ...next, zkVersion: version });
            if (current && current.leader !== next.leader) {
              const why = next.leader === -1 ? `no live replica (replicas ${replicas.join(',')}; replication factor ${replicas.length}): offline until one returns` : `new leader ${next.leader}`;
              this.ctx.logger.info(`[Controller id=${this.ctx.nodeId}] ${t.name}-${p}: leader ${current.leader} → ${next.leader} at epoch ${next.leaderEpoch}, ${why}`);
            }
          }
        }
      } while (this.reconcileAgain);
      this.sync();
    } catch (err) {
      this.ctx.logger.error(`[Controller id=${this.ctx.nodeId}] partition state update failed: ${String(err)}`);
      setTimeout(() => void this.reconcile(), 1000).unref();
    } finally {
      this.reconciling = false;
    }
    for (const w of [...this.waiters]) w();
  }
}
