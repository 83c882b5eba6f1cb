/**
 * Dev-time capture of golden protocol fixtures: real clients talk to real Apache Kafka through the recording
 * proxy, and one request/response pair per (client, apiKey, apiVersion) is written to test/fixtures/golden/.
 *
 *   bash scripts/fetch-apache-kafka.sh && npx tsx scripts/capture-golden.ts [--kafka-version 3.9.1] [--out DIR]
 *
 * Output: <out>/<client>/<apiKey>-<ApiName>-v<version>-{request,response}.bin (frames without the 4-byte size
 * prefix: request = request header + body, response = response header + body) and <out>/index.json.
 * The default broker is Kafka 3.9.1 because kstack's codecs come from the 3.9 schemas and 3.9 still accepts
 * the old versions kafka-python and librdkafka send. Re-running replaces the whole output folder.
 *
 * Clients: kcat/librdkafka (metadata -L, produce, consume, -G group consume, and produce+consume with each
 * compression codec under kcat-<codec>/, Produce and Fetch only), kafkajs (admin, producer incl. a
 * transaction, consumer group), kafka-python via /usr/bin/python3 (admin, producer, consumer group) and the
 * Java client (admin, idempotent producer, consumer group), confluent-kafka's AdminClient (librdkafka admin
 * versions), and kafka-python pinned to api_version 0.10.0 / 0.9 / 0.8.2 (legacy message formats).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { startApacheKafka } from '../test/support/apache-kafka.js';
import { findJavaClient, javaConsume, javaCreateTopic, javaProduce } from '../test/support/java-client.js';
import { startRecordingProxy, type Exchange } from '../test/support/recording-proxy.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Kafka's API names by key (facts from the protocol guide), used only for file names. */
export const API_NAMES: Record<number, string> = {
  0: 'Produce', 1: 'Fetch', 2: 'ListOffsets', 3: 'Metadata', 4: 'LeaderAndIsr', 5: 'StopReplica', 6: 'UpdateMetadata',
  7: 'ControlledShutdown', 8: 'OffsetCommit', 9: 'OffsetFetch', 10: 'FindCoordinator', 11: 'JoinGroup', 12: 'Heartbeat',
  13: 'LeaveGroup', 14: 'SyncGroup', 15: 'DescribeGroups', 16: 'ListGroups', 17: 'SaslHandshake', 18: 'ApiVersions',
  19: 'CreateTopics', 20: 'DeleteTopics', 21: 'DeleteRecords', 22: 'InitProducerId', 23: 'OffsetForLeaderEpoch',
  24: 'AddPartitionsToTxn', 25: 'AddOffsetsToTxn', 26: 'EndTxn', 27: 'WriteTxnMarkers', 28: 'TxnOffsetCommit',
  29: 'DescribeAcls', 30: 'CreateAcls', 31: 'DeleteAcls', 32: 'DescribeConfigs', 33: 'AlterConfigs',
  34: 'AlterReplicaLogDirs', 35: 'DescribeLogDirs', 36: 'SaslAuthenticate', 37: 'CreatePartitions',
  38: 'CreateDelegationToken', 39: 'RenewDelegationToken', 40: 'ExpireDelegationToken', 41: 'DescribeDelegationToken',
  42: 'DeleteGroups', 43: 'ElectLeaders', 44: 'IncrementalAlterConfigs', 45: 'AlterPartitionReassignments',
  46: 'ListPartitionReassignments', 47: 'OffsetDelete', 48: 'DescribeClientQuotas', 49: 'AlterClientQuotas',
  50: 'DescribeUserScramCredentials', 51: 'AlterUserScramCredentials', 52: 'Vote', 53: 'BeginQuorumEpoch',
  54: 'EndQuorumEpoch', 55: 'DescribeQuorum', 56: 'AlterPartition', 57: 'UpdateFeatures', 58: 'Envelope',
  59: 'FetchSnapshot', 60: 'DescribeCluster', 61: 'DescribeProducers', 62: 'BrokerRegistration',
  63: 'BrokerHeartbeat', 64: 'UnregisterBroker', 65: 'DescribeTransactions', 66: 'ListTransactions',
  67: 'AllocateProducerIds', 68: 'ConsumerGroupHeartbeat', 69: 'ConsumerGroupDescribe', 70: 'ControllerRegistration',
  71: 'GetTelemetrySubscriptions', 72: 'PushTelemetry', 73: 'AssignReplicasToDirs', 74: 'ListClientMetricsResources',
  75: 'DescribeTopicPartitions', 80: 'AddRaftVoter', 81: 'RemoveRaftVoter', 82: 'UpdateRaftVoter',
};

/** Frames above this are left out (large Fetch responses); fixtures stay small. */
const MAX_FRAME = 64 * 1024;

