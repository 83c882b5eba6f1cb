/** What every appender offers the logger hierarchy. All methods are synchronous and never throw. */
import type { LogEvent } from '../event.js';
import type { Layout } from '../pattern-layout.js';
import { renderThrowable } from '../throwable.js';

export interface Appender {
  readonly name: string;
  /** Events below this level are ignored by this appender (`log4j.appender.X.Threshold`). */
  readonly threshold: number;
  append(event: LogEvent): void;
  /** Writes out anything buffered. */
  flush(): void;
  /** Flushes and releases files; later events are dropped. */
  close(): void;
}

/** Where an appender reports its own I/O trouble (log4j's "log4j:ERROR …" lines). */
export type ErrorReporter = (message: string) => void;

/** The text for one event: the layout's output, then the stack trace lines (log4j's layouts ignore throwables). */
export function renderEvent(layout: Layout, event: LogEvent): string {
  const text = layout(event);
  return event.error === undefined || event.error === null ? text : text + renderThrowable(event.error);
}
