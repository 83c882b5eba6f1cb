/**
 * org.apache.log4j.FileAppender: `File`, `Append` (default true), `ImmediateFlush` (default true), `BufferedIO`,
 * `BufferSize` (default 8 KiB), UTF-8 only. Parent directories are created, as log4j 1.2.17 does.
 *
 * Writes are buffered in memory and written with one `writeSync` per batch: with ImmediateFlush the batch is
 * written on the next turn of the event loop (so a burst of lines costs one system call, and the log call itself
 * never blocks on the disk); without it, when the buffer is full. Everything buffered is written on flush(),
 * close(), shutdownLogging() and at process exit. Synchronous batch writes keep roll-over (close, rename, reopen)
 * trivially ordered with the writes before and after it.
 */
import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogEvent } from '../event.js';
import type { Layout } from '../pattern-layout.js';
import { renderEvent, type Appender, type ErrorReporter } from './appender.js';

export interface FileAppenderOptions {
  name: string;
  threshold: number;
  layout: Layout;
  file: string;
  append: boolean;
  immediateFlush: boolean;
  bufferSize: number;
  report: ErrorReporter;
}

// One deferred flush for all appenders with pending lines; and a last flush at exit for whatever is left.
const dirty = new Set<FileAppender>();
let flushScheduled = false;
const openAppenders = new Set<FileAppender>();
let exitHookInstalled = false;

function scheduleFlush(appender: FileAppender): void {
  dirty.add(appender);
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(() => {
    flushScheduled = false;
    const batch = [...dirty];
    dirty.clear();
    for (const a of batch) a.flush();
  });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const a of openAppenders) a.flush();
  });
}

export class FileAppender implements Appender {
  readonly name: string;
  readonly threshold: number;
  readonly file: string;
  protected readonly layout: Layout;
  protected readonly appendMode: boolean;
  protected readonly immediateFlush: boolean;
  protected readonly bufferSize: number;
  protected readonly report: ErrorReporter;
  protected fd: number | null = null;
  /** Bytes in the file, counting what is still buffered. */
  protected size = 0;
  private pending: string[] = [];
  private pendingBytes = 0;
  private writeFailed = false;
  private closed = false;

  constructor(options: FileAppenderOptions) {
    this.name = options.name;
    this.threshold = options.threshold;
    this.layout = options.layout;
    this.file = options.file;
    this.appendMode = options.append;
    this.immediateFlush = options.immediateFlush;
    this.bufferSize = options.bufferSize;
    this.report = options.report;
  }

  /** Opens the file. Returns an error message instead of throwing (the configuration turns it into a warning). */
  activate(_now: number): string | undefined {
    return this.openFile(this.appendMode);
  }

  append(event: LogEvent): void {
    if (this.closed) return;
    this.beforeWrite(event.time);
    if (this.fd === null) return;
    const text = renderEvent(this.layout, event);
    const bytes = Buffer.byteLength(text, 'utf8');
    this.pending.push(text);
    this.pendingBytes += bytes;
    this.size += bytes;
    if (this.pendingBytes >= this.bufferSize) this.flush();
    else if (this.immediateFlush) scheduleFlush(this);
    this.afterWrite();
  }

  flush(): void {
    if (this.fd === null || this.pendingBytes === 0) return;
    const data = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingBytes = 0;
    try {
      let offset = 0;
      while (offset < data.length) offset += writeSync(this.fd, data, offset, data.length - offset);
      this.writeFailed = false;
    } catch (err) {
      // Report once per run of failures (a full disk must not turn every log call into a stderr line).
      if (!this.writeFailed) this.report(`appender ${this.name}: cannot write to ${this.file}: ${(err as Error).message}`);
      this.writeFailed = true;
    }
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closeFile();
    this.closed = true;
    dirty.delete(this);
  }

  /** Hook for time-based rolling: runs before an event is written. */
  protected beforeWrite(_time: number): void {}

  /** Hook for size-based rolling: runs after an event is written (buffered). */
  protected afterWrite(): void {}

  protected openFile(append: boolean): string | undefined {
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      this.fd = openSync(this.file, append ? 'a' : 'w');
      this.size = append ? fstatSync(this.fd).size : 0;
      openAppenders.add(this);
      installExitHook();
      return undefined;
    } catch (err) {
      this.fd = null;
      return `cannot open ${this.file} for appender ${this.name}: ${(err as Error).message}`;
    }
  }

  protected closeFile(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch (err) {
      this.report(`appender ${this.name}: cannot close ${this.file}: ${(err as Error).message}`);
    }
    this.fd = null;
    openAppenders.delete(this);
  }
}