interface Step {
  client: string;
  describe: string;
  /** Keep only these API keys (compression variants keep Produce and Fetch). */
  onlyApis?: number[];
  run(bootstrap: string): Promise<void>;
}

interface IndexEntry {
  client: string;
  apiKey: number;
  apiName: string;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  request: string;
  response: string;
  requestBytes: number;
  responseBytes: number;
}

function parseArgs(argv: string[]): { kafkaVersion: string; out: string } {
  let kafkaVersion = '3.9.1';
  let out = join(ROOT, 'test', 'fixtures', 'golden');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--kafka-version' && argv[i + 1]) kafkaVersion = argv[++i];
    else if (a === '--out' && argv[i + 1]) out = argv[++i];
    else throw new Error(`capture-golden: unknown argument ${a} (use --kafka-version V, --out DIR)`);
  }
  return { kafkaVersion, out };
}

/** Runs a command to completion; rejects with its stderr on a non-zero exit or after timeoutMs. */
function run(file: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${file} ${args.join(' ')} → ${code ?? signal}\n${out.slice(-1000)}${err.slice(-2000)}`));
    });
    child.stdin.end(opts.input ?? '');
  });
}

function versionOf(file: string, args: string[]): Promise<string> {
  return new Promise((resolve) => execFile(file, args, (err, stdout, stderr) => resolve(err ? 'unknown' : `${stdout}${stderr}`)));
}

const KCAT = 'kcat';
const kcatBase = (bootstrap: string, clientId: string) => ['-b', bootstrap, '-X', `client.id=${clientId}`];
const kcatLines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `key-${i}:${tag}-value-${i}`).join('\n') + '\n';

function kcatSteps(): Step[] {
  const id = 'kstack-golden-kcat';
  const steps: Step[] = [
    {
      client: 'kcat',
      describe: 'kcat -L, produce (no compression) with a header, consume -e, -G group consume',
      async run(b) {
        await run(KCAT, [...kcatBase(b, id), '-L']);
        await run(KCAT, [...kcatBase(b, id), '-P', '-t', 'golden-kcat', '-K', ':', '-H', 'kstack-client=kcat', '-z', 'none'], { input: kcatLines(5, 'plain') });
        await run(KCAT, [...kcatBase(b, id), '-C', '-t', 'golden-kcat', '-o', 'beginning', '-e', '-q']);
        await run(KCAT, [...kcatBase(b, id), '-X', 'auto.offset.reset=earliest', '-G', 'kstack-golden-kcat-group', 'golden-kcat', '-e', '-q'], {
          timeoutMs: 45_000,
        });
      },
    },
  ];
  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
    steps.push({
      client: `kcat-${codec}`,
      describe: `kcat produce with -z ${codec} and consume it back (Produce and Fetch only)`,
      onlyApis: [0, 1],
      async run(b) {
        const topic = `golden-kcat-${codec}`;
        await run(KCAT, [...kcatBase(b, id), '-P', '-t', topic, '-K', ':', '-z', codec], { input: kcatLines(20, codec) });
        await run(KCAT, [...kcatBase(b, id), '-C', '-t', topic, '-o', 'beginning', '-e', '-q']);
      },
    });
  }
  return steps;
}

function kafkajsStep(): Step {
  return {
    client: 'kafkajs',
    describe: 'kafkajs admin (createTopics, metadata, configs, partitions, groups, offsets), producer (plain, gzip, transaction), consumer group',
    async run(b) {
      const kafka = new Kafka({ clientId: 'kstack-golden-kafkajs', brokers: [b], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'golden-kafkajs', numPartitions: 2 }], waitForLeaders: true });
      await admin.fetchTopicMetadata({ topics: ['golden-kafkajs'] });
      await admin.describeConfigs({ resources: [{ type: 2, name: 'golden-kafkajs' }], includeSynonyms: false });
      await admin.createPartitions({ topicPartitions: [{ topic: 'golden-kafkajs', count: 3 }] });
      const producer = kafka.producer();
      await producer.connect();
      const messages = Array.from({ length: 10 }, (_, i) => ({ key: `key-${i}`, value: `value-${i}`, headers: { 'kstack-seq': String(i) } }));
      await producer.send({ topic: 'golden-kafkajs', messages });
      await producer.send({ topic: 'golden-kafkajs', messages, compression: CompressionTypes.GZIP });
      await producer.disconnect();
      const tx = kafka.producer({ transactionalId: 'kstack-golden-tx', idempotent: true, maxInFlightRequests: 1 });
      await tx.connect();
      const t = await tx.transaction();
      await t.send({ topic: 'golden-kafkajs', messages: messages.slice(0, 3) });
      // AddOffsetsToTxn + TxnOffsetCommit: offsets committed as part of the transaction.
      await t.sendOffsets({ consumerGroupId: 'kstack-golden-tx-group', topics: [{ topic: 'golden-kafkajs', partitions: [{ partition: 0, offset: '1' }] }] });
      await t.commit();
      await tx.disconnect();
      const consumer = kafka.consumer({ groupId: 'kstack-golden-kafkajs-group', heartbeatInterval: 100 });
      await consumer.connect();
      await consumer.subscribe({ topic: 'golden-kafkajs', fromBeginning: true });
      let seen = 0;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`kafkajs consumer saw ${seen} of 23 records`)), 45_000);
        void consumer.run({
          eachMessage: async ({ heartbeat }) => {
            await heartbeat();
            if (++seen === 23) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
      await consumer.disconnect();
      await admin.listGroups();
      await admin.describeGroups(['kstack-golden-kafkajs-group']);
      await admin.fetchOffsets({ groupId: 'kstack-golden-kafkajs-group', topics: ['golden-kafkajs'] });
      await admin.deleteGroups(['kstack-golden-kafkajs-group']);
      await admin.deleteTopics({ topics: ['golden-kafkajs'] });
      await admin.disconnect();
    },
  };
}

function kafkaPythonStep(): Step {
  const peer = join(ROOT, 'test', 'peers', 'kafka-python', 'peer.py');
  return {
    client: 'kafka-python',
    describe: 'kafka-python (Debian python3-kafka) admin, producer, consumer group',
    async run(b) {
      const common = ['--bootstrap', b, '--topic', 'golden-python', '--client-id', 'kstack-golden-kafka-python'];
      await run('/usr/bin/python3', [peer, 'admin', ...common, '--partitions', '2'], { timeoutMs: 60_000 });
      await run('/usr/bin/python3', [peer, 'produce', ...common, '--count', '10'], { timeoutMs: 60_000 });
      await run('/usr/bin/python3', [peer, 'consume', ...common, '--count', '10', '--group', 'kstack-golden-python-group'], { timeoutMs: 60_000 });
    },
  };
}

/**
 * kafka-python pinned to old protocol generations: the legacy message formats (magic 0 and 1) and the low API
 * versions sarama-era and 0.10-era clients send, which a broker must still accept.
 */
function kafkaPythonLegacySteps(): Step[] {
  const peer = join(ROOT, 'test', 'peers', 'kafka-python', 'peer.py');
  return [
    { api: '0.10.0', consume: true },
    { api: '0.9', consume: true },
    { api: '0.8.2', consume: false },
  ].map(({ api, consume }) => ({
    client: `kafka-python-api-${api}`,
    describe: `kafka-python with api_version=${api}: produce${consume ? ' and consume in a group' : ''} with that release's versions`,
    async run(b: string) {
      const topic = `golden-python-${api.replace(/\./g, '-')}`;
      const common = ['--bootstrap', b, '--topic', topic, '--client-id', 'kstack-golden-kafka-python', '--api-version', api];
      await run('/usr/bin/python3', [peer, 'produce', ...common, '--count', '5'], { timeoutMs: 60_000 });
      if (consume) await run('/usr/bin/python3', [peer, 'consume', ...common, '--count', '5', '--group', `${topic}-group`], { timeoutMs: 60_000 });
    },
  }));
}

