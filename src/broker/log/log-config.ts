/**
 * Per-partition storage settings (the topic-level configs of Kafka that the storage engine honours) and the
 * errors the engine reports. Defaults are Kafka 3.9's broker defaults (`ServerLogConfigs`, `TopicConfig`).
 *
 * Not implemented: log compaction (`cleanup.policy=compact` only switches off delete-retention for the topic;
 * nothing is compacted), `segment.jitter.ms`, `message.downconversion.enable` (the fetch path's job).
 */

export interface LogConfig {
  /** segment.bytes: roll when the active segment would grow past this. */
  segmentBytes: number;
  /** segment.ms: roll when the active segment's first batch is older than this. */
  segmentMs: number;
  /** retention.ms: delete segments whose newest timestamp is older than this; -1 = keep forever. */
  retentionMs: number;
  /** retention.bytes: delete the oldest segments while the partition is bigger than this; -1 = no limit. */
  retentionBytes: number;
  /** index.interval.bytes: bytes of batches between two offset-index entries. */
  indexIntervalBytes: number;
  /** segment.index.bytes: the largest .index file; a full index (or .timeindex) rolls the segment. */
  segmentIndexBytes: number;
  /** flush.messages (log.flush.interval.messages): fsync after this many unflushed records. */
  flushIntervalMessages: number;
  /** flush.ms (log.flush.interval.ms): fsync when the oldest unflushed write is older than this. */
  flushIntervalMs: number;
  /** max.message.bytes: the largest record batch accepted (bytes including the 12-byte log overhead). */
  maxMessageBytes: number;
  messageTimestampType: 'CreateTime' | 'LogAppendTime';
  cleanupPolicy: 'delete' | 'compact' | 'compact,delete';
}

/** Kafka's Long.MAX_VALUE defaults become the largest safe JS integer ("never"). */
export const NEVER = Number.MAX_SAFE_INTEGER;

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  indexIntervalBytes: 4096,
  segmentIndexBytes: 10 * 1024 * 1024,
  flushIntervalMessages: NEVER,
  flushIntervalMs: NEVER,
  maxMessageBytes: 1024 * 1024 + 12,
  messageTimestampType: 'CreateTime',
  cleanupPolicy: 'delete',
});

/** Settings Kafka itself refuses (`segment.bytes` below 14 bytes, an index too small for one entry…). */
export function validateLogConfig(config: LogConfig): string[] {
  const problems: string[] = [];
  const positiveInt = (name: string, value: number, min: number) => {
    if (!Number.isSafeInteger(value) || value < min) problems.push(`${name} must be an integer >= ${min}, got ${value}`);
  };
  positiveInt('segment.bytes', config.segmentBytes, 14);
  positiveInt('segment.ms', config.segmentMs, 1);
  positiveInt('index.interval.bytes', config.indexIntervalBytes, 0);
  positiveInt('segment.index.bytes', config.segmentIndexBytes, 12);
  positiveInt('flush.messages', config.flushIntervalMessages, 1);
  positiveInt('flush.ms', config.flushIntervalMs, 0);
  positiveInt('max.message.bytes', config.maxMessageBytes, 0);
  if (!Number.isSafeInteger(config.retentionMs) || config.retentionMs < -1) problems.push(`retention.ms must be -1 or more, got ${config.retentionMs}`);
  if (!Number.isSafeInteger(config.retentionBytes) || config.retentionBytes < -1) problems.push(`retention.bytes must be -1 or more, got ${config.retentionBytes}`);
  if (config.messageTimestampType !== 'CreateTime' && config.messageTimestampType !== 'LogAppendTime') {
    problems.push(`message.timestamp.type must be CreateTime or LogAppendTime, got ${String(config.messageTimestampType)}`);
  }
  if (!['delete', 'compact', 'compact,delete'].includes(config.cleanupPolicy)) {
    problems.push(`cleanup.policy must be delete, compact or compact,delete, got ${String(config.cleanupPolicy)}`);
  }
  return problems;
}

/**
 * A batch the log will not take. `kafkaError` names the Kafka error the Produce handler should answer with
 * (CORRUPT_MESSAGE = 2, MESSAGE_TOO_LARGE = 10, RECORD_LIST_TOO_LARGE = 18, INVALID_RECORD = 87, or
 * KAFKA_STORAGE_ERROR = 56 when the disk write itself failed, e.g. ENOSPC); the log is unchanged when this is
 * thrown.
 */
export class LogAppendError extends Error {
  constructor(
    readonly kafkaError: 'CORRUPT_MESSAGE' | 'MESSAGE_TOO_LARGE' | 'RECORD_LIST_TOO_LARGE' | 'INVALID_RECORD' | 'KAFKA_STORAGE_ERROR',
    message: string,
  ) {
    super(message);
    this.name = 'LogAppendError';
  }
}

/** What `read` returns for an offset outside [logStartOffset, logEndOffset] (Kafka's OFFSET_OUT_OF_RANGE = 1). */
export interface OffsetOutOfRange {
  readonly outOfRange: true;
  readonly offset: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
}

export function isOffsetOutOfRange(value: unknown): value is OffsetOutOfRange {
  return typeof value === 'object' && value !== null && (value as { outOfRange?: unknown }).outOfRange === true;
}

/** The part of kstack's Logger (src/logging) the storage engine uses. */
export interface StorageLogger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string, err?: unknown): void;
}
