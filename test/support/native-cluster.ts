/**
 * N native brokers as child processes — in ZooKeeper mode over a real ZooKeeper ensemble, or in KRaft mode as
 * combined broker+controller nodes forming a Raft quorum — for replication and
 * failover tests (and benches): each broker can be killed (-9), stopped (SIGSTOP) and resumed, restarted on
 * its port with its data; helpers ask Metadata and find a partition's leader and ISR.
 *
 *   const c = await startNativeCluster({ brokers: 3, properties: { 'min.insync.replicas': '2' } });
 *   await c.createTopic('t', { partitions: 1, replicationFactor: 3 });
 *   const { leader, isr } = await c.partition('t', 0);
 *   await c.kill9(leader); await c.restart(leader);
 *   await c.stop();
 *   const k = await startNativeCluster({ mode: 'kraft', brokers: 3 });   // the same helpers
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WireConnection } from '../../src/client/wire.js';
import type { MetadataResponse } from '../../src/protocol/generated/metadata.js';
import { startNativeBroker, type NativeBroker } from './native-broker.js';
import { startZooKeeper, type TestZooKeeper } from './zookeeper.js';
import { freePortRange } from './port-range.js';

export interface NativeClusterOptions {
  /** zk (default): brokers over a real ZooKeeper ensemble; kraft: combined broker+controller nodes, a Raft quorum. */
  mode?: 'zk' | 'kraft';
  brokers?: number;
  /** kraft only: dedicated controller nodes (0, the default: every broker is a voter too). */
  controllers?: number;
  zookeepers?: number;
  /**
   * zookeeper.session.timeout.ms (zk) or broker.session.timeout.ms (kraft) of every broker (default 6000): how
   * fast a killed broker leaves the cluster.
   */
  sessionTimeoutMs?: number;
  /** Extra server.properties for every broker. */
  properties?: Record<string, string>;
}

export interface PartitionView {
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
}

export interface NativeCluster {
  /** zk mode only. */
  zk?: TestZooKeeper;
  brokers: Map<number, NativeBroker>;
  ids: number[];
  /** Bootstrap list of the brokers that are running. */
  bootstrap(): string;
  /** Metadata from the first running broker that answers. */
  metadata(topics?: string[] | null): Promise<MetadataResponse>;
  partition(topic: string, partition: number): Promise<PartitionView>;
  /** Waits until `cond` holds for the partition (polling Metadata), returning the view that satisfied it. */
  waitForPartition(topic: string, partition: number, what: string, cond: (p: PartitionView) => boolean, timeoutMs?: number): Promise<PartitionView>;
  /** CreateTopics at the controller. */
  createTopic(name: string, opts: { partitions?: number; replicationFactor?: number; configs?: Record<string, string> }): Promise<void>;
  /** One request to broker `id` (a fresh connection). */
  request<T>(id: number, apiKey: number, version: number, body: unknown, timeoutMs?: number): Promise<T>;
  isRunning(id: number): boolean;
  kill9(id: number): Promise<void>;
  restart(id: number): Promise<void>;
  pause(id: number): void;
  resume(id: number): void;
  stop(): Promise<void>;
}

