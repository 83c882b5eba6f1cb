/**
 * The zstd encoder (WebAssembly) starts on the first zstd compression, synchronously, not when compression.ts is
 * imported: a fresh process imports the compiled module, checks the wasm runtime has not run, compresses, and
 * round-trips through the decoder.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

describe('zstd encoder start-up', () => {
  it('is not started by importing compression.ts, and works on first use', () => {
    const compression = pathToFileURL(join(ROOT, 'dist', 'protocol', 'records', 'compression.js')).href;
    const script = `
      import { createRequire } from 'node:module';
      import { dirname, join } from 'node:path';
      const c = await import(${JSON.stringify(compression)});
      const require = createRequire(${JSON.stringify(pathToFileURL(join(ROOT, 'package.json')).href)});
      const { Module } = require(join(dirname(require.resolve('@bokuweb/zstd-wasm')), 'module.js'));
      const before = Module.calledRun === true;
      const data = Buffer.from('abcabcabc zstd '.repeat(500));
      const packed = c.compress(4, data, { level: 5 });
      const back = c.decompress(4, packed);
      console.log(JSON.stringify({ before, after: Module.calledRun === true, smaller: packed.length < data.length, same: back.equals(data) }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ before: false, after: true, smaller: true, same: true });
  });
});
