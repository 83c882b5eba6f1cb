/**
 * Apache Kafka's own reader (`kafka-dump-log.sh`, class kafka.tools.DumpLogSegments) on segments kstack wrote:
 * every batch valid, every record where we put it, .index/.timeindex verified against the .log. Runs when the
 * Kafka 3.x jars are fetched (`bash scripts/fetch-apache-kafka.sh`, which fetches 3.9.1 by default), skipped
 * with that hint otherwise. 3.x: the 4.x broker download has no tools jar, so no DumpLogSegments.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOG_CONFIG, PartitionLog } from '../../../../src/broker/log/partition-log.js';
import { apacheKafkaSkipReason, findApacheKafka, javaBinary, listApacheKafkaVersions } from '../../../support/apache-kafka.js';
import { makeBatch, valuesBatch } from './batches.js';

const version = listApacheKafkaVersions().find((v) => v.startsWith('3.')) ?? '3.9.1';
const skip = apacheKafkaSkipReason(version);
let root: string;
let dir: string;
const expected = new Map<number, string>();

function dumpLog(files: string[], ...flags: string[]): string {
  const kafka = findApacheKafka(version)!;
  return execFileSync(javaBinary(), ['-cp', kafka.classpath, 'kafka.tools.DumpLogSegments', '--files', files.join(','), ...flags], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
}

describe.skipIf(skip !== null)(`kafka-dump-log.sh reads kstack segments${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'kstack-dumplog-'));
    dir = join(root, 'orders-0');
    const log = PartitionLog.open(dir, 'orders', 0, 'AAECAwQFBgcICQoLDA0ODw', { ...DEFAULT_LOG_CONFIG, segmentBytes: 2000, indexIntervalBytes: 200 }, { recover: false });
    for (let i = 0; i < 60; i++) {
      const r = log.append(valuesBatch(`v${i}`, 3, 1_700_000_000_000 + i * 1000 - (i % 7) * 300), 2, 0);
      for (let k = 0; k <= 2; k++) expected.set(r.baseOffset + k, `v${i}-${k}`);
    }
    const g = log.append(makeBatch([{ value: 'g1', timestamp: 1_700_000_100_000 }, { value: 'g2', timestamp: 1_700_000_100_001 }], { gzip: true }), 3, 0);
    expected.set(g.baseOffset, 'g1').set(g.lastOffset, 'g2');
    log.close();
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('prints every record with a valid CRC at the offsets kstack assigned', () => {
    const logs = readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
    expect(logs.length).toBeGreaterThan(2);
    const out = dumpLog(logs, '--print-data-log', '--deep-iteration');
    const batchLines = out.split('\n').filter((l) => l.startsWith('baseOffset:'));
    expect(batchLines).toHaveLength(61);
    for (const l of batchLines) expect(l).toMatch(/isvalid: true/);
    expect(batchLines[60]).toMatch(/compresscodec: gzip/);
    expect(batchLines[60]).toMatch(/partitionLeaderEpoch: 3/);
    const seen = new Map<number, string>();
    for (const m of out.matchAll(/^\| offset: (\d+) .* payload: (\S+)$/gm)) seen.set(Number(m[1]), m[2]);
    expect(seen).toEqual(expected);
  });

  it('verifies .index and .timeindex against the .log files without mismatches', () => {
    const indexes = readdirSync(dir).filter((f) => f.endsWith('.index') || f.endsWith('.timeindex')).sort();
    const out = dumpLog(indexes, '--verify-index-only');
    for (const f of indexes) expect(out).toContain(`Dumping ${f}`);
    expect(out).not.toMatch(/mismatch|out of order|Non-consecutive|corrupt/i);
    // And the entries themselves, as Kafka prints them.
    const first = dumpLog(['00000000000000000000.index']);
    expect(first).toMatch(/^offset: \d+ position: \d+$/m);
    const time = dumpLog(['00000000000000000000.timeindex']);
    expect(time).toMatch(/^timestamp: \d+ offset: \d+$/m);
  });
});
