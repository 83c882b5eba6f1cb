import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LOG_CONFIG, isOffsetOutOfRange, LogAppendError, PartitionLog, type LogConfig, type ReadResult } from '../../../../src/broker/log/partition-log.js';
import { makeBatch, parseBatches, valuesBatch } from './batches.js';

const TOPIC_ID = 'AAECAwQFBgcICQoLDA0ODw'; // bytes 0..15
let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kstack-plog-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function cfg(over: Partial<LogConfig> = {}): LogConfig {
  return { ...DEFAULT_LOG_CONFIG, ...over };
}

function open(over: Partial<LogConfig> = {}, recover = false, extra: Partial<Parameters<typeof PartitionLog.open>[5]> = {}): PartitionLog {
  return PartitionLog.open(join(root, 'orders-0'), 'orders', 0, TOPIC_ID, cfg(over), { recover, clock: () => 1_700_000_000_000, ...extra });
}

function readOk(log: PartitionLog, offset: number, maxBytes = 1 << 20): ReadResult {
  const r = log.read(offset, maxBytes);
  if (isOffsetOutOfRange(r)) throw new Error(`out of range: ${offset}`);
  return r;
}

/** Every record value from offset `from` to the end, reading fetch-style. */
function readAll(log: PartitionLog, from = log.logStartOffset): { offset: number; value: string | null }[] {
  const out: { offset: number; value: string | null }[] = [];
  let next = from;
  while (next < log.logEndOffset) {
    const r = readOk(log, next, 64 * 1024);
    expect(r.data.length).toBeGreaterThan(0);
    for (const b of parseBatches(r.data)) {
      expect(b.crcValid).toBe(true);
      for (const rec of b.records) if (rec.offset >= next) out.push({ offset: rec.offset, value: rec.value });
      next = b.lastOffset + 1;
    }
  }
  return out;
}

