/**
 * The broker's logs across `log.dirs`. INTERFACE FIRST: the bodies are being written.
 */
import type { LogConfig, StorageLogger } from './log-config.js';
import type { PartitionLog } from './partition-log.js';

export interface LogManagerOptions {
  logDirs: string[];
  nodeId: number;
  clusterId: string;
  defaults: LogConfig;
  /** Per-topic overrides for partitions found on disk at start-up (topic configs live in metadata). */
  topicConfig?: (topic: string) => LogConfig | undefined;
  clock?: () => number;
  logger?: StorageLogger;
  /** log.retention.check.interval.ms (default 300000). */
  retentionCheckIntervalMs?: number;
  /** log.flush.offset.checkpoint.interval.ms (default 60000). */
  checkpointIntervalMs?: number;
}

const notYet = (): never => {
  throw new Error('LogManager: implementation in progress');
};

export class LogManager {
  static open(opts: LogManagerOptions): LogManager { void opts; return notYet(); }
  readonly cleanShutdown: boolean = false;
  getOrCreate(topic: string, partition: number, topicId: string, config?: LogConfig): PartitionLog { void topic; void partition; void topicId; void config; return notYet(); }
  get(topic: string, partition: number): PartitionLog | undefined { void topic; void partition; return notYet(); }
  partitions(): Iterable<PartitionLog> { return notYet(); }
  deletePartition(topic: string, partition: number): void { void topic; void partition; notYet(); }
  startBackgroundTasks(): void { notYet(); }
  close(): void { notYet(); }
}
