/**
 * Consumer groups with librdkafka (kcat -G, the balanced consumer) and kafka-python's KafkaConsumer(group_id=…),
 * each at default settings apart from auto.offset.reset=earliest: a group consumes a topic, and resumes from its
 * committed offsets after the consumer restarts and, separately, after the broker (a child process) restarts.
 * DescribeGroups / ListGroups / OffsetFetch through kafkajs's admin check what the broker kept.
 */
import { execa } from 'execa';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNativeBroker, type NativeBroker } from '../support/native-broker.js';

const PYTHON = '/usr/bin/python3';
let broker: NativeBroker;

async function withAdmin<T>(work: (a: Admin) => Promise<T>): Promise<T> {
  const kafka = new Kafka({ clientId: 'groups-admin', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10 } });
  const a = kafka.admin();
  await a.connect();
  try {
    return await work(a);
  } finally {
    await a.disconnect();
  }
}

async function produce(topic: string, from: number, count: number): Promise<void> {
  const lines = Array.from({ length: count }, (_, i) => `k${(from + i) % 31}:m${from + i}`).join('\n') + '\n';
  await execa('kcat', ['-b', broker.bootstrap, '-P', '-t', topic, '-K', ':'], { input: lines, timeout: 60_000 });
}

/** kcat's balanced consumer: read until every assigned partition is at its end (-e), commit on close. */
async function kcatGroup(group: string, topic: string): Promise<string[]> {
  const { stdout } = await execa(
    'kcat',
    ['-b', broker.bootstrap, '-G', group, topic, '-e', '-q', '-X', 'auto.offset.reset=earliest', '-f', '%s\n'],
    { timeout: 90_000 },
  );
  return stdout.split('\n').filter(Boolean);
}

const PY_CONSUMER = `
import sys, time
from kafka import KafkaConsumer
group, topic, bootstrap, expected = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset='earliest')
got, deadline, extra_until = 0, time.time() + 60, None
# Read until the expected count arrives, then 1.5 s more so a record delivered twice would show.
while time.time() < deadline and (extra_until is None or time.time() < extra_until):
    for records in c.poll(timeout_ms=200).values():
        for m in records:
            print(m.value.decode(), flush=True)
            got += 1
    if got >= expected and extra_until is None:
        extra_until = time.time() + 1.5
c.close()  # commits consumed offsets (enable_auto_commit defaults to True)
`;

async function pythonGroup(group: string, topic: string, expected: number): Promise<string[]> {
  const { stdout } = await execa(PYTHON, ['-c', PY_CONSUMER, group, topic, broker.bootstrap, String(expected)], { timeout: 90_000 });
  return stdout.split('\n').filter(Boolean);
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => `m${from + i}`);
const sorted = (xs: string[]) => [...xs].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));

beforeAll(async () => {
  broker = await startNativeBroker({ mode: 'child' });
  await withAdmin((a) => a.createTopics({ topics: [{ topic: 'g-kcat', numPartitions: 3 }, { topic: 'g-py', numPartitions: 3 }] }));
}, 120_000);

afterAll(async () => {
  await broker?.cleanup();
});

describe('consumer groups: kcat -G and kafka-python resume from committed offsets', () => {
  it('kcat -G consumes everything once, then only new records after a consumer restart', async () => {
    await produce('g-kcat', 0, 300);
    expect(sorted(await kcatGroup('kc-group', 'g-kcat'))).toEqual(range(0, 300));
    await produce('g-kcat', 300, 100);
    expect(sorted(await kcatGroup('kc-group', 'g-kcat'))).toEqual(range(300, 100));
  });

  it('kafka-python consumes everything once, then only new records after a consumer restart', async () => {
    await produce('g-py', 0, 300);
    expect(sorted(await pythonGroup('py-group', 'g-py', 300))).toEqual(range(0, 300));
    await produce('g-py', 300, 100);
    expect(sorted(await pythonGroup('py-group', 'g-py', 100))).toEqual(range(300, 100));
  });

  it('both resume from their committed offsets after a broker restart, and the groups are still described', async () => {
    await broker.restart();
    await produce('g-kcat', 400, 50);
    await produce('g-py', 400, 50);
    expect(sorted(await kcatGroup('kc-group', 'g-kcat'))).toEqual(range(400, 50));
    expect(sorted(await pythonGroup('py-group', 'g-py', 50))).toEqual(range(400, 50));

    await withAdmin(async (a) => {
      const { groups } = await a.listGroups();
      expect(groups.map((g) => g.groupId).sort()).toEqual(expect.arrayContaining(['kc-group', 'py-group']));
      const d = await a.describeGroups(['kc-group', 'py-group', 'never-existed']);
      const byId = new Map(d.groups.map((g) => [g.groupId, g]));
      // Both consumers left cleanly: Empty, protocol type kept.
      expect(byId.get('kc-group')).toMatchObject({ state: 'Empty', protocolType: 'consumer', members: [] });
      expect(byId.get('py-group')).toMatchObject({ state: 'Empty', protocolType: 'consumer', members: [] });
      expect(byId.get('never-existed')).toMatchObject({ state: 'Dead', members: [] });
      for (const [group, topic] of [['kc-group', 'g-kcat'], ['py-group', 'g-py']]) {
        const committed = await a.fetchOffsets({ groupId: group, topics: [topic] });
        const ends = await a.fetchTopicOffsets(topic);
        // A partition that never had a record has no commit (-1), as with Kafka.
        const got = committed[0].partitions.map((p) => [p.partition, p.offset === '-1' ? '0' : p.offset]).sort();
        const want = ends.map((e) => [e.partition, e.offset]).sort();
        expect({ group, got }).toEqual({ group, got: want });
        expect(want.reduce((s, [, o]) => s + Number(o), 0)).toBe(450);
      }
    });
  });
});
