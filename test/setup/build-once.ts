/**
 * vitest globalSetup: compiles src/ to dist/ once per test run, so tests that start real processes
 * (`node bin/kstack.js broker …`) run the code under test, not a stale build. Incremental, so a no-change
 * run is quick; serialized with a lock file because several test runs may share one working tree. Then bundles
 * dist/ (scripts/bundle.mjs) so `node bin/kstack.js broker` runs the same bundle users get from `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function buildOnce(): void {
  if (process.env.KSTACK_TEST_SKIP_BUILD === '1') return;
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    const compile = [process.execPath, tsc, '-p', 'tsconfig.json'];
    // flock (util-linux) is absent on macOS; there a single test run needs no lock.
    const [cmd, ...args] = existsSync('/usr/bin/flock') ? ['/usr/bin/flock', '/tmp/kstack-build.lock', ...compile] : compile;
    execFileSync(cmd, args, { cwd: root, stdio: 'pipe' });
  } catch (err) {
    // Type errors still emit JavaScript (noEmitOnError is off); report them without failing every test file.
    const out = (err as { stdout?: Buffer }).stdout?.toString() ?? String(err);
    process.stderr.write(`[build-once] tsc reported problems (tests run against the emitted code):\n${out.slice(0, 4000)}\n`);
  }
  // `kstack broker` starts from dist/bundle/ when it matches dist/ (scripts/bundle.mjs); rebuild it so process
  // tests run the bundle as users do. If it fails, bin/kstack.js notices the mismatch and runs dist/ directly.
  try {
    const bundle = [process.execPath, join(root, 'scripts', 'bundle.mjs'), '--quiet'];
    const [cmd, ...args] = existsSync('/usr/bin/flock') ? ['/usr/bin/flock', '/tmp/kstack-build.lock', ...bundle] : bundle;
    execFileSync(cmd, args, { cwd: root, stdio: 'pipe' });
  } catch (err) {
    const out = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
    process.stderr.write(`[build-once] bundling failed (process tests run the unbundled dist/):\n${out.slice(0, 2000)}\n`);
  }
}
