/**
 * One partition's log: a directory `<topic>-<partition>/` of segments in Kafka's layout.
 * INTERFACE FIRST: the bodies are being written (this commit fixes the API the broker codes against).
 */
import type { LogConfig, OffsetOutOfRange, StorageLogger } from './log-config.js';

export type { LogConfig, OffsetOutOfRange } from './log-config.js';
export { DEFAULT_LOG_CONFIG, LogAppendError, isOffsetOutOfRange } from './log-config.js';

export interface PartitionLogOptions {
  /** Run recovery (validate batches from the recovery point, truncate a torn tail, rebuild indexes). */
  recover: boolean;
  clock?: () => number;
  /** From the log dir's recovery-point-offset-checkpoint; recovery scans from the segment holding it (default 0). */
  recoveryPoint?: number;
  /** From the log dir's log-start-offset-checkpoint. */
  logStartOffset?: number;
  /** Called after logStartOffset moves (DeleteRecords, retention) so the owner can checkpoint it. */
  onLogStartOffsetChange?: (log: PartitionLog) => void;
  logger?: StorageLogger;
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** The broker time stamped into LogAppendTime batches; -1 for CreateTime topics (as Produce responses say). */
  logAppendTime: number;
}

export interface ReadResult {
  /** Whole batches, exactly as stored. Empty at the log end. */
  data: Buffer;
  /** The base offset of the first batch in data (may be below the offset asked for). */
  firstOffset: number;
}

const notYet = (): never => {
  throw new Error('PartitionLog: implementation in progress');
};

export class PartitionLog {
  static open(dir: string, topic: string, partition: number, topicId: string, config: LogConfig, opts: PartitionLogOptions): PartitionLog {
    void dir; void topic; void partition; void topicId; void config; void opts;
    return notYet();
  }
  readonly topic: string = '';
  readonly partition: number = 0;
  get logStartOffset(): number { return notYet(); }
  get logEndOffset(): number { return notYet(); }
  get highWatermark(): number { return notYet(); }
  set highWatermark(value: number) { void value; notYet(); }
  append(batches: Buffer, leaderEpoch: number, now: number): AppendResult { void batches; void leaderEpoch; void now; return notYet(); }
  read(offset: number, maxBytes: number, maxOffset?: number): ReadResult | OffsetOutOfRange { void offset; void maxBytes; void maxOffset; return notYet(); }
  offsetForTimestamp(ts: number): { offset: number; timestamp: number } | null { void ts; return notYet(); }
  deleteRecordsBefore(offset: number): void { void offset; notYet(); }
  truncateTo(offset: number): void { void offset; notYet(); }
  applyRetention(now: number): void { void now; notYet(); }
  maybeRoll(now: number): void { void now; notYet(); }
  flush(): void { notYet(); }
  close(): void { notYet(); }
  delete(): void { notYet(); }
}
