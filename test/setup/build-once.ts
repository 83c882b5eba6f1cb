/**
 * vitest globalSetup: compiles src/ to dist/ once per test run, so tests that start real processes
 * (`node bin/kstack.js broker …`) run the code under test, not a stale build. Incremental, so a no-change
 * run is quick; serialized with a lock file because several test runs may share one working tree.
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
}
