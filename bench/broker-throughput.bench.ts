/**
 * Native broker vs Apache Kafka itself, in the same run, through the same client (librdkafka's kcat, batching
 * settings below): produce and consume throughput for 100-byte and 1 KiB records, start-up time (process start →
 * first successful Metadata), idle and peak RSS. Apache Kafka is a single KRaft node from Maven Central's jars
 * (`bash scripts/fetch-apache-kafka.sh`); without them the benchmark says so and reports the native broker alone.
 *
 * Settings (one topic per record size, 6 partitions, on each broker):
 *   producer: kcat -P -l FILE -X linger.ms=5 -X batch.num.messages=10000 -X batch.size=1000000
 *             -X queue.buffering.max.messages=2000000 -X queue.buffering.max.kbytes=2097151  (acks=all, the default)
 *   consumer: kcat -C -o beginning -e -q -X fetch.max.bytes=52428800 -X queued.max.messages.kbytes=1048576
 *             -X queued.min.messages=1000000
 * queued.min.messages: librdkafka 2.0 stops fetching a partition while its local queue holds more than 100000
 * messages (the default) and only looks again on its ~1 s broker-thread wake-up; with 100-byte records one or two
 * 6 MB fetch responses cross that line, so either broker randomly lost up to a second to the client's pause.
 * Each (broker, record size) pair runs KSTACK_BENCH_RUNS times (default 3) on fresh topics; the median run is
 * reported for both brokers. A consume also contains the client's end-of-partition detection: one Fetch at the
 * log end that waits fetch.wait.max.ms (500 ms), on both brokers.
 * KSTACK_BENCH_NATIVE_ONLY=1 skips Apache Kafka (quick iterations on the native broker; no ratios).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { isApacheKafkaAvailable, readRssKiB, startApacheKafka } from '../test/support/apache-kafka.js';
import { startNativeBroker } from '../test/support/native-broker.js';
import { fetchMetadata } from '../src/stack/readiness.js';
import type { Bench, Measurement } from './harness.js';

const PRODUCER_PROPS = ['-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-X', 'batch.size=1000000', '-X', 'queue.buffering.max.messages=2000000', '-X', 'queue.buffering.max.kbytes=2097151'];
const CONSUMER_PROPS = ['-X', 'fetch.max.bytes=52428800', '-X', 'queued.max.messages.kbytes=1048576', '-X', 'queued.min.messages=1000000'];
const RUNS = Math.max(1, Number(process.env.KSTACK_BENCH_RUNS ?? 3));
const SIZES = [
  { name: '100 B', bytes: 100, count: Number(process.env.KSTACK_BENCH_SMALL ?? 300_000) },
  { name: '1 KiB', bytes: 1024, count: Number(process.env.KSTACK_BENCH_LARGE ?? 60_000) },
];

async function writeRecordsFile(path: string, bytes: number, count: number): Promise<void> {
  const line = `${'x'.repeat(bytes - 1)}\n`;
  const out = createWriteStream(path);
  const chunk = line.repeat(1000);
  for (let i = 0; i < count / 1000; i++) if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((r) => out.end(r));
}

function runKcat(args: string[], countLines: boolean): Promise<{ ms: number; lines: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('kcat', args, { stdio: ['ignore', countLines ? 'pipe' : 'ignore', 'pipe'] });
    let lines = 0;
    let err = '';
    child.stdout?.on('data', (d: Buffer) => {
      for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++;
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve({ ms: performance.now() - started, lines }) : reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${err.slice(0, 500)}`))));
  });
}

interface BrokerResult {
  startupMs: number;
  idleRssMB: number;
  peakRssMB: number;
  produce: Map<string, Throughput>;
  consume: Map<string, Throughput>;
}

interface Throughput {
  rps: number;
  mbps: number;
  /** Wall time of every run (the median one gives rps/mbps). */
  runsMs: number[];
}

async function measure(bootstrap: string, pid: number, files: Map<string, string>, label: string): Promise<Omit<BrokerResult, 'startupMs' | 'idleRssMB'>> {
  const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, clientId: 'kstack-bench' });
  const admin = kafka.admin();
  await admin.connect();
  const topics: string[] = [];
  for (const s of SIZES) for (let run = 0; run < RUNS; run++) topics.push(`bench-${s.bytes}-${run}`);
  await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: 6, replicationFactor: 1 })) });
  await admin.disconnect();
  const produce = new Map<string, Throughput>();
  const consume = new Map<string, Throughput>();
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const s of SIZES) {
    const produceMs: number[] = [];
    const consumeMs: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const topic = `bench-${s.bytes}-${run}`;
      const p = await runKcat(['-P', '-b', bootstrap, '-t', topic, '-l', files.get(s.name)!, ...PRODUCER_PROPS], false);
      produceMs.push(p.ms);
      const c = await runKcat(['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', ...CONSUMER_PROPS], true);
      if (c.lines !== s.count) throw new Error(`${label}: consumed ${c.lines} of ${s.count} ${s.name} records`);
      consumeMs.push(c.ms);
    }
    const pm = median(produceMs);
    const cm = median(consumeMs);
    produce.set(s.name, { rps: (s.count * 1000) / pm, mbps: (s.count * s.bytes) / 1e3 / pm, runsMs: produceMs });
    consume.set(s.name, { rps: (s.count * 1000) / cm, mbps: (s.count * s.bytes) / 1e3 / cm, runsMs: consumeMs });
  }
  return { produce, consume, peakRssMB: peakRssMB(pid) };
}

