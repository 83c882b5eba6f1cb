/**
 * A doctor finding is data: what was checked (`id`), how bad it is, what was found, and the exact command or
 * setting that fixes it (null when nothing needs fixing). The CLI renders findings; --json prints them as they are.
 */
export type Severity = 'ok' | 'warn' | 'error';

/** Where the setting behind a finding lives: a file (and line), or a compose service in a file. */
export interface FindingSource {
  file: string;
  line?: number;
  service?: string;
}

export interface Finding {
  /** Stable id of the check, e.g. `node`, `ports`, `java`. Several findings may share one id (one per port). */
  id: string;
  severity: Severity;
  message: string;
  fix: string | null;
  /** Machine-readable facts behind the message (port, pid, versions…). */
  data?: Record<string, unknown>;
  /** The file (and line, or compose service) the offending setting comes from, when it comes from a file. */
  source?: FindingSource;
}

/** `file:line (service x)` for a finding's source. */
export function formatSource(source: FindingSource): string {
  const at = source.line === undefined ? source.file : `${source.file}:${source.line}`;
  return source.service === undefined ? at : `${at} (service ${source.service})`;
}

export const ok = (id: string, message: string, data?: Record<string, unknown>): Finding => ({ id, severity: 'ok', message, fix: null, ...(data ? { data } : {}) });
export const warn = (id: string, message: string, fix: string, data?: Record<string, unknown>): Finding => ({ id, severity: 'warn', message, fix, ...(data ? { data } : {}) });
export const error = (id: string, message: string, fix: string, data?: Record<string, unknown>): Finding => ({ id, severity: 'error', message, fix, ...(data ? { data } : {}) });

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

const MARK: Record<Severity, string> = { ok: '✔', warn: '!', error: '✖' };

/** Plain-text report lines: a mark, the id, the message, and an indented fix. */
export function formatFindings(findings: readonly Finding[], paint: (severity: Severity, text: string) => string = (_, t) => t): string[] {
  const width = Math.max(0, ...findings.map((f) => f.id.length));
  const lines: string[] = [];
  for (const f of findings) {
    lines.push(`${paint(f.severity, MARK[f.severity])} ${f.id.padEnd(width)}  ${f.message}`);
    if (f.source) lines.push(`  ${' '.repeat(width)}  at: ${formatSource(f.source)}`);
    if (f.fix) {
      const [first, ...rest] = f.fix.split('\n');
      lines.push(`  ${' '.repeat(width)}  fix: ${first}`);
      for (const more of rest) lines.push(`  ${' '.repeat(width)}       ${more}`);
    }
  }
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warn').length;
  lines.push(errors + warnings === 0 ? 'All checks passed.' : `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`);
  return lines;
}
