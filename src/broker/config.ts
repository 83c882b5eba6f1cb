/**
 * server.properties → a typed BrokerConfig, with Kafka's key names, types and defaults (KafkaConfig /
 * ServerLogConfigs / GroupCoordinatorConfig of Kafka 3.x), and the topic-level configs with their broker-level
 * synonyms (LogConfig) for CreateTopics / DescribeConfigs / AlterConfigs.
 *
 * - Unknown keys are warnings (Kafka logs "The configuration 'x' was supplied but isn't a known config").
 * - Invalid values are errors naming the key and the file line: KstackError KSTACK_BROKER_CONFIG.
 * - Keys Kafka knows but this broker ignores (threads, replication, TLS) are accepted and listed by
 *   `ignoredKeys` so the CLI can say so once; they do not change behaviour on a single node.
 */
import { KstackError } from '../errors.js';
import type { PropertiesFile } from '../listeners/properties.js';

export type ConfigType = 'int' | 'short' | 'long' | 'double' | 'boolean' | 'string' | 'list' | 'password' | 'class';

export interface ConfigDef {
  name: string;
  type: ConfigType;
  /** Kafka's default as the string DescribeConfigs shows; null = no default. */
  default: string | null;
  /** Optional validator; returns an error message (Kafka's wording where known) or null. */
  validate?: (value: string) => string | null;
  /** Accepted for compatibility; has no effect on this single-node broker. */
  ignored?: boolean;
  readOnly?: boolean;
}

const LONG_MAX = '9223372036854775807';
const oneOf = (...vals: string[]) => (v: string) => (vals.includes(v) ? null : `String must be one of: ${vals.join(', ')}`);
const atLeast = (min: number) => (v: string) => (Number(v) >= min ? null : `Value must be at least ${min}`);

