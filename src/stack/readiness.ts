/**
 * Is the stack ready? Kafka-level answers, not open ports:
 * - a ZooKeeper server is ready when `srvr` reports a mode (the quorum has formed);
 * - a Kafka node is ready when its process runs and its client listener answers a Metadata request;
 * - the stack is ready when a record produced to a readiness topic is fetched back from the partition leader.
 * One-shot request/response exchanges through the wire client (src/client/wire.ts); no client library, no consumer
 * group, so the check costs a few milliseconds once the broker is up.
 */
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { KstackError } from '../errors.js';
import { withConnection } from '../client/wire.js';
import { API_KEYS } from '../protocol/generated/index.js';
import type { MetadataResponse } from '../protocol/generated/metadata.js';
import type { ProduceResponse } from '../protocol/generated/produce.js';
import type { FetchResponse } from '../protocol/generated/fetch.js';
import { RecordBatchBuilder, readRecords, batches } from '../protocol/records/batch.js';
import { lastLines } from './log-tail.js';
import type { KafkaNodePlan, ZooKeeperNodePlan } from './plan.js';
import type { ProcessProbe, RunningComponent } from './state.js';
import { probeZooKeeper } from './zookeeper.js';

export const READINESS_TOPIC = '__kstack_ready';

/** Sends one request and reads its response on a fresh connection (the wire client the doctor probes with). */
export function exchange<T>(host: string, port: number, apiKey: number, apiVersion: number, body: unknown, timeoutMs = 3000): Promise<T> {
  return withConnection({ host, port, connectTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs, clientId: 'kstack-readiness' }, (conn) => conn.request<T>(apiKey, apiVersion, body));
}

function metadataRequest(topics: string[] | null, allowAutoTopicCreation: boolean) {
  return {
    topics: topics === null ? null : topics.map((name) => ({ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name })),
    allowAutoTopicCreation,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  };
}

/** Metadata v4: the oldest version with allowAutoTopicCreation, served by every Kafka since 1.0. */
export function fetchMetadata(host: string, port: number, topics: string[] | null, autoCreate = false, timeoutMs = 3000): Promise<MetadataResponse> {
  return exchange<MetadataResponse>(host, port, API_KEYS.Metadata, 4, metadataRequest(topics, autoCreate), timeoutMs);
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** The tail of a component's log, to explain why it did not come up. */
export function lastLogLines(logFile: string, count = 15): string {
  try {
    return lastLines(readFileSync(logFile, 'utf8'), count).map((l) => `    ${l}`).join('\n');
  } catch {
    return '    (no log output)';
  }
}

function diedError(c: RunningComponent, what: string): KstackError {
  return new KstackError('KSTACK_COMPONENT_DIED', `${c.name} exited while ${what}. Last lines of ${c.logFile}:\n${lastLogLines(c.logFile)}`, {
    fix: `read ${c.logFile}; \`kstack doctor env\` checks ports, Java and ZooKeeper`,
  });
}

export async function waitForZooKeeperQuorum(servers: { zk: ZooKeeperNodePlan; proc: RunningComponent }[], probe: ProcessProbe, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(servers);
  while (pending.size > 0) {
    for (const s of [...pending]) {
      if (!probe.commandLine(s.proc.pid)) throw diedError(s.proc, 'forming the ZooKeeper quorum');
      if (await probeZooKeeper(s.zk.host, s.zk.clientPort, 500)) pending.delete(s);
    }
    if (pending.size === 0) return;
    if (Date.now() > deadline) {
      throw new KstackError('KSTACK_ZK_NOT_READY', `ZooKeeper did not form a quorum within ${timeoutMs} ms: ${[...pending].map((s) => s.zk.name).join(', ')} not serving`, {
        fix: `read ${[...pending].map((s) => s.proc.logFile).join(', ')}`,
      });
    }
    await sleep(100);
  }
}

export async function waitForKafkaNode(node: KafkaNodePlan, proc: RunningComponent, probe: ProcessProbe, timeoutMs: number): Promise<void> {
  const client = node.listeners.find((l) => l.name === 'PLAINTEXT');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!probe.commandLine(proc.pid)) throw diedError(proc, 'starting');
    // Controller-only nodes have no client listener: their port accepting connections is the signal.
    const target = client ?? node.listeners[0];
    try {
      if (client) {
        const md = await fetchMetadata(target.advertisedHost ?? target.bindHost, target.port, [], false, 1000);
        if (md.brokers.some((b) => b.nodeId === node.id)) return;
      } else if (await portAccepts(target.bindHost, target.port)) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new KstackError('KSTACK_BROKER_NOT_READY', `${node.name} did not answer Metadata within ${timeoutMs} ms. Last lines of ${proc.logFile}:\n${lastLogLines(proc.logFile)}`, {
        fix: `read ${proc.logFile}`,
      });
    }
    await sleep(50);
  }
}

function portAccepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/**
 * Produces one record to the readiness topic (auto-created) and fetches it back from the partition leader.
 * Retries through the windows where the topic or its leader is not there yet.
 */
export async function waitForRoundTrip(bootstrap: string, timeoutMs: number): Promise<{ offset: bigint }> {
  const deadline = Date.now() + timeoutMs;
  const [host, portText] = splitHostPort(bootstrap.split(',')[0]);
  const token = `ready-${process.pid}-${Date.now()}`;
  let lastProblem = 'not tried';
  while (Date.now() < deadline) {
    try {
      return await roundTrip(host, Number(portText), token);
    } catch (err) {
      lastProblem = (err as Error).message;
      await sleep(100);
    }
  }
  throw new KstackError('KSTACK_NOT_READY', `the stack did not pass the produce/consume check within ${timeoutMs} ms: ${lastProblem}`, {
    fix: 'kstack status, and kstack logs broker-1',
  });
}

/** Makes sure a topic exists (through the broker's auto-creation) and has a leader. */
export async function ensureTopic(bootstrap: string, topic: string, timeoutMs: number): Promise<void> {
  const [host, portText] = splitHostPort(bootstrap.split(',')[0]);
  const deadline = Date.now() + timeoutMs;
  let problem = 'not tried';
  while (Date.now() < deadline) {
    try {
      const md = await fetchMetadata(host, Number(portText), [topic], true);
      const t = md.topics.find((x) => x.name === topic);
      if (t && t.errorCode === 0 && t.partitions.length > 0 && t.partitions.every((p) => p.leaderId >= 0)) return;
      problem = `error ${t?.errorCode ?? 'none'}`;
    } catch (err) {
      problem = (err as Error).message;
    }
    await sleep(100);
  }
  throw new KstackError('KSTACK_TOPIC_NOT_READY', `topic ${topic} has no leader after ${timeoutMs} ms: ${problem}`, { fix: 'kstack status' });
}

function splitHostPort(hp: string): [string, string] {
  const at = hp.lastIndexOf(':');
  return [hp.slice(0, at).replace(/^\[|\]$/g, ''), hp.slice(at + 1)];
}

async function roundTrip(host: string, port: number, token: string): Promise<{ offset: bigint }> {
  const md = await fetchMetadata(host, port, [READINESS_TOPIC], true);
  const topic = md.topics.find((t) => t.name === READINESS_TOPIC);
  const partition = topic?.partitions.find((p) => p.partitionIndex === 0);
  if (!topic || topic.errorCode !== 0 || !partition || partition.leaderId < 0) throw new Error(`topic ${READINESS_TOPIC} has no leader yet (error ${topic?.errorCode ?? 'none'})`);
  const leader = md.brokers.find((b) => b.nodeId === partition.leaderId);
  if (!leader) throw new Error(`leader ${partition.leaderId} of ${READINESS_TOPIC} is not in Metadata`);

  const batch = new RecordBatchBuilder().append({ key: 'kstack', value: token }).build();
  const produced = await exchange<ProduceResponse>(leader.host, leader.port, API_KEYS.Produce, 3, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: READINESS_TOPIC, partitionData: [{ index: 0, records: batch }] }],
  });
  const pr = produced.responses[0]?.partitionResponses[0];
  if (!pr || pr.errorCode !== 0) throw new Error(`produce to ${READINESS_TOPIC} failed with error ${pr?.errorCode ?? 'missing'}`);

  const fetched = await exchange<FetchResponse>(leader.host, leader.port, API_KEYS.Fetch, 4, {
    clusterId: null,
    replicaId: -1,
    replicaState: { replicaId: -1, replicaEpoch: -1n },
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: READINESS_TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: pr.baseOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  const fp = fetched.responses[0]?.partitions[0];
  if (!fp || fp.errorCode !== 0 || !fp.records) throw new Error(`fetch from ${READINESS_TOPIC} failed with error ${fp?.errorCode ?? 'missing'}`);
  for (const view of batches(fp.records)) {
    for (const record of readRecords(fp.records, view.start)) {
      if (record.value?.toString('utf8') === token) return { offset: pr.baseOffset };
    }
  }
  throw new Error('the record produced was not fetched back');
}
