/**
 * `kstack doctor listeners` end to end on the fixture corpus: exit codes (0 clean, 1 error finding, 2 usage),
 * the documented JSON shape (docs/doctor-json.md), human output with source lines and paste-ready fixes.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const pexec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const FIX = join(ROOT, 'test', 'fixtures', 'listeners');

async function kstack(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await pexec(process.execPath, [join(ROOT, 'bin', 'kstack.js'), 'doctor', 'listeners', ...args], { cwd: FIX, env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('kstack doctor listeners (static)', () => {
  it('exit 0 and an ok report for a good compose file', async () => {
    const r = await kstack('--compose', 'compose/good-apache-dual.yml', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { schema: string; ok: boolean; findings: { id: string; severity: string }[]; static: { sources: { label: string; kind: string; service: string }[] }; probe: null };
    expect(report.schema).toBe('kstack.doctor.listeners/1');
    expect(report.ok).toBe(true);
    expect(report.static.sources).toEqual([{ label: 'compose/good-apache-dual.yml#kafka', kind: 'compose', service: 'kafka' }]);
    expect(report.probe).toBeNull();
    expect(report.findings.every((f) => f.severity === 'ok')).toBe(true);
  });

  it('exit 1 with the rule id, the line and the fix for a broken one', async () => {
    const r = await kstack('--compose', 'compose/M4-published-port-differs.yml');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('✖ M4');
    expect(r.stderr).toContain('at: compose/M4-published-port-differs.yml:11 (service kafka)');
    expect(r.stderr).toContain('fix: KAFKA_ADVERTISED_LISTENERS: "PLAINTEXT://localhost:29092"');
    expect(r.stdout).toBe('');
  });

  it('reads several sources at once and keeps Kafka\'s wording', async () => {
    const r = await kstack('--config', 'properties/L7-advertised-wildcard.properties', '--env-file', 'env/L12-bitnami-no-node-id.env', '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { findings: { id: string; message: string; source: { file: string; line?: number } }[] };
    const byId = Object.fromEntries(report.findings.map((f) => [f.id, f]));
    expect(byId.L7.message).toBe('advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.');
    expect(byId.L7.source).toEqual({ file: 'properties/L7-advertised-wildcard.properties', line: 5 });
    expect(byId.L12.source.file).toBe('env/L12-bitnami-no-node-id.env');
  });

  it('a warning alone exits 0', async () => {
    const r = await kstack('--compose', 'compose/M1-localhost-to-containers.yml');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('0 errors, 1 warning.');
  });

  it('--kafka-version 4 relaxes L18 to a warning', async () => {
    expect((await kstack('--config', 'properties/L18-controller-advertised.properties')).code).toBe(1);
    const r = await kstack('--config', 'properties/L18-controller-advertised.properties', '--kafka-version', '4');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('! L18');
  });

  it('usage errors exit 2 with a fix, never a stack trace', async () => {
    for (const args of [[], ['--config', 'nope.properties'], ['--compose', 'properties/good-zk.properties'], ['--image', 'docker', '--config', 'x'], ['--kafka-version', '2', '--config', 'x'], ['--bootstrap', 'no-port']]) {
      const r = await kstack(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/KSTACK_[A-Z_]+/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
