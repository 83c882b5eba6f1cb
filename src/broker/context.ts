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
  /** Partition logs by topic/partition (the storage engine behind the small interface below). */
  logs: PartitionStore;
  topics: TopicRegistry;
  groups?: GroupCoordinator;
  producers: ProducerStateManager;
  clock: () => number;
  logger: Logger;
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

/**
 * What the handlers need from storage (src/broker/log/ implements it; the server adapts the LogManager to it).
 * Offsets are bigint. On a single node the high watermark is the log end offset.
 */
export interface PartitionLogView {
  readonly topic: string;
  readonly partition: number;
  logStartOffset(): bigint;
  logEndOffset(): bigint;
  highWatermark(): bigint;
  /** Bytes of all segments. */
  size(): number;
  /**
   * Appends already-validated v2 batches (one Buffer may hold several, back to back): assigns consecutive offsets
   * by rewriting BaseOffset and PartitionLeaderEpoch in place (outside the CRC), and for LogAppendTime topics the
   * MaxTimestamp (which needs a CRC recompute). Returns the first and last offset assigned.
   */
  append(batches: Buffer, opts: { leaderEpoch: number; logAppendTimeMs: number | null }): Promise<{ baseOffset: bigint; lastOffset: bigint }>;
  /**
   * Whole batches starting with the one that contains `fetchOffset`, up to `maxBytes` (at least one batch when
   * `minOneBatch`), or an empty buffer at the end of the log. Throws OffsetOutOfRange (caller checks first).
   */
  read(fetchOffset: bigint, maxBytes: number, minOneBatch: boolean): Promise<Buffer>;
  /** The first offset whose timestamp is >= ts, with that record's timestamp; null when none. */
  offsetForTimestamp(ts: bigint): Promise<{ offset: bigint; timestamp: bigint } | null>;
  /** The largest timestamp in the log and its offset (ListOffsets -3), or null when empty. */
  maxTimestamp?(): Promise<{ offset: bigint; timestamp: bigint } | null>;
  /** DeleteRecords: moves the log start offset forward (never back); returns the new log start offset. */
  deleteRecordsBefore(offset: bigint): Promise<bigint>;
}

export interface PartitionStore {
  get(topic: string, partition: number): PartitionLogView | undefined;
  /** Opens or creates the partition directory (idempotent). */
  open(topic: string, partition: number, topicConfig: ReadonlyMap<string, string>): Promise<PartitionLogView>;
  /** Removes every partition directory of a topic. */
  deleteTopic(topic: string): Promise<void>;
  /** Applies changed per-topic configs (segment.bytes, retention…) to open partitions. */
  updateTopicConfig?(topic: string, topicConfig: ReadonlyMap<string, string>): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}
