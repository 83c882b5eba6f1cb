import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePortRange } from '../support/port-range.js';
import { kstack } from './run.js';

let cwd: string;
beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'kstack-cli-doctor-'));
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

interface Finding {
  id: string;
  severity: string;
  message: string;
  fix: string | null;
  data?: { port?: number; holders?: { pid: number }[] };
}

describe('kstack doctor env', () => {
  it('--json prints valid JSON findings on stdout', async () => {
    const base = await freePortRange(2);
    const r = await kstack(['doctor', 'env', '--json', '--base-port', String(base)], cwd);
    const findings = JSON.parse(r.stdout) as Finding[];
    expect(findings.map((f) => f.id)).toEqual(['platform', 'node', 'disk', 'open-files', 'ports']);
    for (const f of findings) {
      expect(['ok', 'warn', 'error']).toContain(f.severity);
      expect(typeof f.message).toBe('string');
      expect('fix' in f).toBe(true);
    }
    expect(r.code).toBe(findings.some((f) => f.severity === 'error') ? 1 : 0);
    expect(findings.find((f) => f.id === 'ports')?.severity).toBe('ok');
  });

  it('a configured port held by another process: names the port and the pid, exits non-zero', async () => {
    const base = await freePortRange(2);
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(base + 1, '127.0.0.1', r));
    try {
      const r = await kstack(['doctor', 'env', '--json', '--base-port', String(base)], cwd);
      expect(r.code).toBe(1);
      const findings = JSON.parse(r.stdout) as Finding[];
      const port = findings.find((f) => f.id === 'ports' && f.severity === 'error');
      expect(port?.data?.port).toBe(base + 1);
      expect(port?.data?.holders?.map((h) => h.pid)).toContain(process.pid);
      expect(port?.message).toContain(`port ${base + 1}`);
      expect(port?.message).toContain(`pid ${process.pid}`);
    } finally {
      holder.close();
    }
  });

  it('reads the ports of an existing workspace', async () => {
    const base = await freePortRange(3);
    expect((await kstack(['init', '--mode', 'zk', '--dir', 'W', '--base-port', String(base)], cwd)).code).toBe(0);
    const r = await kstack(['doctor', 'env', '--dir', 'W', '--json'], cwd);
    const findings = JSON.parse(r.stdout) as Finding[];
    expect(findings.find((f) => f.id === 'ports')?.message).toContain(`(${base}-${base + 1})`);
    expect(findings.map((f) => f.id)).toContain('zookeeper');
    expect(findings.map((f) => f.id)).toContain('java');
  });

  it('rejects an unknown engine; --help shows examples', async () => {
    const bad = await kstack(['doctor', 'env', '--engine', 'podman'], cwd);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--engine must be native, docker or kafka');
    const help = await kstack(['doctor', 'env', '--help'], cwd);
    expect(help.stdout).toContain('Examples:');
    expect((await kstack(['doctor', '--help'], cwd)).stdout).toContain('kstack doctor env');
  });
});
