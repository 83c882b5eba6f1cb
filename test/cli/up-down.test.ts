/**
 * `kstack up --detach` → records flow → `kstack down` leaves no kstack process and no listening port, five times
 * over; a port conflict at `up` names the holder and starts nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readState } from '../../src/stack/state.js';
import { pidAlive, systemProcessProbe } from '../../src/stack/processes.js';
import { freePortRange } from '../support/port-range.js';
import { kstack } from './run.js';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('kstack up / down (kraft, native broker)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await kstack(['down'], dir);
  });

  it('reaches ready, the consumer prints what the producer wrote, and down leaves nothing behind — five times', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kstack-up-'));
    dirs.push(dir);
    const base = await freePortRange(2);
    for (let round = 1; round <= 5; round++) {
      const up = await kstack(['up', '--detach', '--base-port', String(base), '--rate', '20'], dir);
      expect(up.code, `round ${round}: ${up.stderr}`).toBe(0);
      expect(up.stderr).toContain(`bootstrap (host)   127.0.0.1:${base}`);
      const state = readState(join(dir, '.kstack'))!;
      expect(state.components.map((c) => c.name)).toEqual(['broker-1', 'producer', 'consumer']);
      const pids = state.components.map((c) => c.pid);
      expect(pids.every(pidAlive)).toBe(true);
      expect(await portOpen(base)).toBe(true);

      // The consumer process prints records that the producer process wrote.
      await waitFor(async () => (await kstack(['logs', 'consumer'], dir)).stdout.includes('kstack-demo['), 30_000, `round ${round}: consumer output`);
      const consumed = (await kstack(['logs', 'consumer'], dir)).stdout;
      const produced = readFileSync(join(dir, '.kstack', 'clients', 'producer.log'), 'utf8');
      const firstSeq = /"seq":(\d+)/.exec(consumed)?.[1];
      expect(firstSeq, consumed).toBeDefined();
      expect(produced).toContain(`produced seq=${firstSeq} `);
      if (round === 1) {
        // The single combined node leads its KRaft quorum of one (DescribeQuorum on its controller listener).
        const status = await kstack(['status'], dir);
        expect(status.stdout).toMatch(/quorum \(__cluster_metadata\): leader 1 {2}epoch \d+ .* voters 1\b/);
      }

      const down = await kstack(['down'], dir);
      expect(down.code, down.stderr).toBe(0);
      // Exited processes may linger as zombies until reaped; what counts is that none runs its command any more.
      await waitFor(() => state.components.every((c) => !(systemProcessProbe().commandLine(c.pid)?.includes(c.identity) ?? false)), 10_000, `round ${round}: processes to exit`);
      expect(await portOpen(base)).toBe(false);
      expect(await portOpen(base + 1)).toBe(false);
      expect(readState(join(dir, '.kstack'))).toBeNull();
    }
  }, 240_000);

  it('refuses to start when a port is taken, names the holder, and starts nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kstack-up-conflict-'));
    dirs.push(dir);
    const base = await freePortRange(2);
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(base + 1, '127.0.0.1', () => r()));
    try {
      const up = await kstack(['up', '--detach', '--base-port', String(base)], dir);
      expect(up.code).toBe(2);
      expect(up.stderr).toContain(`port ${base + 1} (broker-1 CONTROLLER, 127.0.0.1) is in use`);
      expect(up.stderr).toContain(`pid ${process.pid}`);
      expect(readState(join(dir, '.kstack'))).toBeNull();
      expect(await portOpen(base)).toBe(false);
    } finally {
      blocker.close();
    }
  });
});

describe('listener rules at broker start-up', () => {
  it('refuses a server.properties Kafka would refuse, in Kafka\'s words, naming the line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kstack-broker-rules-'));
    const config = join(dir, 'server.properties');
    writeFileSync(config, `broker.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\nadvertised.listeners=PLAINTEXT://0.0.0.0:9092\nlog.dirs=${join(dir, 'data')}\n`);
    const run = await kstack(['broker', '--config', config], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('L7  advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.');
    expect(run.stderr).toContain(`at: ${config}:3`);
  });
});

describe('a stale state file', () => {
  it('is detected, never trusted, and replaced by the next up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kstack-stale-'));
    const base = await freePortRange(2);
    expect((await kstack(['init', '--base-port', String(base)], dir)).code).toBe(0);
    // As after a reboot: a recorded broker whose pid now belongs to an unrelated process (this test runner).
    const ws = join(dir, '.kstack');
    writeFileSync(
      join(ws, 'state.json'),
      JSON.stringify({ version: 1, mode: 'kraft', engine: 'native', bootstrap: `127.0.0.1:${base}`, startedAt: 0, components: [{ name: 'broker-1', kind: 'broker', command: 'node', args: [], cwd: ws, logFile: join(ws, 'x.log'), ports: [base], identity: join(ws, 'broker-1', 'server.properties'), pid: process.pid, startedAt: 0 }] }),
    );
    const status = await kstack(['status'], dir);
    expect(status.code).toBe(3);
    expect(status.stdout).toContain('STOPPED');
    const down = await kstack(['down'], dir);
    expect(down.stderr).toContain('broker-1       was not running');
    expect(readState(ws)).toBeNull();
  });
});
