/**
 * `npm run bench [-- <name filter>...] [-- --all]`: runs the benchmarks in bench/*.bench.ts and prints each
 * measurement with its in-run reference ratio. Slow benchmarks (real brokers, JVMs) run with --all or when named.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatMeasurement, type Bench } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const all = args.includes('--all');
const filters = args.filter((a) => !a.startsWith('--'));

const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort();
let failures = 0;
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: Bench };
  const bench = mod.default;
  const selected = filters.length === 0 ? !bench.slow || all : filters.some((f) => bench.name.includes(f) || file.includes(f));
  if (!selected) {
    console.log(`# ${bench.name}: skipped (slow; run \`npm run bench -- --all\` or name it)`);
    continue;
  }
  console.log(`# ${bench.name}`);
  try {
    await bench.run((m) => console.log(formatMeasurement(m)));
  } catch (err) {
    failures++;
    console.log(`  FAILED: ${err instanceof Error ? err.message : String(err)}`);
  }
}
process.exitCode = failures > 0 ? 1 : 0;