export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function startNativeCluster(opts: NativeClusterOptions = {}): Promise<NativeCluster> {
  const n = opts.brokers ?? 3;
  const kraft = opts.mode === 'kraft';
  const zk = kraft ? undefined : await startZooKeeper({ servers: opts.zookeepers ?? 1 });
  // KRaft: the voters' CONTROLLER ports are known up front (controller.quorum.voters). Without dedicated
  // controllers every broker is a voter too; with them (ids 101…) the brokers follow the metadata log as
  // observers and the quorum outlives any number of broker failures — as ZooKeeper does in zk mode.
  const dedicated = kraft ? (opts.controllers ?? 0) : 0;
  const voterCount = dedicated > 0 ? dedicated : n;
  const ports = kraft ? await freePortRange(n + voterCount) : 0;
  const voterIds = Array.from({ length: voterCount }, (_, i) => (dedicated > 0 ? 101 + i : i + 1));
  const controllerPort = (voterId: number) => ports + n + voterIds.indexOf(voterId);
  const voters = voterIds.map((v) => `${v}@127.0.0.1:${controllerPort(v)}`).join(',');
  const sessionMs = String(opts.sessionTimeoutMs ?? 6000);
  const kraftCommon = {
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'controller.quorum.voters': voters,
  };
  const modeProperties = (id: number): Record<string, string> =>
    kraft
      ? {
          ...kraftCommon,
          'process.roles': dedicated > 0 ? 'broker' : 'broker,controller',
          'node.id': String(id),
          'broker.id': String(id),
          listeners: dedicated > 0 ? `PLAINTEXT://127.0.0.1:${ports + id - 1}` : `PLAINTEXT://127.0.0.1:${ports + id - 1},CONTROLLER://127.0.0.1:${controllerPort(id)}`,
          'broker.session.timeout.ms': sessionMs,
          'broker.heartbeat.interval.ms': '500',
        }
      : {
          'broker.id': String(id),
          'zookeeper.connect': `${zk!.connect}/kstack`,
          'zookeeper.session.timeout.ms': sessionMs,
          'zookeeper.connection.timeout.ms': '20000',
        };
  const root = mkdtempSync(join(tmpdir(), 'kstack-native-cluster-'));
  const clusterId = `kstackRepl${Math.random().toString(36).slice(2, 8)}AAAAAAAAAAAAAAAAAAAAA`.slice(0, 22);
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const brokers = new Map<number, NativeBroker>();
  const running = new Set<number>();
  const paused = new Set<number>();
  const controllers: NativeBroker[] = [];
  const startControllers = () =>
    Promise.all(
      (dedicated > 0 ? voterIds : []).map(async (id) => {
        const dir = join(root, `controller-${id}`);
        mkdirSync(join(dir, 'data'), { recursive: true });
        writeFileSync(join(dir, 'data', 'meta.properties'), `version=1\nnode.id=${id}\ncluster.id=${clusterId}\n`);
        controllers.push(
          await startNativeBroker({
            mode: 'child',
            dir,
            properties: { ...kraftCommon, 'process.roles': 'controller', 'node.id': String(id), 'broker.id': String(id), listeners: `CONTROLLER://127.0.0.1:${controllerPort(id)}`, 'broker.session.timeout.ms': sessionMs },
          }),
        );
      }),
    );
  try {
    await Promise.all([
      startControllers(),
      ...ids.map(async (id) => {
        const dir = join(root, `broker-${id}`);
        mkdirSync(join(dir, 'data'), { recursive: true });
        writeFileSync(join(dir, 'data', 'meta.properties'), kraft ? `version=1\nnode.id=${id}\ncluster.id=${clusterId}\n` : `version=0\nbroker.id=${id}\ncluster.id=${clusterId}\n`);
        const b = await startNativeBroker({
          mode: 'child',
          dir,
          properties: {
            ...modeProperties(id),
            'offsets.topic.num.partitions': '3',
            ...opts.properties,
          },
        });
        brokers.set(id, b);
        running.add(id);
      }),
    ]);
  } catch (err) {
    await Promise.all([...brokers.values(), ...controllers].map((b) => b.cleanup().catch(() => undefined)));
    await zk?.stop();
    rmSync(root, { recursive: true, force: true });
    throw err;
  }

  const request = async <T>(id: number, apiKey: number, version: number, body: unknown, timeoutMs = 15_000): Promise<T> => {
    const b = brokers.get(id)!;
    const conn = await WireConnection.connect({ host: '127.0.0.1', port: b.port, connectTimeoutMs: 3000, requestTimeoutMs: timeoutMs });
    try {
      return await conn.request<T>(apiKey, version, body, { timeoutMs });
    } finally {
      conn.close();
    }
  };

  const metadata = async (topics: string[] | null = null): Promise<MetadataResponse> => {
    let last: unknown;
    for (const id of ids) {
      if (!running.has(id) || paused.has(id)) continue;
      const b = brokers.get(id)!;
      try {
        const conn = await WireConnection.connect({ host: '127.0.0.1', port: b.port, connectTimeoutMs: 3000, requestTimeoutMs: 5000 });
        try {
          return (await conn.metadata({ topics })).response;
        } finally {
          conn.close();
        }
      } catch (err) {
        last = err;
      }
    }
    throw new Error(`no broker answered Metadata: ${String(last)}`);
  };

  const partition = async (topic: string, p: number): Promise<PartitionView> => {
    const m = await metadata([topic]);
    const t = m.topics.find((x) => x.name === topic);
    const part = t?.partitions.find((x) => x.partitionIndex === p);
    if (!part) throw new Error(`${topic}-${p} is not in the metadata`);
    return { leader: part.leaderId, leaderEpoch: part.leaderEpoch ?? -1, replicas: [...part.replicaNodes], isr: [...part.isrNodes] };
  };

  await until(`${n} registered brokers`, 30_000, async () => ((await metadata()).brokers.length === n ? true : undefined));

  const cluster: NativeCluster = {
    zk,
    brokers,
    ids,
    bootstrap: () => ids.filter((id) => running.has(id)).map((id) => brokers.get(id)!.bootstrap).join(','),
    metadata,
    partition,
    waitForPartition: (topic, p, what, cond, timeoutMs = 30_000) =>
      until(`${topic}-${p}: ${what}`, timeoutMs, async () => {
        const v = await partition(topic, p);
        return cond(v) ? v : undefined;
      }),
    async createTopic(name, o) {
      const controller = await until('a controller', 20_000, async () => {
        const c = (await metadata()).controllerId ?? -1;
        return c >= 0 && running.has(c) ? c : undefined;
      });
      const res = await request<{ topics: { errorCode: number; errorMessage: string | null }[] }>(controller, 19, 5, {
        topics: [{ name, numPartitions: o.partitions ?? 1, replicationFactor: o.replicationFactor ?? -1, assignments: [], configs: Object.entries(o.configs ?? {}).map(([k, v]) => ({ name: k, value: v })) }],
        timeoutMs: 15_000,
        validateOnly: false,
      });
      const r = res.topics[0];
      if (r.errorCode !== 0) throw new Error(`CreateTopics ${name}: error ${r.errorCode} ${r.errorMessage ?? ''}`);
      for (let p = 0; p < (o.partitions ?? 1); p++) {
        await cluster.waitForPartition(name, p, 'a leader and a full ISR', (v) => v.leader >= 0 && v.isr.length === v.replicas.length, 20_000);
      }
    },
    request,
    isRunning: (id) => running.has(id),
    async kill9(id) {
      if (paused.has(id)) cluster.resume(id);
      await brokers.get(id)!.kill9();
      running.delete(id);
    },
    async restart(id) {
      // A killed broker's registration lives until its session expires (ZooKeeper's, or the KRaft controller's);
      // starting it again before that is refused (as Kafka refuses it): wait for the old registration to go.
      if (!running.has(id)) {
        await until(`broker ${id}'s old registration to expire`, (opts.sessionTimeoutMs ?? 6000) + 20_000, async () =>
          (await metadata()).brokers.some((b) => b.nodeId === id) ? undefined : true,
        );
      }
      await brokers.get(id)!.restart();
      running.add(id);
    },
    pause(id) {
      process.kill(brokers.get(id)!.pid, 'SIGSTOP');
      paused.add(id);
    },
    resume(id) {
      process.kill(brokers.get(id)!.pid, 'SIGCONT');
      paused.delete(id);
    },
    async stop() {
      for (const id of [...paused]) cluster.resume(id);
      await Promise.all([...brokers.values()].map((b) => b.stop().catch(() => undefined)));
      await Promise.all(controllers.map((b) => b.stop().catch(() => undefined)));
      await zk?.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return cluster;
}
