/**
 * Produce / Fetch / ListOffsets / Metadata handlers called directly with the context of a real in-process broker
 * (real log dir in a temp dir): Kafka's error codes for bad input, idempotent sequence handling, legacy
 * message sets in and out, LogAppendTime, whole-batch fetches, old-style ListOffsets, per-listener Metadata.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../../../src/broker/dispatch.js';
import { handler as produce } from '../../../../src/broker/handlers/00-produce.js';
import { handler as fetch } from '../../../../src/broker/handlers/01-fetch.js';
import { handler as listOffsets } from '../../../../src/broker/handlers/02-list-offsets.js';
import { handler as metadata } from '../../../../src/broker/handlers/03-metadata.js';
import { handler as createTopics } from '../../../../src/broker/handlers/19-create-topics.js';
import { handler as initProducerId } from '../../../../src/broker/handlers/22-init-producer-id.js';
import type { ProduceResponse } from '../../../../src/protocol/generated/produce.js';
import type { FetchRequest, FetchResponse } from '../../../../src/protocol/generated/fetch.js';
import type { MetadataResponse } from '../../../../src/protocol/generated/metadata.js';
import { ErrorCode } from '../../../../src/protocol/generated/error-codes.js';
import { CompressionType, RecordBatchBuilder, batches, readRecords } from '../../../../src/protocol/records/batch.js';
import { buildLegacyMessageSet, readLegacyMessages } from '../../../../src/protocol/records/legacy.js';
import { startNativeBroker, type NativeBroker } from '../../../support/native-broker.js';

let broker: NativeBroker;
let now = 1_700_000_000_000;

beforeAll(async () => {
  broker = await startNativeBroker({ properties: { listeners: 'PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT', 'advertised.listeners': 'PLAINTEXT://localhost:0,INTERNAL://broker-1.internal:19092' } });
  broker.running!.context.clock = () => now;
});
afterAll(async () => {
  await broker?.cleanup();
});

function ctx(apiKey: number, apiVersion: number, listenerName = 'PLAINTEXT'): RequestContext {
  return { apiKey, apiVersion, correlationId: 1, clientId: 'unit', connection: { id: 1, listenerName, remoteAddress: '127.0.0.1' }, broker: broker.running!.context };
}

async function create(name: string, partitions = 1, configs: Record<string, string> = {}): Promise<void> {
  const res = await createTopics.handle(
    { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }], timeoutMs: 1000, validateOnly: false },
    ctx(19, 4),
  );
  expect(res!.topics[0].errorCode).toBe(0);
}

async function send(topic: string, records: Buffer, version = 8, acks = -1): Promise<{ errorCode: number; baseOffset: bigint; logAppendTimeMs?: bigint; errorMessage?: string | null }> {
  const res = (await produce.handle({ transactionalId: null, acks, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }, ctx(0, version))) as ProduceResponse;
  return res.responses[0].partitionResponses[0];
}

const batchOf = (n: number, o: ConstructorParameters<typeof RecordBatchBuilder>[0] = {}, key: string | null = 'k') => {
  const b = new RecordBatchBuilder({ baseTimestamp: now - 1000, ...o });
  for (let i = 0; i < n; i++) b.append({ key, value: `v${i}`, timestamp: now - 1000 + i });
  return b.build();
};

function fetchReq(topic: string, offset: bigint, o: Partial<FetchRequest> = {}, partitionMaxBytes = 1 << 20): FetchRequest {
  return {
    clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1n }, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
    forgottenTopicsData: [], rackId: '', ...o,
  };
}

describe('Produce', () => {
  it('appends and assigns offsets; answers Kafka error codes for bad input', async () => {
    await create('p1', 1, { 'max.message.bytes': '2000' });
    expect(await send('p1', batchOf(3))).toMatchObject({ errorCode: 0, baseOffset: 0n, logAppendTimeMs: -1n });
    expect(await send('p1', batchOf(2))).toMatchObject({ errorCode: 0, baseOffset: 3n });
    const corrupt = batchOf(2);
    corrupt[corrupt.length - 1] ^= 0xff;
    expect(await send('p1', corrupt)).toMatchObject({ errorCode: ErrorCode.CORRUPT_MESSAGE });
    expect(await send('p1', batchOf(200))).toMatchObject({ errorCode: ErrorCode.MESSAGE_TOO_LARGE });
    expect(await send('p1', Buffer.concat([batchOf(1), batchOf(1)]))).toMatchObject({ errorCode: ErrorCode.INVALID_RECORD });
    expect(await send('p1', batchOf(2, { compression: CompressionType.Zstd }), 6)).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE });
    expect(await send('p1', batchOf(2, { compression: CompressionType.Zstd }), 7)).toMatchObject({ errorCode: 0, baseOffset: 5n });
    expect(await send('nope', batchOf(1))).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    expect(await send('p1', batchOf(1), 8, 2)).toMatchObject({ errorCode: ErrorCode.INVALID_REQUIRED_ACKS });
    expect((await send('p1', corrupt, 8)).errorMessage).toMatch(/CRC/);
  });

  it('acks=0 returns no response, and a failed acks=0 produce closes the connection (throws)', async () => {
    await create('p0');
    expect(await produce.handle({ transactionalId: null, acks: 0, timeoutMs: 1, topicData: [{ name: 'p0', partitionData: [{ index: 0, records: batchOf(1) }] }] }, ctx(0, 8))).toBeNull();
    expect(() => produce.handle({ transactionalId: null, acks: 0, timeoutMs: 1, topicData: [{ name: 'missing', partitionData: [{ index: 0, records: batchOf(1) }] }] }, ctx(0, 8))).toThrow();
  });

  it('refuses keyless records on a compacted topic with INVALID_RECORD', async () => {
    await create('compacted', 1, { 'cleanup.policy': 'compact' });
    expect(await send('compacted', batchOf(2, {}, null))).toMatchObject({ errorCode: ErrorCode.INVALID_RECORD });
    expect(await send('compacted', batchOf(2))).toMatchObject({ errorCode: 0 });
  });

  it('stamps LogAppendTime topics with the broker time', async () => {
    await create('lat', 1, { 'message.timestamp.type': 'LogAppendTime' });
    expect(await send('lat', batchOf(2))).toMatchObject({ errorCode: 0, logAppendTimeMs: BigInt(now) });
    const res = (await fetch.handle(fetchReq('lat', 0n), ctx(1, 11))) as FetchResponse;
    const [view] = batches(res.responses[0].partitions[0].records!);
    expect(view.maxTimestamp).toBe(now);
    expect(view.timestampType).toBe(1);
  });

  it('refuses timestamps outside message.timestamp.difference.max.ms with INVALID_TIMESTAMP', async () => {
    await create('ts-window', 1, { 'message.timestamp.difference.max.ms': '60000' });
    expect(await send('ts-window', batchOf(2))).toMatchObject({ errorCode: 0 });
    expect(await send('ts-window', batchOf(2, { baseTimestamp: now - 3_600_000 }))).toMatchObject({ errorCode: ErrorCode.INVALID_TIMESTAMP });
  });

  it('idempotent batches: duplicates get the original offset, gaps and old epochs are refused', async () => {
    await create('idem');
    const id = await initProducerId.handle({ transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 }, ctx(22, 1));
    const pid = id!.producerId;
    const b = (seq: number, n: number, epoch = 0) => batchOf(n, { producerId: pid, producerEpoch: epoch, baseSequence: seq });
    expect(await send('idem', b(0, 5))).toMatchObject({ errorCode: 0, baseOffset: 0n });
    expect(await send('idem', b(5, 5))).toMatchObject({ errorCode: 0, baseOffset: 5n });
    expect(await send('idem', b(0, 5))).toMatchObject({ errorCode: 0, baseOffset: 0n });
    expect(await send('idem', b(5, 5))).toMatchObject({ errorCode: 0, baseOffset: 5n });
    expect(await send('idem', b(20, 5))).toMatchObject({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(await send('idem', b(0, 1, 1))).toMatchObject({ errorCode: 0, baseOffset: 10n });
    expect(await send('idem', b(10, 1, 0))).toMatchObject({ errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
    const res = (await fetch.handle(fetchReq('idem', 0n), ctx(1, 11))) as FetchResponse;
    expect(res.responses[0].partitions[0].highWatermark).toBe(11n);
    expect((await initProducerId.handle({ transactionalId: 'tx', transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 }, ctx(22, 1)))!.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  });

  it('up-converts magic 0 and 1 message sets, and Fetch v0-v3 down-converts back', async () => {
    await create('legacy');
    const m0 = buildLegacyMessageSet([{ key: 'a', value: 'zero-0' }, { key: 'b', value: 'zero-1' }], { magic: 0 });
    const m1 = buildLegacyMessageSet([{ key: 'c', value: 'one-0', timestamp: now - 5 }], { magic: 1, compression: CompressionType.Gzip });
    expect(await send('legacy', m0, 0)).toMatchObject({ errorCode: 0, baseOffset: 0n });
    expect(await send('legacy', m1, 2)).toMatchObject({ errorCode: 0, baseOffset: 2n });
    expect(await send('legacy', batchOf(1), 2)).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT });
    const v4 = (await fetch.handle(fetchReq('legacy', 0n), ctx(1, 4))) as FetchResponse;
    const stored = v4.responses[0].partitions[0].records!;
    const values = batches(stored).flatMap((v) => readRecords(stored, v.start).map((r) => r.value!.toString()));
    expect(values).toEqual(['zero-0', 'zero-1', 'one-0']);
    for (const [version, magic] of [[0, 0], [1, 0], [2, 1], [3, 1]] as const) {
      const res = (await fetch.handle(fetchReq('legacy', 1n), ctx(1, version))) as FetchResponse;
      const msgs = readLegacyMessages(res.responses[0].partitions[0].records!);
      expect(msgs.map((m) => [Number(m.offset), m.magic, m.value!.toString()])).toEqual([[0, magic, 'zero-0'], [1, magic, 'zero-1'], [2, magic, 'one-0']]);
    }
  });
});

describe('CreateTopics configs', () => {
  it('refuses settings the storage engine cannot use with INVALID_CONFIG, creating nothing', async () => {
    const res = await createTopics.handle(
      { topics: [{ name: 'tiny-index', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'segment.index.bytes', value: '5' }] }], timeoutMs: 1000, validateOnly: false },
      ctx(19, 4),
    );
    expect(res!.topics[0].errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(res!.topics[0].errorMessage).toMatch(/segment\.index\.bytes/);
    expect(broker.running!.context.topics.get('tiny-index')).toBeUndefined();
    const dry = await createTopics.handle(
      { topics: [{ name: 'dry-run', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: true },
      ctx(19, 4),
    );
    expect(dry!.topics[0]).toMatchObject({ errorCode: 0, numPartitions: 2, replicationFactor: 1 });
    expect(dry!.topics[0].configs!.find((c) => c.name === 'cleanup.policy')).toMatchObject({ value: 'delete', configSource: 5 });
    expect(broker.running!.context.topics.get('dry-run')).toBeUndefined();
  });
});

describe('Fetch', () => {
  it('returns the whole batch containing the offset, and OFFSET_OUT_OF_RANGE outside the log', async () => {
    await create('f1');
    await send('f1', batchOf(10));
    await send('f1', batchOf(10));
    const res = (await fetch.handle(fetchReq('f1', 15n), ctx(1, 11))) as FetchResponse;
    const p = res.responses[0].partitions[0];
    expect(p).toMatchObject({ errorCode: 0, highWatermark: 20n, lastStableOffset: 20n, logStartOffset: 0n, preferredReadReplica: -1 });
    expect(batches(p.records!).map((v) => Number(v.baseOffset))).toEqual([10]);
    expect(res.sessionId).toBe(0);
    const end = (await fetch.handle(fetchReq('f1', 20n), ctx(1, 11))) as FetchResponse;
    expect(end.responses[0].partitions[0]).toMatchObject({ errorCode: 0, records: Buffer.alloc(0) });
    const out = (await fetch.handle(fetchReq('f1', 21n), ctx(1, 11))) as FetchResponse;
    expect(out.responses[0].partitions[0].errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    const session = (await fetch.handle(fetchReq('f1', 0n, { sessionId: 42 }), ctx(1, 11))) as FetchResponse;
    expect(session.errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  });

  it('honours partition_max_bytes but always returns one whole batch', async () => {
    const res = (await fetch.handle(fetchReq('f1', 0n, {}, 10), ctx(1, 11))) as FetchResponse;
    expect(batches(res.responses[0].partitions[0].records!)).toHaveLength(1);
  });

  it('checks current_leader_epoch (v9+)', async () => {
    const req = fetchReq('f1', 0n);
    req.topics[0].partitions[0].currentLeaderEpoch = 5;
    expect(((await fetch.handle(req, ctx(1, 11))) as FetchResponse).responses[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    req.topics[0].partitions[0].currentLeaderEpoch = 0;
    expect(((await fetch.handle(req, ctx(1, 11))) as FetchResponse).responses[0].partitions[0].errorCode).toBe(0);
  });
});

describe('ListOffsets', () => {
  it('answers v0 with the old offsets array and v1+ with offset, timestamp and epoch', async () => {
    const q = (timestamp: bigint, version: number) =>
      listOffsets.handle({ replicaId: -1, isolationLevel: 0, topics: [{ name: 'f1', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }] }] }, ctx(2, version));
    expect((await q(-1n, 0))!.topics[0].partitions[0].oldStyleOffsets).toEqual([20n]);
    expect((await q(-2n, 0))!.topics[0].partitions[0].oldStyleOffsets).toEqual([0n]);
    expect((await q(-1n, 5))!.topics[0].partitions[0]).toMatchObject({ offset: 20n, timestamp: -1n, leaderEpoch: 0 });
    expect((await q(BigInt(now - 995), 5))!.topics[0].partitions[0]).toMatchObject({ offset: 5n, timestamp: BigInt(now - 995) });
    expect((await q(BigInt(now + 60_000), 5))!.topics[0].partitions[0]).toMatchObject({ offset: -1n, timestamp: -1n });
    const max = (await q(-3n, 7))!.topics[0].partitions[0];
    expect(max.timestamp).toBe(BigInt(now - 1000 + 9));
    expect([9n, 19n]).toContain(max.offset);
  });
});

describe('Metadata', () => {
  it('returns the advertised endpoint of the listener the client used, real leader epochs and topic ids', async () => {
    const ask = (listener: string) => metadata.handle({ topics: [{ name: 'f1', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }, ctx(3, 8, listener)) as MetadataResponse;
    const plain = ask('PLAINTEXT');
    expect(plain.brokers).toEqual([{ nodeId: 1, host: 'localhost', port: broker.port, rack: null }]);
    expect(ask('INTERNAL').brokers[0]).toMatchObject({ host: 'broker-1.internal', port: 19092 });
    expect(plain.controllerId).toBe(1);
    expect(plain.clusterId).toBe(broker.running!.clusterId);
    expect(plain.topics[0]).toMatchObject({ errorCode: 0, name: 'f1', isInternal: false });
    expect(plain.topics[0].topicId).toBe(broker.running!.context.topics.get('f1')!.topicId);
    expect(plain.topics[0].partitions[0]).toMatchObject({ leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1] });
  });

  it('v10+ looks topics up by id (UNKNOWN_TOPIC_ID when unknown)', async () => {
    const id = broker.running!.context.topics.get('f1')!.topicId;
    const ask = (topicId: string) => (metadata.handle({ topics: [{ name: null, topicId }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }, ctx(3, 12)) as MetadataResponse).topics[0];
    expect(ask(id)).toMatchObject({ errorCode: 0, name: 'f1', topicId: id });
    expect(ask('AAAAAAAAAAAAAAAAAAAAAQ')).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null });
  });

  it('auto-creates only when allowed, and rejects invalid names', async () => {
    const ask = (name: string, allow: boolean, version = 8) => (metadata.handle({ topics: [{ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: allow, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }, ctx(3, version)) as MetadataResponse).topics[0];
    expect(ask('auto-no', false).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(ask('auto-yes', true)).toMatchObject({ errorCode: 0, partitions: [expect.objectContaining({ partitionIndex: 0 })] });
    expect(ask('auto-v3', false, 3).errorCode).toBe(0);
    expect(ask('bad name', true).errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  });
});

describe('DeleteTopics / DescribeConfigs (newer versions)', () => {
  it('DeleteTopics v6 deletes by topic id, UNKNOWN_TOPIC_ID for an unknown one', async () => {
    const { handler: deleteTopics } = await import('../../../../src/broker/handlers/20-delete-topics.js');
    await create('del-by-id');
    const id = broker.running!.context.topics.get('del-by-id')!.topicId;
    const res = await deleteTopics.handle({ topics: [{ name: null, topicId: id }, { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }], topicNames: [], timeoutMs: 1000 }, ctx(20, 6));
    expect(res!.responses).toEqual([
      { name: 'del-by-id', topicId: id, errorCode: 0, errorMessage: null },
      { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: expect.any(String) },
    ]);
    expect(broker.running!.context.topics.get('del-by-id')).toBeUndefined();
  });

  it('DescribeConfigs v3+ gives config types; broker resources list server.properties values', async () => {
    const { handler: describeConfigs } = await import('../../../../src/broker/handlers/32-describe-configs.js');
    const res = await describeConfigs.handle({ resources: [{ resourceType: 2, resourceName: 'f1', configurationKeys: ['retention.ms', 'cleanup.policy', 'preallocate'] }, { resourceType: 4, resourceName: '1', configurationKeys: ['broker.id', 'num.partitions'] }], includeSynonyms: true, includeDocumentation: false }, ctx(32, 4));
    const topic = new Map(res!.results[0].configs.map((c) => [c.name, c]));
    expect(topic.get('retention.ms')).toMatchObject({ configType: 5, value: '604800000', configSource: 5 });
    expect(topic.get('cleanup.policy')?.configType).toBe(7);
    expect(topic.get('preallocate')?.configType).toBe(1);
    const brokerRes = new Map(res!.results[1].configs.map((c) => [c.name, c]));
    expect(brokerRes.get('broker.id')).toMatchObject({ value: '1', configSource: 4, isDefault: false, readOnly: true });
    expect(brokerRes.get('num.partitions')).toMatchObject({ value: '1', configSource: 4 });
    const other = await describeConfigs.handle({ resources: [{ resourceType: 4, resourceName: '7', configurationKeys: null }], includeSynonyms: false, includeDocumentation: false }, ctx(32, 4));
    expect(other!.results[0].errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});

describe('IncrementalAlterConfigs / AlterConfigs', () => {
  it('SET, DELETE, APPEND and SUBTRACT change only the named overrides; bad input changes nothing', async () => {
    const { handler: incremental } = await import('../../../../src/broker/handlers/44-incremental-alter-configs.js');
    const { handler: alter } = await import('../../../../src/broker/handlers/33-alter-configs.js');
    await create('inc', 1, { 'retention.ms': '1000', 'segment.bytes': '100000' });
    const configs = () => Object.fromEntries(broker.running!.context.topics.get('inc')!.configs);
    const run = async (ops: { name: string; configOperation: number; value: string | null }[], validateOnly = false) =>
      (await incremental.handle({ resources: [{ resourceType: 2, resourceName: 'inc', configs: ops }], validateOnly }, ctx(44, 1)))!.responses[0];
    expect(await run([{ name: 'retention.ms', configOperation: 0, value: '5000' }, { name: 'segment.bytes', configOperation: 1, value: null }])).toMatchObject({ errorCode: 0 });
    expect(configs()).toEqual({ 'retention.ms': '5000' });
    expect(await run([{ name: 'cleanup.policy', configOperation: 2, value: 'compact' }])).toMatchObject({ errorCode: 0 });
    expect(configs()['cleanup.policy']).toBe('delete,compact');
    expect(await run([{ name: 'cleanup.policy', configOperation: 3, value: 'delete' }])).toMatchObject({ errorCode: 0 });
    expect(configs()['cleanup.policy']).toBe('compact');
    expect((await run([{ name: 'retention.ms', configOperation: 2, value: '1' }])).errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((await run([{ name: 'retention.ms', configOperation: 0, value: 'x' }])).errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((await run([{ name: 'nope', configOperation: 0, value: '1' }])).errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((await run([{ name: 'retention.ms', configOperation: 0, value: '1' }, { name: 'retention.ms', configOperation: 1, value: null }])).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(await run([{ name: 'retention.ms', configOperation: 0, value: '7' }], true)).toMatchObject({ errorCode: 0 });
    expect(configs()).toEqual({ 'retention.ms': '5000', 'cleanup.policy': 'compact' });
    // The storage engine follows: the open partition log now has the new retention.
    expect(broker.running!.context.logs.get('inc', 0)!.config.retentionMs).toBe(5000);
    const legacy = await alter.handle({ resources: [{ resourceType: 2, resourceName: 'inc', configs: [{ name: 'max.message.bytes', value: '5000' }] }], validateOnly: true }, ctx(33, 1));
    expect(legacy!.responses[0].errorCode).toBe(0);
    expect(configs()).toEqual({ 'retention.ms': '5000', 'cleanup.policy': 'compact' });
    const brokerAlter = await incremental.handle({ resources: [{ resourceType: 4, resourceName: '1', configs: [{ name: 'num.partitions', configOperation: 0, value: '3' }] }], validateOnly: false }, ctx(44, 1));
    expect(brokerAlter!.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: expect.stringMatching(/server\.properties/) });
  });
});

describe('Fetch max_bytes', () => {
  it('stops adding partitions once max_bytes is used, but the first partition with data gets a whole batch', async () => {
    await create('mb', 3);
    for (let p = 0; p < 3; p++) {
      await produce.handle({ transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 'mb', partitionData: [{ index: p, records: batchOf(20) }] }] }, ctx(0, 8));
    }
    const req = fetchReq('mb', 0n, { maxBytes: 10 });
    req.topics[0].partitions = [0, 1, 2].map((partition) => ({ ...req.topics[0].partitions[0], partition }));
    const res = (await fetch.handle(req, ctx(1, 11))) as FetchResponse;
    const sizes = res.responses[0].partitions.map((p) => p.records!.length);
    expect(sizes[0]).toBeGreaterThan(10);
    expect(sizes.slice(1)).toEqual([0, 0]);
    expect(res.responses[0].partitions.map((p) => p.highWatermark)).toEqual([20n, 20n, 20n]);
  });
});

describe('DescribeCluster', () => {
  it('describes this node as the cluster and its controller (v0 and v1)', async () => {
    const { handler: describeCluster } = await import('../../../../src/broker/handlers/60-describe-cluster.js');
    for (const v of [0, 1]) {
      const res = await describeCluster.handle({ includeClusterAuthorizedOperations: false, endpointType: 1 }, ctx(60, v, 'INTERNAL'));
      expect(res).toMatchObject({ errorCode: 0, clusterId: broker.running!.clusterId, controllerId: 1, brokers: [{ brokerId: 1, host: 'broker-1.internal', port: 19092, rack: null }] });
    }
    const controllers = await describeCluster.handle({ includeClusterAuthorizedOperations: false, endpointType: 2 }, ctx(60, 1));
    expect(controllers!.errorCode).toBe(ErrorCode.MISMATCHED_ENDPOINT_TYPE);
  });
});
