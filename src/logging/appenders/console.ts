/** org.apache.log4j.ConsoleAppender: `Target` = System.out (default) or System.err. */
import type { LogEvent } from '../event.js';
import type { Layout } from '../pattern-layout.js';
import { renderEvent, type Appender, type ErrorReporter } from './appender.js';

/** The part of a writable stream the console appender uses (process.stdout, a PassThrough in tests…). */
export interface TextSink {
  write(chunk: string): unknown;
}

export class ConsoleAppender implements Appender {
  private closed = false;
  private failed = false;

  constructor(
    readonly name: string,
    readonly threshold: number,
    private readonly layout: Layout,
    private readonly sink: TextSink,
    private readonly report: ErrorReporter,
  ) {}

  append(event: LogEvent): void {
    if (this.closed) return;
    try {
      this.sink.write(renderEvent(this.layout, event));
    } catch (err) {
      if (!this.failed) this.report(`appender ${this.name}: cannot write to the console: ${(err as Error).message}`);
      this.failed = true;
    }
  }

  flush(): void {}

  close(): void {
    this.closed = true;
  }

  /** Resolves once the stream has handed its queued output to the OS (at most `timeoutMs` later). */
  drained(timeoutMs: number): Promise<void> {
    const stream = this.sink as Partial<{ writableNeedDrain: boolean; once(event: 'drain', cb: () => void): unknown; off(event: 'drain', cb: () => void): unknown }>;
    if (!stream.writableNeedDrain || typeof stream.once !== 'function') return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        stream.off?.('drain', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      stream.once!('drain', done);
    });
  }
}

/** org.apache.log4j.varia.NullAppender: accepts and drops everything. */
export class NullAppender implements Appender {
  readonly threshold = Number.MIN_SAFE_INTEGER;
  constructor(readonly name: string) {}
  append(): void {}
  flush(): void {}
  close(): void {}
}
