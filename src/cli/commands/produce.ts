/** `kstack produce <topic>`: records from stdin lines (optionally key<sep>value), or a demo generator at --rate. */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { CompressionTypes, type Message, type Producer } from 'kafkajs';
import { KstackError } from '../../errors.js';
import { resolveBootstrap } from '../../client/bootstrap.js';
import { connectKafka } from '../../client/kafka-client.js';
import { demoRecord, parseLine } from '../../client/line-format.js';
import { readClientConfig } from '../../client/client-config.js';

interface ProduceOptions {
  config?: string;
  bootstrap?: string;
  dir?: string;
  keySeparator?: string;
  rate?: string;
  count?: string;
  acks?: string;
  compression?: string;
  quiet?: boolean;
}

const ACKS: Record<string, number> = { all: -1, '-1': -1, '1': 1, '0': 0 };
const CODECS: Record<string, CompressionTypes> = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP };

export function registerProduce(program: Command): void {
  program
    .command('produce')
    .description('Produce records to a topic: one per stdin line, or demo records at --rate')
    .argument('<topic>', 'topic to write to')
    .option('-b, --bootstrap <servers>', 'bootstrap servers host:port[,host:port] (default: the running stack, else 127.0.0.1:9092)')
    .option('--dir <dir>', 'stack workspace to read the bootstrap servers from', '.kstack')
    .option('-K, --key-separator <sep>', 'split each line into key and value at the first <sep>')
    .option('--rate <n>', 'generate demo records at n per second instead of reading stdin')
    .option('--count <n>', 'stop after n records (with --rate)')
    .option('--config <file>', 'producer properties (bootstrap.servers, client.id, acks, compression.type); flags override it')
    .option('--acks <acks>', 'all, 1 or 0 (default: all)')
    .option('--compression <codec>', 'none or gzip (default: none)')
    .option('-q, --quiet', 'do not print a line per demo record')
    .addHelpText(
      'after',
      `
Examples:
  printf 'hello\\nworld\\n' | kstack produce demo
  printf 'user-1:{"clicks":3}\\n' | kstack produce clicks -K :
  kstack produce demo --rate 5 --count 100
  kstack produce demo --config .kstack/clients/producer.properties --rate 2
  kstack produce demo -b 127.0.0.1:9092 --acks 1 --compression gzip < records.txt`,
    )
    .action(async (topic: string, opts: ProduceOptions) => {
      const file = opts.config ? readClientConfig(opts.config) : {};
      opts.acks ??= file.acks ?? 'all';
      opts.compression ??= file.compressionType ?? 'none';
      opts.bootstrap ??= file.bootstrapServers;
      const acks = ACKS[opts.acks];
      if (acks === undefined) throw new KstackError('KSTACK_BAD_OPTION', `--acks must be all, 1 or 0, not "${opts.acks}"`, { exitCode: 2 });
      const compression = CODECS[opts.compression];
      if (compression === undefined) throw new KstackError('KSTACK_BAD_OPTION', `--compression must be none or gzip, not "${opts.compression}"`, { exitCode: 2 });
      const rate = opts.rate === undefined ? undefined : positiveNumber('--rate', opts.rate);
      const count = opts.count === undefined ? undefined : positiveNumber('--count', opts.count);
      const bootstrap = resolveBootstrap({ bootstrap: opts.bootstrap, dir: opts.dir });
      const producer = connectKafka({ bootstrap, clientId: file.clientId ?? 'kstack-producer' }).producer({ allowAutoTopicCreation: true });
      await connectOrExplain(producer, bootstrap);
      const send = (messages: Message[]) => producer.send({ topic, messages, acks, compression });
      let produced = 0;
      try {
        if (rate !== undefined) produced = await produceDemo(send, rate, count, Boolean(opts.quiet));
        else produced = await produceStdin(send, opts.keySeparator);
      } finally {
        await producer.disconnect();
      }
      process.stderr.write(`produced ${produced} record(s) to ${topic}\n`);
    });
}

function positiveNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new KstackError('KSTACK_BAD_OPTION', `${flag} must be a positive number, not "${value}"`, { exitCode: 2 });
  return n;
}

export async function connectOrExplain(client: { connect(): Promise<void> }, bootstrap: string[]): Promise<void> {
  try {
    await client.connect();
  } catch (err) {
    throw new KstackError('KSTACK_KAFKA_UNREACHABLE', `could not connect to Kafka at ${bootstrap.join(',')}: ${(err as Error).message}`, {
      fix: 'start a stack with `kstack up`, pass --bootstrap host:port, or run `kstack doctor listeners --bootstrap host:port` to see why',
    });
  }
}

async function produceStdin(send: (m: Message[]) => Promise<unknown>, keySeparator: string | undefined): Promise<number> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let batch: Message[] = [];
  let produced = 0;
  for await (const line of lines) {
    if (line === '') continue;
    const record = parseLine(line, keySeparator);
    batch.push({ key: record.key, value: record.value });
    if (batch.length >= 500) {
      await send(batch);
      produced += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) {
    await send(batch);
    produced += batch.length;
  }
  return produced;
}

async function produceDemo(send: (m: Message[]) => Promise<unknown>, rate: number, count: number | undefined, quiet: boolean): Promise<number> {
  let stopping = false;
  const stop = () => (stopping = true);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const intervalMs = 1000 / rate;
  const started = Date.now();
  let n = 0;
  let backoffMs = 250;
  while (!stopping && (count === undefined || n < count)) {
    const record = demoRecord(n, Date.now());
    let meta: { partition: number; baseOffset?: string } | undefined;
    try {
      [meta] = (await send([{ key: record.key, value: record.value }])) as { partition: number; baseOffset?: string }[];
    } catch (err) {
      // A supervised demo client outlives a broker restart or a leader move: report, back off, send the same
      // record again (so the sequence stays gap-free).
      process.stderr.write(`send of seq=${n} failed: ${(err as Error).message}; retrying in ${backoffMs} ms\n`);
      await new Promise((r) => setTimeout(r, backoffMs));
      backoffMs = Math.min(backoffMs * 2, 5000);
      continue;
    }
    backoffMs = 250;
    if (!quiet) process.stdout.write(`produced seq=${n} key=${record.key} partition=${meta?.partition ?? '?'} offset=${meta?.baseOffset ?? '?'}\n`);
    n++;
    const wait = started + n * intervalMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  process.removeListener('SIGTERM', stop);
  process.removeListener('SIGINT', stop);
  return n;
}
