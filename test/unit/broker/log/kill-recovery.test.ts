import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogManager } from '../../../../src/broker/log/log-manager.js';
import { DEFAULT_LOG_CONFIG, isOffsetOutOfRange } from '../../../../src/broker/log/partition-log.js';
import { parseBatches, valuesBatch } from './batches.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kstack-kill-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Runs the producing child until it has acknowledged `minAcks` appends, then SIGKILLs it mid-stream. */
function produceThenKill(logDir: string, minAcks: number): Promise<Map<number, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/unit/broker/log/produce-child.ts', logDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked = new Map<number, string>();
    let buffered = '';
    let killed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const [offset, value] = line.split(' ');
        acked.set(Number(offset), value);
      }
      if (!killed && acked.size >= minAcks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`child exited with ${code}`))));
  });
}

describe('kill -9 during a produce stream', () => {
  it('every acknowledged record is readable after restart, and the log accepts new writes', async () => {
    const logDir = join(root, 'data');
    const acked = await produceThenKill(logDir, 3000);
    const manager = LogManager.open({ logDirs: [logDir], nodeId: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qk', defaults: { ...DEFAULT_LOG_CONFIG, segmentBytes: 64 * 1024, indexIntervalBytes: 1024 } });
    expect(manager.cleanShutdown).toBe(false);
    const log = manager.get('stream', 0)!;
    expect(log.segmentBaseOffsets().length).toBeGreaterThan(3);
    const maxAcked = Math.max(...acked.keys());
    expect(log.logEndOffset).toBeGreaterThan(maxAcked);
    // Read everything back, fetch-style, and check each acknowledged batch's last record.
    const values = new Map<number, string | null>();
    let next = 0;
    while (next < log.logEndOffset) {
      const r = log.read(next, 256 * 1024);
      if (isOffsetOutOfRange(r)) throw new Error(`out of range at ${next}`);
      for (const b of parseBatches(r.data)) {
        expect(b.crcValid).toBe(true);
        for (const rec of b.records) values.set(rec.offset, rec.value);
        next = b.lastOffset + 1;
      }
    }
    for (const [offset, value] of acked) expect(values.get(offset)?.replace(/-x*$/, '')).toBe(value);
    const end = log.logEndOffset;
    expect(log.append(valuesBatch('after', 2), 0, Date.now())).toMatchObject({ baseOffset: end, lastOffset: end + 1 });
    manager.close();
    const reopened = LogManager.open({ logDirs: [logDir], nodeId: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qk', defaults: DEFAULT_LOG_CONFIG });
    expect(reopened.cleanShutdown).toBe(true);
    expect(reopened.get('stream', 0)!.logEndOffset).toBe(end + 2);
    reopened.close();
  });
});
