/**
 * The native broker with kafka-python 2.0.2 (Debian's python3-kafka, run by /usr/bin/python3) at its default
 * settings: it infers a broker release from our ApiVersions maxima and then uses that release's versions for
 * every API (P11), so this proves the advertised ranges are really served. Admin create_topics, 10,000 keyed
 * records with headers produced and read back with KafkaConsumer(group_id=None) + assign, acks 0 / 1 / all,
 * gzip, beginning/end offsets and offsets_for_times.
 */
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNativeBroker, type NativeBroker } from '../support/native-broker.js';

const PYTHON = '/usr/bin/python3';

const SCRIPT = String.raw`
import json, sys, time
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

bootstrap, command = sys.argv[1], sys.argv[2]
out = {}

if command == 'bulk':
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic('py-bulk', 3, 1)])
    out['api_version'] = list(admin.config['api_version'])
    admin.close()
    p = KafkaProducer(bootstrap_servers=bootstrap)
    sent = {}
    futures = []
    for i in range(10000):
        futures.append((i, p.send('py-bulk', key=b'key-%d' % (i % 89), value=b'value-%d' % i, headers=[('idx', str(i).encode())])))
    p.flush()
    for i, f in futures:
        md = f.get(timeout=30)
        sent.setdefault(md.partition, []).append((md.offset, i))
    p.close()
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, consumer_timeout_ms=5000, max_poll_records=5000)
    tps = [TopicPartition('py-bulk', i) for i in range(3)]
    c.assign(tps)
    c.seek_to_beginning()
    got = {}
    for m in c:
        hdr = dict(m.headers)
        got.setdefault(m.partition, []).append([m.offset, m.key.decode(), m.value.decode(), hdr['idx'].decode()])
        if sum(len(v) for v in got.values()) == 10000:
            break
    c.close()
    out['sent'] = {str(k): v for k, v in sent.items()}
    out['got'] = {str(k): v for k, v in got.items()}

elif command == 'acks':
    topic, acks, codec = sys.argv[3], sys.argv[4], sys.argv[5]
    p = KafkaProducer(bootstrap_servers=bootstrap, acks=(acks if acks == 'all' else int(acks)), compression_type=(None if codec == 'none' else codec))
    for i in range(1000):
        p.send(topic, key=b'k', value=(b'x' * 50) + str(i).encode())
    p.flush()
    p.close()
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, consumer_timeout_ms=5000)
    tp = TopicPartition(topic, 0)
    c.assign([tp])
    c.seek_to_beginning()
    values = []
    for m in c:
        values.append(m.value.decode())
        if len(values) == 1000:
            break
    c.close()
    out['values'] = values

elif command == 'offsets':
    base = int(time.time() * 1000) - 3600000
    p = KafkaProducer(bootstrap_servers=bootstrap)
    for i in range(10):
        p.send('py-times', value=b'v%d' % i, timestamp_ms=base + i * 1000).get(timeout=30)
    p.close()
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    tp = TopicPartition('py-times', 0)
    out['beginning'] = c.beginning_offsets([tp])[tp]
    out['end'] = c.end_offsets([tp])[tp]
    found = c.offsets_for_times({tp: base + 4500})[tp]
    out['by_time'] = [found.offset, found.timestamp]
    out['none'] = c.offsets_for_times({tp: base + 10000000})[tp]
    c.close()

print(json.dumps(out))
`;

let broker: NativeBroker;
let dir: string;
let script: string;

async function py(...args: string[]): Promise<any> {
  const { stdout } = await execa(PYTHON, [script, broker.bootstrap, ...args], { timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

beforeAll(async () => {
  broker = await startNativeBroker();
  dir = mkdtempSync(join(tmpdir(), 'kstack-py-'));
  script = join(dir, 'client.py');
  writeFileSync(script, SCRIPT);
});

afterAll(async () => {
  await broker?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('native broker with kafka-python 2.0.2', () => {
  it('10,000 keyed records with headers in 3 partitions come back identical and in per-partition order', async () => {
    const r = await py('bulk');
    // kafka-python inferred a release from our maxima (Produce 8 ⇒ 2.4 in its table) and used it throughout.
    expect(r.api_version[0]).toBe(2);
    expect(Object.keys(r.got).sort()).toEqual(['0', '1', '2']);
    let total = 0;
    for (const [p, sent] of Object.entries(r.sent as Record<string, [number, number][]>)) {
      const got = r.got[p] as [number, string, string, string][];
      expect(got.length).toBe(sent.length);
      total += got.length;
      sent.sort((a, b) => a[0] - b[0]);
      got.forEach(([offset, key, value, idx], n) => {
        const i = sent[n][1];
        expect(offset).toBe(sent[n][0]);
        expect([key, value, idx]).toEqual([`key-${i % 89}`, `value-${i}`, String(i)]);
      });
    }
    expect(total).toBe(10_000);
  });

  it.each([
    ['0', 'none'],
    ['1', 'none'],
    ['all', 'none'],
    ['all', 'gzip'],
  ])('acks=%s compression=%s', async (acks, codec) => {
    const r = await py('acks', `py-acks-${acks}-${codec}`, acks, codec);
    expect(r.values).toEqual(Array.from({ length: 1000 }, (_, i) => 'x'.repeat(50) + i));
  });

  it('beginning / end offsets and offsets_for_times', async () => {
    const r = await py('offsets');
    expect(r.beginning).toBe(0);
    expect(r.end).toBe(10);
    expect(r.by_time[0]).toBe(5);
    expect(r.none).toBeNull();
  });
});
