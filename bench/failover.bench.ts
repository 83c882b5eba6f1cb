/**
 * Failover time on three brokers in ZooKeeper mode (child processes, a real ZooKeeper) and in KRaft mode: a partition with
 * replication factor 3 and min.insync.replicas=2; its leader is killed with kill -9 and the clock runs until the
 * first acks=all Produce succeeds again at the new leader (found through Metadata, retried every 50 ms).
 * Measured on the native brokers and, when its jars are fetched (`bash scripts/fetch-apache-kafka.sh --version
 * 3.9.1`), on three Apache Kafka 3.9.1 brokers in ZooKeeper mode with the same settings (the same ZooKeeper
 * session timeout), as the reference. Both also report one steady-state acks=all produce round trip (median
 * of 200), so the ratios say how many ordinary acks=all writes a failover costs.
 * The time is dominated by zookeeper.session.timeout.ms (the controller moves leadership when the dead broker's
 * session expires, as with Kafka in zk mode after a crash); it is printed with the result. The native brokers are
 * measured in KRaft mode too (3 brokers + a dedicated controller, broker.session.timeout.ms = the same value),
 * with the native zk failover as its reference.
 * KSTACK_BENCH_FAILOVERS (default 3) kills per cluster; KSTACK_BENCH_ZK_SESSION_MS (default 6000);
 * KSTACK_BENCH_NATIVE_ONLY=1 skips Apache Kafka.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordBatchBuilder } from '../src/protocol/records/batch.js';
import { WireConnection } from '../src/client/wire.js';
import type { MetadataResponse } from '../src/protocol/generated/metadata.js';
import { isApacheKafkaAvailable, startApacheKafka, type RunningApacheKafka } from '../test/support/apache-kafka.js';
import { startNativeCluster, until, type NativeCluster } from '../test/support/native-cluster.js';
import { freePorts } from '../test/support/ports.js';
import { startZooKeeper, zooKeeperAvailable } from '../test/support/zookeeper.js';
import type { Bench } from './harness.js';

const FAILOVERS = Math.max(1, Number(process.env.KSTACK_BENCH_FAILOVERS ?? 3));
const SESSION_MS = Number(process.env.KSTACK_BENCH_ZK_SESSION_MS ?? 6000);
const TOPIC = 'failover-bench';

function batch(): Buffer {
  const b = new RecordBatchBuilder({ baseTimestamp: Date.now() });
  b.append({ key: null, value: Buffer.from('x'.repeat(100)), timestamp: Date.now() });
  return b.build();
}

async function produce(conn: WireConnection, timeoutMs: number): Promise<number> {
  const res = await conn.request<{ responses: { partitionResponses: { errorCode: number }[] }[] }>(0, 7, {
    transactionalId: null,
    acks: -1,
    timeoutMs,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: batch() }] }],
  }, { timeoutMs: timeoutMs + 2000 });
  return res.responses[0].partitionResponses[0].errorCode;
}

/** What the measurement needs of a cluster, native or Apache Kafka. */
interface Brokers {
  port(id: number): number;
  isRunning(id: number): boolean;
  leaderOf(): Promise<{ leader: number; isr: number[] }>;
  kill9(id: number): Promise<void>;
  restart(id: number): Promise<void>;
}

