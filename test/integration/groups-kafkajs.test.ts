/**
 * Three kafkajs 2.2.4 consumers in one group on a 6-partition topic while a producer writes 30,000 records:
 *   A (in this process) and B (a child process) start; C joins late; A leaves cleanly; B is killed with
 *   kill -9 and the broker expels it when its session (6 s) times out.
 * Every record is processed exactly once: each consumer commits after processing a batch (autoCommit off), and
 * the test records every (partition, offset) processed. After each rebalance DescribeGroups must show a Stable
 * group whose members' assignments are balanced (sizes differ by at most one) and cover the 6 partitions once.
 *
 * Why B quiesces before the kill: Kafka guarantees at-least-once for a consumer killed between processing and
 * committing (its last batch comes again); to assert exactly-once we kill B between batches, after its last
 * commit. What the broker must get right is everything else: expelling B on session timeout, the rebalances,
 * commits accepted during PreparingRebalance, and the others resuming from committed offsets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssignerProtocol, Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNativeBroker, type NativeBroker } from '../support/native-broker.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TOPIC = 'groups-js';
const GROUP = 'js-group';
const TOTAL = 30_000;

let broker: NativeBroker;
let kafka: Kafka;
let admin: Admin;

interface Processed {
  partition: number;
  offset: string;
  value: string;
  by: string;
}
const processed: Processed[] = [];

beforeAll(async () => {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  broker = await startNativeBroker();
  kafka = new Kafka({ clientId: 'groups-js', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 6 }] });
});

afterAll(async () => {
  await admin?.disconnect();
  await broker?.cleanup();
});

/** The consumer loop both in-process members and the child run: process a batch, commit it, then heartbeat. */
function inProcessConsumer(name: string): Consumer {
  const c = kafka.consumer({ groupId: GROUP, sessionTimeout: 30_000, heartbeatInterval: 1000 });
  void (async () => {
    await c.connect();
    await c.subscribe({ topic: TOPIC, fromBeginning: true });
    await c.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        for (const m of batch.messages) processed.push({ partition: batch.partition, offset: m.offset, value: m.value!.toString(), by: name });
        const last = batch.messages[batch.messages.length - 1];
        if (last) {
          await c.commitOffsets([{ topic: TOPIC, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }]);
          resolveOffset(last.offset);
        }
        await heartbeat();
      },
    });
  })();
  return c;
}

const CHILD = `
const { Kafka, logLevel } = await import('kafkajs');
const [bootstrap, topic, group] = process.argv.slice(1);
const kafka = new Kafka({ clientId: 'groups-js-child', brokers: [bootstrap], logLevel: logLevel.NOTHING });
const c = kafka.consumer({ groupId: group, sessionTimeout: 6000, heartbeatInterval: 1000 });
let quiesce = false;
let inBatch = false;
process.on('message', (m) => {
  if (m === 'quiesce') {
    quiesce = true;
    if (!inBatch) process.send('quiet');
  }
});
await c.connect();
await c.subscribe({ topic, fromBeginning: true });
await c.run({
  autoCommit: false,
  eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
    if (quiesce) return new Promise(() => {});
    inBatch = true;
    const out = batch.messages.map((m) => ({ partition: batch.partition, offset: m.offset, value: m.value.toString() }));
    process.send({ processed: out });
    const last = batch.messages[batch.messages.length - 1];
    if (last) {
      await c.commitOffsets([{ topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }]);
      resolveOffset(last.offset);
    }
    inBatch = false;
    if (quiesce) { process.send('quiet'); return new Promise(() => {}); }
    await heartbeat();
  },
});
process.send('running');
`;

function childConsumer(): { child: ChildProcess; quiet: Promise<void> } {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, broker.bootstrap, TOPIC, GROUP], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let onQuiet: () => void = () => {};
  const quiet = new Promise<void>((r) => (onQuiet = r));
  child.on('message', (m: unknown) => {
    if (m === 'quiet') onQuiet();
    else if (typeof m === 'object' && m !== null && 'processed' in m) {
      for (const p of (m as { processed: Omit<Processed, 'by'>[] }).processed) processed.push({ ...p, by: 'B' });
    }
  });
  return { child, quiet };
}

