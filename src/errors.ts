/**
 * kstack's own errors carry a stable `KSTACK_*` code so scripts and tests can match on them, and a `fix` line
 * that tells the user the exact command or setting that resolves the problem.
 */
export class KstackError extends Error {
  readonly code: string;
  readonly fix: string | undefined;
  /** Process exit code the CLI uses for this error (2 = refused / usage, 1 = failed). */
  readonly exitCode: number;

  constructor(code: string, message: string, options: { fix?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KstackError';
    this.code = code;
    this.fix = options.fix;
    this.exitCode = options.exitCode ?? 1;
  }
}

export function isKstackError(value: unknown): value is KstackError {
  return value instanceof KstackError;
}
