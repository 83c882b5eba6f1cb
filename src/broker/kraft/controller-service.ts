/**
 * The KRaft controller service of a node with the controller role: while its Raft node leads the quorum it is
 * the active controller — it answers the brokers' BrokerRegistration (62), BrokerHeartbeat (63) and
 * AlterPartition (56), and the topic changes brokers forward (CreateTopics 19, DeleteTopics 20,
 * CreatePartitions 37, IncrementalAlterConfigs 44) and AllocateProducerIds (67), all on the CONTROLLER listener; it fences brokers whose
 * session expired. Decisions come from QuorumControllerLogic over the committed image; their records go
 * through the quorum, and the answer leaves once they are committed (so an answered change survives the loss
 * of this controller). Operations run one at a time. A controller that does not lead answers NOT_CONTROLLER,
 * and brokers retry at the leader the quorum names.
 */
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { BrokerRegistrationRequest, BrokerRegistrationResponse } from '../../protocol/generated/broker-registration.js';
import type { BrokerHeartbeatRequest, BrokerHeartbeatResponse } from '../../protocol/generated/broker-heartbeat.js';
import type { AlterPartitionRequest, AlterPartitionResponse, AlterPartitionResponsePartitionData } from '../../protocol/generated/alter-partition.js';
import type { CreateTopicsRequest, CreateTopicsResponse } from '../../protocol/generated/create-topics.js';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../protocol/generated/delete-topics.js';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from '../../protocol/generated/create-partitions.js';
import type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../../protocol/generated/incremental-alter-configs.js';
import type { AllocateProducerIdsRequest, AllocateProducerIdsResponse } from '../../protocol/generated/allocate-producer-ids.js';
import { SECURITY_PROTOCOLS } from '../../listeners/endpoints.js';
import type { HandlerEntry } from '../dispatch.js';
import type { Logger } from '../../logging/index.js';
import type { RaftController } from '../raft/runtime/controller.js';
import type { RaftEvent } from '../raft/types.js';
import { newTopicId } from '../metadata/topic-registry.js';
import type { MetadataImage } from './metadata-image.js';
import { encodeMetadataRecord, type MetadataRecord } from './metadata-records.js';
import { QuorumControllerLogic, type Decision } from './quorum-controller.js';

export interface ControllerServiceOptions {
  raft: RaftController;
  image: MetadataImage;
  clusterId: string;
  nodeId: number;
  sessionTimeoutMs: number;
  /** unclean.leader.election.enable for a topic's config overrides (the node's config supplies the default). */
  uncleanLeaderElection?: (topicConfigs: ReadonlyMap<string, string>) => boolean;
  logger: Logger;
  clock?: () => number;
  /** How long an operation waits for its records to commit (default 5000 ms). */
  commitTimeoutMs?: number;
}

type Outcome<A> = { ok: true; answer: A } | { ok: false; errorCode: number };

const RESOURCE_TOPIC = 2;
const OP_SET = 0;
const OP_DELETE = 1;

