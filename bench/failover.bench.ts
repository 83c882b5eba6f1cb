/**
 * Failover time on three native brokers in ZooKeeper mode (child processes, a real ZooKeeper): a partition with
 * replication factor 3 and min.insync.replicas=2; its leader is killed with kill -9 and the clock runs until the
 * first acks=all Produce succeeds again at the new leader (found through Metadata, retried every 50 ms). The
 * reference, measured on the same cluster in the same run, is one steady-state acks=all produce round trip
 * (median of 200), so the ratio says how many ordinary acks=all writes a failover costs.
 * The time is dominated by zookeeper.session.timeout.ms (the controller moves leadership when the dead broker's
 * session expires, as with Kafka in zk mode after a crash); it is printed with the result.
 * KSTACK_BENCH_FAILOVERS (default 3) kills; KSTACK_BENCH_ZK_SESSION_MS (default 6000).
 */
import { RecordBatchBuilder } from '../src/protocol/records/batch.js';
import { WireConnection } from '../src/client/wire.js';
import { startNativeCluster, until, type NativeCluster } from '../test/support/native-cluster.js';
import { zooKeeperAvailable } from '../test/support/zookeeper.js';
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

async function connect(c: NativeCluster, id: number): Promise<WireConnection> {
  return WireConnection.connect({ host: '127.0.0.1', port: c.brokers.get(id)!.port, connectTimeoutMs: 1000, requestTimeoutMs: 5000 });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const bench: Bench = {
  name: 'failover (zk mode, 3 native brokers, RF 3): leader kill -9 → first acks=all produce',
  slow: true,
  async run(report) {
    if (!zooKeeperAvailable()) throw new Error('ZooKeeper is not installed (apt-get install -y zookeeper)');
    const c = await startNativeCluster({ brokers: 3, sessionTimeoutMs: SESSION_MS, properties: { 'min.insync.replicas': '2', 'replica.lag.time.max.ms': '10000' } });
    try {
      await c.createTopic(TOPIC, { partitions: 1, replicationFactor: 3 });
      const { leader } = await c.partition(TOPIC, 0);
      const conn = await connect(c, leader);
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
      const reference = median(steady);
      const failovers: number[] = [];
      for (let k = 0; k < FAILOVERS; k++) {
        const before = await c.partition(TOPIC, 0);
        const killedAt = performance.now();
        await c.kill9(before.leader);
        await until('an acks=all produce at a new leader', SESSION_MS + 30_000, async () => {
          const p = await c.partition(TOPIC, 0);
          if (p.leader < 0 || p.leader === before.leader || !c.isRunning(p.leader)) return undefined;
          const cc = await connect(c, p.leader);
          try {
            return (await produce(cc, 2000)) === 0 ? true : undefined;
          } finally {
            cc.close();
          }
        }, 50);
        failovers.push(performance.now() - killedAt);
        await c.restart(before.leader);
        await c.waitForPartition(TOPIC, 0, 'a full ISR again', (p) => p.isr.length === 3, 60_000);
      }
      report({
        name: 'failover: leader killed → first acks=all produce',
        value: median(failovers),
        unit: 'ms',
        reference: { name: 'steady-state acks=all produce (p50)', value: reference },
        notes: `median of ${FAILOVERS} (${failovers.map((f) => f.toFixed(0)).join(', ')} ms); zookeeper.session.timeout.ms=${SESSION_MS}`,
      });
      report({ name: 'steady-state acks=all produce, RF 3 (p50)', value: reference, unit: 'ms', notes: `200 sequential 100-byte records, min.insync.replicas=2` });
    } finally {
      await c.stop();
    }
  },
};

export default bench;
