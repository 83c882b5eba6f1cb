#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
// `kstack broker` starts from dist/bundle/ (scripts/bundle.mjs, part of `npm run build`) when that bundle is
// current: every dist/ file it was built from still has the size and mtime recorded in its manifest (or, in an
// installed package, npm's fixed tarball mtime: nobody rebuilds dist/ there).
const NPM_PACK_MTIME_MS = Date.UTC(1985, 9, 26, 8, 15, 0);
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const entry = join(dist, 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('kstack: the compiled CLI is missing (dist/cli/main.js). Run `npm ci` or `npm run build` in the kstack folder.\n');
  process.exit(2);
}

function currentBundle() {
  if (process.env.KSTACK_NO_BUNDLE === '1') return null;
  try {
    const manifest = JSON.parse(readFileSync(join(dist, 'bundle', 'manifest.json'), 'utf8'));
    for (const f of manifest.files) {
      const s = statSync(join(dist, f.path));
      if (s.size !== f.size || (s.mtimeMs !== f.mtimeMs && s.mtimeMs !== NPM_PACK_MTIME_MS)) return null;
    }
    return join(dist, 'bundle', manifest.entry);
  } catch {
    return null;
  }
}

// `kstack … | head`: a closed pipe ends the output, not the process with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const { main } = await import((process.argv[2] === 'broker' && currentBundle()) || entry);
process.exitCode = await main(process.argv);