function confluentKafkaStep(): Step {
  const peer = join(ROOT, 'test', 'peers', 'confluent-kafka', 'admin.py');
  return {
    client: 'confluent-kafka',
    describe: 'confluent-kafka (librdkafka) AdminClient: create/grow/describe/alter/list/delete',
    async run(b) {
      await run('/usr/bin/python3', [peer, '--bootstrap', b, '--topic', 'golden-confluent', '--client-id', 'kstack-golden-confluent-kafka'], { timeoutMs: 90_000 });
    },
  };
}

function javaStep(): Step {
  return {
    client: 'java',
    describe: 'Java kafka-clients: admin createTopics, idempotent producer (acks=all), consumer group',
    async run(b) {
      await javaCreateTopic({ bootstrap: b, topic: 'golden-java', partitions: 2 });
      await javaProduce({ bootstrap: b, topic: 'golden-java', count: 10, clientId: 'kstack-golden-java-producer' });
      // A short heartbeat interval so a Heartbeat exchange happens while the group consumes.
      await javaConsume({
        bootstrap: b,
        topic: 'golden-java',
        group: 'kstack-golden-java-group',
        count: 10,
        clientId: 'kstack-golden-java-consumer',
        props: { 'heartbeat.interval.ms': 100 },
      });
    },
  };
}