/** Broker-level configs (the subset that matters here, plus the ones kstack renders). */
export const BROKER_CONFIG_DEFS: readonly ConfigDef[] = [
  { name: 'broker.id', type: 'int', default: '-1', readOnly: true },
  { name: 'node.id', type: 'int', default: '-1', readOnly: true },
  { name: 'process.roles', type: 'list', default: '', validate: (v) => (v.split(',').map((s) => s.trim()).filter(Boolean).every((r) => r === 'broker' || r === 'controller') ? null : `Unknown process role in '${v}' (expected broker, controller)`), readOnly: true },
  { name: 'controller.listener.names', type: 'string', default: null, readOnly: true },
  { name: 'controller.quorum.voters', type: 'list', default: '', readOnly: true },
  { name: 'controller.quorum.election.timeout.ms', type: 'int', default: '1000', validate: atLeast(1), readOnly: true },
  { name: 'controller.quorum.election.backoff.max.ms', type: 'int', default: '1000', validate: atLeast(1), readOnly: true },
  { name: 'controller.quorum.fetch.timeout.ms', type: 'int', default: '2000', validate: atLeast(1), readOnly: true },
  { name: 'controller.quorum.request.timeout.ms', type: 'int', default: '2000', validate: atLeast(1), readOnly: true },
  { name: 'controller.quorum.retry.backoff.ms', type: 'int', default: '20', validate: atLeast(0), readOnly: true },
  { name: 'listeners', type: 'string', default: 'PLAINTEXT://:9092', readOnly: true },
  { name: 'advertised.listeners', type: 'string', default: null, readOnly: true },
  { name: 'listener.security.protocol.map', type: 'string', default: 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL', readOnly: true },
  { name: 'inter.broker.listener.name', type: 'string', default: null, readOnly: true },
  { name: 'security.inter.broker.protocol', type: 'string', default: 'PLAINTEXT', readOnly: true },
  { name: 'broker.rack', type: 'string', default: null, readOnly: true },
  { name: 'log.dirs', type: 'string', default: null, readOnly: true },
  { name: 'log.dir', type: 'string', default: '/tmp/kafka-logs', readOnly: true },
  { name: 'zookeeper.connect', type: 'string', default: null, readOnly: true },
  { name: 'zookeeper.connection.timeout.ms', type: 'int', default: null },
  { name: 'zookeeper.session.timeout.ms', type: 'int', default: '18000' },
  { name: 'num.partitions', type: 'int', default: '1', validate: atLeast(1) },
  { name: 'default.replication.factor', type: 'int', default: '1' },
  { name: 'min.insync.replicas', type: 'int', default: '1', validate: atLeast(1) },
  { name: 'auto.create.topics.enable', type: 'boolean', default: 'true' },
  { name: 'delete.topic.enable', type: 'boolean', default: 'true' },
  { name: 'socket.request.max.bytes', type: 'int', default: '104857600', validate: atLeast(1) },
  { name: 'socket.send.buffer.bytes', type: 'int', default: '102400' },
  { name: 'socket.receive.buffer.bytes', type: 'int', default: '102400' },
  { name: 'queued.max.request.bytes', type: 'long', default: '-1' },
  { name: 'connections.max.idle.ms', type: 'long', default: '600000' },
  { name: 'num.network.threads', type: 'int', default: '3', ignored: true },
  { name: 'num.io.threads', type: 'int', default: '8', ignored: true },
  { name: 'num.recovery.threads.per.data.dir', type: 'int', default: '1', ignored: true },
  { name: 'num.replica.fetchers', type: 'int', default: '1', ignored: true },
  { name: 'message.max.bytes', type: 'int', default: '1048588', validate: atLeast(0) },
  { name: 'log.segment.bytes', type: 'int', default: '1073741824', validate: atLeast(14) },
  { name: 'log.roll.hours', type: 'int', default: '168', validate: atLeast(1) },
  { name: 'log.roll.ms', type: 'long', default: null },
  { name: 'log.retention.hours', type: 'int', default: '168' },
  { name: 'log.retention.minutes', type: 'int', default: null },
  { name: 'log.retention.ms', type: 'long', default: null },
  { name: 'log.retention.bytes', type: 'long', default: '-1' },
  { name: 'log.retention.check.interval.ms', type: 'long', default: '300000', validate: atLeast(1) },
  { name: 'log.segment.delete.delay.ms', type: 'long', default: '60000' },
  { name: 'log.index.interval.bytes', type: 'int', default: '4096', validate: atLeast(0) },
  { name: 'log.index.size.max.bytes', type: 'int', default: '10485760', validate: atLeast(4) },
  { name: 'log.flush.interval.messages', type: 'long', default: LONG_MAX, validate: atLeast(1) },
  { name: 'log.flush.interval.ms', type: 'long', default: null },
  { name: 'log.cleanup.policy', type: 'list', default: 'delete', validate: (v) => (v.split(',').map((s) => s.trim()).every((p) => p === 'delete' || p === 'compact') ? null : `Invalid value ${v}: String must be one of: compact, delete`) },
  { name: 'log.cleaner.enable', type: 'boolean', default: 'true', ignored: true },
  { name: 'log.message.timestamp.type', type: 'string', default: 'CreateTime', validate: oneOf('CreateTime', 'LogAppendTime') },
  { name: 'log.message.timestamp.difference.max.ms', type: 'long', default: LONG_MAX },
  { name: 'log.preallocate', type: 'boolean', default: 'false' },
  { name: 'compression.type', type: 'string', default: 'producer', validate: oneOf('uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer') },
  { name: 'unclean.leader.election.enable', type: 'boolean', default: 'false' },
  { name: 'offsets.topic.replication.factor', type: 'short', default: '3' },
  { name: 'offsets.topic.num.partitions', type: 'int', default: '50', validate: atLeast(1) },
  { name: 'offsets.topic.segment.bytes', type: 'int', default: '104857600', validate: atLeast(1) },
  { name: 'offsets.retention.minutes', type: 'int', default: '10080', validate: atLeast(1) },
  { name: 'offsets.retention.check.interval.ms', type: 'long', default: '600000', validate: atLeast(1) },
  { name: 'offset.metadata.max.bytes', type: 'int', default: '4096' },
  { name: 'transaction.state.log.replication.factor', type: 'short', default: '3' },
  { name: 'transaction.state.log.min.isr', type: 'int', default: '2' },
  { name: 'transaction.state.log.num.partitions', type: 'int', default: '50', validate: atLeast(1) },
  { name: 'transaction.max.timeout.ms', type: 'int', default: '900000', validate: atLeast(1) },
  { name: 'transactional.id.expiration.ms', type: 'int', default: '604800000', validate: atLeast(1) },
  { name: 'producer.id.expiration.ms', type: 'int', default: '86400000', validate: atLeast(1) },
  { name: 'group.initial.rebalance.delay.ms', type: 'int', default: '3000' },
  { name: 'group.min.session.timeout.ms', type: 'int', default: '6000' },
  { name: 'group.max.session.timeout.ms', type: 'int', default: '1800000' },
  { name: 'group.max.size', type: 'int', default: '2147483647', validate: atLeast(1) },
  { name: 'replica.fetch.max.bytes', type: 'int', default: '1048576' },
  { name: 'replica.lag.time.max.ms', type: 'long', default: '30000' },
  { name: 'replica.fetch.wait.max.ms', type: 'int', default: '500' },
  { name: 'replica.high.watermark.checkpoint.interval.ms', type: 'long', default: '5000' },
  { name: 'controlled.shutdown.enable', type: 'boolean', default: 'true', ignored: true },
  { name: 'metadata.log.dir', type: 'string', default: null, readOnly: true },
  { name: 'initial.broker.registration.timeout.ms', type: 'int', default: '60000', validate: atLeast(1) },
  { name: 'broker.session.timeout.ms', type: 'int', default: '9000', validate: atLeast(1) },
  { name: 'broker.heartbeat.interval.ms', type: 'int', default: '2000', validate: atLeast(1) },
];

/**
 * Topic-level configs (LogConfig): name, default, and the broker config that supplies the default when set
 * (DescribeConfigs shows it as DEFAULT_CONFIG vs STATIC_BROKER_CONFIG).
 */
export interface TopicConfigDef {
  name: string;
  type: ConfigType;
  default: string;
  brokerSynonym: string | null;
  validate?: (value: string) => string | null;
}

export const TOPIC_CONFIG_DEFS: readonly TopicConfigDef[] = [
  { name: 'cleanup.policy', type: 'list', default: 'delete', brokerSynonym: 'log.cleanup.policy', validate: (v) => (v.split(',').map((s) => s.trim()).every((p) => p === 'delete' || p === 'compact') ? null : 'Invalid value: String must be one of: compact, delete') },
  { name: 'compression.type', type: 'string', default: 'producer', brokerSynonym: 'compression.type', validate: oneOf('uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer') },
  { name: 'delete.retention.ms', type: 'long', default: '86400000', brokerSynonym: 'log.cleaner.delete.retention.ms', validate: atLeast(0) },
  { name: 'file.delete.delay.ms', type: 'long', default: '60000', brokerSynonym: 'log.segment.delete.delay.ms', validate: atLeast(0) },
  { name: 'flush.messages', type: 'long', default: LONG_MAX, brokerSynonym: 'log.flush.interval.messages', validate: atLeast(1) },
  { name: 'flush.ms', type: 'long', default: LONG_MAX, brokerSynonym: 'log.flush.interval.ms', validate: atLeast(0) },
  { name: 'index.interval.bytes', type: 'int', default: '4096', brokerSynonym: 'log.index.interval.bytes', validate: atLeast(0) },
  { name: 'max.compaction.lag.ms', type: 'long', default: LONG_MAX, brokerSynonym: 'log.cleaner.max.compaction.lag.ms', validate: atLeast(1) },
  { name: 'max.message.bytes', type: 'int', default: '1048588', brokerSynonym: 'message.max.bytes', validate: atLeast(0) },
  { name: 'message.timestamp.difference.max.ms', type: 'long', default: LONG_MAX, brokerSynonym: 'log.message.timestamp.difference.max.ms', validate: atLeast(0) },
  { name: 'message.timestamp.type', type: 'string', default: 'CreateTime', brokerSynonym: 'log.message.timestamp.type', validate: oneOf('CreateTime', 'LogAppendTime') },
  { name: 'min.cleanable.dirty.ratio', type: 'double', default: '0.5', brokerSynonym: 'log.cleaner.min.cleanable.ratio' },
  { name: 'min.compaction.lag.ms', type: 'long', default: '0', brokerSynonym: 'log.cleaner.min.compaction.lag.ms', validate: atLeast(0) },
  { name: 'min.insync.replicas', type: 'int', default: '1', brokerSynonym: 'min.insync.replicas', validate: atLeast(1) },
  { name: 'preallocate', type: 'boolean', default: 'false', brokerSynonym: 'log.preallocate' },
  { name: 'retention.bytes', type: 'long', default: '-1', brokerSynonym: 'log.retention.bytes' },
  { name: 'retention.ms', type: 'long', default: '604800000', brokerSynonym: 'log.retention.ms', validate: atLeast(-1) },
  { name: 'segment.bytes', type: 'int', default: '1073741824', brokerSynonym: 'log.segment.bytes', validate: atLeast(14) },
  { name: 'segment.index.bytes', type: 'int', default: '10485760', brokerSynonym: 'log.index.size.max.bytes', validate: atLeast(4) },
  { name: 'segment.jitter.ms', type: 'long', default: '0', brokerSynonym: 'log.roll.jitter.ms', validate: atLeast(0) },
  { name: 'segment.ms', type: 'long', default: '604800000', brokerSynonym: 'log.roll.ms', validate: atLeast(1) },
  { name: 'unclean.leader.election.enable', type: 'boolean', default: 'false', brokerSynonym: 'unclean.leader.election.enable' },
  { name: 'message.downconversion.enable', type: 'boolean', default: 'true', brokerSynonym: 'log.message.downconversion.enable' },
];

const BROKER_DEFS = new Map(BROKER_CONFIG_DEFS.map((d) => [d.name, d]));
const TOPIC_DEFS = new Map(TOPIC_CONFIG_DEFS.map((d) => [d.name, d]));

export function brokerConfigDef(name: string): ConfigDef | undefined {
  return BROKER_DEFS.get(name);
}
export function topicConfigDef(name: string): TopicConfigDef | undefined {
  return TOPIC_DEFS.get(name);
}

/** Checks a value against a type; returns Kafka-style wording or null. */
export function checkType(type: ConfigType, value: string): string | null {
  const v = value.trim();
  switch (type) {
    case 'int':
    case 'short':
    case 'long': {
      if (!/^[-+]?\d+$/.test(v)) return `Expected value to be a ${type === 'long' ? '64' : type === 'short' ? '16' : '32'}-bit integer, but it was a String`;
      const n = BigInt(v);
      const [lo, hi] = type === 'short' ? [-32768n, 32767n] : type === 'int' ? [-2147483648n, 2147483647n] : [-(2n ** 63n), 2n ** 63n - 1n];
      if (n < lo || n > hi) return `Value ${v} is out of range for a ${type}`;
      return null;
    }
    case 'double':
      return v !== '' && Number.isFinite(Number(v)) ? null : 'Expected value to be a double, but it was a String';
    case 'boolean':
      return v.toLowerCase() === 'true' || v.toLowerCase() === 'false' ? null : 'Expected value to be either true or false';
    default:
      return null;
  }
}

/** Validates one topic-level config entry; returns an error message or null. */
export function validateTopicConfig(name: string, value: string | null): string | null {
  const def = TOPIC_DEFS.get(name);
  if (!def) return `Unknown topic config name: ${name}`;
  if (value === null) return null;
  const t = checkType(def.type, value);
  if (t) return `Invalid value ${value} for configuration ${name}: ${t}`;
  const v = def.validate?.(value.trim());
  return v ? `Invalid value ${value} for configuration ${name}: ${v}` : null;
}

export interface BrokerConfig {
  /** Effective values of every set key (file + overrides), trimmed. */
  readonly values: ReadonlyMap<string, string>;
  /** Where each set key came from (`server.properties:12` or `--override`). */
  readonly origins: ReadonlyMap<string, string>;
  readonly nodeId: number;
  readonly processRoles: readonly ('broker' | 'controller')[];
  readonly mode: 'kraft' | 'zk' | 'standalone';
  readonly logDirs: readonly string[];
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly autoCreateTopicsEnable: boolean;
  readonly deleteTopicEnable: boolean;
  readonly socketRequestMaxBytes: number;
  readonly queuedMaxRequestBytes: number;
  readonly messageMaxBytes: number;
  readonly offsetsTopicNumPartitions: number;
  readonly offsetsRetentionMinutes: number;
  readonly offsetsRetentionCheckIntervalMs: number;
  readonly offsetMetadataMaxBytes: number;
  readonly groupInitialRebalanceDelayMs: number;
  readonly groupMinSessionTimeoutMs: number;
  readonly groupMaxSessionTimeoutMs: number;
  readonly transactionMaxTimeoutMs: number;
  /** Effective value (set or default) of any known broker key; undefined for unknown keys without a value. */
  get(name: string): string | null | undefined;
  getInt(name: string): number;
  getBool(name: string): boolean;
  /** The broker-level default for a topic config (synonym set in server.properties, else Kafka's default). */
  topicDefault(name: string): { value: string; source: 'STATIC_BROKER_CONFIG' | 'DEFAULT_CONFIG'; synonym: string | null };
}

export interface LoadedConfig {
  config: BrokerConfig;
  warnings: string[];
}

/** Parses `key=value` override strings (--override). */
export function parseOverrides(list: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new KstackError('KSTACK_BROKER_CONFIG', `invalid --override '${item}': expected key=value`, { fix: 'write it as --override log.retention.hours=24', exitCode: 2 });
    }
    out.set(item.slice(0, eq).trim(), item.slice(eq + 1).trim());
  }
  return out;
}