function peakRssMB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

async function waitForMetadata(port: number, started: number): Promise<number> {
  for (;;) {
    try {
      await fetchMetadata('127.0.0.1', port, [], false, 500);
      return performance.now() - started;
    } catch {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

const bench: Bench = {
  name: 'broker throughput (native vs Apache Kafka, kcat)',
  slow: true,
  async run(report) {
    const work = mkdtempSync(join(tmpdir(), 'kstack-bench-'));
    const files = new Map<string, string>();
    for (const s of SIZES) {
      const path = join(work, `records-${s.bytes}.txt`);
      await writeRecordsFile(path, s.bytes, s.count);
      files.set(s.name, path);
    }
    try {
      // Native broker: a real child process, as `kstack up` runs it. Started RUNS times (the median start-up is
      // reported); the last one is measured.
      const startups: number[] = [];
      let native!: Awaited<ReturnType<typeof startNativeBroker>>;
      for (let run = 0; run < RUNS; run++) {
        const t0 = performance.now();
        native = await startNativeBroker({ mode: 'child', properties: { 'num.partitions': '6' } });
        startups.push(await waitForMetadata(native.port, t0));
        if (run < RUNS - 1) await native.cleanup();
      }
      const nativeStartup = [...startups].sort((a, b) => a - b)[Math.floor(startups.length / 2)];
      const nativeIdle = (readRssKiB(native.pid) ?? 0) / 1024;
      const nativeRun = await measure(native.bootstrap, native.pid, files, 'native');
      await native.cleanup();
      const nativeResult: BrokerResult = { startupMs: nativeStartup, idleRssMB: nativeIdle, ...nativeRun };

      let kafkaResult: BrokerResult | null = null;
      let kafkaVersion = '';
      if (process.env.KSTACK_BENCH_NATIVE_ONLY !== '1' && isApacheKafkaAvailable()) {
        const kafka = await startApacheKafka({ heapMb: 1024, overrides: { 'num.partitions': 6 } });
        kafkaVersion = kafka.version;
        await new Promise((r) => setTimeout(r, 2000)); // let start-up work settle before the idle reading
        const idle = (kafka.rssKiB() ?? 0) / 1024;
        const run = await measure(kafka.bootstrap, kafka.pid, files, `Apache Kafka ${kafka.version}`);
        kafkaResult = { startupMs: kafka.startupMs, idleRssMB: idle, ...run };
        await kafka.stop();
      } else if (process.env.KSTACK_BENCH_NATIVE_ONLY === '1') {
        report({ name: 'Apache Kafka reference', value: 0, unit: '-', notes: 'skipped (KSTACK_BENCH_NATIVE_ONLY=1); native numbers only' });
      } else {
        report({ name: 'Apache Kafka reference', value: 0, unit: '-', notes: 'jars missing: run `bash scripts/fetch-apache-kafka.sh`; native numbers only' });
      }
      const ref = (name: string, value: number | undefined): Measurement['reference'] => (value === undefined ? undefined : { name, value });
      const kname = `Apache Kafka ${kafkaVersion}`;
      for (const s of SIZES) {
        for (const [what, n, k] of [
          ['produce', nativeResult.produce.get(s.name)!, kafkaResult?.produce.get(s.name)],
          ['consume', nativeResult.consume.get(s.name)!, kafkaResult?.consume.get(s.name)],
        ] as const) {
          const runs = (t: Throughput | undefined) => (t ? t.runsMs.map((ms) => ms.toFixed(0)).join('/') : '-');
          report({
            name: `${what} ${s.name} records/s (native)`,
            value: n.rps,
            unit: 'rec/s',
            reference: ref(kname, k?.rps),
            notes: `${s.count} records, 6 partitions, median of ${RUNS}; runs ms native ${runs(n)}, Kafka ${runs(k)}`,
          });
          report({ name: `${what} ${s.name} MB/s (native)`, value: n.mbps, unit: 'MB/s', reference: ref(kname, k?.mbps) });
        }
      }
      // For these three, lower is better: the ratio printed is native / Kafka.
      report({
        name: 'start-up to first Metadata (native)',
        value: nativeResult.startupMs,
        unit: 'ms',
        reference: ref(kname, kafkaResult?.startupMs),
        notes: `native median of ${RUNS} starts: ${startups.map((ms) => ms.toFixed(0)).join('/')} ms; Kafka one start`,
      });
      report({ name: 'idle RSS (native)', value: nativeResult.idleRssMB, unit: 'MB', reference: ref(kname, kafkaResult?.idleRssMB) });
      report({ name: 'peak RSS (native)', value: nativeResult.peakRssMB, unit: 'MB', reference: ref(kname, kafkaResult?.peakRssMB) });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};
export default bench;
