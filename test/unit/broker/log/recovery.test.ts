import { openSync, closeSync, ftruncateSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LOG_CONFIG, isOffsetOutOfRange, PartitionLog, type LogConfig } from '../../../../src/broker/log/partition-log.js';
import { parseBatches, valuesBatch } from './batches.js';

const TOPIC_ID = 'AAECAwQFBgcICQoLDA0ODw';
let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kstack-recovery-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const dir = () => join(root, 'rec-0');
const config: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes: 4000, indexIntervalBytes: 200 };
const warnings: string[] = [];
const logger = { info: () => {}, warn: (m: string) => warnings.push(m), error: () => {} };
const open = (recover: boolean, recoveryPoint?: number) =>
  PartitionLog.open(dir(), 'rec', 0, TOPIC_ID, config, { recover, recoveryPoint, clock: () => 0, logger });

/** n batches of 3 records: "v<i>-0..2"; returns each batch's byte size and the log's segments. */
function write(n: number): { sizes: number[]; segments: number[] } {
  const log = open(false);
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = valuesBatch(`v${i}`, 3, 1_000 + i * 10, 40);
    sizes.push(b.length);
    log.append(b, 0, 0);
  }
  const segments = log.segmentBaseOffsets();
  log.close();
  return { sizes, segments };
}

function values(log: PartitionLog): string[] {
  const out: string[] = [];
  let next = log.logStartOffset;
  while (next < log.logEndOffset) {
    const r = log.read(next, 10_000);
    if (isOffsetOutOfRange(r)) throw new Error('out of range');
    for (const b of parseBatches(r.data)) {
      expect(b.crcValid).toBe(true);
      for (const rec of b.records) out.push(rec.value!);
      next = b.lastOffset + 1;
    }
  }
  return out.map((v) => v.replace(/-x*$/, '').replace(/x+$/, ''));
}

const segPath = (base: number) => join(dir(), `${String(base).padStart(20, '0')}.log`);

function patchByte(path: string, at: number, value: number): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.from([value]), 0, 1, at);
  closeSync(fd);
}

describe('recovery', () => {
  it('truncates a torn last batch, rebuilds the indexes, and accepts new appends', () => {
    const { segments } = write(60);
    const last = segments[segments.length - 1];
    const size = statSync(segPath(last)).size;
    ftruncateSync(openSync(segPath(last), 'r+'), size - 25); // the last batch is cut short
    warnings.length = 0;
    const log = open(true);
    expect(log.logEndOffset).toBe(59 * 3);
    expect(statSync(segPath(last)).size).toBe(size - valuesBatch('v59', 3, 1_590, 40).length);
    expect(warnings.join('\n')).toMatch(/truncated \d+ bytes/);
    const vals = values(log);
    expect(vals).toHaveLength(59 * 3);
    expect(vals[vals.length - 1]).toBe('v58-2');
    expect(log.append(valuesBatch('after', 1), 0, 0).baseOffset).toBe(177);
    expect(log.read(177, 1)).toMatchObject({ firstOffset: 177 });
    // The rebuilt index is consistent: every offset maps to its batch.
    for (let o = 0; o < log.logEndOffset; o += 7) {
      const r = log.read(o, 1);
      if (isOffsetOutOfRange(r)) throw new Error('out of range');
      const [b] = parseBatches(r.data);
      expect(o >= b.baseOffset && o <= b.lastOffset).toBe(true);
    }
    log.close();
  });

  it('truncates at a batch whose CRC does not match, dropping everything after it', () => {
    const { sizes, segments } = write(60);
    const last = segments[segments.length - 1];
    // Corrupt one byte of a record inside the third batch of the last segment.
    const batchesInLast = parseBatches(readFileSync(segPath(last)));
    const third = batchesInLast[0].size + batchesInLast[1].size;
    patchByte(segPath(last), third + 70, 0x5a ^ readFileSync(segPath(last))[third + 70]);
    const log = open(true);
    expect(log.logEndOffset).toBe(batchesInLast[2].baseOffset);
    expect(statSync(segPath(last)).size).toBe(third);
    expect(values(log)).toHaveLength(batchesInLast[2].baseOffset);
    expect(sizes.length).toBe(60);
    log.close();
  });

  it('truncates a zero-filled tail (pre-allocated or torn pages)', () => {
    const { segments } = write(10);
    const last = segments[segments.length - 1];
    const fd = openSync(segPath(last), 'r+');
    const size = statSync(segPath(last)).size;
    writeSync(fd, Buffer.alloc(4096), 0, 4096, size);
    closeSync(fd);
    const log = open(true);
    expect(log.logEndOffset).toBe(30);
    expect(statSync(segPath(last)).size).toBe(size);
    log.close();
  });

  it('damage in an older segment drops all later segments', () => {
    const { segments } = write(60);
    expect(segments.length).toBeGreaterThan(2);
    const bad = segments[1];
    patchByte(segPath(bad), 16, 7); // magic byte of its first batch
    const log = open(true, 0);
    expect(log.segmentBaseOffsets()).toEqual([segments[0], segments[1]]);
    expect(log.logEndOffset).toBe(segments[1]);
    expect(readdirSync(dir()).filter((f) => f.endsWith('.log'))).toHaveLength(2);
    expect(log.append(valuesBatch('x', 1), 0, 0).baseOffset).toBe(segments[1]);
    log.close();
  });

  it('recovery starts at the segment holding the recovery point; older segments are trusted', () => {
    const { segments } = write(60);
    const first = segments[0];
    const data = readFileSync(segPath(first));
    patchByte(segPath(first), 70, data[70] ^ 0xff); // a CRC-bad record in the first (flushed) segment
    const log = open(true, segments[2]);
    expect(log.logEndOffset).toBe(180); // not truncated: below the recovery point nothing is re-validated
    log.close();
    const full = open(true, 0);
    expect(full.logEndOffset).toBe(0);
    full.close();
  });

  it('a clean open (no recovery) still notices a tail that does not parse and recovers that segment', () => {
    const { segments } = write(20);
    const last = segments[segments.length - 1];
    const size = statSync(segPath(last)).size;
    ftruncateSync(openSync(segPath(last), 'r+'), size - 3);
    const log = open(false);
    expect(log.logEndOffset).toBe(57);
    expect(values(log)).toHaveLength(57);
    log.close();
  });
});
