/**
 * The replication and failover suite, shared by the cluster modes (zk: test/integration/replication-zk.test.ts;
 * KRaft can run the same with its own NativeCluster): three brokers, librdkafka (confluent-kafka on Debian's
 * python3) as producer and consumer, the Java client as a KIP-320 consumer.
 * - a topic with replication factor 3 is copied to every broker and its ISR is all three;
 * - with two of three brokers down, acks=all produce fails with NOT_ENOUGH_REPLICAS, and succeeds again once
 *   one of them is back in the ISR;
 * - a follower stopped with SIGSTOP for longer than replica.lag.time.max.ms (but shorter than the failure
 *   detection: ZooKeeper session / KRaft broker session) is dropped from the ISR by its leader, and rejoins after
 *   SIGCONT once it has caught up; while it is still in the ISR, acks=all times out (REQUEST_TIMED_OUT) and
 *   consumers do not see an acks=1 write;
 * - the Java consumer (KIP-320: it validates its position with OffsetForLeaderEpoch after a leader change)
 *   reads on across a leader kill without a reset or a duplicate, its group moving with the __consumer_offsets
 *   leadership (replication factor 3) when the coordinator is the broker killed;
 * - an idempotent acks=all producer writes 100,000 records while the partition leader is killed with kill -9
 *   twice (restarted in between): every acknowledged record is in the log exactly once, in order, at the offset
 *   the producer was told, and nothing is there that the producer did not hear about.
 * The cluster must be started with min.insync.replicas=2, default.replication.factor=3,
 * offsets.topic.replication.factor=3 and replica.lag.time.max.ms = `lagMs` (see replicationProperties).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordBatchBuilder } from '../../src/protocol/records/batch.js';
import { isJavaClientAvailable, runJavaClient } from './java-client.js';
import { until, type NativeCluster } from './native-cluster.js';

export interface ReplicationSuiteOptions {
  /** Starts three brokers with replicationProperties(lagMs) among their settings. */
  start(): Promise<NativeCluster>;
  /** How long a killed broker takes to leave the cluster (zk: session timeout; KRaft: broker session timeout). */
  failureDetectionMs: number;
  /** replica.lag.time.max.ms of the cluster; must be well below failureDetectionMs. */
  lagMs: number;
  skip?: boolean;
}

export function replicationProperties(lagMs: number): Record<string, string> {
  return { 'min.insync.replicas': '2', 'default.replication.factor': '3', 'offsets.topic.replication.factor': '3', 'replica.lag.time.max.ms': String(lagMs) };
}

const PEER = join(dirname(fileURLToPath(import.meta.url)), 'acked-producer.py');
const SYSTEM_PYTHON = '/usr/bin/python3';

export function confluentKafkaAvailable(): boolean {
  if (!existsSync(SYSTEM_PYTHON)) return false;
  return spawnSync(SYSTEM_PYTHON, ['-c', 'import confluent_kafka'], { stdio: 'ignore' }).status === 0;
}

interface PeerRun {
  lines: Record<string, unknown>[];
  done: Promise<number | null>;
  stderr(): string;
}

/** Runs the python peer; `lines` fills as it prints (so a test can act on progress). */
function runPeer(args: string[], timeoutMs: number): PeerRun {
  const child = spawn(SYSTEM_PYTHON, [PEER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let buf = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve(code);
    }),
  );
  return { lines, done, stderr: () => err };
}

async function readPartition(bootstrap: string, topic: string): Promise<{ offset: number; value: string }[]> {
  const run = runPeer(['consume', bootstrap, topic, '0'], 180_000);
  const code = await run.done;
  if (code !== 0) throw new Error(`consumer exited ${code}: ${run.stderr().slice(-2000)}`);
  return run.lines.filter((l) => 'o' in l && 'v' in l).map((l) => ({ offset: l.o as number, value: l.v as string }));
}

