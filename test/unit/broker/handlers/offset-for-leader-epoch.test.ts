/**
 * OffsetForLeaderEpoch (23) on a real in-process broker: answers from the leader epoch cache with Kafka's rules
 * (latest epoch → log end; older → next epoch's start; unknown newer → -1), v0 without the epoch field,
 * current_leader_epoch fencing (v2+), unknown partitions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../../../src/broker/dispatch.js';
import { handler as produce } from '../../../../src/broker/handlers/00-produce.js';
import { handler as createTopics } from '../../../../src/broker/handlers/19-create-topics.js';
import { handler as offsetForLeaderEpoch } from '../../../../src/broker/handlers/23-offset-for-leader-epoch.js';
import type { OffsetForLeaderEpochResponse } from '../../../../src/protocol/generated/offset-for-leader-epoch.js';
import { ErrorCode } from '../../../../src/protocol/generated/error-codes.js';
import { RecordBatchBuilder } from '../../../../src/protocol/records/batch.js';
import { startNativeBroker, type NativeBroker } from '../../../support/native-broker.js';

let broker: NativeBroker;
beforeAll(async () => {
  broker = await startNativeBroker();
});
afterAll(async () => {
  await broker?.cleanup();
});

const ctx = (apiKey: number, apiVersion: number): RequestContext => ({ apiKey, apiVersion, correlationId: 1, clientId: 'unit', connection: { id: 1, listenerName: 'PLAINTEXT', remoteAddress: '127.0.0.1' }, broker: broker.running!.context });

async function write(topic: string, n: number): Promise<void> {
  const b = new RecordBatchBuilder({ baseTimestamp: Date.now() });
  for (let i = 0; i < n; i++) b.append({ key: null, value: Buffer.from(`v${i}`), timestamp: Date.now() });
  await produce.handle({ transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records: b.build() }] }] }, ctx(0, 8));
}

async function ask(version: number, topic: string, leaderEpoch: number, currentLeaderEpoch = -1) {
  const res = (await offsetForLeaderEpoch.handle({ replicaId: -1, topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch, leaderEpoch }] }] }, ctx(23, version))) as OffsetForLeaderEpochResponse;
  return res.topics[0].partitions[0];
}

describe('OffsetForLeaderEpoch', () => {
  it('answers from the leader epoch cache with Kafka\'s rules', async () => {
    await createTopics.handle({ topics: [{ name: 'epochs', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false }, ctx(19, 4));
    const b = broker.running!.context;
    await write('epochs', 3); // epoch 0 from offset 0
    b.topics.setLeaderEpoch('epochs', 0, 2);
    await write('epochs', 2); // epoch 2 from offset 3
    expect(await ask(4, 'epochs', 2)).toMatchObject({ errorCode: 0, leaderEpoch: 2, endOffset: 5n });
    expect(await ask(4, 'epochs', 1)).toMatchObject({ errorCode: 0, leaderEpoch: 0, endOffset: 3n });
    expect(await ask(3, 'epochs', 0)).toMatchObject({ errorCode: 0, leaderEpoch: 0, endOffset: 3n });
    expect(await ask(4, 'epochs', 7)).toMatchObject({ errorCode: 0, leaderEpoch: -1, endOffset: -1n });
    const v0 = await ask(0, 'epochs', 0);
    expect(v0.endOffset).toBe(3n);
    expect(v0.errorCode).toBe(0);
  });

  it('fences stale and unknown current leader epochs (v2+), and unknown partitions', async () => {
    expect((await ask(2, 'epochs', 0, 1)).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect((await ask(4, 'epochs', 0, 9)).errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect((await ask(4, 'epochs', 0, 2)).errorCode).toBe(0);
    expect((await ask(1, 'epochs', 0, 1)).errorCode).toBe(0); // v1 has no current epoch to check
    expect((await ask(4, 'no-such-topic', 0)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