function configError(key: string, where: string, value: string, why: string): KstackError {
  return new KstackError('KSTACK_BROKER_CONFIG', `Invalid value ${value} for configuration ${key} (${where}): ${why}`, {
    fix: `correct ${key} in ${where.replace(/:\d+$/, '')}`,
    exitCode: 2,
  });
}

/** Builds the typed config from a parsed server.properties and overrides. Throws KstackError on invalid values. */
export function loadBrokerConfig(file: PropertiesFile | null, overrides: ReadonlyMap<string, string> = new Map()): LoadedConfig {
  const values = new Map<string, string>();
  const origins = new Map<string, string>();
  const warnings: string[] = [];
  if (file) {
    for (const [k, v] of file.toMap()) {
      values.set(k, v.trim());
      origins.set(k, file.where(k));
    }
    for (const d of file.duplicates) warnings.push(`${file.source}: ${d.key} is set more than once (lines ${d.lines.join(', ')}); the last one wins`);
    for (const p of file.problems) warnings.push(`${file.source}:${p.line}: ${p.message}`);
  }
  for (const [k, v] of overrides) {
    values.set(k, v);
    origins.set(k, '--override');
  }

  for (const [key, value] of values) {
    const where = origins.get(key)!;
    const def = BROKER_DEFS.get(key);
    const topicSynonymOnly = !def && TOPIC_CONFIG_DEFS.some((t) => t.brokerSynonym === key);
    if (!def) {
      if (!topicSynonymOnly) warnings.push(`The configuration '${key}' was supplied but isn't a known config (${where}).`);
      continue;
    }
    if (value === '' && (def.type === 'string' || def.type === 'list')) continue;
    const t = checkType(def.type, value);
    if (t) throw configError(key, where, value, t);
    const v = def.validate?.(value);
    if (v) throw configError(key, where, value, v);
  }

  const effective = (name: string): string | null | undefined => {
    if (values.has(name)) return values.get(name)!;
    const def = BROKER_DEFS.get(name);
    return def ? def.default : undefined;
  };
  const int = (name: string): number => {
    const v = effective(name);
    return v === null || v === undefined ? NaN : Number(v);
  };
  const bool = (name: string): boolean => String(effective(name)).toLowerCase() === 'true';

  const roles = (effective('process.roles') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean) as ('broker' | 'controller')[];
  const nodeIdRaw = values.has('node.id') ? int('node.id') : int('broker.id');
  const mode: BrokerConfig['mode'] = roles.length > 0 ? 'kraft' : values.get('zookeeper.connect') ? 'zk' : 'standalone';
  if (mode === 'kraft' && !values.has('node.id')) {
    throw new KstackError('KSTACK_BROKER_CONFIG', `Missing required configuration "node.id" which has no default value (process.roles=${roles.join(',')})`, { fix: 'add node.id=1 to server.properties', exitCode: 2 });
  }
  const logDirsRaw = effective('log.dirs') ?? effective('log.dir') ?? '/tmp/kafka-logs';
  const logDirs = logDirsRaw.split(',').map((s) => s.trim()).filter(Boolean);

  const topicDefault: BrokerConfig['topicDefault'] = (name) => {
    const def = TOPIC_DEFS.get(name);
    if (!def) return { value: '', source: 'DEFAULT_CONFIG', synonym: null };
    const syn = def.brokerSynonym;
    // Time-based settings have hour/minute/ms variants at broker level.
    if (name === 'retention.ms') {
      const ms = values.get('log.retention.ms') ?? (values.has('log.retention.minutes') ? String(Number(values.get('log.retention.minutes')) * 60_000) : values.has('log.retention.hours') ? String(Number(values.get('log.retention.hours')) * 3_600_000) : undefined);
      const key = values.has('log.retention.ms') ? 'log.retention.ms' : values.has('log.retention.minutes') ? 'log.retention.minutes' : 'log.retention.hours';
      return ms !== undefined ? { value: ms, source: 'STATIC_BROKER_CONFIG', synonym: key } : { value: def.default, source: 'DEFAULT_CONFIG', synonym: null };
    }
    if (name === 'segment.ms') {
      const ms = values.get('log.roll.ms') ?? (values.has('log.roll.hours') ? String(Number(values.get('log.roll.hours')) * 3_600_000) : undefined);
      const key = values.has('log.roll.ms') ? 'log.roll.ms' : 'log.roll.hours';
      return ms !== undefined ? { value: ms, source: 'STATIC_BROKER_CONFIG', synonym: key } : { value: def.default, source: 'DEFAULT_CONFIG', synonym: null };
    }
    if (syn && values.has(syn)) return { value: values.get(syn)!, source: 'STATIC_BROKER_CONFIG', synonym: syn };
    return { value: def.default, source: 'DEFAULT_CONFIG', synonym: null };
  };

  const config: BrokerConfig = {
    values,
    origins,
    nodeId: Number.isNaN(nodeIdRaw) ? -1 : nodeIdRaw,
    processRoles: roles,
    mode,
    logDirs,
    numPartitions: int('num.partitions'),
    defaultReplicationFactor: int('default.replication.factor'),
    autoCreateTopicsEnable: bool('auto.create.topics.enable'),
    deleteTopicEnable: bool('delete.topic.enable'),
    socketRequestMaxBytes: int('socket.request.max.bytes'),
    queuedMaxRequestBytes: int('queued.max.request.bytes'),
    messageMaxBytes: int('message.max.bytes'),
    offsetsTopicNumPartitions: int('offsets.topic.num.partitions'),
    offsetsRetentionMinutes: int('offsets.retention.minutes'),
    offsetsRetentionCheckIntervalMs: int('offsets.retention.check.interval.ms'),
    offsetMetadataMaxBytes: int('offset.metadata.max.bytes'),
    groupInitialRebalanceDelayMs: int('group.initial.rebalance.delay.ms'),
    groupMinSessionTimeoutMs: int('group.min.session.timeout.ms'),
    groupMaxSessionTimeoutMs: int('group.max.session.timeout.ms'),
    transactionMaxTimeoutMs: int('transaction.max.timeout.ms'),
    get: effective,
    getInt: int,
    getBool: bool,
    topicDefault,
  };
  return { config, warnings };
}

/** Keys that are set but have no effect on this broker (for one INFO line at start). */
export function ignoredKeys(config: BrokerConfig): string[] {
  return [...config.values.keys()].filter((k) => BROKER_DEFS.get(k)?.ignored);
}
