import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogManager, type LogManagerOptions } from '../../../../src/broker/log/log-manager.js';
import { DEFAULT_LOG_CONFIG, isOffsetOutOfRange, type PartitionLog } from '../../../../src/broker/log/partition-log.js';
import { parseBatches, valuesBatch } from './batches.js';

const ID_A = 'AAECAwQFBgcICQoLDA0ODw';
const ID_B = 'EBESExQVFhcYGRobHB0eHw';
let root: string;
let dirs: string[];
let now: number;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kstack-logmgr-'));
  dirs = [join(root, 'd1'), join(root, 'd2'), join(root, 'd3')];
  now = 1_700_000_000_000;
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function openManager(over: Partial<LogManagerOptions> = {}): LogManager {
  return LogManager.open({ logDirs: dirs, nodeId: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qk', defaults: DEFAULT_LOG_CONFIG, clock: () => now, ...over });
}

function lastValue(log: PartitionLog): string | null {
  const r = log.read(log.logEndOffset - 1, 1000);
  if (isOffsetOutOfRange(r)) throw new Error('out of range');
  const recs = parseBatches(r.data).flatMap((b) => b.records);
  return recs[recs.length - 1].value;
}

describe('LogManager', () => {
  it('spreads new partitions over log.dirs (fewest partitions first) and loads them all again', () => {
    let m = openManager();
    expect(m.cleanShutdown).toBe(true); // empty dirs: nothing to recover
    for (let p = 0; p < 6; p++) m.getOrCreate('orders', p, ID_A).append(valuesBatch(`p${p}`, 1), 0, now);
    m.getOrCreate('audit', 0, ID_B);
    const perDir = dirs.map((d) => readdirSync(d).filter((n) => /-\d+$/.test(n)).length);
    expect(perDir.sort()).toEqual([2, 2, 3]);
    for (const d of dirs) {
      const meta = readFileSync(join(d, 'meta.properties'), 'utf8');
      expect(meta).toMatch(/^node\.id=1$/m);
      expect(meta).toMatch(/^cluster\.id=MkU3OEVBNTcwNTJENDM2Qk$/m);
      expect(meta).toMatch(/^version=1$/m);
      expect(meta).toMatch(/^directory\.id=[A-Za-z0-9_-]{22}$/m);
    }
    m.close();
    for (const d of dirs) expect(existsSync(join(d, '.kafka_cleanshutdown'))).toBe(true);

    m = openManager();
    expect(m.cleanShutdown).toBe(true);
    for (const d of dirs) expect(existsSync(join(d, '.kafka_cleanshutdown'))).toBe(false); // removed once loaded
    expect([...m.partitions()].map((l) => `${l.topic}-${l.partition}`).sort()).toEqual([
      'audit-0',
      'orders-0',
      'orders-1',
      'orders-2',
      'orders-3',
      'orders-4',
      'orders-5',
    ]);
    for (let p = 0; p < 6; p++) expect(lastValue(m.get('orders', p)!)).toBe(`p${p}-0`);
    expect(m.get('orders', 9)).toBeUndefined();
    m.close();
  });

  it('writes the recovery-point and log-start-offset checkpoints in Kafka\'s format', () => {
    dirs = [join(root, 'only')];
    const m = openManager({ defaults: { ...DEFAULT_LOG_CONFIG, segmentBytes: 300 } });
    const log = m.getOrCreate('orders', 0, ID_A);
    for (let i = 0; i < 10; i++) log.append(valuesBatch('x', 2), 0, now);
    m.getOrCreate('orders', 1, ID_A).append(valuesBatch('y', 1), 0, now);
    log.deleteRecordsBefore(7);
    // DeleteRecords is checkpointed at once.
    expect(readFileSync(join(dirs[0], 'log-start-offset-checkpoint'), 'utf8')).toBe('0\n1\norders 0 7\n');
    m.close();
    const rp = readFileSync(join(dirs[0], 'recovery-point-offset-checkpoint'), 'utf8').split('\n');
    expect(rp.slice(0, 2)).toEqual(['0', '2']);
    expect(rp.slice(2, 4).sort()).toEqual(['orders 0 20', 'orders 1 1']);
    const again = openManager();
    expect(again.get('orders', 0)!.logStartOffset).toBe(7);
    again.close();
  });

  it('an unclean stop (no marker) makes the next start recover: a torn tail is cut, the rest is kept', () => {
    dirs = [join(root, 'only')];
    const m = openManager();
    const log = m.getOrCreate('orders', 0, ID_A);
    for (let i = 0; i < 5; i++) log.append(valuesBatch(`v${i}`, 2), 0, now);
    // Simulate a crash: no close(), then a torn write at the end of the active segment.
    const seg = join(dirs[0], 'orders-0', '00000000000000000000.log');
    writeFileSync(seg, valuesBatch('torn', 3).subarray(0, 40), { flag: 'a' });
    const warnings: string[] = [];
    const m2 = openManager({ logger: { info: () => {}, warn: (w) => warnings.push(w), error: () => {} } });
    expect(m2.cleanShutdown).toBe(false);
    expect(warnings.join('\n')).toMatch(/not clean/);
    const again = m2.get('orders', 0)!;
    expect(again.logEndOffset).toBe(10);
    expect(lastValue(again)).toBe('v4-1');
    expect(again.append(valuesBatch('new', 1), 0, now).baseOffset).toBe(10);
    m2.close();
  });

  it('refuses a log dir of another cluster or node, and the same partition in two dirs', () => {
    openManager().close();
    expect(() => openManager({ clusterId: 'other' })).toThrow(/belongs to cluster/);
    expect(() => openManager({ nodeId: 2 })).toThrow(/belongs to node 1/);
    mkdirSync(join(dirs[0], 'dup-0'));
    mkdirSync(join(dirs[1], 'dup-0'));
    writeFileSync(join(dirs[0], 'dup-0', 'partition.metadata'), `version: 0\ntopic_id: ${ID_A}\n`);
    writeFileSync(join(dirs[1], 'dup-0', 'partition.metadata'), `version: 0\ntopic_id: ${ID_A}\n`);
    expect(() => openManager()).toThrow(/two log dirs/);
    expect(() => openManager({ logDirs: [] })).toThrow(/log.dirs is empty/);
    expect(() => openManager({ defaults: { ...DEFAULT_LOG_CONFIG, segmentBytes: 1 } })).toThrow(/segment.bytes/);
  });

  it('recovers only the dirs without the marker, and refuses a topic id that does not match the files', () => {
    const m = openManager();
    for (let p = 0; p < 3; p++) {
      m.getOrCreate('orders', p, ID_A).append(valuesBatch(`p${p}`, 1), 0, now);
      m.getOrCreate('orders', p, ID_A).append(valuesBatch(`q${p}`, 1), 0, now);
    }
    const crashedDir = m.logDirOf('orders', 0)!;
    const where = [0, 1, 2].map((p) => m.logDirOf('orders', p)!);
    m.close();
    rmSync(join(crashedDir, '.kafka_cleanshutdown'));
    // Flip a byte inside every partition's last batch: headers still parse, only the CRC tells.
    for (let p = 0; p < 3; p++) {
      const file = join(where[p], `orders-${p}`, '00000000000000000000.log');
      const bytes = readFileSync(file);
      bytes[bytes.length - 3] ^= 0xff;
      writeFileSync(file, bytes);
    }
    const m2 = openManager();
    expect(m2.cleanShutdown).toBe(false);
    for (let p = 0; p < 3; p++) {
      // Recovery (CRC check) ran in the crashed dir only; clean dirs are trusted as Kafka trusts them.
      expect(m2.get('orders', p)!.logEndOffset).toBe(where[p] === crashedDir ? 1 : 2);
    }
    expect(lastValue(m2.get('orders', 0)!)).toBe('p0-0');
    expect(() => m2.getOrCreate('orders', 0, ID_B)).toThrow(/on disk has topic id/);
    expect(m2.getOrCreate('orders', 0, '00010203-0405-0607-0809-0a0b0c0d0e0f')).toBe(m2.get('orders', 0));
    m2.close();
  });

  it('deletePartition removes the directory; invalid names are refused', () => {
    const m = openManager();
    const log = m.getOrCreate('gone', 0, ID_A);
    log.append(valuesBatch('x', 1), 0, now);
    const where = m.logDirOf('gone', 0)!;
    m.deletePartition('gone', 0);
    expect(existsSync(join(where, 'gone-0'))).toBe(false);
    expect(m.get('gone', 0)).toBeUndefined();
    expect(() => m.getOrCreate('bad/name', 0, ID_A)).toThrow(/not valid/);
    expect(() => m.getOrCreate('..', 0, ID_A)).toThrow(/not valid/);
    m.close();
  });

  it('background tasks: flush.ms, segment.ms rolls and retention on the injected clock', () => {
    dirs = [join(root, 'only')];
    const m = openManager({
      defaults: { ...DEFAULT_LOG_CONFIG, flushIntervalMs: 5_000, segmentMs: 60_000, retentionMs: 120_000 },
      retentionCheckIntervalMs: 30_000,
      checkpointIntervalMs: 10_000,
    });
    const log = m.getOrCreate('orders', 0, ID_A);
    log.append(valuesBatch('a', 2, now), 0, now);
    m.runBackgroundTasks(now + 1_000);
    expect(log.recoveryPoint).toBe(0);
    m.runBackgroundTasks(now + 5_000);
    expect(log.recoveryPoint).toBe(2);
    m.runBackgroundTasks(now + 61_000); // segment.ms elapsed: rolled
    expect(log.segmentBaseOffsets()).toEqual([0, 2]);
    expect(readFileSync(join(dirs[0], 'recovery-point-offset-checkpoint'), 'utf8')).toMatch(/^orders 0 2$/m);
    m.runBackgroundTasks(now + 200_000); // retention: the old segment is gone
    expect(log.segmentBaseOffsets()).toEqual([2]);
    expect(log.logStartOffset).toBe(2);
    m.close();
  });

  it('checkpoints high watermarks in replication-offset-checkpoint and hands them back after a restart', () => {
    let m = openManager({ logDirs: [dirs[0]] });
    const log = m.getOrCreate('orders', 0, ID_A);
    log.setReplicated(true);
    log.append(valuesBatch('a', 5), 0, now);
    expect(log.highWatermark).toBe(0); // replicated: the replica manager moves it
    log.highWatermark = 3;
    m.close();
    expect(readFileSync(join(dirs[0], 'replication-offset-checkpoint'), 'utf8')).toBe('0\n1\norders 0 3\n');
    m = openManager({ logDirs: [dirs[0]] });
    expect(m.checkpointedHighWatermark('orders', 0)).toBe(3);
    expect(m.get('orders', 0)!.highWatermark).toBe(5); // a single node's view until replication takes it over
    m.deletePartition('orders', 0);
    expect(m.checkpointedHighWatermark('orders', 0)).toBeUndefined();
    m.close();
  });
});