async function waitFor(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits for a Stable group of `n` members and checks their assignments are balanced and cover every partition once. */
async function expectBalanced(n: number, label: string): Promise<number[][]> {
  let sizes: number[][] = [];
  await waitFor(`${label}: a Stable group of ${n}`, async () => {
    const { groups } = await admin.describeGroups([GROUP]);
    const g = groups[0];
    if (g.state !== 'Stable' || g.members.length !== n) return false;
    sizes = g.members.map((m) => {
      const a = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
      return (a?.assignment[TOPIC] ?? []).slice().sort((x, y) => x - y);
    });
    return true;
  });
  const all = sizes.flat().sort((a, b) => a - b);
  expect(all, `${label}: every partition assigned exactly once`).toEqual([0, 1, 2, 3, 4, 5]);
  const lens = sizes.map((s) => s.length);
  expect(Math.max(...lens) - Math.min(...lens), `${label}: balanced ${JSON.stringify(sizes)}`).toBeLessThanOrEqual(1);
  return sizes;
}

describe('kafkajs consumer group across leave, kill -9 and a late join', () => {
  it('processes 30,000 records exactly once with balanced assignments after every rebalance', async () => {
    const producer = kafka.producer();
    await producer.connect();
    let produced = 0;
    const producing = (async () => {
      for (let b = 0; b < 60; b++) {
        const messages = Array.from({ length: 500 }, (_, j) => ({ key: `k${(b * 500 + j) % 97}`, value: `v${b * 500 + j}` }));
        await producer.send({ topic: TOPIC, messages });
        produced += 500;
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    const a = inProcessConsumer('A');
    const b = childConsumer();
    await expectBalanced(2, 'A + B');
    await waitFor('some progress', () => processed.length >= 3000);

    const c = inProcessConsumer('C');
    await expectBalanced(3, 'A + B + late C');
    await waitFor('progress with three members', () => processed.some((p) => p.by === 'C'));

    await a.disconnect(); // LeaveGroup
    await expectBalanced(2, 'B + C after A left');

    b.child.send('quiesce');
    await b.quiet;
    b.child.kill('SIGKILL');
    const killedAt = Date.now();
    await expectBalanced(1, 'C alone after B was expelled');
    // B sent no LeaveGroup: only its session timeout (6 s after its last heartbeat, which came before the kill)
    // can have expelled it — and it did so on time, not at the 60 s rebalance timeout.
    expect(Date.now() - killedAt).toBeLessThan(6000 + 5000);

    await producing;
    await producer.disconnect();
    expect(produced).toBe(TOTAL);
    await waitFor('every record processed', () => processed.length >= TOTAL, 90_000);
    // Give a duplicate, if any, time to show up.
    await new Promise((r) => setTimeout(r, 2000));
    await c.disconnect();

    const seen = new Map<string, Processed>();
    const dups: string[] = [];
    for (const p of processed) {
      const k = `${p.partition}:${p.offset}`;
      if (seen.has(k)) dups.push(`${k} by ${seen.get(k)!.by} and ${p.by}`);
      seen.set(k, p);
    }
    expect(dups).toEqual([]);
    expect(processed).toHaveLength(TOTAL);
    const values = new Set(processed.map((p) => p.value));
    expect(values.size).toBe(TOTAL);
    for (let i = 0; i < TOTAL; i += 997) expect(values.has(`v${i}`)).toBe(true);
    // Every member did part of the work.
    expect(new Set(processed.map((p) => p.by))).toEqual(new Set(['A', 'B', 'C']));
    // After C left, the group is Empty and its commits cover the whole topic.
    const { groups } = await admin.describeGroups([GROUP]);
    expect(groups[0].state).toBe('Empty');
    const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    expect(committed[0].partitions.reduce((s, p) => s + Number(p.offset), 0)).toBe(TOTAL);
  }, 240_000);
});