/** One acks=all Produce v7 of one record straight to broker `id`: the partition's error code. */
async function produceOnce(c: NativeCluster, id: number, topic: string, timeoutMs = 5000, acks = -1): Promise<number> {
  const b = new RecordBatchBuilder({ baseTimestamp: Date.now() });
  b.append({ key: null, value: Buffer.from('probe'), timestamp: Date.now() });
  const res = await c.request<{ responses: { partitionResponses: { errorCode: number }[] }[] }>(id, 0, 7, {
    transactionalId: null,
    acks,
    timeoutMs,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: b.build() }] }],
  }, timeoutMs + 5000);
  return res.responses[0].partitionResponses[0].errorCode;
}

/** ListOffsets latest (a consumer's view: the high watermark) at broker `id`. */
async function latestOffset(c: NativeCluster, id: number, topic: string): Promise<number> {
  const res = await c.request<{ topics: { partitions: { errorCode: number; offset: bigint }[] }[] }>(id, 2, 1, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }],
  });
  const p = res.topics[0].partitions[0];
  if (p.errorCode !== 0) throw new Error(`ListOffsets error ${p.errorCode}`);
  return Number(p.offset);
}


export function replicationSuite(title: string, o: ReplicationSuiteOptions): void {
  const SESSION_MS = o.failureDetectionMs;
  describe.skipIf(o.skip === true || !confluentKafkaAvailable())(title, () => {
    let c: NativeCluster;

    beforeAll(async () => {
      c = await o.start();
    }, 120_000);

    afterAll(async () => {
      await c?.stop();
    });

    it('copies a replication-factor-3 topic to every broker; consumers read what the ISR has', async () => {
      await c.createTopic('copied', { partitions: 1, replicationFactor: 3 });
      const before = await c.partition('copied', 0);
      expect(before.replicas).toHaveLength(3);
      expect([...before.isr].sort()).toEqual([...c.ids].sort());
      const run = runPeer(['produce', c.bootstrap(), 'copied', '2000', '0'], 120_000);
      expect(await run.done).toBe(0);
      expect(run.lines.filter((l) => 'ack' in l)).toHaveLength(2000);
      // Every broker holds the records: stop the leader, and the new leader serves all 2000.
      await c.kill9(before.leader);
      const after = await c.waitForPartition('copied', 0, 'a new leader', (p) => p.leader >= 0 && p.leader !== before.leader, SESSION_MS + 15_000);
      expect(after.leaderEpoch).toBeGreaterThan(before.leaderEpoch);
      // The new leader learns the high watermark from the surviving follower's first fetch; until then a consumer
      // (as with Kafka) sees less. It must reach every acknowledged record.
      await until('the new leader\'s high watermark to cover the 2000 records', 15_000, async () => ((await latestOffset(c, after.leader, 'copied')) >= 2000 ? true : undefined));
      const got = await readPartition(c.bootstrap(), 'copied');
      expect(got.map((r) => Number(r.value))).toEqual(Array.from({ length: 2000 }, (_, i) => i));
      await c.restart(before.leader);
      await c.waitForPartition('copied', 0, 'the restarted broker back in the ISR', (p) => p.isr.length === 3, 30_000);
    }, 120_000);

    it('with two of three brokers down, acks=all fails with NOT_ENOUGH_REPLICAS; succeeds when one returns', async () => {
      await c.createTopic('quorum', { partitions: 1, replicationFactor: 3 });
      const { leader } = await c.partition('quorum', 0);
      expect(await produceOnce(c, leader, 'quorum')).toBe(0);
      const followers = c.ids.filter((id) => id !== leader);
      for (const id of followers) await c.kill9(id);
      await c.waitForPartition('quorum', 0, 'an ISR of the leader alone', (p) => p.leader === leader && p.isr.length === 1, SESSION_MS + 20_000);
      expect(await produceOnce(c, leader, 'quorum')).toBe(19); // NOT_ENOUGH_REPLICAS
      await c.restart(followers[0]);
      await c.waitForPartition('quorum', 0, 'a returning follower back in the ISR', (p) => p.isr.length === 2, 30_000);
      expect(await produceOnce(c, leader, 'quorum')).toBe(0);
      await c.restart(followers[1]);
      await c.waitForPartition('quorum', 0, 'a full ISR', (p) => p.isr.length === 3, 30_000);
    }, 120_000);

    it('drops a follower stopped past replica.lag.time.max.ms from the ISR and takes it back once caught up', async () => {
      await c.createTopic('lagging', { partitions: 1, replicationFactor: 3 });
      const { leader } = await c.partition('lagging', 0);
      const follower = c.ids.find((id) => id !== leader)!;
      const hw = await latestOffset(c, leader, 'lagging');
      c.pause(follower);
      try {
        // An acks=all write waits for the stopped ISR member: REQUEST_TIMED_OUT after the request's timeout.
        expect(await produceOnce(c, leader, 'lagging', 500)).toBe(7);
        // An acks=1 write lands in the leader's log, but consumers do not see it while an ISR member lacks it.
        expect(await produceOnce(c, leader, 'lagging', 5000, 1)).toBe(0);
        expect(await latestOffset(c, leader, 'lagging')).toBe(hw);
        const shrunk = await c.waitForPartition('lagging', 0, `broker ${follower} out of the ISR`, (p) => !p.isr.includes(follower), SESSION_MS - 1000);
        expect(shrunk.isr.sort()).toEqual(c.ids.filter((id) => id !== follower));
        // Still registered: the leader took it out for lagging, not the controller for a lost session.
        expect((await c.metadata()).brokers.map((b) => b.nodeId)).toContain(follower);
        // Without it the ISR has the write: the high watermark moves on.
        await until('the high watermark to pass both writes', 5000, async () => ((await latestOffset(c, leader, 'lagging')) === hw + 2 ? true : undefined));
        // Writes go on meanwhile (ISR 2 = min.insync.replicas), so the follower has something to catch up on.
        for (let i = 0; i < 5; i++) expect(await produceOnce(c, leader, 'lagging')).toBe(0);
      } finally {
        c.resume(follower);
      }
      await c.waitForPartition('lagging', 0, `broker ${follower} back in the ISR`, (p) => p.isr.includes(follower), 30_000);
    }, 90_000);

    it.skipIf(!isJavaClientAvailable())('the Java consumer reads on across a leader kill: position validated by leader epoch, no reset, no duplicate', async () => {
      await c.createTopic('validated', { partitions: 1, replicationFactor: 3 });
      const first = runPeer(['produce', c.bootstrap(), 'validated', '1500', '0'], 60_000);
      expect(await first.done).toBe(0);
      const consumer = runJavaClient('consume', { bootstrap: c.bootstrap(), topic: 'validated', group: 'kip320', count: 3000, timeoutMs: 90_000, props: { 'max.poll.records': 200 } });
      // Wait until the group has committed the first 1500 (so they are replicated with __consumer_offsets).
      await until('the group to commit offset 1500', 60_000, async () => {
        const fc = await c.request<{ errorCode: number; nodeId: number }>(c.ids.find((id) => c.isRunning(id))!, 10, 1, { key: 'kip320', keyType: 0 });
        if (fc.errorCode !== 0) return undefined;
        const of = await c.request<{ topics: { partitions: { committedOffset: bigint }[] }[] }>(fc.nodeId, 9, 1, { groupId: 'kip320', topics: [{ name: 'validated', partitionIndexes: [0] }], requireStable: false });
        return of.topics[0]?.partitions[0]?.committedOffset === 1500n ? true : undefined;
      }, 250);
      await new Promise((r) => setTimeout(r, 1000));
      const before = await c.partition('validated', 0);
      await c.kill9(before.leader);
      await c.waitForPartition('validated', 0, 'a new leader', (p) => p.leader >= 0 && p.leader !== before.leader, SESSION_MS + 20_000);
      const second = runPeer(['produce', c.bootstrap(), 'validated', '1500', '0'], 60_000);
      expect(await second.done).toBe(0);
      const result = await consumer;
      expect(result.code, result.stderr.slice(-3000)).toBe(0);
      const records = result.events.filter((e) => e.event === 'record') as { offset: number; value: string }[];
      expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
      expect(result.stderr).not.toMatch(/LogTruncationException|Truncation detected|Resetting offset/i);
      await c.restart(before.leader);
      await c.waitForPartition('validated', 0, 'a full ISR', (p) => p.isr.length === 3, 30_000);
    }, 180_000);

    it('loses no acknowledged record and duplicates none while the leader is killed twice under an idempotent acks=all producer', async () => {
      const TOTAL = 100_000;
      await c.createTopic('failover', { partitions: 1, replicationFactor: 3 });
      const run = runPeer(['produce', c.bootstrap(), 'failover', String(TOTAL), '5000'], 300_000);
      const acked = () => run.lines.reduce((n, l) => n + ('ack' in l ? 1 : 0), 0);
      const kills: { at: number; leader: number; ms: number }[] = [];
      const t0 = Date.now();
      for (const threshold of [20_000, 55_000]) {
        await until(`${threshold} acknowledged records`, 120_000, async () => (acked() >= threshold ? true : undefined), 100);
        const { leader, leaderEpoch } = await c.partition('failover', 0);
        kills.push({ at: acked(), leader, ms: Date.now() - t0 });
        await c.kill9(leader);
        await c.waitForPartition('failover', 0, 'a new leader', (p) => p.leader >= 0 && p.leader !== leader && p.leaderEpoch > leaderEpoch, SESSION_MS + 20_000);
        if (process.env.KSTACK_TEST_VERBOSE) console.log(`new leader ${Date.now() - t0} ms`);
        await c.restart(leader);
        if (process.env.KSTACK_TEST_VERBOSE) console.log(`restarted ${Date.now() - t0} ms`);
        await c.waitForPartition('failover', 0, `broker ${leader} back in the ISR`, (p) => p.isr.length === 3, 60_000);
      }
      const code = await run.done;
      if (process.env.KSTACK_TEST_VERBOSE) console.log(JSON.stringify({ kills, summary: run.lines.find((l) => l.done), t: Date.now() - t0 }));
      expect(code, run.stderr().slice(-2000)).toBe(0);
      const summary = run.lines.find((l) => l.done) as { acked: number; failed: number; unfinished: number };
      expect(summary.unfinished).toBe(0);
      const ackedOffsets = new Map<number, number>();
      for (const l of run.lines) if ('ack' in l) ackedOffsets.set(l.ack as number, l.o as number);
      expect(ackedOffsets.size).toBe(summary.acked);
      expect(kills).toHaveLength(2);

      const log = await readPartition(c.bootstrap(), 'failover');
      const seen = new Map<number, number>();
      for (const r of log) {
        const seq = Number(r.value);
        expect(seen.has(seq), `record ${seq} appears twice (offsets ${seen.get(seq)} and ${r.offset})`).toBe(false);
        seen.set(seq, r.offset);
      }
      // Every acknowledged record is there, at the offset the producer was given.
      const missing = [...ackedOffsets.keys()].filter((seq) => !seen.has(seq));
      expect(missing.slice(0, 10), `${missing.length} acknowledged records are missing`).toEqual([]);
      const moved = [...ackedOffsets].filter(([seq, off]) => seen.get(seq) !== off);
      expect(moved.slice(0, 10), `${moved.length} acknowledged records are at another offset than reported`).toEqual([]);
      // In order: sequence numbers increase with the offset (idempotence keeps the producer's order).
      const seqs = log.map((r) => Number(r.value));
      expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1])).toBe(true);
      // Nothing in the log that the producer did not send and hear about (acknowledged, or reported failed).
      const failedSeqs = new Set(run.lines.filter((l) => 'fail' in l).map((l) => l.fail as number));
      const phantom = [...seen.keys()].filter((seq) => !ackedOffsets.has(seq) && !failedSeqs.has(seq));
      expect(phantom.slice(0, 10)).toEqual([]);
      // librdkafka retries until every record is acknowledged: nothing is lost or left unreported.
      expect(summary.acked + summary.failed).toBe(TOTAL);
    }, 420_000);
  });
}
