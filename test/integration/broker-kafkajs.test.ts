/**
 * The native broker with kafkajs 2.2.4 at its default settings: topic admin, 10,000 keyed records with headers
 * (read back through kcat -C, since kafkajs's consumer needs consumer groups), acks 0 / 1 / all, gzip, an
 * idempotent producer, ListOffsets earliest / latest / by timestamp, DescribeConfigs / AlterConfigs,
 * CreatePartitions, DeleteRecords, DeleteTopics.
 */
import { execa } from 'execa';
import { CompressionTypes, Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNativeBroker, type NativeBroker } from '../support/native-broker.js';

let broker: NativeBroker;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  broker = await startNativeBroker();
  kafka = new Kafka({ clientId: 'kstack-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
  await broker?.cleanup();
});

async function withProducer<T>(opts: Parameters<Kafka['producer']>[0], work: (p: Producer) => Promise<T>): Promise<T> {
  const p = kafka.producer(opts);
  await p.connect();
  try {
    return await work(p);
  } finally {
    await p.disconnect();
  }
}

async function consumeAll(topic: string): Promise<{ partition: number; offset: number; key: string; value: string; headers: string }[]> {
  const { stdout } = await execa('kcat', ['-b', broker.bootstrap, '-C', '-t', topic, '-e', '-q', '-f', '%p\t%o\t%k\t%s\t%h\n'], { timeout: 60_000 });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [p, o, key, value, headers] = l.split('\t');
      return { partition: Number(p), offset: Number(o), key, value, headers };
    });
}

