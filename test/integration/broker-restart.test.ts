/**
 * Durability of the native broker as a real child process (`node bin/kstack.js broker --config …`):
 * - a clean restart (SIGTERM) keeps topics, topic ids, configs, records and offsets, and writes the clean-shutdown
 *   marker;
 * - `kill -9` during a produce stream, then restart: every acknowledged record is readable, nothing is
 *   duplicated, and the log accepts new writes (recovery ran).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { startNativeBroker, type NativeBroker } from '../support/native-broker.js';

let broker: NativeBroker | undefined;

afterEach(async () => {
  await broker?.cleanup();
  broker = undefined;
});

function client(b: NativeBroker): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  return new Kafka({ brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 } });
}

async function consumeValues(b: NativeBroker, topic: string, partition: number): Promise<string[]> {
  const { stdout } = await execa('kcat', ['-b', b.bootstrap, '-C', '-t', topic, '-p', String(partition), '-e', '-q', '-f', '%s\n'], { timeout: 60_000 });
  return stdout.split('\n').filter(Boolean);
}

describe('native broker restarts (child process)', () => {
  it('a clean restart keeps topics, ids, configs and records', async () => {
    broker = await startNativeBroker({ mode: 'child' });
    const kafka = client(broker);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'keep', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '7200000' }] }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'keep', messages: Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 3 })) });
    await producer.disconnect();
    const before = await admin.fetchTopicMetadata({ topics: ['keep'] });
    const idsBefore = await admin.fetchTopicOffsets('keep');
    await admin.disconnect();

    await broker.stop();
    expect(existsSync(join(broker.dataDir, '.kafka_cleanshutdown'))).toBe(true);
    await broker.restart();

    const admin2 = client(broker).admin();
    await admin2.connect();
    expect(await admin2.fetchTopicOffsets('keep')).toEqual(idsBefore);
    const after = await admin2.fetchTopicMetadata({ topics: ['keep'] });
    expect(after.topics[0].partitions.length).toBe(before.topics[0].partitions.length);
    const cfg = await admin2.describeConfigs({ resources: [{ type: 2, name: 'keep', configNames: ['retention.ms'] }], includeSynonyms: false });
    expect(cfg.resources[0].configEntries[0].configValue).toBe('7200000');
    await admin2.disconnect();
    for (let p = 0; p < 3; p++) {
      expect(await consumeValues(broker, 'keep', p)).toEqual(Array.from({ length: 100 }, (_, j) => `v${j * 3 + p}`));
    }
  });

  it('kill -9 during a produce stream loses no acknowledged record, and the log takes new writes', async () => {
    broker = await startNativeBroker({ mode: 'child', properties: { 'num.partitions': '1' } });
    const kafka = client(broker);
    const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const acknowledged: string[] = [];
    let stop = false;
    const stream = (async () => {
      for (let i = 0; !stop; i++) {
        const messages = Array.from({ length: 50 }, (_, j) => ({ key: 'k', value: `v${i * 50 + j}` }));
        try {
          await producer.send({ topic: 'crash', acks: -1, messages });
          acknowledged.push(...messages.map((m) => m.value));
        } catch {
          return;
        }
      }
    })();
    while (acknowledged.length < 5000) await new Promise((r) => setTimeout(r, 20));
    await broker.kill9();
    stop = true;
    await stream;
    await producer.disconnect().catch(() => {});
    expect(existsSync(join(broker.dataDir, '.kafka_cleanshutdown'))).toBe(false);

    await broker.restart();
    const values = await consumeValues(broker, 'crash', 0);
    // Every acknowledged record is there, in order, exactly once; records sent but never acknowledged may or
    // may not have reached the log before the kill.
    expect(values.slice(0, acknowledged.length)).toEqual(acknowledged);
    expect(new Set(values).size).toBe(values.length);

    const producer2 = client(broker).producer();
    await producer2.connect();
    const [res] = await producer2.send({ topic: 'crash', messages: [{ value: 'after-restart' }] });
    expect(Number(res.baseOffset)).toBe(values.length);
    await producer2.disconnect();
    const again = await consumeValues(broker, 'crash', 0);
    expect(again[again.length - 1]).toBe('after-restart');
  });
});
