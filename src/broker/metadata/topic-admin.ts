/**
 * Topic lifecycle shared by CreateTopics, Metadata auto-creation, DeleteTopics, CreatePartitions and the
 * internal `__consumer_offsets` topic: validate, record in the registry (persisted), open/delete the partition
 * logs. Kafka's error codes come back as data ({ errorCode, errorMessage }).
 */
import type { BrokerConfig } from '../config.js';
import { TOPIC_CONFIG_DEFS, validateTopicConfig } from '../config.js';
import type { BrokerContext } from '../context.js';
import { DEFAULT_LOG_CONFIG, NEVER, validateLogConfig, type LogConfig } from '../log/log-config.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { isInternalTopic, validateTopicName, type TopicInfo } from './topic-registry.js';

export interface TopicResult {
  errorCode: number;
  errorMessage: string | null;
  topic?: TopicInfo;
}

const ok = (topic?: TopicInfo): TopicResult => ({ errorCode: ErrorCode.NONE, errorMessage: null, topic });
const err = (errorCode: number, errorMessage: string): TopicResult => ({ errorCode, errorMessage });

function num(v: string): number {
  const n = Number(v);
  return n > NEVER ? NEVER : n;
}

/** The effective value of a topic config: override, else broker synonym, else Kafka default. */
export function effectiveTopicConfig(config: BrokerConfig, overrides: ReadonlyMap<string, string>, name: string): string {
  return overrides.get(name) ?? config.topicDefault(name).value;
}

/** Broker defaults overlaid with a topic's overrides, as the storage engine wants them. */
export function logConfigOf(config: BrokerConfig, overrides: ReadonlyMap<string, string>): LogConfig {
  const v = (name: string) => effectiveTopicConfig(config, overrides, name);
  const policy = v('cleanup.policy').split(',').map((s) => s.trim()).sort().join(',');
  return {
    ...DEFAULT_LOG_CONFIG,
    segmentBytes: num(v('segment.bytes')),
    segmentMs: num(v('segment.ms')),
    retentionMs: num(v('retention.ms')),
    retentionBytes: num(v('retention.bytes')),
    indexIntervalBytes: num(v('index.interval.bytes')),
    segmentIndexBytes: num(v('segment.index.bytes')),
    flushIntervalMessages: num(v('flush.messages')),
    flushIntervalMs: num(v('flush.ms')),
    maxMessageBytes: num(v('max.message.bytes')),
    messageTimestampType: v('message.timestamp.type') === 'LogAppendTime' ? 'LogAppendTime' : 'CreateTime',
    cleanupPolicy: policy === 'compact' ? 'compact' : policy === 'compact,delete' ? 'compact,delete' : 'delete',
  };
}

