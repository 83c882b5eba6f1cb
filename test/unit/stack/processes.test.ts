import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pidAlive, startComponent, stopComponent, systemProcessProbe } from '../../../src/stack/processes.js';
import { checkState, readState, writeState, type StackState } from '../../../src/stack/state.js';

describe('stack processes', () => {
  const probe = systemProcessProbe();

  it('starts a detached component logging to its own file, and stops it gracefully', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kstack-proc-'));
    const marker = join(dir, 'component-a.cfg');
    const script = `process.on('SIGTERM', () => { console.log('graceful stop'); process.exit(0); }); console.log('up ' + process.argv[1]); setInterval(() => {}, 1000);`;
    const running = startComponent({ name: 'a', kind: 'broker', command: process.execPath, args: ['-e', script, marker], cwd: dir, logFile: join(dir, 'logs', 'a.log'), ports: [], identity: marker });
    expect(running.pid).toBeGreaterThan(0);
    await waitFor(() => readFileSync(join(dir, 'logs', 'a.log'), 'utf8').includes('up'));
    expect(probe.commandLine(running.pid)).toContain(marker);
    expect(await stopComponent(running.pid, probe, marker, 5000)).toBe('stopped');
    expect(readFileSync(join(dir, 'logs', 'a.log'), 'utf8')).toContain('graceful stop');
    expect(await stopComponent(running.pid, probe, marker, 5000)).toBe('not-running');
  });

  it('kills a component that ignores SIGTERM after the grace period', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kstack-proc-'));
    const marker = join(dir, 'stubborn.cfg');
    const running = startComponent({ name: 'b', kind: 'broker', command: process.execPath, args: ['-e', `process.on('SIGTERM', () => {}); console.log('handler installed'); setInterval(() => {}, 1000);`, marker], cwd: dir, logFile: join(dir, 'b.log'), ports: [], identity: marker });
    // Only once it ignores SIGTERM does the grace period matter (a loaded machine can take a while to get there).
    await waitFor(() => readFileSync(join(dir, 'b.log'), 'utf8').includes('handler installed'), 20_000);
    expect(await stopComponent(running.pid, probe, marker, 300)).toBe('killed');
    await waitFor(() => !pidAlive(running.pid) || probe.commandLine(running.pid) === null);
  });

  it('never trusts a recorded pid whose command line is someone else\'s', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kstack-state-'));
    const state: StackState = {
      version: 1,
      mode: 'kraft',
      engine: 'native',
      bootstrap: '127.0.0.1:9092',
      startedAt: 0,
      components: [
        // This test process is alive, but it is not a kstack broker for this workspace.
        { name: 'broker-1', kind: 'broker', command: 'node', args: [], cwd: dir, logFile: 'x', ports: [9092], identity: join(dir, 'broker-1/server.properties'), pid: process.pid, startedAt: 0 },
        { name: 'broker-2', kind: 'broker', command: 'node', args: [], cwd: dir, logFile: 'x', ports: [9093], identity: 'whatever', pid: 2 ** 22 + 12345, startedAt: 0 },
      ],
    };
    writeState(dir, state);
    const loaded = readState(dir)!;
    const check = checkState(loaded, probe);
    expect(check.running).toEqual([]);
    expect(check.gone.map((c) => c.name)).toEqual(['broker-1', 'broker-2']);
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (check()) return;
    } catch {
      // file not there yet
    }
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
