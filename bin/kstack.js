#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const entry = join(here, '..', 'dist', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('kstack: the compiled CLI is missing (dist/cli/main.js). Run `npm ci` or `npm run build` in the kstack folder.\n');
  process.exit(2);
}
const { main } = await import(entry);
process.exitCode = await main(process.argv);
