/**
 * The Kafka client the CLI's produce/consume/topics commands use: kafkajs.
 *
 * Why kafkajs over @platformatic/kafka: kafkajs is pure JavaScript, has years of production use against every
 * Kafka from 0.11 to 4.x, and negotiates versions per API (so it works against old and new brokers alike).
 * @platformatic/kafka is faster and actively maintained, but its Node-20 line (1.x) needs ApiVersions v3+ and
 * flexible versions throughout, which rules out older brokers and librdkafka's mock — the "works against any
 * Kafka" promise matters more for a CLI than raw speed. kafkajs's own maintenance has slowed; the wrapper here is
 * the one place to change if that becomes a problem.
 */
import { Kafka, logLevel, type LogEntry } from 'kafkajs';

export interface ClientOptions {
  bootstrap: string[];
  clientId?: string;
  /** Connection timeout per broker, ms. */
  connectionTimeoutMs?: number;
  /** Print kafkajs warnings and errors to stderr (off for scripted use). */
  verbose?: boolean;
}

export function connectKafka(opts: ClientOptions): Kafka {
  // kafkajs prints a banner about its partitioner change on every producer; the default partitioner is what we want.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  return new Kafka({
    clientId: opts.clientId ?? 'kstack',
    brokers: opts.bootstrap,
    connectionTimeout: opts.connectionTimeoutMs ?? 3000,
    retry: { retries: 5, initialRetryTime: 100 },
    logLevel: opts.verbose ? logLevel.WARN : logLevel.NOTHING,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...rest } = entry.log;
      process.stderr.write(`[kafkajs ${entry.namespace}] ${message} ${JSON.stringify(rest)}\n`);
    },
  });
}

/** "a:1,b:2" → ["a:1", "b:2"], refusing empty entries and missing ports. */
export function parseBootstrap(value: string): string[] {
  const servers = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const s of servers) {
    if (!/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(s)) throw new Error(`bootstrap server "${s}" is not host:port`);
  }
  if (servers.length === 0) throw new Error('no bootstrap servers given');
  return servers;
}