async function connectTo(port: number): Promise<WireConnection> {
  return WireConnection.connect({ host: '127.0.0.1', port, connectTimeoutMs: 1000, requestTimeoutMs: 5000 });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Steady-state acks=all latency (p50 of 200) and the failover times of FAILOVERS leader kills. */
async function measure(b: Brokers): Promise<{ steadyMs: number; failoversMs: number[] }> {
  const { leader } = await b.leaderOf();
  const conn = await connectTo(b.port(leader));
  const steady: number[] = [];
  try {
    for (let i = 0; i < 220; i++) {
      const t = performance.now();
      const code = await produce(conn, 5000);
      if (code !== 0) throw new Error(`steady-state produce failed with error ${code}`);
      if (i >= 20) steady.push(performance.now() - t);
    }
  } finally {
    conn.close();
  }
  const failoversMs: number[] = [];
  for (let k = 0; k < FAILOVERS; k++) {
    const before = await b.leaderOf();
    const killedAt = performance.now();
    await b.kill9(before.leader);
    await until('an acks=all produce at a new leader', SESSION_MS + 30_000, async () => {
      const p = await b.leaderOf();
      if (p.leader < 0 || p.leader === before.leader || !b.isRunning(p.leader)) return undefined;
      const cc = await connectTo(b.port(p.leader));
      try {
        return (await produce(cc, 2000)) === 0 ? true : undefined;
      } finally {
        cc.close();
      }
    }, 50);
    failoversMs.push(performance.now() - killedAt);
    await b.restart(before.leader);
    await until('a full ISR again', 90_000, async () => ((await b.leaderOf()).isr.length === 3 ? true : undefined), 250);
  }
  return { steadyMs: median(steady), failoversMs };
}

async function metadataFrom(ports: number[], topic: string): Promise<MetadataResponse> {
  let last: unknown;
  for (const port of ports) {
    try {
      const conn = await connectTo(port);
      try {
        return (await conn.metadata({ topics: [topic] })).response;
      } finally {
        conn.close();
      }
    } catch (err) {
      last = err;
    }
  }
  throw new Error(`no broker answered Metadata: ${String(last)}`);
}

function nativeBrokers(c: NativeCluster): Brokers {
  return {
    port: (id) => c.brokers.get(id)!.port,
    isRunning: (id) => c.isRunning(id),
    leaderOf: async () => c.partition(TOPIC, 0),
    kill9: (id) => c.kill9(id),
    restart: (id) => c.restart(id),
  };
}

/** Three Apache Kafka 3.9.1 brokers in ZooKeeper mode, the same settings as the native cluster. */
async function withApacheKafka<T>(work: (b: Brokers) => Promise<T>): Promise<T> {
  const zk = await startZooKeeper();
  const root = mkdtempSync(join(tmpdir(), 'kstack-bench-failover-kafka-'));
  const ids = [1, 2, 3];
  const free = await freePorts(3);
  const ports = new Map(ids.map((id, i) => [id, free[i]]));
  const running = new Map<number, RunningApacheKafka>();
  const start = async (id: number) => {
    running.set(
      id,
      await startApacheKafka({
        version: '3.9.1',
        mode: 'zk',
        zookeeperConnect: `${zk.connect}/apache`,
        dir: join(root, `broker-${id}`),
        keepDir: true,
        listeners: [{ name: 'PLAINTEXT', port: ports.get(id)! }],
        heapMb: 384,
        readyTimeoutMs: 120_000,
        overrides: {
          'broker.id': id,
          'zookeeper.session.timeout.ms': SESSION_MS,
          'offsets.topic.replication.factor': 3,
          'default.replication.factor': 3,
          'min.insync.replicas': 2,
          'replica.lag.time.max.ms': 10_000,
        },
      }),
    );
  };
  const all = () => ids.filter((id) => running.has(id)).map((id) => ports.get(id)!);
  try {
    await Promise.all(ids.map(start));
    await until('three Kafka brokers', 60_000, async () => ((await metadataFrom(all(), TOPIC).then((m) => m.brokers.length)) === 3 ? true : undefined));
    const controller = (await metadataFrom(all(), TOPIC)).controllerId ?? 1;
    const conn = await connectTo(ports.get(controller)!);
    try {
      const res = await conn.request<{ topics: { errorCode: number; errorMessage: string | null }[] }>(19, 5, {
        topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] }],
        timeoutMs: 15_000,
        validateOnly: false,
      });
      if (res.topics[0].errorCode !== 0 && res.topics[0].errorCode !== 36) throw new Error(`Kafka CreateTopics: error ${res.topics[0].errorCode} ${res.topics[0].errorMessage ?? ''}`);
    } finally {
      conn.close();
    }
    const b: Brokers = {
      port: (id) => ports.get(id)!,
      isRunning: (id) => running.has(id),
      leaderOf: async () => {
        const p = (await metadataFrom(all(), TOPIC)).topics[0]?.partitions[0];
        if (!p) throw new Error('no partition yet');
        return { leader: p.leaderId, isr: [...p.isrNodes] };
      },
      async kill9(id) {
        const k = running.get(id)!;
        running.delete(id);
        await new Promise<void>((resolve) => {
          k.process.once('exit', () => resolve());
          k.process.kill('SIGKILL');
        });
      },
      async restart(id) {
        // Kafka refuses to register while the dead broker's znode lives: wait for its session to expire.
        await until(`Kafka broker ${id}'s old registration to expire`, SESSION_MS + 20_000, async () =>
          (await metadataFrom(all(), TOPIC)).brokers.some((x) => x.nodeId === id) ? undefined : true,
        );
        await start(id);
      },
    };
    await until('a full ISR', 60_000, async () => ((await b.leaderOf()).isr.length === 3 ? true : undefined), 250);
    return await work(b);
  } finally {
    await Promise.all([...running.values()].map((k) => k.stop(5000).catch(() => undefined)));
    await zk.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

const bench: Bench = {
  name: 'failover (zk and kraft, 3 brokers, RF 3): leader kill -9 → first acks=all produce',
  slow: true,
  async run(report) {
    if (!zooKeeperAvailable()) throw new Error('ZooKeeper is not installed (apt-get install -y zookeeper)');
    const c = await startNativeCluster({ brokers: 3, sessionTimeoutMs: SESSION_MS, properties: { 'min.insync.replicas': '2', 'replica.lag.time.max.ms': '10000' } });
    let native: { steadyMs: number; failoversMs: number[] };
    try {
      await c.createTopic(TOPIC, { partitions: 1, replicationFactor: 3 });
      native = await measure(nativeBrokers(c));
    } finally {
      await c.stop();
    }
    // The same on KRaft: 3 brokers and a dedicated controller (as the zk run has a separate ZooKeeper); a killed
    // leader is fenced after broker.session.timeout.ms, then the controller elects from the ISR.
    const k = await startNativeCluster({ mode: 'kraft', brokers: 3, controllers: 1, sessionTimeoutMs: SESSION_MS, properties: { 'min.insync.replicas': '2', 'replica.lag.time.max.ms': '10000' } });
    let kraft: { steadyMs: number; failoversMs: number[] };
    try {
      await k.createTopic(TOPIC, { partitions: 1, replicationFactor: 3 });
      kraft = await measure(nativeBrokers(k));
    } finally {
      await k.stop();
    }
    report({
      name: 'failover (kraft): leader killed → first acks=all produce',
      value: median(kraft.failoversMs),
      unit: 'ms',
      reference: { name: 'native zk failover', value: median(native.failoversMs) },
      notes: `median of ${FAILOVERS} (${kraft.failoversMs.map((f) => f.toFixed(0)).join(', ')} ms); broker.session.timeout.ms=${SESSION_MS}; steady-state acks=all p50 ${kraft.steadyMs.toFixed(2)} ms`,
    });
    let kafka: { steadyMs: number; failoversMs: number[] } | undefined;
    if (process.env.KSTACK_BENCH_NATIVE_ONLY !== '1' && isApacheKafkaAvailable('3.9.1')) kafka = await withApacheKafka(measure);
    const notes = (r: { failoversMs: number[] }) => `median of ${FAILOVERS} (${r.failoversMs.map((f) => f.toFixed(0)).join(', ')} ms); zookeeper.session.timeout.ms=${SESSION_MS}`;
    if (kafka) {
      report({ name: 'failover: leader killed → first acks=all produce', value: median(native.failoversMs), unit: 'ms', reference: { name: 'Apache Kafka 3.9.1 zk', value: median(kafka.failoversMs) }, notes: notes(native) });
      report({ name: 'failover, Apache Kafka 3.9.1 zk (reference)', value: median(kafka.failoversMs), unit: 'ms', notes: notes(kafka) });
      report({ name: 'steady-state acks=all produce, RF 3 (p50)', value: native.steadyMs, unit: 'ms', reference: { name: 'Apache Kafka 3.9.1 zk', value: kafka.steadyMs }, notes: '200 sequential 100-byte records, min.insync.replicas=2' });
    } else {
      report({ name: 'failover: leader killed → first acks=all produce', value: median(native.failoversMs), unit: 'ms', reference: { name: 'steady-state acks=all produce (p50)', value: native.steadyMs }, notes: `${notes(native)}; Apache Kafka 3.9.1 not fetched or skipped` });
      report({ name: 'steady-state acks=all produce, RF 3 (p50)', value: native.steadyMs, unit: 'ms', notes: '200 sequential 100-byte records, min.insync.replicas=2' });
    }
  },
};

export default bench;
