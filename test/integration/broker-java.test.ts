/**
 * The native broker with the official Java client (kafka-clients, built by scripts/fetch-apache-kafka.sh into
 * .peers/; skipped with that hint when absent). Java 3.x producers are idempotent with acks=all by default, so
 * this exercises InitProducerId and the sequence checks with the client Kafka itself ships. Records are read
 * back with kcat and with the Java consumer in a consumer group.
 */
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { javaClientSkipReason, javaConsume, javaCreateTopic, javaProduce } from '../support/java-client.js';
import { startNativeBroker, type NativeBroker } from '../support/native-broker.js';

const skip = javaClientSkipReason();
if (skip) console.warn(`[broker-java] SKIPPED: ${skip}`);

let broker: NativeBroker;

beforeAll(async () => {
  if (!skip) broker = await startNativeBroker();
});
afterAll(async () => {
  await broker?.cleanup();
});

describe.skipIf(skip !== null)('native broker with the Java client', () => {
  it('creates a 3-partition topic; an idempotent producer (the default) stores 10,000 records exactly once', async () => {
    expect(await javaCreateTopic({ bootstrap: broker.bootstrap, topic: 'java-bulk', partitions: 3 })).toBe('created');
    expect(await javaCreateTopic({ bootstrap: broker.bootstrap, topic: 'java-bulk', partitions: 3 })).toBe('exists');
    const { sent } = await javaProduce({ bootstrap: broker.bootstrap, topic: 'java-bulk', count: 10_000, props: { 'compression.type': 'lz4' } });
    expect(sent).toHaveLength(10_000);
    const { stdout } = await execa('kcat', ['-b', broker.bootstrap, '-C', '-t', 'java-bulk', '-e', '-q', '-f', '%p\t%o\t%k\t%s\t%h\n'], { timeout: 60_000 });
    const got = stdout.split('\n').filter(Boolean).map((l) => l.split('\t'));
    expect(got).toHaveLength(10_000);
    const where = new Map(sent.map((s) => [s.key, `${s.partition}\t${s.offset}`]));
    for (const [p, o, key, value, headers] of got) {
      expect(where.get(key)).toBe(`${p}\t${o}`);
      const seq = key.slice(key.lastIndexOf('-') + 1);
      expect(value).toBe(`value-${seq}`);
      expect(headers).toContain(`kstack-seq=${seq}`);
    }
    expect(new Set(got.map((g) => g[2])).size).toBe(10_000);
    // The Java consumer, in a consumer group, reads the same records in per-partition order.
    const { records } = await javaConsume({ bootstrap: broker.bootstrap, topic: 'java-bulk', group: 'java-readers', count: 10_000, timeoutMs: 60_000 });
    expect(records).toHaveLength(10_000);
    const last = new Map<number, number>();
    for (const r of records) {
      expect(where.get(r.key!)).toBe(`${r.partition}\t${r.offset}`);
      expect(r.offset).toBe((last.get(r.partition) ?? -1) + 1);
      last.set(r.partition, r.offset);
    }
  });
});
