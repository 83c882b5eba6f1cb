/** kstack produce / consume --group / groups describe / groups reset-offsets against a native broker. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNativeBroker, type NativeBroker } from '../support/native-broker.js';
import { kstack, ROOT } from './run.js';

function produce(bootstrap: string, topic: string, lines: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [join(ROOT, 'bin', 'kstack.js'), 'produce', topic, '-b', bootstrap, '-K', ':'], () => undefined);
    child.on('exit', (code) => resolve(code ?? 1));
    child.stdin!.end(lines.join('\n') + '\n');
  });
}

describe('consumer group commands', () => {
  let broker: NativeBroker;
  const cwd = mkdtempSync(join(tmpdir(), 'kstack-groups-'));
  beforeAll(async () => {
    broker = await startNativeBroker({ mode: 'child', properties: { 'num.partitions': '2' } });
  });
  afterAll(async () => {
    await broker?.cleanup();
  });

  it('consumes in a group, describes its lag, and resets its offsets (dry run, then --execute)', async () => {
    const bs = broker.bootstrap;
    expect(await produce(bs, 'orders', Array.from({ length: 20 }, (_, i) => `k${i}:v${i}`))).toBe(0);
    const consumed = await kstack(['consume', 'orders', '-b', bs, '--group', 'billing', '--from-beginning', '--max', '20', '--format', 'kv'], cwd);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.trim().split('\n').sort()).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}\tv${i}`).sort());

    const listed = await kstack(['groups', 'list', '-b', bs], cwd);
    expect(listed.stdout.split('\n')).toContain('billing');
    const described = JSON.parse((await kstack(['groups', 'describe', 'billing', '-b', bs, '--json'], cwd)).stdout);
    expect(described.state).toBe('Empty');
    const total = (rows: { currentOffset: number; lag: number }[], key: 'currentOffset' | 'lag') => rows.reduce((s, r) => s + r[key], 0);
    expect(total(described.rows, 'currentOffset')).toBe(20);
    expect(total(described.rows, 'lag')).toBe(0);

    const dry = await kstack(['groups', 'reset-offsets', 'billing', '--topic', 'orders', '--to-earliest', '-b', bs], cwd);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain('Dry run');
    expect(total(JSON.parse((await kstack(['groups', 'describe', 'billing', '-b', bs, '--json'], cwd)).stdout).rows, 'lag')).toBe(0);

    const applied = await kstack(['groups', 'reset-offsets', 'billing', '--topic', 'orders', '--to-earliest', '--execute', '-b', bs], cwd);
    expect(applied.code, applied.stderr).toBe(0);
    expect(total(JSON.parse((await kstack(['groups', 'describe', 'billing', '-b', bs, '--json'], cwd)).stdout).rows, 'lag')).toBe(20);

    const again = await kstack(['consume', 'orders', '-b', bs, '--group', 'billing', '--max', '20', '--format', 'value'], cwd);
    expect(again.stdout.trim().split('\n')).toHaveLength(20);
  });
});

describe('the demo producer', () => {
  it('keeps its sequence through a broker restart instead of exiting', async () => {
    const broker = await startNativeBroker({ mode: 'child' });
    const cwd = mkdtempSync(join(tmpdir(), 'kstack-demo-producer-'));
    const child = execFile(process.execPath, [join(ROOT, 'bin', 'kstack.js'), 'produce', 'demo', '-b', broker.bootstrap, '--rate', '50'], { cwd });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    try {
      const seqs = () => [...out.matchAll(/produced seq=(\d+)/g)].map((m) => Number(m[1]));
      const waitFor = async (check: () => boolean, what: string) => {
        const deadline = Date.now() + 30_000;
        while (!check()) {
          if (Date.now() > deadline) throw new Error(`timed out: ${what}\n${out}\n${err}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      await waitFor(() => seqs().length >= 5, 'first records');
      await broker.stop();
      await waitFor(() => err.includes('failed'), 'a failed send');
      const before = seqs().length;
      await broker.restart();
      await waitFor(() => seqs().length >= before + 5, 'records after the restart');
      expect(child.exitCode).toBeNull();
      const all = seqs();
      expect(all).toEqual(all.map((_, i) => i));
    } finally {
      child.kill('SIGTERM');
      await broker.cleanup();
    }
  }, 90_000);
});
