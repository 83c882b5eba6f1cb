/**
 * The active KRaft controller's decisions, as pure logic over the committed MetadataImage: each call returns
 * the metadata records to append (and the answer to give once they are committed); nothing here does I/O.
 * The runtime (controller-service.ts) runs one call at a time and waits for its records to commit before the
 * next, so every decision sees the effect of the previous one.
 *
 * - Registration (BrokerRegistration): a new incarnation of a broker id whose previous incarnation still has a
 *   live session is refused with DUPLICATE_BROKER_REGISTRATION ("Another broker is registered with that broker
 *   id."), as Kafka's ClusterControlManager does; otherwise a RegisterBroker record with a new broker epoch (the
 *   record's own offset). A registered broker starts fenced.
 * - Heartbeats (BrokerHeartbeat): keep the session alive; a fenced broker whose metadata offset has reached its
 *   registration record is unfenced (UnfenceBroker), so a restarted broker serves only once it has caught up;
 *   wantShutDown fences it at once (controlled shutdown) and moves its leaderships away.
 * - Sessions: a broker not heard from for `broker.session.timeout.ms` is fenced (FenceBroker) and leaves the ISR
 *   and leadership of its partitions (leader = first active ISR member in replica order; none → -1, the ISR
 *   keeps its last member so that replica leads again when it returns — no unclean election unless the topic's
 *   unclean.leader.election.enable says so).
 * - Topics: assignment over the active brokers (Kafka's rack-unaware scheme), new partitions led by their first
 *   replica with every active replica in the ISR; deletion; added partitions; config overrides.
 * - AllocateProducerIds: blocks of 1000 producer ids, the next start kept in the log (ProducerIds record), so
 *   no two brokers hand out the same id.
 * - AlterPartition: ISR changes from a partition's leader, checked against broker epoch, leader epoch and
 *   partition epoch (STALE_BROKER_EPOCH, FENCED_LEADER_EPOCH, INVALID_UPDATE_VERSION), only active replicas
 *   (INELIGIBLE_REPLICA).
 */
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { assignReplicas, AssignmentError, nextLeaderState } from '../cluster/assignment.js';
import type { MetadataImage, PartitionState, TopicImage } from './metadata-image.js';
import type { MetadataEndpoint, MetadataRecord } from './metadata-records.js';

export interface ControllerLogicOptions {
  sessionTimeoutMs: number;
  /** unclean.leader.election.enable for a topic (its override, else the controller's default); default false. */
  uncleanLeaderElection?: (topic: TopicImage) => boolean;
}

export interface RegistrationRequest {
  brokerId: number;
  clusterId: string;
  incarnationId: string;
  endpoints: MetadataEndpoint[];
  rack: string | null;
}

export interface HeartbeatRequest {
  brokerId: number;
  brokerEpoch: number;
  currentMetadataOffset: number;
  wantFence: boolean;
  wantShutDown: boolean;
}

export interface HeartbeatAnswer {
  errorCode: number;
  isCaughtUp: boolean;
  isFenced: boolean;
  shouldShutDown: boolean;
}

export interface Decision<A> {
  records: MetadataRecord[];
  answer: A;
}

export interface TopicCreation {
  name: string;
  topicId: string;
  partitions: number;
  replicationFactor: number;
  configs: ReadonlyMap<string, string>;
}

export interface AlterIsrInput {
  brokerId: number;
  brokerEpoch: number;
  topicId: string;
  partition: number;
  leaderEpoch: number;
  partitionEpoch: number;
  newIsr: number[];
}

/** Producer ids per AllocateProducerIds block, as Kafka's controller hands them out. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

/** Heartbeats arrive every broker.heartbeat.interval.ms (Kafka: 2 s); a live broker finds a new controller well within this. */
export const SESSION_GRACE_MS = 4000;

export const DUPLICATE_REGISTRATION_MESSAGE = 'Another broker is registered with that broker id.';

