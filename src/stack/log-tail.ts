/**
 * Follows several log files at once and emits their new lines with a prefix per component — the interleaved view
 * of `kstack up` in the foreground and of `kstack logs -f`. Polling (not fs.watch): it behaves the same on Linux
 * and macOS, survives files that do not exist yet, and notices truncation and rotation.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export interface TailSource {
  name: string;
  path: string;
}

export interface TailOptions {
  /** Start at the end of each file (true) or at its beginning (false). */
  fromEnd: boolean;
  intervalMs?: number;
  onLine: (source: string, line: string) => void;
}

interface TailState {
  source: TailSource;
  position: number;
  inode: number;
  partial: string;
}

export class LogTailer {
  private readonly states: TailState[];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    sources: TailSource[],
    private readonly opts: TailOptions,
  ) {
    this.states = sources.map((source) => {
      const stat = safeStat(source.path);
      return { source, position: opts.fromEnd && stat ? stat.size : 0, inode: stat?.ino ?? -1, partial: '' };
    });
  }

  start(): void {
    this.poll();
    this.timer = setInterval(() => this.poll(), this.opts.intervalMs ?? 150);
  }

  stop(): void {
    clearInterval(this.timer);
    this.poll();
    for (const s of this.states) if (s.partial !== '') this.opts.onLine(s.source.name, s.partial);
  }

  /** Reads whatever was appended since the last poll. */
  poll(): void {
    for (const s of this.states) this.pollOne(s);
  }

  private pollOne(s: TailState): void {
    const stat = safeStat(s.source.path);
    if (!stat) return;
    if (stat.ino !== s.inode || stat.size < s.position) {
      // Rotated or truncated: start over on the new file.
      s.inode = stat.ino;
      s.position = 0;
    }
    if (stat.size <= s.position) return;
    const fd = openSync(s.source.path, 'r');
    try {
      const length = Math.min(stat.size - s.position, 4 * 1024 * 1024);
      const buf = Buffer.allocUnsafe(length);
      const read = readSync(fd, buf, 0, length, s.position);
      s.position += read;
      const text = s.partial + buf.toString('utf8', 0, read);
      const lines = text.split('\n');
      s.partial = lines.pop() ?? '';
      for (const line of lines) this.opts.onLine(s.source.name, line);
    } finally {
      closeSync(fd);
    }
  }
}

function safeStat(path: string): { size: number; ino: number } | null {
  try {
    const st = statSync(path);
    return { size: st.size, ino: st.ino };
  } catch {
    return null;
  }
}

/** The last `count` lines of a file (for `kstack logs` without -f). */
export function lastLines(text: string, count: number): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.slice(Math.max(0, lines.length - count));
}
