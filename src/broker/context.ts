/**
 * BrokerContext: everything a handler may touch, as one plain object built at start-up (server.ts) and passed
 * to every handler through RequestContext.broker. Side effects live behind these fields, so handlers can be
 * driven in tests with a context built from real parts in a temp dir.
 */
import type { Logger } from '../logging/index.js';
import type { BrokerConfig } from './config.js';
import type { TopicRegistry } from './metadata/topic-registry.js';
import type { ProducerStateManager } from './producers/producer-state.js';
import type { GroupCoordinator } from './groups/coordinator.js';
import type { LogManager } from './log/log-manager.js';
import type { LogConfig } from './log/log-config.js';
import type { HandlerTable } from './dispatch.js';
import type { ClusterView } from './cluster/cluster-view.js';
import type { Replication } from './replication/replica-manager.js';

export interface ListenerEndpoints {
  /** Upper-cased listener name. */
  listenerName: string;
  securityProtocol: string;
  /** The address the socket is bound to (port resolved when `listeners` said 0). */
  bound: { host: string; port: number };
  /** What Metadata returns to clients that connected on this listener. */
  advertised: { host: string; port: number };
}

/** One record for an internal topic (`__consumer_offsets`), written as a v2 batch by the broker. */
export interface InternalRecord {
  key: Buffer | null;
  /** null = tombstone. */
  value: Buffer | null;
  timestamp: number;
}

export interface BrokerContext {
  config: BrokerConfig;
  nodeId: number;
  clusterId: string;
  /** Partition logs (src/broker/log). */
  logs: LogManager;
  /** The storage settings of a topic: broker defaults overlaid with the topic's overrides. */
  logConfigFor(topic: string): LogConfig;
  /** What this broker implements (ApiVersions answers from it). */
  handlers: HandlerTable;
  topics: TopicRegistry;
  groups?: GroupCoordinator;
  /** The cluster this broker belongs to (zk mode); undefined = a single node that leads every partition. */
  cluster?: ClusterView;
  /** Replication (replication/replica-manager.ts), present whenever `cluster` is: acks=all, follower fetches. */
  replication?: Replication;
  producers: ProducerStateManager;
  clock: () => number;
  logger: Logger;
  /** kafka.request.logger (DEBUG: one line per completed request). */
  requestLogger: Logger;
  /** Client listeners (not the controller listener), by upper-cased name. */
  listeners: Map<string, ListenerEndpoints>;
  /** Appends records to an internal topic partition (created on first use); resolves once they are in the log. */
  appendToInternalTopic(topic: string, partition: number, records: InternalRecord[]): Promise<void>;
  /** Feeds every record of an internal topic, partition by partition, oldest first. */
  replayInternalTopic(topic: string, onRecord: (partition: number, record: InternalRecord) => void): Promise<void>;
  /** Wakes Fetch long-polls waiting on this partition (called after every append). */
  notifyAppend(topic: string, partition: number): void;
  /** Registers a waiter for new data on any of the given partitions; returns an unsubscribe function. */
  waitForAppend(keys: readonly string[], wake: () => void): () => void;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

