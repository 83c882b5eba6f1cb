/**
 * bin/kstack.js starts `kstack broker` from dist/bundle/ (scripts/bundle.mjs) only while the bundle matches dist/:
 * on a copy of bin/ + dist/, a marker planted in the bundle's entry shows which code ran. A dist/ file rewritten
 * after bundling (a plain `tsc`) or KSTACK_NO_BUNDLE=1 makes it run dist/ itself; other commands never use the
 * bundle; npm's fixed tarball mtime counts as unchanged, a different size never does. The real bundle also starts a broker that answers Metadata.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchMetadata } from '../../src/stack/readiness.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MARKER = 'KSTACK_BUNDLE_MARKER';
let copy: string;

function run(args: string[], env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, [join(copy, 'bin', 'kstack.js'), ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
}

describe('launcher and dist/bundle', () => {
  beforeAll(() => {
    // A private copy (other test runs may rebuild the real dist/ meanwhile), bundled by scripts/bundle.mjs there.
    copy = mkdtempSync(join(tmpdir(), 'kstack-launcher-'));
    for (const d of ['bin', 'dist', 'scripts']) cpSync(join(ROOT, d), join(copy, d), { recursive: true });
    rmSync(join(copy, 'dist', 'bundle'), { recursive: true, force: true });
    cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    execFileSync(process.execPath, [join(copy, 'scripts', 'bundle.mjs'), '--quiet'], { cwd: copy });
    const manifest = JSON.parse(readFileSync(join(copy, 'dist', 'bundle', 'manifest.json'), 'utf8')) as { entry: string };
    const entry = join(copy, 'dist', 'bundle', manifest.entry);
    writeFileSync(entry, `process.stderr.write(${JSON.stringify(MARKER + '\n')});\n` + readFileSync(entry, 'utf8'));
  });
  afterAll(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it('runs the broker command from a current bundle, and everything else from dist/', () => {
    const withStderr = (args: string[], env: Record<string, string> = {}) =>
      spawnSyncText(process.execPath, [join(copy, 'bin', 'kstack.js'), ...args], env);
    const bundled = withStderr(['broker', '--help']);
    expect(bundled.stdout).toContain('Usage: kstack broker');
    expect(bundled.stderr).toContain(MARKER);
    expect(withStderr(['broker', '--help'], { KSTACK_NO_BUNDLE: '1' }).stderr).not.toContain(MARKER);
    expect(withStderr(['--version']).stderr).not.toContain(MARKER);
    expect(run(['--version']).trim()).toBe('0.1.0');
  });

  it('falls back to dist/ once a bundled dist/ file changed after bundling', () => {
    const spawnText = (args: string[]) => spawnSyncText(process.execPath, [join(copy, 'bin', 'kstack.js'), ...args], {});
    expect(spawnText(['broker', '--help']).stderr).toContain(MARKER);
    const file = join(copy, 'dist', 'broker', 'dispatch.js');
    const later = new Date(Date.now() + 5_000);
    utimesSync(file, later, later);
    const after = spawnText(['broker', '--help']);
    expect(after.stderr).not.toContain(MARKER);
    expect(after.stdout).toContain('Usage: kstack broker');
  });

  it('accepts npm\'s fixed tarball mtime (an installed package), but not a changed size', () => {
    const spawnText = (args: string[]) => spawnSyncText(process.execPath, [join(copy, 'bin', 'kstack.js'), ...args], {});
    const manifest = JSON.parse(readFileSync(join(copy, 'dist', 'bundle', 'manifest.json'), 'utf8')) as { files: { path: string }[] };
    const npmTime = new Date('1985-10-26T08:15:00.000Z');
    for (const f of manifest.files) utimesSync(join(copy, 'dist', f.path), npmTime, npmTime);
    expect(spawnText(['broker', '--help']).stderr).toContain(MARKER);
    const file = join(copy, 'dist', 'broker', 'dispatch.js');
    writeFileSync(file, readFileSync(file, 'utf8') + '\n// changed\n');
    utimesSync(file, npmTime, npmTime);
    expect(spawnText(['broker', '--help']).stderr).not.toContain(MARKER);
  });

  it('a broker started from the real bundle answers Metadata', async () => {
    const bundleDir = join(ROOT, 'dist', 'bundle');
    expect(existsSync(join(bundleDir, 'manifest.json'))).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'kstack-launcher-broker-'));
    writeFileSync(join(dir, 'server.properties'), `broker.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=${join(dir, 'data')}\n`);
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'kstack.js'), 'broker', '--config', join(dir, 'server.properties')], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /kstack-broker listening \S+=[^\s:]+:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.once('exit', (code) => reject(new Error(`broker exited ${code}: ${out}`)));
      });
      const md = await fetchMetadata('127.0.0.1', port, [], false, 5_000);
      expect(md.brokers.length).toBe(1);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function spawnSyncText(cmd: string, args: string[], env: Record<string, string>): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr };
}
