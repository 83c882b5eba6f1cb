/**
 * librdkafka 2.0.2 (Debian's, through python3-confluent-kafka 1.7.0 on /usr/bin/python3) driving the two group
 * features the broker must get exactly right for it:
 * - cooperative (incremental) rebalancing, `partition.assignment.strategy=cooperative-sticky`: when a second
 *   member joins, the first gives up only the partitions that move (no stop-the-world revoke), and takes them
 *   back incrementally when the second leaves;
 * - static membership, `group.instance.id` (KIP-345): a static follower killed and restarted within its session
 *   timeout gets its partitions back without a rebalance — the other member sees no revoke or assign at all.
 */
import { execa, type ResultPromise } from 'execa';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNativeBroker, type NativeBroker } from '../support/native-broker.js';

const PYTHON = '/usr/bin/python3';
let broker: NativeBroker;

// One consumer: prints one JSON line per event; stops on stdin EOF or after `seconds`.
const CONSUMER = `
import json, sys, time, threading
from confluent_kafka import Consumer
bootstrap, group, topic, strategy, instance, seconds = sys.argv[1:7]
conf = {'bootstrap.servers': bootstrap, 'group.id': group, 'auto.offset.reset': 'earliest',
        'partition.assignment.strategy': strategy, 'session.timeout.ms': 10000, 'heartbeat.interval.ms': 500}
if instance != '-':
    conf['group.instance.id'] = instance
def out(**kw):
    print(json.dumps(kw), flush=True)
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
c = Consumer(conf)
c.subscribe([topic],
            on_assign=lambda cons, parts: out(ev='assign', parts=sorted(p.partition for p in parts)),
            on_revoke=lambda cons, parts: out(ev='revoke', parts=sorted(p.partition for p in parts)))
end = time.time() + float(seconds)
while time.time() < end and not stop.is_set():
    m = c.poll(0.2)
    if m is not None and m.error() is None:
        out(ev='msg', value=m.value().decode())
c.close()
out(ev='closed')
`;

interface Ev { ev: string; parts?: number[]; value?: string }

function consumer(group: string, topic: string, strategy: string, instance: string | null, seconds: number) {
  const events: Ev[] = [];
  const proc = execa(PYTHON, ['-c', CONSUMER, broker.bootstrap, group, topic, strategy, instance ?? '-', String(seconds)], { stdin: 'pipe', buffer: false, reject: false, timeout: 120_000 });
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.trim()) events.push(JSON.parse(line) as Ev);
    }
  });
  return { proc: proc as ResultPromise, events, owned: () => ownedFrom(events, strategy) };
}

/** What a member owns after its events: eager assign/revoke replace everything, cooperative ones add/remove. */
function ownedFrom(events: Ev[], strategy: string): number[] {
  const owned = new Set<number>();
  for (const e of events) {
    if (e.ev === 'assign') {
      if (strategy !== 'cooperative-sticky') owned.clear();
      for (const p of e.parts!) owned.add(p);
    } else if (e.ev === 'revoke') {
      if (strategy !== 'cooperative-sticky') owned.clear();
      else for (const p of e.parts!) owned.delete(p);
    }
  }
  return [...owned].sort((a, b) => a - b);
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  broker = await startNativeBroker();
  const kafka = new Kafka({ clientId: 'groups-rdk', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'coop', numPartitions: 6 }, { topic: 'static', numPartitions: 4 }] });
  await admin.disconnect();
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'coop', messages: Array.from({ length: 600 }, (_, i) => ({ key: `k${i % 53}`, value: `c${i}` })) });
  await producer.disconnect();
});

afterAll(async () => {
  await broker?.cleanup();
});

describe('librdkafka consumer groups', () => {
  it('cooperative-sticky: a joining member takes only the partitions that move; they come back incrementally', async () => {
    const first = consumer('coop-group', 'coop', 'cooperative-sticky', null, 60);
    await waitFor('first member owns all 6', () => first.owned().length === 6);
    await waitFor('first member read everything', () => first.events.filter((e) => e.ev === 'msg').length >= 600);
    const second = consumer('coop-group', 'coop', 'cooperative-sticky', null, 60);
    await waitFor('second member owns 3', () => second.owned().length === 3, 60_000);
    await waitFor('first member down to 3', () => first.owned().length === 3);
    // Incremental: the first member's only revoke named exactly the 3 partitions that moved.
    // (librdkafka reports empty incremental events in rounds that move nothing for a member.)
    const revokes = first.events.filter((e) => e.ev === 'revoke' && e.parts!.length > 0);
    expect(revokes.map((r) => r.parts!.length)).toEqual([3]);
    expect(revokes[0].parts).toEqual(second.owned());
    expect([...first.owned(), ...second.owned()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    // The second member leaves (LeaveGroup on close): its partitions come back as an incremental assign.
    second.proc.stdin!.end();
    await second.proc;
    await waitFor('first member owns all 6 again', () => first.owned().length === 6, 60_000);
    const assigns = first.events.filter((e) => e.ev === 'assign' && e.parts!.length > 0).map((e) => e.parts!.length);
    expect(assigns).toEqual([6, 3]);
    // The first member never got a record twice (offsets were committed on revoke and read back by the second).
    const values = first.events.filter((e) => e.ev === 'msg').map((e) => e.value);
    expect(new Set(values).size).toBe(values.length);
    first.proc.stdin!.end();
    await first.proc;
  }, 180_000);

  it('static membership: a static follower killed and restarted within its session gets its partitions back with no rebalance', async () => {
    const leader = consumer('static-group', 'static', 'range', null, 90);
    await waitFor('leader owns 4', () => leader.owned().length === 4);
    const follower = consumer('static-group', 'static', 'range', 'static-1', 90);
    await waitFor('two members, 2 partitions each', () => follower.owned().length === 2 && leader.owned().length === 2, 60_000);
    const before = follower.owned();
    const leaderEventsBefore = leader.events.filter((e) => e.ev !== 'msg').length;
    follower.proc.kill('SIGKILL');
    await follower.proc;
    const again = consumer('static-group', 'static', 'range', 'static-1', 90);
    await waitFor('restarted static member assigned', () => again.owned().length > 0, 30_000);
    expect(again.owned()).toEqual(before);
    // Well past the old incarnation's session timeout: still no rebalance for the other member.
    await new Promise((r) => setTimeout(r, 11_000));
    expect(leader.events.filter((e) => e.ev !== 'msg').length).toBe(leaderEventsBefore);
    expect(leader.owned()).toHaveLength(2);
    again.proc.stdin!.end();
    leader.proc.stdin!.end();
    await Promise.all([again.proc, leader.proc]);
  }, 180_000);
});
