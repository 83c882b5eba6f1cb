/**
 * Apache Kafka's own `kafka-dump-log.sh --offsets-decoder` (kafka.tools.DumpLogSegments, Kafka 3.x jars) reads
 * the `__consumer_offsets` segments the native broker wrote: our OffsetCommitKey/Value and GroupMetadataKey/Value
 * records are Kafka's layouts, in the partition Kafka would pick (abs(hashCode) % offsets.topic.num.partitions).
 * Skipped with the fetch hint when the Kafka jars are absent (`bash scripts/fetch-apache-kafka.sh`).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WireConnection } from '../../src/client/wire.js';
import { partitionForGroup } from '../../src/broker/groups/offsets-records.js';
import { apacheKafkaSkipReason, findApacheKafka, javaBinary, listApacheKafkaVersions } from '../support/apache-kafka.js';
import { startNativeBroker, type NativeBroker } from '../support/native-broker.js';

const version = listApacheKafkaVersions().find((v) => v.startsWith('3.')) ?? '3.9.1';
const skip = apacheKafkaSkipReason(version);
let broker: NativeBroker;

describe.skipIf(skip !== null)(`kafka-dump-log.sh --offsets-decoder reads kstack's __consumer_offsets${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(async () => {
    broker = await startNativeBroker();
  });
  afterAll(async () => {
    await broker?.cleanup();
  });

  it('decodes our group metadata and offset commits, in the partition Kafka picks for the group', async () => {
    const group = 'decoder-group';
    const conn = await WireConnection.connect({ host: '127.0.0.1', port: broker.port, clientId: 'decoder-client' });
    let memberId = '';
    try {
      await conn.request(3, 4, { topics: [{ name: 'dec', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
      const j = await conn.request<{ errorCode: number; generationId: number; memberId: string }>(11, 3, {
        groupId: group, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000, memberId: '', groupInstanceId: null, protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: Buffer.from('0000000000010003646563ffffffff', 'hex') }], reason: null,
      });
      expect(j.errorCode).toBe(0);
      memberId = j.memberId;
      await conn.request(14, 3, { groupId: group, generationId: j.generationId, memberId: j.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId: j.memberId, assignment: Buffer.from('00000000000100036465630000000100000000ffffffff', 'hex') }] });
      const c = await conn.request<{ topics: { partitions: { errorCode: number }[] }[] }>(8, 7, {
        groupId: group, generationIdOrMemberEpoch: j.generationId, memberId: j.memberId, groupInstanceId: null, retentionTimeMs: -1n,
        topics: [{ name: 'dec', partitions: [{ partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: 0, commitTimestamp: -1n, committedMetadata: 'meta-42' }] }],
      });
      expect(c.topics[0].partitions[0].errorCode).toBe(0);
    } finally {
      conn.close();
    }
    await broker.stop();

    const partition = partitionForGroup(group, 5); // the test broker runs offsets.topic.num.partitions=5
    const dir = join(broker.dataDir, `__consumer_offsets-${partition}`);
    const logs = readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => join(dir, f));
    const kafka = findApacheKafka(version)!;
    const out = execFileSync(javaBinary(), ['-cp', kafka.classpath, 'kafka.tools.DumpLogSegments', '--files', logs.join(','), '--offsets-decoder'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    const records = out.split('\n').filter((l) => l.includes(' key: '));
    // Kafka prints each key and value as JSON with the record type/version it recognised.
    const groupRecord = records.find((l) => l.includes(`"group":"${group}"`) && l.includes('"protocolType":"consumer"'));
    expect(groupRecord, out).toBeDefined();
    expect(groupRecord).toContain('"generation":1');
    expect(groupRecord).toContain(`"leader":"${memberId}"`);
    expect(groupRecord).toContain('"clientId":"decoder-client"');
    // Kafka even decodes the consumer-protocol subscription and assignment we stored.
    expect(groupRecord).toContain('"subscription":{"topics":["dec"]');
    expect(groupRecord).toContain('"assignedPartitions":[{"topic":"dec","partitions":[0]}]');
    const offsetRecord = records.find((l) => l.includes('key: {"type":"1"') && l.includes('"topic":"dec"'));
    expect(offsetRecord, out).toBeDefined();
    expect(offsetRecord).toContain('"offset":42');
    expect(offsetRecord).toContain('"metadata":"meta-42"');
    expect(offsetRecord).toContain('"leaderEpoch":0');
  });
});
