/**
 * Everything the CLI prints goes through here: spinners only on a TTY, plain lines otherwise, JSON on stdout for
 * --json, and NO_COLOR / FORCE_COLOR honoured.
 */
import type { Ora } from 'ora';

export interface Output {
  readonly isTTY: boolean;
  readonly color: boolean;
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
  json(value: unknown): void;
  /** Runs one phase with a spinner (TTY) or start/finish lines (non-TTY); reports its duration. */
  phase<T>(label: string, work: () => Promise<T>): Promise<T>;
}

export function colorEnabled(stream: NodeJS.WriteStream = process.stdout, env = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

const codes = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const;
export type Color = keyof typeof codes;

export function paint(enabled: boolean, color: Color, text: string): string {
  return enabled ? `\u001b[${codes[color]}m${text}\u001b[0m` : text;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function createOutput(): Output {
  const isTTY = Boolean(process.stderr.isTTY);
  const color = colorEnabled(process.stderr);
  return {
    isTTY,
    color,
    info: (line) => process.stderr.write(`${line}\n`),
    warn: (line) => process.stderr.write(`${paint(color, 'yellow', 'warning')} ${line}\n`),
    error: (line) => process.stderr.write(`${paint(color, 'red', 'error')} ${line}\n`),
    json: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    async phase<T>(label: string, work: () => Promise<T>): Promise<T> {
      const started = performance.now();
      let spinner: Ora | undefined;
      // ora loads on first use: commands that never show a spinner (broker, produce) do not pay for it.
      if (isTTY) spinner = (await import('ora')).default({ text: label, stream: process.stderr, color: 'cyan' }).start();
      else process.stderr.write(`… ${label}\n`);
      try {
        const result = await work();
        const took = formatDuration(performance.now() - started);
        if (spinner) spinner.succeed(`${label} ${paint(color, 'gray', `(${took})`)}`);
        else process.stderr.write(`✔ ${label} (${took})\n`);
        return result;
      } catch (err) {
        if (spinner) spinner.fail(label);
        else process.stderr.write(`✖ ${label}\n`);
        throw err;
      }
    },
  };
}
