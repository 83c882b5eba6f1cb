/**
 * Three native brokers in ZooKeeper mode over a real 3-server ensemble (child processes, so they can be killed):
 * partitions spread over all brokers, the same Metadata from each (kcat -L), NOT_LEADER_OR_FOLLOWER from a
 * non-leader, kcat producing and consuming through the leaders, a consumer group coordinated by the leader of
 * its __consumer_offsets partition; kill -9 of a broker takes it out of Metadata within the session timeout plus
 * 2 s with its partitions leaderless (replication factor 1) and it rejoins on restart; kill -9 of one ZooKeeper
 * server stops nothing; kill -9 of the controller hands the role to another broker, which creates topics.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WireConnection } from '../../src/client/wire.js';
import type { MetadataResponse } from '../../src/protocol/generated/metadata.js';
import { startNativeBroker, type NativeBroker } from '../support/native-broker.js';
import { kcatMeta, type KcatMeta } from '../support/kcat-metadata.js';
import { until } from '../support/native-cluster.js';
import { requestOnce } from '../support/request-once.js';
import { startZooKeeper, zooKeeperAvailable, type TestZooKeeper } from '../support/zookeeper.js';

const CLUSTER_ID = 'zkClusterTestAAAAAAAAA';
const SESSION_MS = 6000;

async function metadata(bootstrap: string, topics: string[] | null = null): Promise<MetadataResponse> {
  const [host, port] = bootstrap.split(':');
  const conn = await WireConnection.connect({ host, port: Number(port), connectTimeoutMs: 5000 });
  try {
    return (await conn.metadata({ topics })).response;
  } finally {
    conn.close();
  }
}

describe.skipIf(!zooKeeperAvailable())('native brokers as a ZooKeeper-mode cluster', () => {
  let zk: TestZooKeeper;
  const brokers = new Map<number, NativeBroker>();
  const root = mkdtempSync(join(tmpdir(), 'kstack-zk-cluster-'));
  const boot = () => [...brokers.values()].map((b) => b.bootstrap).join(',');

  beforeAll(async () => {
    zk = await startZooKeeper({ servers: 3 });
    await Promise.all(
      [1, 2, 3].map(async (id) => {
        const dir = join(root, `broker-${id}`);
        mkdirSync(join(dir, 'data'), { recursive: true });
        writeFileSync(join(dir, 'data', 'meta.properties'), `version=0\nbroker.id=${id}\ncluster.id=${CLUSTER_ID}\n`);
        const b = await startNativeBroker({
          mode: 'child',
          dir,
          properties: {
            'broker.id': String(id),
            'zookeeper.connect': `${zk.connect}/kstack`,
            'zookeeper.session.timeout.ms': String(SESSION_MS),
            'zookeeper.connection.timeout.ms': '20000',
            'offsets.topic.num.partitions': '6',
          },
        });
        brokers.set(id, b);
      }),
    );
    await until('three registered brokers', 20_000, async () => ((await metadata(brokers.get(1)!.bootstrap)).brokers.length === 3 ? true : undefined));
  }, 90_000);

  afterAll(async () => {
    await Promise.all([...brokers.values()].map((b) => b.stop().catch(() => undefined)));
    await zk?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('spreads a 6-partition topic over all three brokers, and every broker gives the same metadata', async () => {
    const admin = new Kafka({ brokers: [brokers.get(2)!.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'spread', numPartitions: 6 }], waitForLeaders: true })).toBe(true);
    } finally {
      await admin.disconnect();
    }
    const views = await Promise.all([...brokers.values()].map((b) => kcatMeta(b.bootstrap, 'spread')));
    const normal = (m: KcatMeta) => ({ controller: m.controllerid, brokers: m.brokers.map((b) => `${b.id}@${b.name}`).sort(), topics: m.topics });
    expect(normal(views[1])).toEqual(normal(views[0]));
    expect(normal(views[2])).toEqual(normal(views[0]));
    const leaders = views[0].topics[0].partitions.map((p) => p.leader);
    expect(leaders).toHaveLength(6);
    expect(new Set(leaders)).toEqual(new Set([1, 2, 3]));
    expect(views[0].brokers.map((b) => b.name).sort()).toEqual([...brokers.values()].map((b) => b.bootstrap).sort());
  }, 60_000);

  it('spreads partitions added with CreatePartitions over the brokers too', async () => {
    const controller = (await metadata(brokers.get(1)!.bootstrap)).controllerId!;
    const [hc, pc] = brokers.get(controller)!.bootstrap.split(':');
    const cc = await WireConnection.connect({ host: hc, port: Number(pc), connectTimeoutMs: 5000 });
    try {
      const ct = await cc.request<{ topics: { errorCode: number }[] }>(19, 4, { topics: [{ name: 'grow', numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
      expect(ct.topics[0].errorCode).toBe(0);
      const [hn, pn] = brokers.get([1, 2, 3].find((id) => id !== controller)!)!.bootstrap.split(':');
      const nc = await WireConnection.connect({ host: hn, port: Number(pn), connectTimeoutMs: 5000 });
      try {
        const refused = await nc.request<{ results: { errorCode: number }[] }>(37, 1, { topics: [{ name: 'grow', count: 6, assignments: null }], timeoutMs: 5000, validateOnly: false });
        expect(refused.results[0].errorCode).toBe(41);
      } finally {
        nc.close();
      }
      const cp = await cc.request<{ results: { errorCode: number }[] }>(37, 1, { topics: [{ name: 'grow', count: 6, assignments: null }], timeoutMs: 5000, validateOnly: false });
      expect(cp.results[0].errorCode).toBe(0);
    } finally {
      cc.close();
    }
    const grown = await until('6 partitions with leaders', 10_000, async () => {
      const m = await metadata(brokers.get(2)!.bootstrap, ['grow']);
      const ps = m.topics[0].partitions;
      return ps.length === 6 && ps.every((p) => p.leaderId >= 0) ? ps : undefined;
    });
    expect(new Set(grown.map((p) => p.leaderId))).toEqual(new Set([1, 2, 3]));
  }, 30_000);

  it('a topic config altered through one broker reaches every broker (through /config/topics)', async () => {
    const ask = <T>(id: number, apiKey: number, version: number, body: unknown): Promise<T> => requestOnce<T>(brokers.get(id)!.bootstrap, apiKey, version, body);
    const altered = await ask<{ responses: { errorCode: number }[] }>(1, 44, 0, { resources: [{ resourceType: 2, resourceName: 'grow', configs: [{ name: 'retention.ms', configOperation: 0, value: '12345' }] }], validateOnly: false });
    expect(altered.responses[0].errorCode).toBe(0);
    for (const id of [2, 3]) {
      await until(`broker ${id} to see retention.ms=12345`, 5000, async () => {
        const d = await ask<{ results: { configs: { name: string; value: string | null }[] }[] }>(id, 32, 1, { resources: [{ resourceType: 2, resourceName: 'grow', configurationKeys: ['retention.ms'] }], includeSynonyms: false, includeDocumentation: false });
        return d.results[0].configs.find((c) => c.name === 'retention.ms')?.value === '12345' ? true : undefined;
      });
    }
  }, 30_000);

  it('answers NOT_LEADER_OR_FOLLOWER from a non-leader, and CreateTopics from a non-controller gets NOT_CONTROLLER', async () => {
    const meta = await metadata(brokers.get(1)!.bootstrap, ['spread']);
    const p = meta.topics[0].partitions.find((x) => x.leaderId !== 1)!;
    const [host, port] = brokers.get(1)!.bootstrap.split(':');
    const conn = await WireConnection.connect({ host, port: Number(port), connectTimeoutMs: 5000 });
    try {
      const lo = await conn.request<{ topics: { partitions: { errorCode: number }[] }[] }>(2, 1, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'spread', partitions: [{ partitionIndex: p.partitionIndex, timestamp: -1n, currentLeaderEpoch: -1, maxNumOffsets: 1 }] }] });
      expect(lo.topics[0].partitions[0].errorCode).toBe(6);
      const nonController = [1, 2, 3].find((id) => id !== meta.controllerId)!;
      const [h2, p2] = brokers.get(nonController)!.bootstrap.split(':');
      const conn2 = await WireConnection.connect({ host: h2, port: Number(p2), connectTimeoutMs: 5000 });
      try {
        const ct = await conn2.request<{ topics: { errorCode: number }[] }>(19, 4, { topics: [{ name: 'nope', numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
        expect(ct.topics[0].errorCode).toBe(41);
      } finally {
        conn2.close();
      }
    } finally {
      conn.close();
    }
  }, 30_000);

  it('kcat produces to every partition through the leaders and a consumer group reads it back', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => `k${i}\tv${i}`);
    await execa('kcat', ['-b', brokers.get(3)!.bootstrap, '-P', '-t', 'spread', '-K', '\t'], { input: lines.join('\n') + '\n', timeout: 60_000 });
    const { stdout } = await execa('kcat', ['-b', boot(), '-C', '-t', 'spread', '-e', '-q', '-f', '%p %s\n'], { timeout: 60_000 });
    const got = stdout.trim().split('\n');
    expect(got).toHaveLength(60);
    expect(new Set(got.map((l) => l.split(' ')[0])).size).toBeGreaterThan(1);

    const kafka = new Kafka({ brokers: [brokers.get(1)!.bootstrap], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'zk-cluster-group', sessionTimeout: 10_000 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: 'spread', fromBeginning: true });
      const seen = new Set<string>();
      await consumer.run({ eachMessage: async ({ message }) => void seen.add(String(message.value)) });
      await until('the group to read 60 records', 45_000, async () => (seen.size >= 60 ? true : undefined));
    } finally {
      await consumer.disconnect();
    }
    // The coordinator is the leader of the group's __consumer_offsets partition; the others send clients there.
    const meta = await metadata(brokers.get(1)!.bootstrap, ['__consumer_offsets']);
    const offsetsLeaders = new Set(meta.topics[0].partitions.map((p) => p.leaderId));
    expect(offsetsLeaders.size).toBe(3);
    const ask = <T>(id: number, apiKey: number, version: number, body: unknown): Promise<T> => requestOnce<T>(brokers.get(id)!.bootstrap, apiKey, version, body);
    const found = await ask<{ errorCode: number; nodeId: number }>(3, 10, 1, { key: 'zk-cluster-group', keyType: 0 });
    expect(found.errorCode).toBe(0);
    const offsetsFetch = { groupId: 'zk-cluster-group', topics: [{ name: 'spread', partitionIndexes: [0, 1, 2, 3, 4, 5] }], groups: [], requireStable: false };
    type Fetched = { errorCode: number; topics: { partitions: { committedOffset: bigint }[] }[] };
    const atCoordinator = await ask<Fetched>(found.nodeId, 9, 3, offsetsFetch);
    expect(atCoordinator.errorCode).toBe(0);
    expect(atCoordinator.topics[0].partitions.reduce((sum, p) => sum + Number(p.committedOffset), 0)).toBe(60);
    const elsewhere = await ask<Fetched>([1, 2, 3].find((id) => id !== found.nodeId)!, 9, 3, offsetsFetch);
    expect(elsewhere.errorCode).toBe(15);
  }, 120_000);

  it.skipIf(!existsSync('/usr/bin/python3'))('kafka-python (bootstrapped from one broker) produces to every partition leader and reads everything back', async () => {
    const script = [
      'import sys',
      'from kafka import KafkaProducer, KafkaConsumer, TopicPartition',
      'boot = sys.argv[1]',
      "p = KafkaProducer(bootstrap_servers=boot, acks='all')",
      'for i in range(6):',
      "    p.send('spread', value=('py%d' % i).encode(), partition=i).get(timeout=20)",
      'p.close()',
      'c = KafkaConsumer(bootstrap_servers=boot, enable_auto_commit=False, consumer_timeout_ms=5000)',
      "tps = [TopicPartition('spread', i) for i in range(6)]",
      'c.assign(tps)',
      'c.seek_to_beginning()',
      "got = sorted(m.value.decode() for m in c if m.value.decode().startswith('py'))",
      'print(",".join(got))',
    ].join('\n');
    const { stdout } = await execa('/usr/bin/python3', ['-c', script, brokers.get(2)!.bootstrap], { timeout: 60_000 });
    expect(stdout.trim()).toBe('py0,py1,py2,py3,py4,py5');
  }, 60_000);

  it('kill -9 of a broker: gone from Metadata with its partitions leaderless within the session timeout + 2 s; it rejoins on restart', async () => {
    const first = await metadata(brokers.get(1)!.bootstrap, ['spread']);
    const victim = [1, 2, 3].find((id) => id !== first.controllerId && id !== 1)!;
    const owned = first.topics[0].partitions.filter((p) => p.leaderId === victim).map((p) => p.partitionIndex);
    expect(owned.length).toBeGreaterThan(0);
    await brokers.get(victim)!.kill9();
    const killedAt = Date.now();
    const after = await until('the dead broker to leave Metadata', SESSION_MS + 2000, async () => {
      const m = await metadata(brokers.get(1)!.bootstrap, ['spread']);
      const gone = !m.brokers.some((b) => b.nodeId === victim);
      const leaderless = owned.every((i) => m.topics[0].partitions[i].leaderId === -1);
      return gone && leaderless ? m : undefined;
    });
    expect(Date.now() - killedAt).toBeLessThan(SESSION_MS + 2000);
    for (const i of owned) {
      expect(after.topics[0].partitions[i].errorCode).toBe(5);
      expect(after.topics[0].partitions[i].offlineReplicas).toEqual([victim]);
    }
    // A topic deleted while the broker is away is deleted there too when it returns (ZooKeeper is the truth).
    const [hd, pd] = brokers.get(first.controllerId!)!.bootstrap.split(':');
    const del = await WireConnection.connect({ host: hd, port: Number(pd), connectTimeoutMs: 5000 });
    try {
      const dt = await del.request<{ responses: { errorCode: number }[] }>(20, 4, { topicNames: ['grow'], topics: [], timeoutMs: 5000 });
      expect(dt.responses[0].errorCode).toBe(0);
    } finally {
      del.close();
    }
    await brokers.get(victim)!.restart();
    await until('the restarted broker to drop the topic deleted meanwhile', 10_000, async () => ((await metadata(brokers.get(victim)!.bootstrap)).topics.some((t) => t.name === 'grow') ? undefined : true));
    expect(readdirSync(brokers.get(victim)!.dataDir).filter((d) => d.startsWith('grow-'))).toEqual([]);
    await until('the restarted broker to lead its partitions again', 20_000, async () => {
      const m = await metadata(brokers.get(1)!.bootstrap, ['spread']);
      return m.brokers.some((b) => b.nodeId === victim) && owned.every((i) => m.topics[0].partitions[i].leaderId === victim) ? true : undefined;
    });
    // Logs live only where the replicas are: the restarted broker keeps no directories for others' partitions.
    await until('only its own partition directories', 5000, async () => {
      const dirs = readdirSync(brokers.get(victim)!.dataDir).filter((d) => d.startsWith('spread-')).sort();
      return JSON.stringify(dirs) === JSON.stringify(owned.map((i) => `spread-${i}`).sort()) ? true : undefined;
    });
    // Everything produced so far (60 by kcat, 6 by kafka-python) is readable again.
    const { stdout } = await execa('kcat', ['-b', boot(), '-C', '-t', 'spread', '-e', '-q', '-f', '%s\n'], { timeout: 60_000 });
    expect(stdout.trim().split('\n')).toHaveLength(66);
  }, 60_000);

  it('a broker paused past its session (SIGSTOP) leaves the cluster, then registers again on resume and leads its partitions', async () => {
    const m0 = await metadata(brokers.get(1)!.bootstrap, ['spread']);
    const paused = [1, 2, 3].find((id) => id !== m0.controllerId && id !== 1)!;
    const owned = m0.topics[0].partitions.filter((p) => p.leaderId === paused).map((p) => p.partitionIndex);
    process.kill(brokers.get(paused)!.pid, 'SIGSTOP');
    try {
      await until('the paused broker to leave Metadata', SESSION_MS + 3000, async () => {
        const m = await metadata(brokers.get(1)!.bootstrap, ['spread']);
        return !m.brokers.some((b) => b.nodeId === paused) && owned.every((i) => m.topics[0].partitions[i].leaderId === -1) ? true : undefined;
      });
    } finally {
      process.kill(brokers.get(paused)!.pid, 'SIGCONT');
    }
    await until('the resumed broker to register and lead again', 20_000, async () => {
      const m = await metadata(brokers.get(1)!.bootstrap, ['spread']);
      return m.brokers.some((b) => b.nodeId === paused) && owned.every((i) => m.topics[0].partitions[i].leaderId === paused) ? true : undefined;
    });
    const own = await metadata(brokers.get(paused)!.bootstrap, ['spread']);
    expect(own.brokers).toHaveLength(3);
    expect(owned.every((i) => own.topics[0].partitions[i].leaderId === paused)).toBe(true);
    await execa('kcat', ['-b', brokers.get(paused)!.bootstrap, '-P', '-t', 'spread', '-p', String(owned[0])], { input: 'after-pause\n', timeout: 30_000 });
  }, 60_000);

  it('kill -9 of one ZooKeeper server stops nothing', async () => {
    zk.kill(0);
    await new Promise((r) => setTimeout(r, 1000));
    await execa('kcat', ['-b', boot(), '-P', '-t', 'spread', '-K', '\t'], { input: 'after\tzk-kill\n', timeout: 60_000 });
    const { stdout } = await execa('kcat', ['-b', boot(), '-C', '-t', 'spread', '-e', '-q', '-f', '%s\n'], { timeout: 60_000 });
    expect(stdout).toContain('zk-kill');
    expect((await metadata(brokers.get(2)!.bootstrap)).brokers).toHaveLength(3);
  }, 60_000);

  it('kill -9 of the controller: another broker takes over and creates topics', async () => {
    const before = await metadata(brokers.get(1)!.bootstrap);
    const controller = before.controllerId!;
    const survivor = [1, 2, 3].find((id) => id !== controller)!;
    await brokers.get(controller)!.kill9();
    const next = await until('a new controller', SESSION_MS + 4000, async () => {
      const m = await metadata(brokers.get(survivor)!.bootstrap);
      return m.controllerId !== controller && m.controllerId !== -1 && !m.brokers.some((b) => b.nodeId === controller) ? m.controllerId : undefined;
    });
    expect(next).not.toBe(controller);
    await until('the new controller to see the old one gone', 5000, async () => ((await metadata(brokers.get(next)!.bootstrap)).brokers.some((b) => b.nodeId === controller) ? undefined : true));
    // CreateTopics at the new controller (kafkajs' admin would refresh metadata of 'spread' first, and fail on
    // its partitions that lost their only replica — as it does against Kafka).
    const [host, port] = brokers.get(next)!.bootstrap.split(':');
    const conn = await WireConnection.connect({ host, port: Number(port), connectTimeoutMs: 5000 });
    try {
      const ct = await conn.request<{ topics: { errorCode: number }[] }>(19, 4, { topics: [{ name: 'after-failover', numPartitions: 4, replicationFactor: -1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
      expect(ct.topics[0].errorCode).toBe(0);
    } finally {
      conn.close();
    }
    const m = await metadata(brokers.get(survivor)!.bootstrap, ['after-failover']);
    expect(new Set(m.topics[0].partitions.map((p) => p.leaderId)).size).toBe(2);
    expect(m.topics[0].partitions.every((p) => p.leaderId !== controller && p.leaderId >= 0)).toBe(true);

    // Deleted at the controller (NOT_CONTROLLER elsewhere): gone from every live broker's Metadata, and not
    // re-created by the controller.
    const other = [1, 2, 3].find((id) => id !== controller && id !== next)!;
    const deleteAt = async (id: number) => {
      const [h3, p3] = brokers.get(id)!.bootstrap.split(':');
      const conn3 = await WireConnection.connect({ host: h3, port: Number(p3), connectTimeoutMs: 5000 });
      try {
        return (await conn3.request<{ responses: { errorCode: number }[] }>(20, 4, { topicNames: ['after-failover'], topics: [], timeoutMs: 5000 })).responses[0].errorCode;
      } finally {
        conn3.close();
      }
    };
    expect(await deleteAt(other)).toBe(41);
    expect(await deleteAt(next)).toBe(0);
    for (const id of [next, other]) {
      await until(`broker ${id} to forget the deleted topic`, 10_000, async () => ((await metadata(brokers.get(id)!.bootstrap)).topics.some((t) => t.name === 'after-failover') ? undefined : true));
    }
    await new Promise((r) => setTimeout(r, 1000));
    expect((await metadata(brokers.get(next)!.bootstrap)).topics.map((t) => t.name)).not.toContain('after-failover');
  }, 60_000);
});
