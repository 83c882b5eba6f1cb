import { appendFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogTailer, lastLines } from '../../../src/stack/log-tail.js';

describe('LogTailer', () => {
  it('interleaves new complete lines from several files, including files created later, and follows rotation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kstack-tail-'));
    const a = join(dir, 'a.log');
    const b = join(dir, 'b.log');
    writeFileSync(a, 'old line\n');
    const seen: string[] = [];
    const tailer = new LogTailer([{ name: 'a', path: a }, { name: 'b', path: b }], { fromEnd: true, onLine: (src, line) => seen.push(`${src}: ${line}`) });
    tailer.poll();
    appendFileSync(a, 'one\ntw');
    writeFileSync(b, 'bee\n');
    tailer.poll();
    expect(seen).toEqual(['a: one', 'b: bee']);
    appendFileSync(a, 'o\n');
    tailer.poll();
    expect(seen.at(-1)).toBe('a: two');
    renameSync(a, `${a}.1`);
    writeFileSync(a, 'fresh\n');
    tailer.poll();
    expect(seen.at(-1)).toBe('a: fresh');
    tailer.stop();
  });

  it('keeps the last n lines', () => {
    expect(lastLines('a\nb\nc\n', 2)).toEqual(['b', 'c']);
    expect(lastLines('a', 5)).toEqual(['a']);
  });
});