describe('native broker with kafkajs 2.2.4', () => {
  it('creates a 3-partition topic and stores 10,000 keyed records with headers in per-partition order', async () => {
    expect(await admin.createTopics({ topics: [{ topic: 'js-bulk', numPartitions: 3 }] })).toBe(true);
    const meta = await admin.fetchTopicMetadata({ topics: ['js-bulk'] });
    expect(meta.topics[0].partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
    const sent = new Map<number, string[]>();
    await withProducer({}, async (p) => {
      for (let batch = 0; batch < 20; batch++) {
        const messages = Array.from({ length: 500 }, (_, j) => {
          const i = batch * 500 + j;
          return { key: `key-${i % 101}`, value: `value-${i}`, headers: { idx: String(i), src: 'kafkajs' } };
        });
        const res = await p.send({ topic: 'js-bulk', messages });
        for (const r of res) expect(r.errorCode).toBe(0);
      }
    });
    const got = await consumeAll('js-bulk');
    expect(got).toHaveLength(10_000);
    for (const r of got) {
      const i = Number(r.value.slice('value-'.length));
      expect(r.key).toBe(`key-${i % 101}`);
      expect(r.headers).toBe(`idx=${i},src=kafkajs`);
      if (!sent.has(r.partition)) sent.set(r.partition, []);
      sent.get(r.partition)!.push(r.value);
    }
    expect(sent.size).toBe(3);
    for (const values of sent.values()) {
      const idx = values.map((v) => Number(v.slice(6)));
      expect(idx).toEqual([...idx].sort((a, b) => a - b));
    }
  });

  it('a kafkajs consumer group reads the 10,000 records back identical, in per-partition order', async () => {
    const consumer = kafka.consumer({ groupId: 'js-bulk-readers' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'js-bulk', fromBeginning: true });
    const got = new Map<number, { offset: string; key: string; value: string; headers: string }[]>();
    let count = 0;
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          if (!got.has(partition)) got.set(partition, []);
          const h = Object.entries(message.headers ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(',');
          got.get(partition)!.push({ offset: message.offset, key: message.key!.toString(), value: message.value!.toString(), headers: h });
          if (++count === 10_000) resolve();
        },
      });
    });
    await done;
    await consumer.disconnect();
    const viaKcat = await consumeAll('js-bulk');
    expect(count).toBe(10_000);
    for (const r of viaKcat) {
      const mine = got.get(r.partition)![r.offset];
      expect(mine).toEqual({ offset: String(r.offset), key: r.key, value: r.value, headers: r.headers });
    }
  });

  it.each([0, 1, -1])('acks=%i', async (acks) => {
    const topic = `js-acks${acks === -1 ? 'all' : acks}`;
    await withProducer({}, async (p) => {
      for (let i = 0; i < 10; i++) await p.send({ topic, acks, messages: Array.from({ length: 100 }, (_, j) => ({ key: 'k', value: `v${i * 100 + j}` })) });
    });
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets[0].high).toBe('1000');
    const got = await consumeAll(topic);
    expect(got.map((r) => r.value)).toEqual(Array.from({ length: 1000 }, (_, i) => `v${i}`));
  });

  it('gzip batches', async () => {
    await withProducer({}, (p) => p.send({ topic: 'js-gzip', compression: CompressionTypes.GZIP, messages: Array.from({ length: 500 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(100) + i })) }));
    const got = await consumeAll('js-gzip');
    expect(got.map((r) => r.value)).toEqual(Array.from({ length: 500 }, (_, i) => 'x'.repeat(100) + i));
  });

  it('an idempotent producer sends 10,000 records that are stored exactly once', async () => {
    await admin.createTopics({ topics: [{ topic: 'js-idem', numPartitions: 3 }] });
    await withProducer({ idempotent: true, maxInFlightRequests: 1 }, async (p) => {
      for (let batch = 0; batch < 10; batch++) {
        await p.send({ topic: 'js-idem', acks: -1, messages: Array.from({ length: 1000 }, (_, j) => ({ key: `k${j % 7}`, value: String(batch * 1000 + j) })) });
      }
    });
    const got = await consumeAll('js-idem');
    expect(got).toHaveLength(10_000);
    expect(new Set(got.map((r) => r.value)).size).toBe(10_000);
  });

  it('ListOffsets: earliest, latest and by timestamp', async () => {
    const base = Date.now() - 3_600_000;
    await withProducer({}, async (p) => {
      for (let i = 0; i < 20; i++) await p.send({ topic: 'js-times', messages: [{ value: `v${i}`, timestamp: String(base + i * 10_000) }] });
    });
    const [latest] = await admin.fetchTopicOffsets('js-times');
    expect(latest).toMatchObject({ partition: 0, low: '0', high: '20' });
    const [byTime] = await admin.fetchTopicOffsetsByTimestamp('js-times', base + 55_000);
    expect(byTime).toEqual({ partition: 0, offset: '6' });
    const [exact] = await admin.fetchTopicOffsetsByTimestamp('js-times', base + 50_000);
    expect(exact.offset).toBe('5');
    // Past the newest record: kafkajs maps "no such offset" (-1) to the latest offset.
    const [future] = await admin.fetchTopicOffsetsByTimestamp('js-times', base + 10_000_000);
    expect(future.offset).toBe('20');
  });

  it('DescribeConfigs lists every topic config with its default and source; AlterConfigs changes one', async () => {
    await admin.createTopics({ topics: [{ topic: 'js-configs', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });
    const describe = async () => (await admin.describeConfigs({ resources: [{ type: 2, name: 'js-configs' }], includeSynonyms: false })).resources[0].configEntries;
    const entries = await describe();
    const byName = new Map(entries.map((e) => [e.configName, e]));
    expect(byName.get('retention.ms')).toMatchObject({ configValue: '3600000', isDefault: false, configSource: 1 });
    expect(byName.get('cleanup.policy')).toMatchObject({ configValue: 'delete', isDefault: true, configSource: 5 });
    expect(byName.get('max.message.bytes')?.configValue).toBe('1048588');
    expect(byName.size).toBeGreaterThan(15);
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'js-configs', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    const after = new Map((await describe()).map((e) => [e.configName, e]));
    expect(after.get('cleanup.policy')?.configValue).toBe('compact');
    // AlterConfigs replaces the whole override set (Kafka's legacy semantics).
    expect(after.get('retention.ms')?.isDefault).toBe(true);
    await expect(
      admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'js-configs', configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }),
    ).rejects.toMatchObject({ type: 'INVALID_CONFIG' });
  });

  it('CreateTopics errors: existing topic, bad partitions, replication factor above 1', async () => {
    await admin.createTopics({ topics: [{ topic: 'js-dupe' }] });
    expect(await admin.createTopics({ topics: [{ topic: 'js-dupe' }] })).toBe(false);
    await expect(admin.createTopics({ topics: [{ topic: 'js-rf', replicationFactor: 3 }] })).rejects.toMatchObject({ errors: [expect.objectContaining({ type: 'INVALID_REPLICATION_FACTOR' })] });
    await expect(admin.createTopics({ topics: [{ topic: 'js-parts', numPartitions: 0 }] })).rejects.toMatchObject({ errors: [expect.objectContaining({ type: 'INVALID_PARTITIONS' })] });
    await expect(admin.createTopics({ topics: [{ topic: 'bad name!' }] })).rejects.toMatchObject({ errors: [expect.objectContaining({ type: 'INVALID_TOPIC_EXCEPTION' })] });
  });

  it('CreatePartitions, DeleteRecords and DeleteTopics', async () => {
    await admin.createTopics({ topics: [{ topic: 'js-admin', numPartitions: 1 }] });
    await admin.createPartitions({ topicPartitions: [{ topic: 'js-admin', count: 4 }] });
    expect((await admin.fetchTopicMetadata({ topics: ['js-admin'] })).topics[0].partitions).toHaveLength(4);
    await expect(admin.createPartitions({ topicPartitions: [{ topic: 'js-admin', count: 2 }] })).rejects.toThrow();
    await withProducer({}, (p) => p.send({ topic: 'js-admin', messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, partition: 0 })) }));
    // kafkajs looks the leader up in its cached metadata before refreshing it; fetchTopicOffsets refreshes it.
    await admin.fetchTopicOffsets('js-admin');
    await admin.deleteTopicRecords({ topic: 'js-admin', partitions: [{ partition: 0, offset: '4' }] });
    const offsets = await admin.fetchTopicOffsets('js-admin');
    expect(offsets.find((o) => o.partition === 0)).toMatchObject({ low: '4', high: '10' });
    await admin.deleteTopics({ topics: ['js-admin'] });
    expect(await admin.listTopics()).not.toContain('js-admin');
  });
});
