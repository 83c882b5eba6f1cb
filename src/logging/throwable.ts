/**
 * Renders the `err` argument of a log call as the lines log4j prints after the layout's output: the stack
 * trace, then each `cause` as "Caused by: …" (Java's shape), each line ending in a newline. Not an Error → its
 * inspected form.
 */
import { inspect } from 'node:util';

const MAX_CAUSES = 8;

export function renderThrowable(err: unknown): string {
  const lines: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = err;
  let prefix = '';
  for (let depth = 0; depth <= MAX_CAUSES && current !== undefined && current !== null; depth++) {
    if (seen.has(current)) {
      lines.push(`${prefix}[circular cause]`);
      break;
    }
    seen.add(current);
    lines.push(...describe(current, prefix));
    if (!(current instanceof Error)) break;
    current = (current as { cause?: unknown }).cause;
    prefix = 'Caused by: ';
  }
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

function describe(value: unknown, prefix: string): string[] {
  if (value instanceof Error) {
    const head = `${value.name}: ${value.message}`;
    const stack = typeof value.stack === 'string' && value.stack !== '' ? value.stack : head;
    const lines = stack.split('\n');
    lines[0] = prefix + lines[0];
    return lines;
  }
  const text = typeof value === 'string' ? value : inspect(value, { depth: 3, breakLength: Infinity });
  const lines = text.split('\n');
  lines[0] = prefix + lines[0];
  return lines;
}
