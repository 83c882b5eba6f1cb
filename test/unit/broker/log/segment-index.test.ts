import { mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LOG_CONFIG, isOffsetOutOfRange, PartitionLog, type LogConfig } from '../../../../src/broker/log/partition-log.js';
import { parseBatches, valuesBatch } from './batches.js';

const TOPIC_ID = 'AAECAwQFBgcICQoLDA0ODw';
let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kstack-index-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const dir = () => join(root, 'idx-0');
const config: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes: 20_000, indexIntervalBytes: 300 };
const open = (recover = false) => PartitionLog.open(dir(), 'idx', 0, TOPIC_ID, config, { recover, clock: () => 0 });

/** A deterministic pseudo-random sequence (tests must be repeatable). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** Appends batches of 1-20 records with 0-200-byte values and non-monotonic timestamps; returns (offset → ts). */
function fill(log: PartitionLog, batches: number): Map<number, number> {
  const rand = lcg(42);
  const ts = new Map<number, number>();
  for (let i = 0; i < batches; i++) {
    const n = 1 + Math.floor(rand() * 20);
    const t = 1_000_000 + i * 50 + Math.floor(rand() * 200) - 100; // jitter: batches may go back in time
    const r = log.append(valuesBatch(`b${i}`, n, t, Math.floor(rand() * 200)), 0, 0);
    for (let o = r.baseOffset; o <= r.lastOffset; o++) ts.set(o, t + (o - r.baseOffset));
  }
  return ts;
}

function decodeIndex(path: string): { offset: number; position: number }[] {
  const b = readFileSync(path);
  expect(b.length % 8).toBe(0);
  const base = Number(path.slice(-26, -6));
  const out = [];
  for (let i = 0; i < b.length; i += 8) out.push({ offset: base + b.readInt32BE(i), position: b.readInt32BE(i + 4) });
  return out;
}

function decodeTimeIndex(path: string): { timestamp: number; offset: number }[] {
  const b = readFileSync(path);
  expect(b.length % 12).toBe(0);
  const base = Number(path.slice(-30, -10));
  const out = [];
  for (let i = 0; i < b.length; i += 12) out.push({ timestamp: Number(b.readBigInt64BE(i)), offset: base + b.readInt32BE(i + 8) });
  return out;
}

describe('offset and time indexes', () => {
  it('every offset reads back the batch that contains it (index lookup + scan agrees with brute force)', () => {
    const log = open();
    const ts = fill(log, 300);
    expect(log.segmentBaseOffsets().length).toBeGreaterThan(3);
    for (let o = 0; o < log.logEndOffset; o++) {
      const r = log.read(o, 1);
      if (isOffsetOutOfRange(r)) throw new Error(`offset ${o} out of range`);
      const [b] = parseBatches(r.data);
      expect(b.baseOffset).toBeLessThanOrEqual(o);
      expect(b.lastOffset).toBeGreaterThanOrEqual(o);
      expect(b.records.find((x) => x.offset === o)?.timestamp).toBe(ts.get(o));
    }
    log.close();
  });

  it('writes Kafka-format .index/.timeindex whose entries point at real batches', () => {
    const log = open();
    fill(log, 300);
    log.close();
    const files = readdirSync(dir());
    let indexEntries = 0;
    for (const name of files.filter((f) => f.endsWith('.log'))) {
      const prefix = name.slice(0, -4);
      const batches = parseBatches(readFileSync(join(dir(), name)));
      const byPosition = new Map<number, (typeof batches)[number]>();
      let pos = 0;
      for (const b of batches) {
        byPosition.set(pos, b);
        pos += b.size;
      }
      const index = decodeIndex(join(dir(), `${prefix}.index`));
      indexEntries += index.length;
      for (const e of index) expect(byPosition.get(e.position)?.lastOffset).toBe(e.offset); // the batch's last offset
      // Entries are spaced by more than index.interval.bytes.
      for (let i = 1; i < index.length; i++) expect(index[i].position - index[i - 1].position).toBeGreaterThan(config.indexIntervalBytes);
      const time = decodeTimeIndex(join(dir(), `${prefix}.timeindex`));
      let max = -1;
      const maxAt = new Map<number, number>();
      for (const b of batches) {
        max = Math.max(max, b.maxTimestamp);
        maxAt.set(b.lastOffset, max);
      }
      for (let i = 0; i < time.length; i++) {
        if (i > 0) expect(time[i].timestamp).toBeGreaterThan(time[i - 1].timestamp);
        expect(maxAt.get(time[i].offset)).toBe(time[i].timestamp);
      }
      // The last entry (written when the segment closed) carries the segment's largest timestamp.
      expect(time[time.length - 1].timestamp).toBe(max);
    }
    expect(indexEntries).toBeGreaterThan(20);
  });

  it('recovery rebuilds exactly the indexes the appends wrote', () => {
    const log = open();
    fill(log, 200);
    log.close();
    const names = readdirSync(dir()).filter((f) => f.endsWith('index'));
    const before = new Map(names.map((n) => [n, readFileSync(join(dir(), n))]));
    for (const n of names) unlinkSync(join(dir(), n));
    // A clean open notices the missing indexes and rebuilds them.
    open(false).close();
    for (const n of names) expect(readFileSync(join(dir(), n)).equals(before.get(n)!)).toBe(true);
    // So does a full recovery, and a garbage index found on a clean open.
    writeFileSync(join(dir(), names[0]), Buffer.from([1, 2, 3]));
    open(false).close();
    open(true).close();
    for (const n of names) expect(readFileSync(join(dir(), n)).equals(before.get(n)!)).toBe(true);
  });
});
