/** One logging event, made once per log call and shared by every appender that receives it. */
export interface LogEvent {
  /** Milliseconds since the epoch, from the configured clock. */
  readonly time: number;
  /** Numeric level (see levels.ts). */
  readonly level: number;
  readonly loggerName: string;
  readonly message: string;
  readonly thread: string;
  readonly error: unknown;
  /** Milliseconds since logging was configured (`%r`). */
  readonly elapsed: number;
}
