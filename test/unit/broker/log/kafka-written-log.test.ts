/**
 * The other direction of layout compatibility: a log dir written by Apache Kafka 3.9 (small segments, kafkajs
 * producing plain and gzip batches) opened by kstack's LogManager — every record readable at Kafka's offsets,
 * timestamp lookups agree, and the log takes new appends. Runs when the Kafka jars are fetched
 * (`bash scripts/fetch-apache-kafka.sh`), skipped with that hint otherwise. One JVM start (~10-20 s).
 */
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { randomUuid } from '../../../../src/broker/log/file-format.js';
import { LogManager } from '../../../../src/broker/log/log-manager.js';
import { DEFAULT_LOG_CONFIG, isOffsetOutOfRange, type PartitionLog } from '../../../../src/broker/log/partition-log.js';
import { apacheKafkaSkipReason, listApacheKafkaVersions, startApacheKafka } from '../../../support/apache-kafka.js';
import { parseBatches, valuesBatch } from './batches.js';

const version = listApacheKafkaVersions().find((v) => v.startsWith('3.')) ?? '3.9.1';
const skip = apacheKafkaSkipReason(version);
let workDir: string | undefined;

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

function readEverything(log: PartitionLog): Map<number, { value: string | null; timestamp: number }> {
  const out = new Map<number, { value: string | null; timestamp: number }>();
  let next = log.logStartOffset;
  while (next < log.logEndOffset) {
    const r = log.read(next, 64 * 1024);
    if (isOffsetOutOfRange(r)) throw new Error(`out of range at ${next}`);
    for (const b of parseBatches(r.data)) {
      expect(b.crcValid).toBe(true);
      if ((b.attributes & 7) === 0) for (const rec of b.records) out.set(rec.offset, { value: rec.value, timestamp: rec.timestamp });
      else for (let o = b.baseOffset; o <= b.lastOffset; o++) out.set(o, { value: '<compressed>', timestamp: b.maxTimestamp });
      next = b.lastOffset + 1;
    }
  }
  return out;
}

describe.skipIf(skip !== null)(`kstack opens a log dir Apache Kafka ${version} wrote${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('reads every record at Kafka\'s offsets, finds timestamps, and appends after them', async () => {
    const kafka = await startApacheKafka({
      version,
      keepDir: true,
      heapMb: 384,
      // Kafka's own rule: an id starting with '-' reads as an option to StorageTool (`format -t -abc…` fails).
      clusterId: randomUuid(),
      overrides: { 'log.segment.bytes': 1024, 'log.index.interval.bytes': 200, 'num.partitions': 1, 'offsets.topic.num.partitions': 1 },
    });
    workDir = kafka.dir;
    const base = 1_700_000_000_000;
    const sent: { value: string; timestamp: number; gzip: boolean }[] = [];
    try {
      const client = new Kafka({ brokers: [kafka.bootstrap], clientId: 'kstack-storage-test', logLevel: logLevel.NOTHING });
      const admin = client.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'written', numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
      await admin.disconnect();
      const producer = client.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      for (let i = 0; i < 40; i++) {
        const gzip = i % 5 === 4;
        const messages = Array.from({ length: 8 }, (_, k) => ({ value: `k${i}-${k}`, timestamp: String(base + i * 1000 + k) }));
        await producer.send({ topic: 'written', messages, compression: gzip ? CompressionTypes.GZIP : CompressionTypes.None });
        for (const m of messages) sent.push({ value: m.value, timestamp: Number(m.timestamp), gzip });
      }
      await producer.disconnect();
    } finally {
      await kafka.stop();
    }

    const dataDir = join(kafka.dir, 'data');
    expect(existsSync(join(dataDir, '.kafka_cleanshutdown'))).toBe(true);
    expect(readdirSync(join(dataDir, 'written-0')).filter((f) => f.endsWith('.log')).length).toBeGreaterThan(3);
    const manager = LogManager.open({ logDirs: [dataDir], nodeId: 1, clusterId: kafka.clusterId, defaults: DEFAULT_LOG_CONFIG });
    expect(manager.cleanShutdown).toBe(true);
    const log = manager.get('written', 0)!;
    expect(log).toBeDefined();
    expect(log.logEndOffset).toBe(sent.length);
    const read = readEverything(log);
    sent.forEach((m, offset) => {
      expect(read.get(offset)).toEqual(m.gzip ? { value: '<compressed>', timestamp: base + Math.floor(offset / 8) * 1000 + 7 } : { value: m.value, timestamp: m.timestamp });
    });
    // Timestamp lookups through Kafka's .timeindex files, into plain and gzip batches.
    for (const probe of [0, 1, 9, 37, 38, 100, 230, 319]) {
      expect(log.offsetForTimestamp(sent[probe].timestamp)).toEqual({ offset: probe, timestamp: sent[probe].timestamp });
    }
    expect(log.offsetForTimestamp(base + 10_000_000)).toBeNull();
    const r = log.append(valuesBatch('kstack', 2, base + 50_000), 0, Date.now());
    expect(r.baseOffset).toBe(sent.length);
    manager.close();
    // And the recovery path agrees with what Kafka left (full validation of its segments).
    rmSync(join(dataDir, '.kafka_cleanshutdown'));
    const recovered = LogManager.open({ logDirs: [dataDir], nodeId: 1, clusterId: kafka.clusterId, defaults: DEFAULT_LOG_CONFIG });
    expect(recovered.cleanShutdown).toBe(false);
    expect(recovered.get('written', 0)!.logEndOffset).toBe(sent.length + 2);
    recovered.close();
  }, 180_000);
});
