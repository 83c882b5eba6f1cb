#!/usr/bin/env node
/**
 * Second step of `npm run build` (after tsc): bundles the compiled CLI, dist/cli/main.js and every dist/ module it
 * imports, into dist/bundle/ with esbuild: ESM with code splitting, so each command's dynamic import stays its own
 * chunk and `kstack broker` reads and compiles a handful of files instead of ~200 modules (start-up to the first
 * Metadata answer ~25-40 ms shorter). npm packages stay external (native addons, wasm, their own lazy loading).
 *
 * dist/bundle/manifest.json lists every dist/ file that went into the bundle with its size and mtime;
 * bin/kstack.js uses the bundle only while all of them are unchanged, so a later plain `tsc` (tests' build-once,
 * an engineer's rebuild) makes it fall back to dist/ instead of running stale code.
 *
 * Safe while brokers start from the bundle: output names carry a content hash, the manifest is replaced atomically
 * (rename), and files of older bundles are removed only a minute after they were last written.
 *
 * Usage: node scripts/bundle.mjs [--quiet]. Without esbuild (a production install) it says so and exits 0: the
 * unbundled dist/ works the same, only slower to start.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const out = join(dist, 'bundle');
const quiet = process.argv.includes('--quiet');
const entry = join(dist, 'cli', 'main.js');

if (!existsSync(entry)) {
  process.stderr.write('bundle: dist/cli/main.js is missing; run tsc first (npm run build does both)\n');
  process.exit(1);
}

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  process.stderr.write('bundle: esbuild is not installed; skipping (kstack runs from the unbundled dist/)\n');
  process.exit(0);
}

mkdirSync(out, { recursive: true });
const started = performance.now();
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: { main: entry },
  outdir: out,
  entryNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  metafile: true,
  logLevel: 'warning',
  // Keep names readable in stack traces; minifying saves little at start-up (V8 compiles lazily).
  minify: false,
});

const inputs = Object.keys(result.metafile.inputs)
  .map((p) => join(root, p))
  .filter((p) => p.startsWith(dist + '/') && !p.startsWith(out + '/'))
  .sort();
const files = inputs.map((p) => {
  const s = statSync(p);
  return { path: relative(dist, p), size: s.size, mtimeMs: s.mtimeMs };
});
const outputs = Object.keys(result.metafile.outputs).map((p) => relative(out, join(root, p)));
const main = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint !== undefined && join(root, o.entryPoint) === entry)?.[0];
if (main === undefined) throw new Error('bundle: esbuild reported no entry output');
const tmp = join(out, `manifest.json.${process.pid}.tmp`);
writeFileSync(tmp, JSON.stringify({ entry: relative(out, join(root, main)), outputs, files }) + '\n');
renameSync(tmp, join(out, 'manifest.json'));
const keep = new Set([...outputs, 'manifest.json']);
for (const name of readdirSync(out)) {
  if (keep.has(name) || name.endsWith('.tmp')) continue;
  try {
    if (Date.now() - statSync(join(out, name)).mtimeMs > 60_000) unlinkSync(join(out, name));
  } catch {
    /* removed meanwhile */
  }
}
if (!quiet) {
  const chunks = Object.keys(result.metafile.outputs).length;
  process.stdout.write(`bundle: ${files.length} dist modules -> ${chunks} files in dist/bundle (${(performance.now() - started).toFixed(0)} ms)\n`);
}
