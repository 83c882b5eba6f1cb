import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LOG_CONFIG, isOffsetOutOfRange, PartitionLog, type LogConfig } from '../../../../src/broker/log/partition-log.js';
import { parseBatches, valuesBatch } from './batches.js';

const TOPIC_ID = 'AAECAwQFBgcICQoLDA0ODw';
let root: string;
let now: number;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kstack-roll-'));
  now = 1_700_000_000_000;
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function open(over: Partial<LogConfig>): PartitionLog {
  return PartitionLog.open(join(root, 't-3'), 't', 3, TOPIC_ID, { ...DEFAULT_LOG_CONFIG, ...over }, { recover: false, clock: () => now });
}

function logFiles(): string[] {
  return readdirSync(join(root, 't-3')).filter((f) => f.endsWith('.log')).sort();
}

describe('segment rolling', () => {
  it('rolls by segment.bytes: no segment grows past it, and files are named by 20-digit base offsets', () => {
    const size = valuesBatch('x', 2).length;
    const log = open({ segmentBytes: size * 3 });
    for (let i = 0; i < 10; i++) log.append(valuesBatch('x', 2), 0, now);
    expect(log.segmentBaseOffsets()).toEqual([0, 6, 12, 18]);
    expect(logFiles()).toEqual(['00000000000000000000.log', '00000000000000000006.log', '00000000000000000012.log', '00000000000000000018.log']);
    for (const f of logFiles()) expect(statSync(join(root, 't-3', f)).size).toBeLessThanOrEqual(size * 3);
    for (const base of [0, 6, 12, 18]) {
      const name = String(base).padStart(20, '0');
      expect(readdirSync(join(root, 't-3'))).toEqual(expect.arrayContaining([`${name}.index`, `${name}.timeindex`]));
    }
    log.close();
  });

  it('rolls by segment.ms, counting from the first batch timestamp (or creation time when none)', () => {
    const log = open({ segmentMs: 60_000 });
    log.append(valuesBatch('a', 1, now), 0, now);
    now += 30_000;
    log.append(valuesBatch('b', 1, now), 0, now);
    expect(log.segmentBaseOffsets()).toEqual([0]);
    now += 31_000;
    log.append(valuesBatch('c', 1, now), 0, now); // 61 s after the first batch
    expect(log.segmentBaseOffsets()).toEqual([0, 2]);
    // The background task rolls an idle, expired active segment too; an empty one never.
    now += 61_000;
    log.maybeRoll(now);
    expect(log.segmentBaseOffsets()).toEqual([0, 2, 3]);
    now += 120_000;
    log.maybeRoll(now);
    expect(log.segmentBaseOffsets()).toEqual([0, 2, 3]);
    log.close();
  });

  it('rolls when the offset index is full (segment.index.bytes)', () => {
    const log = open({ segmentIndexBytes: 3 * 12, indexIntervalBytes: 0 }); // room for 3 time entries / 4 offset entries
    for (let i = 0; i < 12; i++) log.append(valuesBatch('x', 1, now + i), 0, now);
    expect(log.segmentBaseOffsets().length).toBeGreaterThan(2);
    for (let i = 0; i < 12; i++) {
      const r = log.read(i, 1);
      expect(isOffsetOutOfRange(r) ? -1 : parseBatches(r.data)[0].baseOffset).toBe(i);
    }
    log.close();
  });
});

describe('retention', () => {
  it('retention.ms deletes segments whose newest record is too old, oldest first, and moves the log start', () => {
    const size = valuesBatch('x', 2).length;
    const log = open({ segmentBytes: size * 2, retentionMs: 10_000 });
    // Segment k holds timestamps now + k*5000.
    for (let k = 0; k < 4; k++) {
      log.append(valuesBatch("x", 2, now + k * 5000), 0, now);
      log.append(valuesBatch("x", 2, now + k * 5000), 0, now);
    }
    expect(log.segmentBaseOffsets()).toEqual([0, 4, 8, 12]);
    log.applyRetention(now + 10_000); // nothing older than 10 s yet
    expect(log.segmentBaseOffsets()).toEqual([0, 4, 8, 12]);
    log.applyRetention(now + 5001 + 10_000); // segment 0 (newest ts now+1) is 15000 ms old; segment 1 (now+5001) exactly 10000: kept
    expect(log.segmentBaseOffsets()).toEqual([4, 8, 12]);
    expect(log.logStartOffset).toBe(4);
    expect(isOffsetOutOfRange(log.read(3, 100))).toBe(true);
    expect(logFiles()[0]).toBe('00000000000000000004.log');
    // Everything expired: the active segment goes too, and an empty one starts at the log end.
    log.applyRetention(now + 100_000);
    expect(log.segmentBaseOffsets()).toEqual([16]);
    expect(log.logStartOffset).toBe(16);
    expect(log.logEndOffset).toBe(16);
    expect(log.append(valuesBatch('new', 1, now + 100_000), 0, now).baseOffset).toBe(16);
    log.close();
  });

  it('retention.bytes deletes the oldest segments until the rest fits', () => {
    const size = valuesBatch('x', 2).length;
    const log = open({ segmentBytes: size * 2, retentionBytes: size * 5 });
    for (let i = 0; i < 10; i++) log.append(valuesBatch('x', 2), 0, now);
    expect(log.segmentBaseOffsets()).toEqual([0, 4, 8, 12, 16]);
    log.applyRetention(now);
    // 10 batches = 10*size; keep deleting 2-batch segments while what is left stays >= 5*size.
    expect(log.segmentBaseOffsets()).toEqual([8, 12, 16]);
    expect(log.size).toBeLessThanOrEqual(size * 6);
    expect(log.size).toBeGreaterThanOrEqual(size * 5);
    log.close();
  });

  it('does not apply delete retention to compact-only topics, but still honours the log start offset', () => {
    const size = valuesBatch('x', 2).length;
    const log = open({ segmentBytes: size * 2, retentionMs: 1, retentionBytes: 1, cleanupPolicy: 'compact' });
    for (let i = 0; i < 6; i++) log.append(valuesBatch('x', 2), 0, now);
    log.applyRetention(now + 1_000_000);
    expect(log.segmentBaseOffsets()).toEqual([0, 4, 8]);
    log.deleteRecordsBefore(9);
    log.applyRetention(now + 1_000_000);
    expect(log.segmentBaseOffsets()).toEqual([8]);
    log.close();
  });

  it('never deletes data above the high watermark', () => {
    const size = valuesBatch('x', 2).length;
    const log = open({ segmentBytes: size * 2, retentionMs: 1 });
    for (let i = 0; i < 6; i++) log.append(valuesBatch('x', 2, now), 0, now);
    log.highWatermark = 5; // as a replica would hold it
    log.applyRetention(now + 1_000_000);
    expect(log.segmentBaseOffsets()).toEqual([4, 8]);
    log.close();
  });
});