/** Validates a topic creation without doing it (CreateTopics validate_only uses exactly this). */
export function checkCreateTopic(broker: BrokerContext, name: string, numPartitions: number, replicationFactor: number, configs: ReadonlyMap<string, string | null>, allowInternal = false): TopicResult {
  const nameProblem = validateTopicName(name);
  if (nameProblem) return err(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
  if (isInternalTopic(name) && !allowInternal) return err(ErrorCode.INVALID_REQUEST, `Creation of internal topic ${name} is prohibited.`);
  if (broker.topics.get(name)) return err(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
  const collision = broker.topics.list().find((t) => t.name.replace(/\./g, '_') === name.replace(/\./g, '_'));
  if (collision) return err(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${name}' collides with existing topic: ${collision.name}`);
  if (numPartitions !== -1 && numPartitions < 1) return err(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
  if (replicationFactor !== -1 && replicationFactor < 1) return err(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
  // A cluster checks the factor against its live brokers when it assigns replicas (cluster/assignment.ts).
  if (replicationFactor > 1 && !broker.cluster) {
    return err(ErrorCode.INVALID_REPLICATION_FACTOR, `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only 1 broker(s) are registered.`);
  }
  return checkTopicConfigs(broker.config, configs);
}

/** Each config by Kafka's rules, then the combination as the storage engine will use it. */
export function checkTopicConfigs(config: BrokerConfig, configs: ReadonlyMap<string, string | null>): TopicResult {
  const overrides = new Map<string, string>();
  for (const [k, v] of configs) {
    const problem = validateTopicConfig(k, v);
    if (problem) return err(ErrorCode.INVALID_CONFIG, problem);
    if (v !== null) overrides.set(k, v.trim());
  }
  const problems = validateLogConfig(logConfigOf(config, overrides));
  if (problems.length > 0) return err(ErrorCode.INVALID_CONFIG, problems.join('; '));
  return ok();
}

/** Creates a topic and opens its partition logs. */
export function createTopic(broker: BrokerContext, name: string, numPartitions: number, replicationFactor: number, configs: ReadonlyMap<string, string | null>, allowInternal = false): TopicResult {
  const check = checkCreateTopic(broker, name, numPartitions, replicationFactor, configs, allowInternal);
  if (check.errorCode !== ErrorCode.NONE) return check;
  const overrides = new Map<string, string>();
  for (const [k, v] of configs) if (v !== null) overrides.set(k, v.trim());
  const partitions = numPartitions === -1 ? broker.config.numPartitions : numPartitions;
  const topic = broker.topics.create(name, partitions, overrides);
  const lc = logConfigOf(broker.config, overrides);
  for (let p = 0; p < partitions; p++) broker.logs.getOrCreate(name, p, topic.topicId, lc);
  broker.logger.info(`[KafkaServer id=${broker.nodeId}] Created topic ${name} with topic id ${topic.topicId} and ${partitions} partition(s)`);
  return ok(topic);
}

/** The configs Kafka gives `__consumer_offsets` (compacted, offsets.topic.segment.bytes). */
export function offsetsTopicConfigs(broker: BrokerContext): Map<string, string> {
  return new Map([
    ['cleanup.policy', 'compact'],
    ['compression.type', 'producer'],
    ['segment.bytes', String(broker.config.getInt('offsets.topic.segment.bytes'))],
  ]);
}

/**
 * Creates `__consumer_offsets` the way Kafka does on first use (compacted, offsets.topic.* settings). In a
 * cluster the topic is created through the cluster (FindCoordinator does that); here it must exist already.
 */
export function ensureOffsetsTopic(broker: BrokerContext): TopicInfo {
  const existing = broker.topics.get('__consumer_offsets');
  if (existing) return existing;
  if (broker.cluster) throw new Error('__consumer_offsets does not exist in the cluster yet (FindCoordinator creates it)');
  const r = createTopic(broker, '__consumer_offsets', broker.config.offsetsTopicNumPartitions, -1, offsetsTopicConfigs(broker), true);
  if (!r.topic) throw new Error(`cannot create __consumer_offsets: ${r.errorMessage}`);
  return r.topic;
}

export function deleteTopic(broker: BrokerContext, name: string): TopicResult {
  const topic = broker.topics.get(name);
  if (!topic) return err(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
  if (!broker.config.deleteTopicEnable) return err(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.');
  if (topic.internal) return err(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic ${name} is an internal topic and cannot be deleted`);
  broker.topics.delete(name);
  for (let p = 0; p < topic.leaderEpochs.length; p++) {
    broker.logs.deletePartition(name, p);
    broker.producers.dropPartition(`${name}\u0000${p}`);
  }
  broker.logger.info(`[KafkaServer id=${broker.nodeId}] Deleted topic ${name} (${topic.topicId})`);
  return ok(topic);
}

export function addPartitions(broker: BrokerContext, name: string, count: number, validateOnly: boolean): TopicResult {
  const topic = broker.topics.get(name);
  if (!topic) return err(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
  const current = topic.leaderEpochs.length;
  if (count < current) return err(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${current} partitions, which is higher than the requested ${count}.`);
  if (count === current) return err(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partitions.`);
  if (validateOnly) return ok(topic);
  broker.topics.addPartitions(name, count);
  const lc = logConfigOf(broker.config, topic.configs);
  for (let p = current; p < count; p++) broker.logs.getOrCreate(name, p, topic.topicId, lc);
  return ok(topic);
}

export { TOPIC_CONFIG_DEFS };