/** One exchange per (apiKey, apiVersion): the one with the most bytes (most fields populated) under the cap. */
export function pickExchanges(exchanges: Exchange[], onlyApis?: number[]): Exchange[] {
  const best = new Map<string, Exchange>();
  for (const e of exchanges) {
    if (!e.request || !e.response) continue;
    if (e.request.length > MAX_FRAME || e.response.length > MAX_FRAME) continue;
    if (e.clientId?.startsWith('broker-')) continue;
    if (onlyApis && !onlyApis.includes(e.apiKey)) continue;
    const key = `${e.apiKey}:${e.apiVersion}`;
    const prev = best.get(key);
    if (!prev || e.request.length + e.response.length > prev.request!.length + prev.response!.length) best.set(key, e);
  }
  return [...best.values()].sort((a, b) => a.apiKey - b.apiKey || a.apiVersion - b.apiVersion);
}

async function main(): Promise<void> {
  const { kafkaVersion, out } = parseArgs(process.argv.slice(2));
  const java = findJavaClient();
  const kafkajsVersion = (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'kafkajs', 'package.json'), 'utf8')) as { version: string }).version;
  const kcatVersion = (/Version (\S+) .*?librdkafka (\S+)/.exec(await versionOf(KCAT, ['-V'])) ?? []).slice(1);
  const pyVersion = (await versionOf('/usr/bin/python3', ['-c', 'import kafka; print(kafka.__version__)'])).trim();
  const clientVersions: Record<string, string> = {
    kcat: `kcat ${kcatVersion[0] ?? '?'} (librdkafka ${kcatVersion[1] ?? '?'})`,
    kafkajs: `kafkajs ${kafkajsVersion}`,
    'kafka-python': `kafka-python ${pyVersion}`,
    java: java ? `kafka-clients ${java.version}` : 'not built',
  };
  const steps = [...kcatSteps(), kafkajsStep(), kafkaPythonStep(), ...kafkaPythonLegacySteps(), confluentKafkaStep(), ...(java ? [javaStep()] : [])];

  const proxy = await startRecordingProxy();
  const kafka = await startApacheKafka({ version: kafkaVersion, advertisedPort: proxy.port });
  proxy.setTarget('127.0.0.1', kafka.port);
  const bootstrap = `127.0.0.1:${proxy.port}`;
  console.log(`Kafka ${kafka.version} up in ${Math.round(kafka.startupMs)} ms; proxy on ${bootstrap}`);

  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const index: IndexEntry[] = [];
  const failures: string[] = [];
  try {
    for (const step of steps) {
      proxy.clear();
      const t0 = performance.now();
      try {
        await step.run(bootstrap);
      } catch (err) {
        failures.push(`${step.client}: ${(err as Error).message}`);
        console.error(`! ${step.client} failed: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 300)); // late responses (e.g. LeaveGroup) still in flight
      const picked = pickExchanges(proxy.exchanges, step.onlyApis);
      const dir = join(out, step.client);
      mkdirSync(dir, { recursive: true });
      for (const e of picked) {
        const base = `${e.apiKey}-${API_NAMES[e.apiKey] ?? `Api${e.apiKey}`}-v${e.apiVersion}`;
        writeFileSync(join(dir, `${base}-request.bin`), e.request!);
        writeFileSync(join(dir, `${base}-response.bin`), e.response!);
        index.push({
          client: step.client,
          apiKey: e.apiKey,
          apiName: API_NAMES[e.apiKey] ?? `Api${e.apiKey}`,
          apiVersion: e.apiVersion,
          correlationId: e.correlationId,
          clientId: e.clientId,
          request: relative(out, join(dir, `${base}-request.bin`)),
          response: relative(out, join(dir, `${base}-response.bin`)),
          requestBytes: e.request!.length,
          responseBytes: e.response!.length,
        });
      }
      const seen = proxy.exchanges.length;
      console.log(`${step.client}: ${seen} exchanges, ${picked.length} fixtures (${Math.round(performance.now() - t0)} ms)`);
      if (proxy.anomalies.length) console.warn(`  proxy anomalies: ${proxy.anomalies.join('; ')}`);
    }
  } finally {
    await kafka.stop();
    await proxy.stop();
  }
  writeFileSync(
    join(out, 'index.json'),
    `${JSON.stringify(
      {
        description:
          'Golden Kafka protocol frames captured by scripts/capture-golden.ts through test/support/recording-proxy.ts. Each .bin is a frame without its 4-byte size prefix (request: request header + body; response: response header + body).',
        kafkaVersion,
        clients: clientVersions,
        fixtures: index,
      },
      null,
      2,
    )}\n`,
  );
  const bytes = index.reduce((n, e) => n + e.requestBytes + e.responseBytes, 0);
  console.log(`wrote ${index.length} pairs (${(bytes / 1024).toFixed(1)} KiB) under ${relative(ROOT, out)}`);
  if (failures.length) {
    console.error(`capture incomplete:\n${failures.join('\n')}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