describe('PartitionLog append and read', () => {
  it('assigns offsets and the leader epoch in place, without touching the CRC', () => {
    const log = open();
    const a = valuesBatch('a', 3);
    const crcBefore = a.readUInt32BE(17);
    expect(log.append(a, 5, 1)).toEqual({ baseOffset: 0, lastOffset: 2, logAppendTime: -1 });
    expect(a.readUInt32BE(17)).toBe(crcBefore);
    const b = Buffer.concat([valuesBatch('b', 2), valuesBatch('c', 4)]);
    expect(log.append(b, 5, 1)).toEqual({ baseOffset: 3, lastOffset: 8, logAppendTime: -1 });
    expect(log.logEndOffset).toBe(9);
    expect(log.highWatermark).toBe(9);
    const batches = parseBatches(readOk(log, 0).data);
    expect(batches.map((x) => [x.baseOffset, x.lastOffset, x.leaderEpoch, x.crcValid])).toEqual([
      [0, 2, 5, true],
      [3, 4, 5, true],
      [5, 8, 5, true],
    ]);
    expect(batches[2].records.map((r) => r.value)).toEqual(['c-0', 'c-1', 'c-2', 'c-3']);
    log.close();
  });

  it('reading from inside a batch returns the whole containing batch', () => {
    const log = open();
    log.append(valuesBatch('a', 10), 0, 1);
    log.append(valuesBatch('b', 10), 0, 1);
    const r = readOk(log, 14);
    expect(r.firstOffset).toBe(10);
    const batches = parseBatches(r.data);
    expect(batches[0].baseOffset).toBe(10);
    expect(batches[0].records[4]).toMatchObject({ offset: 14, value: 'b-4' });
    log.close();
  });

  it('returns at least one whole batch even past maxBytes, otherwise only whole batches within it', () => {
    const log = open();
    for (let i = 0; i < 5; i++) log.append(valuesBatch(`v${i}`, 4, 1_700_000_000_000, 100), 0, 1);
    const one = parseBatches(readOk(log, 0).data)[0].size;
    expect(parseBatches(readOk(log, 0, 1).data)).toHaveLength(1);
    expect(parseBatches(readOk(log, 0, 0).data)).toHaveLength(1);
    expect(parseBatches(readOk(log, 0, Number.NaN).data)).toHaveLength(1);
    expect(parseBatches(readOk(log, 0, one * 2 + one / 2).data)).toHaveLength(2);
    expect(parseBatches(readOk(log, 4, one * 10).data)).toHaveLength(4);
    // A ceiling (the high watermark) stops before batches starting at or after it.
    const capped = log.read(0, 1 << 20, 8);
    expect(isOffsetOutOfRange(capped) ? [] : parseBatches(capped.data).map((b) => b.baseOffset)).toEqual([0, 4]);
    log.close();
  });

  it('reports offsets outside [logStartOffset, logEndOffset] as out of range and the end as empty', () => {
    const log = open();
    log.append(valuesBatch('a', 3), 0, 1);
    expect(log.read(3, 100)).toEqual({ data: Buffer.alloc(0), firstOffset: 3 });
    expect(log.read(4, 100)).toEqual({ outOfRange: true, offset: 4, logStartOffset: 0, logEndOffset: 3 });
    expect(isOffsetOutOfRange(log.read(-1, 100))).toBe(true);
    log.close();
  });

  it('stamps LogAppendTime batches: MaxTimestamp, the timestamp-type bit, and a recomputed CRC', () => {
    const log = open({ messageTimestampType: 'LogAppendTime' });
    const batch = valuesBatch('a', 2, 1000);
    expect(log.append(batch, 0, 1_800_000_000_000)).toEqual({ baseOffset: 0, lastOffset: 1, logAppendTime: 1_800_000_000_000 });
    const [b] = parseBatches(readOk(log, 0).data);
    expect(b.attributes & 0x08).toBe(0x08);
    expect(b.maxTimestamp).toBe(1_800_000_000_000);
    expect(b.crcValid).toBe(true);
    log.close();
  });

  it('refuses malformed or oversized input without writing anything', () => {
    const log = open({ maxMessageBytes: 500 });
    log.append(valuesBatch('ok', 1), 0, 1);
    const before = log.logEndOffset;
    const cases: [Buffer, string][] = [
      [Buffer.alloc(0), 'CORRUPT_MESSAGE'],
      [Buffer.alloc(30), 'CORRUPT_MESSAGE'],
      [valuesBatch('x', 1).subarray(0, 70), 'CORRUPT_MESSAGE'],
      [Buffer.concat([valuesBatch('x', 1), Buffer.alloc(10)]), 'CORRUPT_MESSAGE'],
      [valuesBatch('big', 5, 1, 200), 'MESSAGE_TOO_LARGE'],
    ];
    const magic1 = valuesBatch('x', 1);
    magic1[16] = 1;
    cases.push([magic1, 'CORRUPT_MESSAGE']);
    for (const [input, code] of cases) {
      let err: unknown;
      try {
        log.append(input, 0, 1);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LogAppendError);
      expect((err as LogAppendError).kafkaError).toBe(code);
    }
    expect(log.logEndOffset).toBe(before);
    expect(readAll(log).map((r) => r.value)).toEqual(['ok-0']);
    log.close();
  });

  it.skipIf(!existsSync('/dev/full'))('a failing disk write (ENOSPC) is KAFKA_STORAGE_ERROR and leaves the log as it was', () => {
    const dir = join(root, 'full-0');
    mkdirSync(dir);
    symlinkSync('/dev/full', join(dir, '00000000000000000000.log')); // every write: ENOSPC
    writeFileSync(join(dir, '00000000000000000000.index'), '');
    writeFileSync(join(dir, '00000000000000000000.timeindex'), '');
    const log = PartitionLog.open(dir, 'full', 0, TOPIC_ID, cfg(), { recover: false });
    let err: unknown;
    try {
      log.append(valuesBatch('a', 2), 0, 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LogAppendError);
    expect((err as LogAppendError).kafkaError).toBe('KAFKA_STORAGE_ERROR');
    expect((err as LogAppendError).message).toMatch(/ENOSPC/);
    expect(log.logEndOffset).toBe(0);
    expect(log.leaderEpochCache.list()).toEqual([]);
  });

  it('keeps everything across close and reopen, and keeps appending after it', () => {
    let log = open({ segmentBytes: 700, indexIntervalBytes: 100 });
    for (let i = 0; i < 40; i++) log.append(valuesBatch(`r${i}`, 3, 1_700_000_000_000 + i * 10), 1, 1);
    const segments = log.segmentBaseOffsets();
    expect(segments.length).toBeGreaterThan(3);
    const before = readAll(log);
    log.close();
    log = open({ segmentBytes: 700, indexIntervalBytes: 100 });
    expect(log.segmentBaseOffsets()).toEqual(segments);
    expect(log.logEndOffset).toBe(120);
    expect(readAll(log)).toEqual(before);
    expect(log.append(valuesBatch('after', 1), 1, 1).baseOffset).toBe(120);
    expect(readAll(log, 119).map((r) => r.value)).toEqual(['r39-2', 'after-0']);
    log.close();
  });

  it('writes partition.metadata and leader-epoch-checkpoint in Kafka\'s text formats', () => {
    const log = open();
    log.append(valuesBatch('a', 2), 0, 1);
    log.append(valuesBatch('b', 2), 0, 1);
    log.append(valuesBatch('c', 2), 3, 1);
    const dir = join(root, 'orders-0');
    expect(readFileSync(join(dir, 'partition.metadata'), 'utf8')).toBe(`version: 0\ntopic_id: ${TOPIC_ID}\n`);
    expect(readFileSync(join(dir, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n2\n0 0\n3 4\n');
    log.close();
    expect(() => PartitionLog.open(dir, 'orders', 0, 'ZZECAwQFBgcICQoLDA0ODw', cfg(), { recover: false })).toThrow(/holds topic id/);
    expect(() => PartitionLog.open(dir, 'orders', 0, 'not-a-uuid', cfg(), { recover: false })).toThrow(/not a UUID/);
    // The hex form names the same id.
    PartitionLog.open(dir, 'orders', 0, '00010203-0405-0607-0809-0a0b0c0d0e0f', cfg(), { recover: false }).close();
  });

  it('flush.messages: fsyncs and moves the recovery point every N records', () => {
    const log = open({ flushIntervalMessages: 5 });
    log.append(valuesBatch('a', 3), 0, 1);
    expect(log.recoveryPoint).toBe(0);
    log.append(valuesBatch('b', 3), 0, 1);
    expect(log.recoveryPoint).toBe(6);
    log.append(valuesBatch('c', 1), 0, 1);
    expect(log.recoveryPoint).toBe(6);
    log.close();
  });

  it('flush.ms: flushIfDue flushes only when unflushed records are older than the interval', () => {
    let now = 1_000_000;
    const log = open({ flushIntervalMs: 1000 }, false, { clock: () => now });
    expect(log.flushIfDue(now + 5000)).toBe(false); // nothing unflushed
    log.append(valuesBatch('a', 2), 0, now);
    expect(log.flushIfDue(now + 999)).toBe(false);
    expect(log.flushIfDue(now + 1000)).toBe(true);
    expect(log.recoveryPoint).toBe(2);
    now += 1000;
    log.close();
  });
});

describe('PartitionLog offsetForTimestamp', () => {
  it('finds the first record at or after a timestamp, across segments and inside batches', () => {
    const log = open({ segmentBytes: 700, indexIntervalBytes: 50 });
    // 30 batches of 5 records; record i of batch k has timestamp 10_000 + k*100 + i*10.
    for (let k = 0; k < 30; k++) {
      log.append(makeBatch(Array.from({ length: 5 }, (_, i) => ({ value: `${k}.${i}`, timestamp: 10_000 + k * 100 + i * 10 }))), 0, 1);
    }
    expect(log.segmentBaseOffsets().length).toBeGreaterThan(3);
    const all = readAll(log);
    const tsOf = (offset: number) => 10_000 + Math.floor(offset / 5) * 100 + (offset % 5) * 10;
    for (const ts of [0, 10_000, 10_001, 10_040, 10_041, 10_100, 11_234, 12_345, 12_940]) {
      const expected = all.find((r) => tsOf(r.offset) >= ts);
      expect(log.offsetForTimestamp(ts)).toEqual({ offset: expected!.offset, timestamp: tsOf(expected!.offset) });
    }
    expect(log.offsetForTimestamp(12_941)).toBeNull();
    expect(log.maxTimestampAndOffset()).toEqual({ timestamp: 12_940, offset: 149 });
    log.close();
  });

  it('finds records inside snappy, lz4 and zstd batches too', () => {
    const log = open();
    for (const codec of [2, 3, 4]) {
      const t = codec * 1000;
      log.append(makeBatch([{ value: 'a', timestamp: t }, { value: 'b', timestamp: t + 10 }, { value: 'c', timestamp: t + 20 }], { codec }), 0, 1);
    }
    expect(log.offsetForTimestamp(2005)).toEqual({ offset: 1, timestamp: 2010 });
    expect(log.offsetForTimestamp(3011)).toEqual({ offset: 5, timestamp: 3020 });
    expect(log.offsetForTimestamp(4001)).toEqual({ offset: 7, timestamp: 4010 });
    log.close();
  });

  it('looks inside gzip batches and respects the log start offset', () => {
    const log = open();
    log.append(makeBatch([{ value: 'a', timestamp: 100 }, { value: 'b', timestamp: 200 }, { value: 'c', timestamp: 300 }], { gzip: true }), 0, 1);
    log.append(makeBatch([{ value: 'd', timestamp: 400 }]), 0, 1);
    expect(log.offsetForTimestamp(150)).toEqual({ offset: 1, timestamp: 200 });
    log.deleteRecordsBefore(2);
    expect(log.offsetForTimestamp(150)).toEqual({ offset: 2, timestamp: 300 });
    expect(log.offsetForTimestamp(350)).toEqual({ offset: 3, timestamp: 400 });
    log.close();
  });
});

describe('PartitionLog DeleteRecords and truncation', () => {
  it('moves the log start offset, drops whole segments below it, and survives reopen via the checkpoint value', () => {
    const changes: number[] = [];
    let log = open({ segmentBytes: 300 }, false, { onLogStartOffsetChange: (l) => changes.push(l.logStartOffset) });
    for (let i = 0; i < 20; i++) log.append(valuesBatch(`r${i}`, 2), 0, 1);
    const segs = log.segmentBaseOffsets();
    expect(segs.length).toBeGreaterThan(2);
    const target = segs[2] + 1;
    log.deleteRecordsBefore(target);
    expect(log.logStartOffset).toBe(target);
    expect(changes).toEqual([target]);
    expect(log.segmentBaseOffsets()[0]).toBe(segs[2]);
    expect(readdirSync(join(root, 'orders-0')).filter((f) => f.endsWith('.log'))).toHaveLength(segs.length - 2);
    expect(isOffsetOutOfRange(log.read(target - 1, 100))).toBe(true);
    expect(readOk(log, target).firstOffset).toBeLessThanOrEqual(target);
    expect(() => log.deleteRecordsBefore(log.highWatermark + 1)).toThrow(/high watermark/);
    log.deleteRecordsBefore(1); // behind the start: no-op
    expect(log.logStartOffset).toBe(target);
    log.close();
    log = open({ segmentBytes: 300 }, false, { logStartOffset: target });
    expect(log.logStartOffset).toBe(target);
    expect(readAll(log)[0].offset).toBe(target);
    log.close();
  });

  it('truncateTo removes whole batches at and after an offset and new appends continue from the new end', () => {
    const log = open({ segmentBytes: 800 });
    for (let i = 0; i < 20; i++) log.append(valuesBatch(`r${i}`, 3), i < 10 ? 1 : 2, 1);
    log.truncateTo(31); // inside batch 10 (offsets 30-32)
    expect(log.logEndOffset).toBe(30);
    expect(log.highWatermark).toBe(30);
    expect(log.leaderEpochCache.list()).toEqual([{ epoch: 1, startOffset: 0 }]);
    expect(log.append(valuesBatch('new', 1), 3, 1).baseOffset).toBe(30);
    const values = readAll(log).map((r) => r.value);
    expect(values).toHaveLength(31);
    expect(values[30]).toBe('new-0');
    log.close();
  });
});
