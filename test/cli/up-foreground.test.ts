/** `kstack up` in the foreground: prefixed, interleaved logs of every process; Ctrl-C (SIGINT) stops them all. */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readState } from '../../src/stack/state.js';
import { systemProcessProbe } from '../../src/stack/processes.js';
import { freePortRange } from '../support/port-range.js';
import { ROOT } from './run.js';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe('kstack up in the foreground', () => {
  it('interleaves every process\'s log with a prefix and stops everything on Ctrl-C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kstack-up-fg-'));
    const base = await freePortRange(2);
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'kstack.js'), 'up', '--base-port', String(base), '--rate', '20'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!(stdout.includes('consumer | kstack-demo[') && stdout.includes('producer | produced seq=') && stdout.includes('broker-1 | '))) {
      if (Date.now() > deadline) throw new Error(`no interleaved output:\n${stdout.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const state = readState(join(dir, '.kstack'))!;
    expect(state.components.map((c) => c.name)).toEqual(['broker-1', 'producer', 'consumer']);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const probe = systemProcessProbe();
    for (const c of state.components) expect(probe.commandLine(c.pid)?.includes(c.identity) ?? false).toBe(false);
    expect(await portOpen(base)).toBe(false);
    expect(readState(join(dir, '.kstack'))).toBeNull();
  }, 90_000);
});