export class KraftControllerService {
  private readonly logic: QuorumControllerLogic;
  private readonly raft: RaftController;
  private readonly image: MetadataImage;
  private readonly logger: Logger;
  private readonly clock: () => number;
  private readonly commitTimeoutMs: number;
  private readonly id: string;
  /** Serializes operations: each sees the committed effect of the one before. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly commitWaiters = new Set<{ offset: number; resolve: (ok: boolean) => void; timer: NodeJS.Timeout }>();
  /** Offset of this leadership's LeaderChange entry; decisions wait until it is committed (image complete). */
  private epochStartOffset = Number.MAX_SAFE_INTEGER;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly opts: ControllerServiceOptions) {
    this.raft = opts.raft;
    this.image = opts.image;
    this.logger = opts.logger;
    this.clock = opts.clock ?? Date.now;
    this.commitTimeoutMs = opts.commitTimeoutMs ?? 5000;
    const unclean = opts.uncleanLeaderElection;
    this.logic = new QuorumControllerLogic(opts.image, opts.clusterId, { sessionTimeoutMs: opts.sessionTimeoutMs, uncleanLeaderElection: unclean ? (t) => unclean(t.configs) : undefined });
    this.id = `[QuorumController id=${opts.nodeId}]`;
  }

  start(): void {
    this.unsubscribe = this.raft.onStep((events) => this.onRaftStep(events));
    // Session expiry is checked often: a fence is due at most ~250 ms after broker.session.timeout.ms.
    this.timer = setInterval(() => this.checkSessions(), 250);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    for (const w of this.commitWaiters) {
      clearTimeout(w.timer);
      w.resolve(false);
    }
    this.commitWaiters.clear();
  }

  /** Active = leading the quorum with this leadership's first entry committed. */
  get active(): boolean {
    return this.raft.isLeader && this.raft.node.highWatermark > this.epochStartOffset;
  }

  private onRaftStep(events: readonly RaftEvent[]): void {
    for (const e of events) {
      if (e.type === 'became-leader') {
        this.epochStartOffset = e.epochStartOffset;
        this.logic.resetSessions(this.clock());
        this.logger.info(`${this.id} Becoming the active controller at epoch ${e.epoch}; broker sessions restart now`);
      } else if (e.type === 'state-changed' && e.from === 'Leader') {
        this.epochStartOffset = Number.MAX_SAFE_INTEGER;
        this.logger.info(`${this.id} No longer the active controller (now ${e.to} in epoch ${e.epoch})`);
      }
    }
    const applied = this.image.lastAppliedOffset;
    for (const w of [...this.commitWaiters]) {
      if (applied >= w.offset) {
        this.commitWaiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(true);
      }
    }
  }

  private waitCommitted(offset: number): Promise<boolean> {
    if (this.image.lastAppliedOffset >= offset) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w = {
        offset,
        resolve,
        timer: setTimeout(() => {
          this.commitWaiters.delete(w);
          resolve(false);
        }, this.commitTimeoutMs),
      };
      this.commitWaiters.add(w);
    });
  }

  /** Runs one decision: records through the quorum, then the answer. */
  private run<A>(decide: () => Decision<A> | null): Promise<Outcome<A>> {
    const op = this.queue.then(async (): Promise<Outcome<A>> => {
      if (!this.active) return { ok: false, errorCode: ErrorCode.NOT_CONTROLLER };
      const decision = decide();
      if (decision === null) return { ok: false, errorCode: ErrorCode.NONE };
      if (decision.records.length === 0) return { ok: true, answer: decision.answer };
      const result = this.raft.propose(decision.records.map(encodeMetadataRecord));
      if (!result.ok) return { ok: false, errorCode: ErrorCode.NOT_CONTROLLER };
      this.logRecords(decision.records);
      const committed = await this.waitCommitted(result.lastOffset);
      if (!committed) return { ok: false, errorCode: this.raft.isLeader ? ErrorCode.REQUEST_TIMED_OUT : ErrorCode.NOT_CONTROLLER };
      return { ok: true, answer: decision.answer };
    });
    this.queue = op.catch(() => undefined);
    return op;
  }

  /**
   * Right after a failover, waits (outside the operation queue, so heartbeats go on) until enough brokers have
   * reached this controller to place `replicationFactor` replicas on live ones, or the grace is over.
   */
  private async placementSettled(replicationFactor: number): Promise<void> {
    while (this.active && !this.logic.placementReady(replicationFactor, this.clock())) await new Promise((r) => setTimeout(r, 50));
  }

  private checkSessions(): void {
    if (!this.active) return;
    const expired = this.logic.expiredBrokers(this.clock());
    if (expired.length === 0) return;
    void this.run(() => {
      const records = this.logic.expireSessions(this.clock());
      if (records.length === 0) return null;
      this.logger.info(`${this.id} Fencing broker(s) ${expired.join(', ')}: no heartbeat for ${this.logic.sessionTimeoutMs} ms (broker.session.timeout.ms)`);
      return { records, answer: undefined };
    });
  }

  private logRecords(records: readonly MetadataRecord[]): void {
    for (const r of records) {
      switch (r.type) {
        case 'RegisterBroker':
          this.logger.info(`${this.id} Registered broker ${r.brokerId} (epoch ${r.brokerEpoch}, incarnation ${r.incarnationId}) at ${r.endpoints.map((e) => `${e.name}://${e.host}:${e.port}`).join(',')}`);
          break;
        case 'FenceBroker':
          this.logger.info(`${this.id} Fenced broker ${r.brokerId} (epoch ${r.brokerEpoch})`);
          break;
        case 'UnfenceBroker':
          this.logger.info(`${this.id} Unfenced broker ${r.brokerId} (epoch ${r.brokerEpoch})`);
          break;
        case 'Partition': {
          const t = this.image.topicById(r.topicId);
          const before = t?.partitions.get(r.partition);
          if (before && before.leader !== r.leader) {
            const why = r.leader === -1 ? ` — no active replica in the ISR (replicas ${r.replicas.join(',')}): offline until one returns` : '';
            this.logger.info(`${this.id} ${t!.name}-${r.partition}: leader ${before.leader} → ${r.leader} at leader epoch ${r.leaderEpoch}${why}`);
          }
          break;
        }
        default:
          break;
      }
    }
  }

  // ------------------------------------------------------------------------------------------- handlers

  handlers(): HandlerEntry[] {
    return [this.registration(), this.heartbeat(), this.alterPartition(), this.createTopics(), this.deleteTopics(), this.createPartitions(), this.alterConfigs(), this.allocateProducerIds()];
  }

  private allocateProducerIds(): HandlerEntry<AllocateProducerIdsRequest, AllocateProducerIdsResponse> {
    return {
      apiKey: 67,
      minVersion: 0,
      maxVersion: 0,
      handle: async (req) => {
        const out = await this.run(() => this.logic.allocateProducerIds(req.brokerId, Number(req.brokerEpoch)));
        if (!out.ok) return { throttleTimeMs: 0, errorCode: out.errorCode, producerIdStart: -1n, producerIdLen: 0 };
        return { throttleTimeMs: 0, errorCode: out.answer.errorCode, producerIdStart: out.answer.start, producerIdLen: out.answer.length };
      },
    };
  }

  private registration(): HandlerEntry<BrokerRegistrationRequest, BrokerRegistrationResponse> {
    return {
      apiKey: 62,
      minVersion: 0,
      maxVersion: 4,
      handle: async (req) => {
        const endpoints = req.listeners.map((l) => ({ name: l.name.toUpperCase(), host: l.host, port: l.port, securityProtocol: SECURITY_PROTOCOLS[l.securityProtocol] ?? 'PLAINTEXT' }));
        const out = await this.run(() => this.logic.register({ brokerId: req.brokerId, clusterId: req.clusterId, incarnationId: req.incarnationId, endpoints, rack: req.rack }, this.raft.logEndOffset, this.clock()));
        if (!out.ok) return { throttleTimeMs: 0, errorCode: out.errorCode, brokerEpoch: -1n };
        if (out.answer.errorCode !== ErrorCode.NONE) this.logger.warn(`${this.id} Refused the registration of broker ${req.brokerId} (incarnation ${req.incarnationId}): ${out.answer.errorMessage}`);
        return { throttleTimeMs: 0, errorCode: out.answer.errorCode, brokerEpoch: BigInt(out.answer.brokerEpoch) };
      },
    };
  }

  private heartbeat(): HandlerEntry<BrokerHeartbeatRequest, BrokerHeartbeatResponse> {
    return {
      apiKey: 63,
      minVersion: 0,
      maxVersion: 1,
      handle: async (req) => {
        const out = await this.run(() =>
          this.logic.heartbeat({ brokerId: req.brokerId, brokerEpoch: Number(req.brokerEpoch), currentMetadataOffset: Number(req.currentMetadataOffset), wantFence: req.wantFence, wantShutDown: req.wantShutDown }, this.clock()),
        );
        if (!out.ok) return { throttleTimeMs: 0, errorCode: out.errorCode, isCaughtUp: false, isFenced: true, shouldShutDown: false };
        return { throttleTimeMs: 0, ...out.answer };
      },
    };
  }

  private alterPartition(): HandlerEntry<AlterPartitionRequest, AlterPartitionResponse> {
    return {
      apiKey: 56,
      minVersion: 0,
      maxVersion: 3,
      handle: async (req, ctx) => {
        // Top-level NOT_CONTROLLER, so the broker's channel tries the leader the quorum names instead.
        if (!this.active) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, topics: [] };
        const topics: AlterPartitionResponse['topics'] = [];
        for (const t of req.topics) {
          const topicId = ctx.apiVersion >= 2 ? t.topicId : this.image.topics.get(t.topicName)?.topicId ?? '';
          const partitions: AlterPartitionResponsePartitionData[] = [];
          for (const p of t.partitions) {
            const newIsr = ctx.apiVersion >= 3 ? p.newIsrWithEpochs.map((s) => s.brokerId) : p.newIsr;
            const out = await this.run(() => this.logic.alterPartition({ brokerId: req.brokerId, brokerEpoch: Number(req.brokerEpoch), topicId, partition: p.partitionIndex, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, newIsr }));
            const errorCode = out.ok ? out.answer.errorCode : out.errorCode;
            const state = out.ok ? out.answer.state : undefined;
            partitions.push({ partitionIndex: p.partitionIndex, errorCode, leaderId: state?.leader ?? -1, leaderEpoch: state?.leaderEpoch ?? -1, isr: state?.isr ?? [], leaderRecoveryState: 0, partitionEpoch: state?.partitionEpoch ?? -1 });
          }
          topics.push({ topicName: t.topicName, topicId: t.topicId, partitions });
        }
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics };
      },
    };
  }

  private createTopics(): HandlerEntry<CreateTopicsRequest, CreateTopicsResponse> {
    return {
      apiKey: 19,
      minVersion: 0,
      maxVersion: 7,
      handle: async (req) => {
        const topics: CreateTopicsResponse['topics'] = [];
        for (const t of req.topics) {
          const topicId = newTopicId();
          const configs = new Map(t.configs.filter((c) => c.value !== null).map((c) => [c.name, c.value as string]));
          await this.placementSettled(Math.max(1, t.replicationFactor));
          const out = await this.run(() => this.logic.createTopic({ name: t.name, topicId, partitions: t.numPartitions, replicationFactor: t.replicationFactor, configs }));
          const errorCode = out.ok ? out.answer.errorCode : out.errorCode;
          topics.push({ name: t.name, topicId: errorCode === ErrorCode.NONE ? topicId : 'AAAAAAAAAAAAAAAAAAAAAA', errorCode, errorMessage: out.ok ? out.answer.errorMessage : null, topicConfigErrorCode: 0, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor, configs: [] });
        }
        return { throttleTimeMs: 0, topics };
      },
    };
  }

  private deleteTopics(): HandlerEntry<DeleteTopicsRequest, DeleteTopicsResponse> {
    return {
      apiKey: 20,
      minVersion: 0,
      maxVersion: 6,
      handle: async (req) => {
        const names = req.topicNames.length > 0 ? req.topicNames : req.topics.map((t) => t.name ?? this.image.topicById(t.topicId)?.name ?? '');
        const responses: DeleteTopicsResponse['responses'] = [];
        for (const name of names) {
          const out = await this.run(() => this.logic.deleteTopic(name));
          responses.push({ name, errorCode: out.ok ? out.answer.errorCode : out.errorCode, errorMessage: out.ok ? out.answer.errorMessage : null });
        }
        return { throttleTimeMs: 0, responses };
      },
    };
  }

  private createPartitions(): HandlerEntry<CreatePartitionsRequest, CreatePartitionsResponse> {
    return {
      apiKey: 37,
      minVersion: 0,
      maxVersion: 3,
      handle: async (req) => {
        const results: CreatePartitionsResponse['results'] = [];
        for (const t of req.topics) {
          await this.placementSettled(this.image.topics.get(t.name)?.partitions.get(0)?.replicas.length ?? 1);
          const out = await this.run(() => this.logic.createPartitions(t.name, t.count));
          results.push({ name: t.name, errorCode: out.ok ? out.answer.errorCode : out.errorCode, errorMessage: out.ok ? out.answer.errorMessage : null });
        }
        return { throttleTimeMs: 0, results };
      },
    };
  }

  private alterConfigs(): HandlerEntry<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse> {
    return {
      apiKey: 44,
      minVersion: 0,
      maxVersion: 1,
      handle: async (req) => {
        const responses: IncrementalAlterConfigsResponse['responses'] = [];
        for (const r of req.resources) {
          if (r.resourceType !== RESOURCE_TOPIC) {
            responses.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'The kstack controller stores topic configs only', resourceType: r.resourceType, resourceName: r.resourceName });
            continue;
          }
          const changes = new Map<string, string | null>();
          for (const c of r.configs) if (c.configOperation === OP_SET || c.configOperation === OP_DELETE) changes.set(c.name, c.configOperation === OP_SET ? c.value : null);
          const out = await this.run(() => this.logic.alterConfigs(r.resourceName, changes));
          responses.push({ errorCode: out.ok ? out.answer.errorCode : out.errorCode, errorMessage: out.ok ? out.answer.errorMessage : null, resourceType: r.resourceType, resourceName: r.resourceName });
        }
        return { throttleTimeMs: 0, responses };
      },
    };
  }
}
