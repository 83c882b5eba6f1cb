/**
 * ClusterView: what a handler asks about the cluster it belongs to — which brokers are alive and where (per
 * listener), who the controller is, and who leads each partition. A standalone or single-node KRaft broker has
 * none (BrokerContext.cluster is undefined) and leads everything; in zk mode ZooKeeper is the source of truth
 * (zookeeper/metadata-cache.ts answers from its watches).
 *
 * Handlers go through the helpers below, so the standalone paths stay exactly as they were.
 */
import type { BrokerContext } from '../context.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';

export interface ClusterBroker {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionRoute {
  /** -1 while no live replica can lead (replication factor 1 and its broker is gone). */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  /** Replicas whose broker is not registered right now. */
  offlineReplicas: number[];
  /**
   * Bumped by every change of leader or ISR (KRaft's partition epoch; the state znode's version in zk mode).
   * An ISR change must name the epoch it starts from, so a stale leader's change is refused.
   */
  partitionEpoch: number;
}

/** A leader's request to change a partition's ISR (kraft: AlterPartition to the controller; zk: the state znode). */
export interface AlterIsrRequest {
  topic: string;
  partition: number;
  leaderEpoch: number;
  partitionEpoch: number;
  isr: number[];
}

export interface AlterIsrResult {
  /** NONE, or FENCED_LEADER_EPOCH / INVALID_UPDATE_VERSION (stale), NOT_CONTROLLER, REQUEST_TIMED_OUT, … */
  errorCode: number;
  /** The partition's state after the change (or as the controller has it when the change was refused). */
  route?: PartitionRoute;
}

export interface ClusterTopicRequest {
  name: string;
  partitions: number;
  /** Replicas per partition; at most the number of live brokers. */
  replicationFactor: number;
  configs: ReadonlyMap<string, string>;
  /** Internal topics (`__consumer_offsets`) may be created by the broker itself. */
  internal?: boolean;
}

export interface ClusterTopicResult {
  errorCode: number;
  errorMessage: string | null;
  topicId?: string;
}

export interface ClusterView {
  /** The broker holding the controller role, -1 while there is none. */
  controllerId(): number;
  /** Registered brokers that have an endpoint on `listenerName`, by node id. */
  liveBrokers(listenerName: string): ClusterBroker[];
  /** Is `nodeId` registered right now? */
  isLive(nodeId: number): boolean;
  /** The partition's leader and replicas, or undefined when the cluster does not know it (yet). */
  partition(topic: string, partition: number): PartitionRoute | undefined;
  /**
   * Creates a topic cluster-wide (assignment over the live brokers). Resolves once this broker sees the topic
   * with its partition state, or with REQUEST_TIMED_OUT after `timeoutMs` (the topic may still appear).
   */
  createTopic(request: ClusterTopicRequest, timeoutMs: number): Promise<ClusterTopicResult>;
  /** Changes a partition's ISR, as its leader (replication: shrink on lagging followers, expand on caught-up ones). */
  alterIsr(request: AlterIsrRequest): Promise<AlterIsrResult>;
  /** Calls `listener` after every change of brokers, leaders or ISRs this broker has applied; returns unsubscribe. */
  onChange(listener: () => void): () => void;
  /** A producer id unique in the cluster (from a block the cluster reserved for this broker). */
  nextProducerId(): Promise<bigint>;
}

/** True when this broker leads the partition (always, without a cluster). */
export function leadsPartition(b: BrokerContext, topic: string, partition: number): boolean {
  return !b.cluster || b.cluster.partition(topic, partition)?.leader === b.nodeId;
}

/**
 * The error for a request that must go to the partition leader, or NONE when this broker leads it:
 * NOT_LEADER_OR_FOLLOWER when another broker leads (or nobody does: clients refresh metadata and retry, as they
 * do against Kafka during a leader election), UNKNOWN_TOPIC_OR_PARTITION when the cluster does not know it.
 */
export function leaderError(b: BrokerContext, topic: string, partition: number): number {
  if (!b.cluster) return ErrorCode.NONE;
  const route = b.cluster.partition(topic, partition);
  if (!route) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  return route.leader === b.nodeId ? ErrorCode.NONE : ErrorCode.NOT_LEADER_OR_FOLLOWER;
}

/**
 * The view of a broker that is joining a cluster (bound, not yet registered): no brokers, no controller, no
 * leaders, so clients retry instead of taking a half-started broker for a standalone one.
 */
export function joiningCluster(): ClusterView {
  return {
    controllerId: () => -1,
    liveBrokers: () => [],
    isLive: () => false,
    partition: () => undefined,
    createTopic: async () => ({ errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: 'The broker is still joining the cluster' }),
    alterIsr: async () => ({ errorCode: ErrorCode.NOT_CONTROLLER }),
    onChange: () => () => {},
    nextProducerId: () => Promise.reject(new Error('The broker is still joining the cluster')),
  };
}
