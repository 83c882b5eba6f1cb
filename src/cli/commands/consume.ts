/** `kstack consume <topic>`: prints records as they arrive, in a consumer group (a throwaway one by default). */
import type { Command } from 'commander';
import { KstackError } from '../../errors.js';
import { resolveBootstrap } from '../../client/bootstrap.js';
import { connectKafka } from '../../client/kafka-client.js';
import { formatRecord, type OutputFormat } from '../../client/line-format.js';
import { connectOrExplain } from './produce.js';
import { readClientConfig } from '../../client/client-config.js';

interface ConsumeOptions {
  config?: string;
  bootstrap?: string;
  dir?: string;
  group?: string;
  fromBeginning?: boolean;
  max?: string;
  timeout?: string;
  format: string;
}

const FORMATS: OutputFormat[] = ['value', 'kv', 'json', 'detail'];

export function registerConsume(program: Command): void {
  program
    .command('consume')
    .description('Consume records from a topic and print them')
    .argument('<topic>', 'topic to read')
    .option('-b, --bootstrap <servers>', 'bootstrap servers host:port[,host:port] (default: the running stack, else 127.0.0.1:9092)')
    .option('--dir <dir>', 'stack workspace to read the bootstrap servers from', '.kstack')
    .option('--config <file>', 'consumer properties (bootstrap.servers, client.id, group.id, auto.offset.reset); flags override it')
    .option('-g, --group <group>', 'consumer group (committed offsets are resumed); default: a throwaway group, as kafka-console-consumer does')
    .option('--from-beginning', 'start at the earliest offset when the group has no committed offset')
    .option('--max <n>', 'exit after n records')
    .option('--timeout <ms>', 'exit when no record arrives for this long')
    .option('--format <format>', `output: ${FORMATS.join(', ')}`, 'value')
    .addHelpText(
      'after',
      `
Examples:
  kstack consume demo --from-beginning
  kstack consume orders --group billing --format detail
  kstack consume demo --config .kstack/clients/consumer.properties
  kstack consume demo --from-beginning --max 10 --format json -b 127.0.0.1:9092`,
    )
    .action(async (topic: string, opts: ConsumeOptions) => {
      const file = opts.config ? readClientConfig(opts.config) : {};
      opts.bootstrap ??= file.bootstrapServers;
      opts.group ??= file.groupId;
      opts.fromBeginning ??= file.fromBeginning;
      const format = opts.format as OutputFormat;
      if (!FORMATS.includes(format)) throw new KstackError('KSTACK_BAD_OPTION', `--format must be one of ${FORMATS.join(', ')}`, { exitCode: 2 });
      const max = opts.max === undefined ? Infinity : Number(opts.max);
      const idleMs = opts.timeout === undefined ? undefined : Number(opts.timeout);
      if (!(max > 0) || (idleMs !== undefined && !(idleMs > 0))) throw new KstackError('KSTACK_BAD_OPTION', '--max and --timeout take positive numbers', { exitCode: 2 });
      const bootstrap = resolveBootstrap({ bootstrap: opts.bootstrap, dir: opts.dir });
      const groupId = opts.group ?? `kstack-console-consumer-${process.pid}-${Date.now() % 100000}`;
      const consumer = connectKafka({ bootstrap, clientId: file.clientId ?? 'kstack-consumer' }).consumer({ groupId, allowAutoTopicCreation: true });
      await connectOrExplain(consumer, bootstrap);
      await consumer.subscribe({ topics: [topic], fromBeginning: Boolean(opts.fromBeginning) });

      let seen = 0;
      let idleTimer: NodeJS.Timeout | undefined;
      let finish!: () => void;
      let fail!: (err: Error) => void;
      const finished = new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)));
      // kafkajs stops a consumer after a non-retriable error and only says so through this event; without it the
      // process would end silently with nothing pending.
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) fail(new KstackError('KSTACK_CONSUMER_FAILED', `the consumer stopped: ${payload.error.message}`));
      });
      const armIdle = () => {
        if (idleMs === undefined) return;
        clearTimeout(idleTimer);
        idleTimer = setTimeout(finish, idleMs);
      };
      process.once('SIGTERM', () => finish());
      process.once('SIGINT', () => finish());
      armIdle();
      await consumer.run({
        eachMessage: async ({ topic: t, partition, message }) => {
          if (seen >= max) return;
          seen++;
          process.stdout.write(`${formatRecord({ topic: t, partition, offset: message.offset, timestamp: message.timestamp, key: message.key, value: message.value, headers: message.headers }, format)}\n`);
          armIdle();
          if (seen >= max) finish();
        },
      });
      try {
        await finished;
      } finally {
        clearTimeout(idleTimer);
      }
      await consumer.disconnect();
      process.stderr.write(`consumed ${seen} record(s) from ${topic}\n`);
    });
}
