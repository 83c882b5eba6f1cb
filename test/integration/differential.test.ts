/**
 * Apache Kafka is the oracle: the same request scenario runs against the native broker and against Apache Kafka
 * 3.9.1 (a KRaft node from Maven Central's jars), and the normalised answers must be equal — error codes for bad
 * requests, assigned offsets, whole-batch fetches, Metadata shape, ListOffsets earliest/latest/by timestamp,
 * DeleteRecords, validate-only topic creation. Raw protocol requests through our wire client, so both brokers see
 * byte-identical input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WireConnection } from '../../src/client/wire.js';
import { API_KEYS } from '../../src/protocol/generated/index.js';
import { RecordBatchBuilder, batches } from '../../src/protocol/records/batch.js';
import { OFFSET_CRC } from '../../src/protocol/records/batch-header.js';
import { apacheKafkaSkipReason, startApacheKafka, type RunningApacheKafka } from '../support/apache-kafka.js';
import { startNativeBroker, type NativeBroker } from '../support/native-broker.js';

const VERSION = '3.9.1';
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function batch(base: number, count: number, firstTimestamp: number, valueBytes = 10): Buffer {
  const b = new RecordBatchBuilder({ baseTimestamp: firstTimestamp });
  for (let i = 0; i < count; i++) b.append({ key: `k${base + i}`, value: Buffer.alloc(valueBytes, 97 + (i % 26)), timestamp: firstTimestamp + i, headers: { h: `${i}` } });
  return b.build();
}

const createTopic = (name: string, numPartitions: number, replicationFactor: number, configs: Record<string, string> = {}) => ({
  name,
  numPartitions,
  replicationFactor,
  assignments: [],
  configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })),
});

const produce = (topic: string, partition: number, records: Buffer) => ({
  transactionalId: null,
  acks: -1,
  timeoutMs: 10_000,
  topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
});

const fetch = (topic: string, partition: number, offset: number) => ({
  clusterId: null,
  replicaId: -1,
  replicaState: { replicaId: -1, replicaEpoch: -1n },
  maxWaitMs: 100,
  minBytes: 0,
  maxBytes: 1 << 20,
  isolationLevel: 0,
  sessionId: 0,
  sessionEpoch: -1,
  topics: [{ topic, topicId: ZERO_UUID, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_UUID }] }],
  forgottenTopicsData: [],
  rackId: '',
});

const listOffsets = (topic: string, timestamp: number) => ({
  replicaId: -1,
  isolationLevel: 0,
  topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: BigInt(timestamp), maxNumOffsets: 1 }] }],
});

const metadata = (topics: string[]) => ({
  topics: topics.map((name) => ({ topicId: ZERO_UUID, name })),
  allowAutoTopicCreation: false,
  includeClusterAuthorizedOperations: false,
  includeTopicAuthorizedOperations: false,
});

/** Runs the scenario on one broker and returns what must match, normalised (no ids, times or host names). */
async function scenario(host: string, port: number): Promise<Any> {
  const conn = await WireConnection.connect({ host, port });
  const out: Any = {};
  try {
    const create = async (topics: Any[], validateOnly = false) =>
      ((await conn.request<Any>(API_KEYS.CreateTopics, 4, { topics, timeoutMs: 10_000, validateOnly })).topics as Any[]).map((t) => `${t.name}:${t.errorCode}`);
    out.create = await create([createTopic('diff-a', 3, 1), createTopic('diff-big', 1, 1, { 'max.message.bytes': '2000' })]);
    out.createAgain = await create([createTopic('diff-a', 3, 1)]);
    out.createBad = await create([createTopic('diff-zero', 0, 1), createTopic('diff-rf', 1, 3), createTopic('bad name!', 1, 1), createTopic('diff-cfg', 1, 1, { 'cleanup.policy': 'banana' })]);
    out.createValidateOnly = await create([createTopic('diff-v', 2, 1)], true);

    const md = await conn.request<Any>(API_KEYS.Metadata, 8, metadata(['diff-a', 'diff-v', 'diff-missing']));
    out.metadata = (md.topics as Any[])
      .map((t) => ({ name: t.name, error: t.errorCode, partitions: (t.partitions as Any[]).map((p) => `${p.partitionIndex}:${p.errorCode}:${p.leaderId === md.controllerId ? 'self' : p.leaderId}:${p.replicaNodes.length}`).sort() }))
      .sort((a, b) => a.name.localeCompare(b.name));

    // Kafka creates topics asynchronously: until the partition has a leader, Produce answers a retriable
    // NOT_LEADER_OR_FOLLOWER (6) or LEADER_NOT_AVAILABLE (5), and clients retry. So does the scenario.
    const produceRetrying = async (body: Any): Promise<Any> => {
      for (let attempt = 0; ; attempt++) {
        const p = (await conn.request<Any>(API_KEYS.Produce, 7, body)).responses[0].partitionResponses[0];
        if ((p.errorCode !== 5 && p.errorCode !== 6) || attempt > 50) return p;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const produced: string[] = [];
    for (const [i, ts] of [[0, 1000], [5, 2000], [10, 3000]] as const) {
      const p = await produceRetrying(produce('diff-a', 0, batch(i, 5, ts)));
      produced.push(`${p.errorCode}@${p.baseOffset}/${p.logStartOffset}`);
    }
    out.produced = produced;
    const bad = async (topic: string, partition: number, records: Buffer) => (await produceRetrying(produce(topic, partition, records))).errorCode;
    const corrupt = batch(0, 3, 5000);
    corrupt[OFFSET_CRC] ^= 0xff;
    out.produceErrors = {
      unknownPartition: await bad('diff-a', 7, batch(0, 1, 5000)),
      corruptCrc: await bad('diff-a', 1, corrupt),
      tooLarge: await bad('diff-big', 0, batch(0, 1, 5000, 3000)),
    };

    const fetchAt = async (offset: number) => {
      const r = await conn.request<Any>(API_KEYS.Fetch, 11, fetch('diff-a', 0, offset));
      const p = r.responses[0].partitions[0];
      const first = p.records && p.records.length > 0 ? batches(p.records).map((b) => Number(b.baseOffset)) : [];
      return { error: p.errorCode, highWatermark: Number(p.highWatermark), lastStableOffset: Number(p.lastStableOffset), logStartOffset: Number(p.logStartOffset), batchBaseOffsets: first };
    };
    out.fetchInsideBatch = await fetchAt(7);
    out.fetchAtEnd = await fetchAt(15);
    out.fetchPastEnd = (await fetchAt(100)).error;

    const offsetFor = async (ts: number) => {
      const r = await conn.request<Any>(API_KEYS.ListOffsets, 5, listOffsets('diff-a', ts));
      const p = r.topics[0].partitions[0];
      return `${p.errorCode}:${p.offset}@${p.timestamp}`;
    };
    out.listOffsets = { earliest: await offsetFor(-2), latest: await offsetFor(-1), at2002: await offsetFor(2002), at2005: await offsetFor(2005), future: await offsetFor(99_999) };

    const del = await conn.request<Any>(API_KEYS.DeleteRecords, 1, { topics: [{ name: 'diff-a', partitions: [{ partitionIndex: 0, offset: 5n }] }], timeoutMs: 10_000 });
    const dp = del.topics[0].partitions[0];
    out.deleteRecords = `${dp.errorCode}:${dp.lowWatermark}`;
    out.afterDelete = { earliest: await offsetFor(-2), fetchBeforeStart: (await fetchAt(0)).error };

    const delTopics = await conn.request<Any>(API_KEYS.DeleteTopics, 3, { topics: [], topicNames: ['diff-missing'], timeoutMs: 10_000 });
    out.deleteUnknownTopic = delTopics.responses.map((r: Any) => `${r.name}:${r.errorCode}`);
  } finally {
    conn.close();
  }
  return out;
}

const skip = apacheKafkaSkipReason(VERSION);

describe.skipIf(skip !== null)(`native broker vs Apache Kafka ${VERSION} (differential)`, () => {
  let kafka: RunningApacheKafka;
  let native: NativeBroker;
  beforeAll(async () => {
    kafka = await startApacheKafka({ version: VERSION, overrides: { 'num.partitions': 1 } });
    native = await startNativeBroker({ mode: 'child' });
  }, 180_000);
  afterAll(async () => {
    await native?.cleanup();
    await kafka?.stop();
  });

  it('gives the same answers to the same requests', async () => {
    const expected = await scenario('127.0.0.1', kafka.port);
    const actual = await scenario('127.0.0.1', native.port);
    // The oracle's answers are the spec; print them so a failure shows both sides.
    expect(actual, JSON.stringify({ kafka: expected, native: actual }, null, 1)).toEqual(expected);
    // And the scenario really exercised what it claims (guards against both brokers failing the same way).
    expect(expected.create).toEqual(['diff-a:0', 'diff-big:0']);
    expect(expected.produced).toEqual(['0@0/0', '0@5/0', '0@10/0']);
    expect(expected.fetchInsideBatch.batchBaseOffsets[0]).toBe(5);
  }, 120_000);
});
if (skip) console.log(`[differential] skipped: ${skip}`);
