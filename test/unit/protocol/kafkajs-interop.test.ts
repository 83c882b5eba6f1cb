/**
 * Cross-check with a real client's independent codec: kafkajs 2.2 (a dependency already) encodes requests with
 * its own hand-written encoders and decodes responses with its own decoders.
 * - Requests: for every API and version kafkajs implements, its bytes must decode with our generated reader
 *   (nothing left over) and re-encode with our writer to the identical bytes.
 * - Responses: what our writers produce must decode in kafkajs to the values we put in.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { API_KEYS, apiTable } from '../../../src/protocol/generated/index.js';
import { Reader } from '../../../src/protocol/reader.js';
import { Writer } from '../../../src/protocol/writer.js';

const require = createRequire(import.meta.url);

interface KjsRequest {
  apiKey: number;
  apiVersion: number;
  encode: () => Promise<{ buffer: Buffer }>;
}
interface KjsProtocol {
  versions: string[];
  protocol: (o: { version: number }) => (args: Record<string, unknown>) => { request: KjsRequest; response: { decode: (b: Buffer) => Promise<unknown> } };
}

const Long = require('kafkajs/src/utils/long') as { fromNumber: (n: number) => unknown; fromString: (s: string) => unknown };
const kjs = (dir: string): KjsProtocol => require(`kafkajs/src/protocol/requests/${dir}/index.js`) as KjsProtocol;

const messages = [
  { key: 'k1', value: 'hello', timestamp: '1700000000000', headers: { h: 'x' } },
  { key: null, value: 'world', timestamp: '1700000000001' },
];

/** Arguments for each kafkajs request module: a superset that every version of that API accepts. */
const ARGS: Record<string, Record<string, unknown>> = {
  apiVersions: {},
  metadata: { topics: ['a', 'b'], allowAutoTopicCreation: false },
  produce: {
    acks: -1,
    timeout: 30000,
    compression: 0,
    transactionalId: null,
    producerId: Long.fromNumber(-1),
    producerEpoch: 0,
    topicData: [{ topic: 't', partitions: [{ partition: 0, firstSequence: 0, messages }] }],
  },
  fetch: {
    replicaId: -1,
    maxWaitTime: 500,
    minBytes: 1,
    maxBytes: 1048576,
    isolationLevel: 1,
    topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: '42', maxBytes: 1048576 }] }],
    rackId: 'r1',
  },
  listOffsets: { replicaId: -1, isolationLevel: 1, topics: [{ topic: 't', partitions: [{ partition: 0, timestamp: -1 }] }] },
  findCoordinator: { groupId: 'g', coordinatorKey: 'g', coordinatorType: 0 },
  joinGroup: {
    groupId: 'g',
    sessionTimeout: 30000,
    rebalanceTimeout: 60000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    groupProtocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from([0, 1, 0, 0, 0, 1, 0, 1, 116, 0, 0, 0, 0]) }],
  },
  syncGroup: {
    groupId: 'g',
    generationId: 1,
    memberId: 'm-1',
    groupInstanceId: null,
    groupAssignment: [{ memberId: 'm-1', memberAssignment: Buffer.from([0, 1, 2]) }],
  },
  heartbeat: { groupId: 'g', groupGenerationId: 1, memberId: 'm-1', groupInstanceId: null },
  leaveGroup: { groupId: 'g', memberId: 'm-1', members: [{ memberId: 'm-1', groupInstanceId: null }] },
  offsetCommit: {
    groupId: 'g',
    groupGenerationId: 1,
    memberId: 'm-1',
    retentionTime: -1,
    topics: [{ topic: 't', partitions: [{ partition: 0, offset: '7', metadata: null }] }],
  },
  offsetFetch: { groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0 }] }] },
  describeGroups: { groupIds: ['g1', 'g2'] },
  listGroups: {},
  saslHandshake: { mechanism: 'PLAIN' },
  // kafkajs hands SaslAuthenticate an already length-prefixed buffer (its mechanisms build it with writeBytes).
  saslAuthenticate: { authBytes: Buffer.from('0000000a00757365720070617373', 'hex') },
  createTopics: {
    topics: [{ topic: 't', numPartitions: 3, replicationFactor: 1, replicaAssignment: [], configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    timeout: 5000,
    validateOnly: false,
  },
  deleteTopics: { topics: ['t'], timeout: 5000 },
  initProducerId: { transactionalId: null, transactionTimeout: 60000 },
  describeConfigs: { resources: [{ type: 2, name: 't', configNames: ['retention.ms'] }], includeSynonyms: false },
  createPartitions: { topicPartitions: [{ topic: 't', count: 4, assignments: [] }], validateOnly: false, timeout: 5000 },
  deleteGroups: ['g'] as unknown as Record<string, unknown>,
  addOffsetsToTxn: { transactionalId: 'tx', producerId: '5', producerEpoch: 0, groupId: 'g' },
  endTxn: { transactionalId: 'tx', producerId: '5', producerEpoch: 0, transactionResult: true },
  addPartitionsToTxn: { transactionalId: 'tx', producerId: '5', producerEpoch: 0, topics: [{ topic: 't', partitions: [0, 1] }] },
  txnOffsetCommit: {
    transactionalId: 'tx',
    groupId: 'g',
    producerId: '5',
    producerEpoch: 0,
    topics: [{ topic: 't', partitions: [{ partition: 0, offset: '3', metadata: null }] }],
  },
  deleteRecords: { topics: [{ topic: 't', partitions: [{ partition: 0, offset: '10' }] }], timeout: 5000 },
  alterConfigs: { resources: [{ type: 2, name: 't', configEntries: [{ name: 'retention.ms', value: '1000' }] }], validateOnly: false },
};

describe('kafkajs-encoded requests decode and re-encode byte for byte', () => {
  it('every API and version kafkajs implements', async () => {
    let pairs = 0;
    const failures: string[] = [];
    for (const [dir, args] of Object.entries(ARGS)) {
      const p = kjs(dir);
      for (const vs of p.versions) {
        const v = Number(vs);
        const { request } = dir === 'deleteGroups' ? { request: (p.protocol({ version: v }) as unknown as (a: unknown) => { request: KjsRequest })(args).request } : p.protocol({ version: v })(args);
        const bytes = Buffer.from((await request.encode()).buffer);
        const api = apiTable[request.apiKey]!;
        const r = new Reader(bytes);
        const m = api.readRequest(r, request.apiVersion);
        if (!r.ok || r.remaining() !== 0) {
          failures.push(`${api.name} v${request.apiVersion}: ${r.error ?? `${r.remaining()} bytes left`}`);
          continue;
        }
        const w = new Writer();
        api.writeRequest(w, request.apiVersion, m);
        if (!w.finish().equals(bytes)) failures.push(`${api.name} v${request.apiVersion}: re-encoding differs`);
        pairs++;
      }
    }
    console.log(`kafkajs interop: ${pairs} (api, version) request encodings decoded and re-encoded identically`);
    expect(failures).toEqual([]);
    expect(pairs).toBeGreaterThan(90);
  });

  it('decoded values are the ones kafkajs sent (spot checks)', async () => {
    const { request } = kjs('fetch').protocol({ version: 11 })(ARGS.fetch);
    const m = apiTable[API_KEYS.Fetch]!.readRequest(new Reader((await request.encode()).buffer), 11) as {
      maxWaitMs: number;
      isolationLevel: number;
      rackId: string;
      topics: { topic: string; partitions: { partition: number; fetchOffset: bigint }[] }[];
    };
    expect(m.maxWaitMs).toBe(500);
    expect(m.isolationLevel).toBe(1);
    expect(m.rackId).toBe('r1');
    expect(m.topics[0].topic).toBe('t');
    expect(m.topics[0].partitions[0].fetchOffset).toBe(42n);

    const jg = kjs('joinGroup').protocol({ version: 5 })(ARGS.joinGroup).request;
    const j = apiTable[API_KEYS.JoinGroup]!.readRequest(new Reader((await jg.encode()).buffer), 5) as {
      groupInstanceId: string | null;
      protocols: { name: string; metadata: Buffer }[];
    };
    expect(j.groupInstanceId).toBeNull();
    expect(j.protocols[0].name).toBe('RoundRobinAssigner');
    expect(j.protocols[0].metadata.length).toBe(13);
  });
});

describe('our responses decode in kafkajs', () => {
  const encode = (apiKey: number, v: number, body: unknown): Buffer => {
    const w = new Writer();
    apiTable[apiKey]!.writeResponse(w, v, body);
    return Buffer.from(w.finish());
  };

  it('ApiVersions v0-2', async () => {
    const p = kjs('apiVersions');
    for (const v of [0, 1, 2]) {
      const body = { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 9 }, { apiKey: 18, minVersion: 0, maxVersion: 3 }], throttleTimeMs: 5 };
      const d = (await p.protocol({ version: v })({}).response.decode(encode(18, v, body))) as { errorCode: number; apiVersions: { apiKey: number; maxVersion: number }[] };
      expect(d.errorCode).toBe(0);
      expect(d.apiVersions.map((a) => [a.apiKey, a.maxVersion])).toEqual([
        [0, 9],
        [18, 3],
      ]);
    }
  });

  it('Metadata v0-6', async () => {
    const p = kjs('metadata');
    for (const v of [0, 1, 2, 3, 4, 5, 6]) {
      const body = {
        throttleTimeMs: 0,
        brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092, rack: null }],
        clusterId: 'c1',
        controllerId: 1,
        topics: [
          {
            errorCode: 0,
            name: 't',
            isInternal: false,
            partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: -1, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }],
          },
        ],
      };
      const d = (await p.protocol({ version: v })({ topics: ['t'] }).response.decode(encode(3, v, body))) as {
        brokers: { nodeId: number; host: string; port: number }[];
        topicMetadata: { topic: string; partitionMetadata: { leader: number; replicas: number[] }[] }[];
      };
      expect(d.brokers).toEqual([expect.objectContaining({ nodeId: 1, host: '127.0.0.1', port: 9092 })]);
      expect(d.topicMetadata[0].topic).toBe('t');
      expect(d.topicMetadata[0].partitionMetadata[0]).toMatchObject({ leader: 1, replicas: [1] });
    }
  });

  it('FindCoordinator v0-2 and Produce v0-7', async () => {
    for (const v of [0, 1, 2]) {
      const body = { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 3, host: 'h', port: 19092 };
      const d = (await kjs('findCoordinator').protocol({ version: v })({ groupId: 'g' }).response.decode(encode(10, v, body))) as {
        coordinator: { nodeId: number; host: string; port: number };
      };
      expect(d.coordinator).toEqual({ nodeId: 3, host: 'h', port: 19092 });
    }
    for (const v of [0, 1, 2, 3, 4, 5, 6, 7]) {
      const body = {
        responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 12n, logAppendTimeMs: -1n, logStartOffset: 0n }] }],
        throttleTimeMs: 0,
      };
      const d = (await kjs('produce').protocol({ version: v })(ARGS.produce).response.decode(encode(0, v, body))) as {
        topics: { topicName: string; partitions: { partition: number; offset?: string; baseOffset?: string }[] }[];
      };
      expect(d.topics[0].topicName).toBe('t');
      const part = d.topics[0].partitions[0];
      expect(part.partition).toBe(0);
      expect(part.baseOffset ?? part.offset).toBe('12'); // kafkajs names it `offset` in v0-2
    }
  });
});