export class QuorumControllerLogic {
  /** Last heartbeat (or registration) per broker: soft state of the active controller only. */
  private readonly lastContact = new Map<number, number>();
  private nextAssignmentStart = 0;
  /** When this controller became active (resetSessions); before any, every session counts as expired. */
  private activeSince = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly image: MetadataImage,
    private readonly clusterId: string,
    private readonly opts: ControllerLogicOptions,
  ) {}

  /**
   * A controller that just became active does not know when brokers last heartbeated (that was the old
   * controller's soft state): each gets a short grace (SESSION_GRACE_MS, capped by the session timeout) to reach
   * the new controller, so a live broker is never fenced by a failover, while a broker that died with the old
   * controller is fenced soon after the election instead of a whole session later.
   */
  resetSessions(now: number): void {
    this.lastContact.clear();
    this.activeSince = now;
  }

  private sessionAlive(brokerId: number, now: number): boolean {
    // A broker not heard from since this controller became active counts from the grace baseline.
    const last = this.lastContact.get(brokerId) ?? this.activeSince - this.opts.sessionTimeoutMs + Math.min(SESSION_GRACE_MS, this.opts.sessionTimeoutMs);
    return now - last < this.opts.sessionTimeoutMs;
  }

  register(req: RegistrationRequest, nextOffset: number, now: number): Decision<{ errorCode: number; errorMessage: string | null; brokerEpoch: number }> {
    const refuse = (errorCode: number, errorMessage: string) => ({ records: [], answer: { errorCode, errorMessage, brokerEpoch: -1 } });
    if (req.clusterId !== this.clusterId) return refuse(ErrorCode.INCONSISTENT_CLUSTER_ID, `Expected cluster ID ${this.clusterId}, but got cluster ID ${req.clusterId}`);
    if (req.brokerId < 0) return refuse(ErrorCode.INVALID_REQUEST, `Invalid broker id ${req.brokerId}`);
    const existing = this.image.brokers.get(req.brokerId);
    if (existing && existing.incarnationId === req.incarnationId) {
      // The same process asking again (its answer was lost): the registration stands.
      this.lastContact.set(req.brokerId, now);
      return { records: [], answer: { errorCode: ErrorCode.NONE, errorMessage: null, brokerEpoch: existing.brokerEpoch } };
    }
    if (existing && !existing.fenced && this.sessionAlive(req.brokerId, now)) {
      return refuse(ErrorCode.DUPLICATE_BROKER_REGISTRATION, DUPLICATE_REGISTRATION_MESSAGE);
    }
    const brokerEpoch = nextOffset;
    this.lastContact.set(req.brokerId, now);
    const records: MetadataRecord[] = [{ type: 'RegisterBroker', brokerId: req.brokerId, brokerEpoch, incarnationId: req.incarnationId, endpoints: req.endpoints, rack: req.rack }];
    // The old incarnation's leaderships move now: the new one starts fenced.
    if (existing && !existing.fenced) records.push(...this.partitionChanges(new Set([req.brokerId])));
    return { records, answer: { errorCode: ErrorCode.NONE, errorMessage: null, brokerEpoch } };
  }

  heartbeat(req: HeartbeatRequest, now: number): Decision<HeartbeatAnswer> {
    const b = this.image.brokers.get(req.brokerId);
    const answer = (errorCode: number, isFenced: boolean, isCaughtUp = false, shouldShutDown = false): HeartbeatAnswer => ({ errorCode, isCaughtUp, isFenced, shouldShutDown });
    if (!b) return { records: [], answer: answer(ErrorCode.BROKER_ID_NOT_REGISTERED, true) };
    if (b.brokerEpoch !== req.brokerEpoch) return { records: [], answer: answer(ErrorCode.STALE_BROKER_EPOCH, true) };
    this.lastContact.set(req.brokerId, now);
    const caughtUp = req.currentMetadataOffset >= b.brokerEpoch;
    if (req.wantShutDown) {
      if (b.fenced) return { records: [], answer: answer(ErrorCode.NONE, true, caughtUp, true) };
      const records: MetadataRecord[] = [{ type: 'FenceBroker', brokerId: b.brokerId, brokerEpoch: b.brokerEpoch }, ...this.partitionChanges(new Set([b.brokerId]))];
      return { records, answer: answer(ErrorCode.NONE, true, caughtUp, true) };
    }
    if (b.fenced && caughtUp && !req.wantFence) {
      const records: MetadataRecord[] = [{ type: 'UnfenceBroker', brokerId: b.brokerId, brokerEpoch: b.brokerEpoch }, ...this.partitionChanges(new Set(), new Set([b.brokerId]))];
      return { records, answer: answer(ErrorCode.NONE, false, true) };
    }
    if (!b.fenced && req.wantFence) {
      const records: MetadataRecord[] = [{ type: 'FenceBroker', brokerId: b.brokerId, brokerEpoch: b.brokerEpoch }, ...this.partitionChanges(new Set([b.brokerId]))];
      return { records, answer: answer(ErrorCode.NONE, true, caughtUp) };
    }
    return { records: [], answer: answer(ErrorCode.NONE, b.fenced, caughtUp) };
  }

  /** Fences every active broker whose session expired, and moves its leaderships. */
  expireSessions(now: number): MetadataRecord[] {
    const expired = new Set(this.expiredBrokers(now));
    if (expired.size === 0) return [];
    const records: MetadataRecord[] = [];
    for (const id of expired) records.push({ type: 'FenceBroker', brokerId: id, brokerEpoch: this.image.brokers.get(id)!.brokerEpoch });
    records.push(...this.partitionChanges(expired));
    return records;
  }

  /** Brokers whose session expired (for the log line that explains a fence). */
  expiredBrokers(now: number): number[] {
    return [...this.image.brokers.values()].filter((b) => !b.fenced && !this.sessionAlive(b.brokerId, now)).map((b) => b.brokerId);
  }

  /**
   * Partition state changes after `fencing` brokers leave (and `unfencing` ones return): the active set is
   * the image's unfenced brokers minus `fencing` plus `unfencing`.
   */
  partitionChanges(fencing: ReadonlySet<number>, unfencing: ReadonlySet<number> = new Set()): MetadataRecord[] {
    const active = new Set(this.image.activeBrokerIds().filter((id) => !fencing.has(id)));
    for (const id of unfencing) active.add(id);
    const records: MetadataRecord[] = [];
    for (const t of this.image.topics.values()) {
      const unclean = this.opts.uncleanLeaderElection?.(t) ?? false;
      for (const [p, state] of t.partitions) {
        const next = nextLeaderState(state, state.replicas, active, { uncleanLeaderElection: unclean });
        if (!next) continue;
        records.push({ type: 'Partition', topicId: t.topicId, partition: p, replicas: state.replicas, isr: next.isr, leader: next.leader, leaderEpoch: next.leaderEpoch, partitionEpoch: state.partitionEpoch + 1 });
      }
    }
    return records;
  }

  createTopic(req: TopicCreation): Decision<{ errorCode: number; errorMessage: string | null }> {
    const fail = (errorCode: number, errorMessage: string) => ({ records: [], answer: { errorCode, errorMessage } });
    if (this.image.topics.has(req.name)) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${req.name}' already exists.`);
    const active = this.image.activeBrokerIds();
    if (active.length === 0) return fail(ErrorCode.BROKER_NOT_AVAILABLE, 'There are no active brokers to place the topic on');
    let assignment: Map<number, number[]>;
    try {
      assignment = assignReplicas(this.placeable(active, req.replicationFactor), req.partitions, req.replicationFactor, this.nextAssignmentStart++);
    } catch (err) {
      if (err instanceof AssignmentError) return fail(req.partitions < 1 ? ErrorCode.INVALID_PARTITIONS : ErrorCode.INVALID_REPLICATION_FACTOR, err.message);
      throw err;
    }
    const records: MetadataRecord[] = [{ type: 'Topic', name: req.name, topicId: req.topicId }];
    for (const [name, value] of req.configs) records.push({ type: 'Config', topic: req.name, name, value });
    for (const [p, replicas] of assignment) records.push(newPartition(req.topicId, p, replicas));
    return { records, answer: { errorCode: ErrorCode.NONE, errorMessage: null } };
  }

  /**
   * Whether new replicas can be placed well now: enough active brokers have reached this controller for the
   * replication factor, or the failover grace is over (then a silent broker has been fenced or is alive).
   */
  placementReady(replicationFactor: number, now: number): boolean {
    if (now - this.activeSince >= Math.min(SESSION_GRACE_MS, this.opts.sessionTimeoutMs)) return true;
    return this.image.activeBrokerIds().filter((id) => this.lastContact.has(id)).length >= replicationFactor;
  }

  /**
   * Brokers new replicas go to: the active ones that have heartbeated to this controller — right after a
   * failover, a broker that died with the old controller is still unfenced for a moment, and a partition placed
   * only there would have no leader — unless that leaves fewer than the replication factor.
   */
  private placeable(active: number[], replicationFactor: number): number[] {
    const heard = active.filter((id) => this.lastContact.has(id));
    return heard.length >= replicationFactor ? heard : active;
  }

  deleteTopic(name: string): Decision<{ errorCode: number; errorMessage: string | null }> {
    const t = this.image.topics.get(name);
    if (!t) return { records: [], answer: { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' } };
    return { records: [{ type: 'RemoveTopic', topicId: t.topicId }], answer: { errorCode: ErrorCode.NONE, errorMessage: null } };
  }

  createPartitions(name: string, total: number): Decision<{ errorCode: number; errorMessage: string | null }> {
    const t = this.image.topics.get(name);
    if (!t) return { records: [], answer: { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' } };
    const current = t.partitions.size;
    if (total <= current) {
      if (total === current) return { records: [], answer: { errorCode: ErrorCode.NONE, errorMessage: null } };
      return { records: [], answer: { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Topic currently has ${current} partitions, which is higher than the requested ${total}.` } };
    }
    const active = this.image.activeBrokerIds();
    const rf = t.partitions.get(0)?.replicas.length ?? 1;
    let assignment: Map<number, number[]>;
    try {
      const first = t.partitions.get(0)?.replicas[0];
      const start = first !== undefined && active.includes(first) ? active.indexOf(first) : 0;
      assignment = assignReplicas(this.placeable(active, rf), total, rf, start);
    } catch (err) {
      if (err instanceof AssignmentError) return { records: [], answer: { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: err.message } };
      throw err;
    }
    const records: MetadataRecord[] = [];
    for (let p = current; p < total; p++) records.push(newPartition(t.topicId, p, assignment.get(p)!));
    return { records, answer: { errorCode: ErrorCode.NONE, errorMessage: null } };
  }

  alterConfigs(name: string, changes: ReadonlyMap<string, string | null>): Decision<{ errorCode: number; errorMessage: string | null }> {
    const t = this.image.topics.get(name);
    if (!t) return { records: [], answer: { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' } };
    const records: MetadataRecord[] = [];
    for (const [k, v] of changes) if ((t.configs.get(k) ?? null) !== v) records.push({ type: 'Config', topic: name, name: k, value: v });
    return { records, answer: { errorCode: ErrorCode.NONE, errorMessage: null } };
  }

  alterPartition(req: AlterIsrInput): Decision<{ errorCode: number; topic?: TopicImage; state?: PartitionState }> {
    const b = this.image.brokers.get(req.brokerId);
    if (!b) return { records: [], answer: { errorCode: ErrorCode.BROKER_ID_NOT_REGISTERED } };
    if (req.brokerEpoch >= 0 && b.brokerEpoch !== req.brokerEpoch) return { records: [], answer: { errorCode: ErrorCode.STALE_BROKER_EPOCH } };
    const t = this.image.topicById(req.topicId);
    const state = t?.partitions.get(req.partition);
    if (!t || !state) return { records: [], answer: { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION } };
    const refuse = (errorCode: number) => ({ records: [], answer: { errorCode, topic: t, state } });
    if (state.leader !== req.brokerId) return refuse(ErrorCode.INVALID_REQUEST);
    if (req.leaderEpoch !== state.leaderEpoch) return refuse(ErrorCode.FENCED_LEADER_EPOCH);
    if (req.partitionEpoch !== state.partitionEpoch) return refuse(ErrorCode.INVALID_UPDATE_VERSION);
    const active = new Set(this.image.activeBrokerIds());
    const isr = [...new Set(req.newIsr)];
    if (isr.some((r) => !state.replicas.includes(r) || !active.has(r)) || !isr.includes(state.leader)) return refuse(ErrorCode.INELIGIBLE_REPLICA);
    const next: PartitionState = { ...state, isr, partitionEpoch: state.partitionEpoch + 1 };
    return {
      records: [{ type: 'Partition', topicId: t.topicId, partition: req.partition, replicas: state.replicas, isr, leader: state.leader, leaderEpoch: state.leaderEpoch, partitionEpoch: next.partitionEpoch }],
      answer: { errorCode: ErrorCode.NONE, topic: t, state: next },
    };
  }

  /** AllocateProducerIds: the next block of ids for a registered broker. */
  allocateProducerIds(brokerId: number, brokerEpoch: number): Decision<{ errorCode: number; start: bigint; length: number }> {
    const b = this.image.brokers.get(brokerId);
    if (!b) return { records: [], answer: { errorCode: ErrorCode.BROKER_ID_NOT_REGISTERED, start: -1n, length: 0 } };
    if (b.brokerEpoch !== brokerEpoch) return { records: [], answer: { errorCode: ErrorCode.STALE_BROKER_EPOCH, start: -1n, length: 0 } };
    const start = this.image.nextProducerId;
    const next = start + BigInt(PRODUCER_ID_BLOCK_SIZE);
    return { records: [{ type: 'ProducerIds', brokerId, brokerEpoch, nextProducerId: String(next) }], answer: { errorCode: ErrorCode.NONE, start, length: PRODUCER_ID_BLOCK_SIZE } };
  }

  get sessionTimeoutMs(): number {
    return this.opts.sessionTimeoutMs;
  }
}

function newPartition(topicId: string, partition: number, replicas: number[]): MetadataRecord {
  // Every replica of a new partition is in the ISR (it is empty everywhere); the first leads.
  return { type: 'Partition', topicId, partition, replicas, isr: [...replicas], leader: replicas[0], leaderEpoch: 0, partitionEpoch: 0 };
}
