/** Shared pieces for the logging tests: a temp dir, a settable clock, and an in-memory console sink. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kstack-logging-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export class TestClock {
  constructor(public ms: number) {}
  readonly now = (): Date => new Date(this.ms);
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
}

/** Collects what a ConsoleAppender writes. */
export class Capture {
  readonly chunks: string[] = [];
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  get text(): string {
    return this.chunks.join('');
  }
}

export function files(dir: string): string[] {
  return readdirSync(dir).sort();
}

export function read(dir: string, name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}
