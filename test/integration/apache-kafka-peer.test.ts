/**
 * Smoke test of the Apache Kafka test peer (test/support/apache-kafka.ts) with kafkajs, the recording proxy and
 * the Java client. Needs the jars from `bash scripts/fetch-apache-kafka.sh`; skips with that hint otherwise.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apacheKafkaSkipReason,
  listApacheKafkaVersions,
  probeMetadata,
  readRssKiB,
  renderServerProperties,
  startApacheKafka,
  type RunningApacheKafka,
} from '../support/apache-kafka.js';
import { isJavaClientAvailable, javaConsume, javaProduce, javaClientSkipReason } from '../support/java-client.js';
import { FrameCutter, parseRequestHeaderPrefix, startRecordingProxy, type RecordingProxy } from '../support/recording-proxy.js';
import { startZooKeeper, zooKeeperAvailable } from '../support/zookeeper.js';

const skip = apacheKafkaSkipReason();
if (skip) console.warn(`[apache-kafka-peer] SKIPPED: ${skip}`);
// Every fetched version (CI fetches 4.4.0 and 3.9.1); KSTACK_APACHE_KAFKA_VERSION narrows it to one.
const versions = process.env.KSTACK_APACHE_KAFKA_VERSION ? [process.env.KSTACK_APACHE_KAFKA_VERSION] : listApacheKafkaVersions();
const zkVersion = versions.find((v) => Number(v.split('.')[0]) < 4);

describe('recording proxy frame parsing (no broker needed)', () => {
  it('cuts frames split across chunks and parses the request header prefix', () => {
    const body = Buffer.from([0, 3, 0, 12, 0, 0, 0, 42, 0, 2, 0x68, 0x69, 9, 9]);
    const frame = Buffer.concat([Buffer.from([0, 0, 0, body.length]), body]);
    const two = Buffer.concat([frame, frame]);
    const cutter = new FrameCutter();
    const out = [...cutter.push(two.subarray(0, 3)), ...cutter.push(two.subarray(3, 20)), ...cutter.push(two.subarray(20))];
    expect(out).toHaveLength(2);
    expect(out[1].equals(body)).toBe(true);
    expect(parseRequestHeaderPrefix(out[0])).toEqual({ apiKey: 3, apiVersion: 12, correlationId: 42, clientId: 'hi' });
    expect(parseRequestHeaderPrefix(Buffer.alloc(5))).toBeNull();
    const bad = new FrameCutter();
    expect(bad.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 1]))).toEqual([]);
    expect(bad.broken).toMatch(/negative frame size/);
  });

  it('renders a single-node KRaft config that advertises a different port when asked', () => {
    const text = renderServerProperties({
      listeners: [{ name: 'PLAINTEXT', port: 1111, advertised: '127.0.0.1:2222' }],
      controllerPort: 3333,
      dataDir: '/tmp/x',
      overrides: { 'num.partitions': 3 },
    });
    expect(text).toContain('listeners=PLAINTEXT://127.0.0.1:1111,CONTROLLER://127.0.0.1:3333\n');
    expect(text).toContain('advertised.listeners=PLAINTEXT://127.0.0.1:2222\n');
    expect(text).toContain('controller.quorum.bootstrap.servers=127.0.0.1:3333\n');
    expect(text).toContain('num.partitions=3\n');
    expect(text).not.toMatch(/^num\.partitions=1$/m);
  });
});

describe.skipIf(skip !== null).each(skip === null ? versions : ['none'])('Apache Kafka %s (KRaft) as a test peer', (version) => {
  let kafka: RunningApacheKafka;
  let proxy: RecordingProxy;

  beforeAll(async () => {
    proxy = await startRecordingProxy();
    kafka = await startApacheKafka({ version, advertisedPort: proxy.port });
    proxy.setTarget('127.0.0.1', kafka.port);
  }, 120_000);
  afterAll(async () => {
    await kafka?.stop();
    await proxy?.stop();
  });

  it('reports start-up time, pid and RSS, and answers Metadata advertising the proxy', async () => {
    expect(kafka.startupMs).toBeGreaterThan(0);
    expect(kafka.startupMs).toBeLessThan(120_000);
    expect(readRssKiB(kafka.pid)).toBeGreaterThan(10_000);
    console.log(`[apache-kafka-peer] Kafka ${kafka.version}: format ${Math.round(kafka.formatMs)} ms, start-up ${Math.round(kafka.startupMs)} ms, RSS ${kafka.rssKiB()} KiB`);
    const md = await probeMetadata('127.0.0.1', kafka.port, 5000);
    expect(md.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: proxy.port }]);
    expect(md.clusterId).toBe(kafka.clusterId);
    // The internal listener (inter-broker traffic stays off the proxy) advertises itself.
    const internal = kafka.listeners.find((l) => l.name === 'INTERNAL')!;
    expect((await probeMetadata('127.0.0.1', internal.port, 5000)).brokers[0].port).toBe(internal.port);
  });

  it('produces and consumes keyed records with headers through kafkajs, recorded by the proxy', async () => {
    const client = new Kafka({ clientId: 'kstack-peer-test', brokers: [`127.0.0.1:${proxy.port}`], logLevel: logLevel.NOTHING });
    const admin = client.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic: 'peer-smoke', numPartitions: 2 }], waitForLeaders: true })).toBe(true);
    await admin.disconnect();

    const producer = client.producer();
    await producer.connect();
    const messages = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, headers: { seq: String(i) } }));
    await producer.send({ topic: 'peer-smoke', messages });
    await producer.disconnect();

    const consumer = client.consumer({ groupId: 'peer-smoke-group' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'peer-smoke', fromBeginning: true });
    const got: { key: string; value: string; seq: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${got.length} of 20 records consumed`)), 45_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push({ key: String(message.key), value: String(message.value), seq: String(message.headers?.seq) });
          if (got.length === 20) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    expect(got.sort((a, b) => Number(a.seq) - Number(b.seq))).toEqual(messages.map((m) => ({ key: m.key, value: m.value, seq: m.headers.seq })));

    const apis = new Set(proxy.exchanges.filter((e) => e.clientId === 'kstack-peer-test').map((e) => e.apiKey));
    for (const key of [18, 3, 19, 0, 10, 11, 14, 1]) expect(apis, `api key ${key} seen through the proxy`).toContain(key);
    expect(proxy.exchanges.filter((e) => e.apiKey === 0).every((e) => e.response !== null)).toBe(true);
    expect(proxy.anomalies).toEqual([]);
  });

  it.skipIf(!isJavaClientAvailable())('round-trips records through the Java client (idempotent producer, consumer group)', async () => {
    const sent = await javaProduce({ bootstrap: kafka.bootstrap, topic: 'peer-java', count: 10 });
    expect(sent.sent.map((s) => s.offset)).toEqual([...Array(10).keys()]);
    const got = await javaConsume({ bootstrap: kafka.bootstrap, topic: 'peer-java', group: 'peer-java-group', count: 10 });
    expect(got.records.map((r) => r.key)).toEqual([...Array(10).keys()].map((i) => `key-${i}`));
    expect(got.records[3]).toMatchObject({ value: 'value-3', headers: { 'kstack-seq': '3', 'kstack-client': 'java' } });
  });
});

describe.skipIf(skip !== null || !zkVersion || !zooKeeperAvailable())('Apache Kafka 3.x in ZooKeeper mode', () => {
  it('starts against a real ZooKeeper, reports the cluster id ZooKeeper holds, and serves the Java client', async () => {
    const zk = await startZooKeeper();
    try {
      const kafka = await startApacheKafka({ version: zkVersion, mode: 'zk', zookeeperConnect: `${zk.connect}/kstack-peer` });
      try {
        expect(kafka.formatMs).toBe(0);
        expect(kafka.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
        if (isJavaClientAvailable()) {
          const { sent } = await javaProduce({ bootstrap: kafka.bootstrap, topic: 'peer-zk', count: 3 });
          expect(sent.map((s) => s.offset)).toEqual([0, 1, 2]);
        }
      } finally {
        await kafka.stop();
      }
    } finally {
      await zk.stop();
    }
  }, 120_000);

  it('refuses ZooKeeper mode on Kafka 4.x with the version to use instead', async () => {
    const v4 = versions.find((v) => Number(v.split('.')[0]) >= 4);
    if (!v4) return;
    await expect(startApacheKafka({ version: v4, mode: 'zk', zookeeperConnect: '127.0.0.1:1' })).rejects.toThrow(/has no ZooKeeper mode; use 3\.9\.1/);
  });
});

if (!isJavaClientAvailable()) console.warn(`[apache-kafka-peer] Java client test SKIPPED: ${javaClientSkipReason()}`);
