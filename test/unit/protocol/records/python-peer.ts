/**
 * kafka-python 2.0.2 (Debian's python3-kafka, run with Debian's /usr/bin/python3) as an independent peer: its
 * record batch and legacy message-set builders and readers are a separate implementation of the same formats.
 * Only gzip is available there (no snappy/lz4/zstd modules on Debian's python).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';

export function kafkaPythonAvailable(): boolean {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ['-c', 'import kafka.record.memory_records'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** Runs a python snippet with `data` (bytes from stdin, hex-decoded) in scope; returns its stdout. */
export function runPython(code: string, input: Buffer = Buffer.alloc(0)): string {
  const prelude = 'import sys, json\ndata = bytes.fromhex(sys.stdin.read().strip())\n';
  return execFileSync(PYTHON, ['-c', prelude + code], { input: input.toString('hex'), timeout: 30_000, encoding: 'utf8' });
}
