/**
 * The live logger hierarchy: named loggers, the active configuration and its open appenders.
 *
 * Hot path: every Logger caches its effective level (already combined with `log4j.threshold`) and its appender
 * list, tagged with the configuration generation. A disabled call is one integer compare after one generation
 * compare; reconfiguring bumps the generation, and each logger recomputes on its next call.
 */
import { isMainThread, threadId } from 'node:worker_threads';
import type { Appender, ErrorReporter } from './appenders/appender.js';
import { ConsoleAppender, NullAppender, type TextSink } from './appenders/console.js';
import { DailyRollingFileAppender } from './appenders/daily-rolling-file.js';
import { FileAppender } from './appenders/file.js';
import { RollingFileAppender } from './appenders/rolling-file.js';
import { DEFAULT_PATTERN, type AppenderSpec, type LoggingConfig } from './config.js';
import type { LogEvent } from './event.js';
import { LEVEL_VALUE, type Level } from './levels.js';
import { compilePatternLayout } from './pattern-layout.js';

export interface Logger {
  readonly name: string;
  isEnabled(level: Level): boolean;
  trace(msg: string, err?: unknown): void;
  debug(msg: string, err?: unknown): void;
  info(msg: string, err?: unknown): void;
  warn(msg: string, err?: unknown): void;
  error(msg: string, err?: unknown): void;
  fatal(msg: string, err?: unknown): void;
}

export interface Streams {
  stdout?: TextSink;
  stderr?: TextSink;
}

interface ActiveLogger {
  level: number | undefined;
  appenders: Appender[];
  additivity: boolean;
}

interface State {
  generation: number;
  threshold: number;
  rootLevel: number;
  rootAppenders: Appender[];
  loggers: Map<string, ActiveLogger>;
  appenders: Appender[];
  clock: () => Date;
  startTime: number;
  report: ErrorReporter;
  warnedNoAppenders: boolean;
}

const THREAD = isMainThread ? 'main' : `worker-${threadId}`;
const systemClock = (): Date => new Date();

function reporterFor(sink: TextSink): ErrorReporter {
  return (message) => {
    try {
      sink.write(`log4j:ERROR ${message}\n`);
    } catch {
      // Nowhere left to report to.
    }
  };
}

let generation = 0;

function defaultState(): State {
  const report = reporterFor(process.stderr);
  const console = new ConsoleAppender('default', LEVEL_VALUE.ALL, compilePatternLayout(DEFAULT_PATTERN).format, process.stderr, report);
  return {
    generation: ++generation,
    threshold: LEVEL_VALUE.ALL,
    rootLevel: LEVEL_VALUE.INFO,
    rootAppenders: [console],
    loggers: new Map(),
    appenders: [console],
    clock: systemClock,
    startTime: Date.now(),
    report,
    warnedNoAppenders: false,
  };
}

let state: State = defaultState();

class HierarchyLogger implements Logger {
  private generation = -1;
  private minLevel = 0;
  private targets: Appender[] = [];

  constructor(readonly name: string) {}

  private refresh(): void {
    let level: number | undefined;
    const targets: Appender[] = [];
    let additive = true;
    let n = this.name;
    for (;;) {
      const spec = state.loggers.get(n);
      if (spec) {
        if (level === undefined) level = spec.level;
        if (additive) targets.push(...spec.appenders);
        if (!spec.additivity) additive = false;
      }
      const dot = n.lastIndexOf('.');
      if (dot < 0) break;
      n = n.slice(0, dot);
    }
    if (additive) targets.push(...state.rootAppenders);
    this.minLevel = Math.max(level ?? state.rootLevel, state.threshold);
    this.targets = targets;
    this.generation = state.generation;
  }

  isEnabled(level: Level): boolean {
    if (this.generation !== state.generation) this.refresh();
    return level !== 'OFF' && LEVEL_VALUE[level] >= this.minLevel;
  }

  trace(msg: string, err?: unknown): void {
    if (this.generation !== state.generation) this.refresh();
    if (LEVEL_VALUE.TRACE >= this.minLevel) this.emit(LEVEL_VALUE.TRACE, msg, err);
  }

  debug(msg: string, err?: unknown): void {
    if (this.generation !== state.generation) this.refresh();
    if (LEVEL_VALUE.DEBUG >= this.minLevel) this.emit(LEVEL_VALUE.DEBUG, msg, err);
  }

  info(msg: string, err?: unknown): void {
    if (this.generation !== state.generation) this.refresh();
    if (LEVEL_VALUE.INFO >= this.minLevel) this.emit(LEVEL_VALUE.INFO, msg, err);
  }

  warn(msg: string, err?: unknown): void {
    if (this.generation !== state.generation) this.refresh();
    if (LEVEL_VALUE.WARN >= this.minLevel) this.emit(LEVEL_VALUE.WARN, msg, err);
  }

  error(msg: string, err?: unknown): void {
    if (this.generation !== state.generation) this.refresh();
    if (LEVEL_VALUE.ERROR >= this.minLevel) this.emit(LEVEL_VALUE.ERROR, msg, err);
  }

  fatal(msg: string, err?: unknown): void {
    if (this.generation !== state.generation) this.refresh();
    if (LEVEL_VALUE.FATAL >= this.minLevel) this.emit(LEVEL_VALUE.FATAL, msg, err);
  }

  private emit(level: number, msg: string, err: unknown): void {
    const current = state;
    if (this.targets.length === 0) {
      if (!current.warnedNoAppenders) {
        current.warnedNoAppenders = true;
        current.report(`no appenders could be found for logger (${this.name}); check log4j.rootLogger`);
      }
      return;
    }
    let time = Date.now();
    try {
      const t = current.clock().getTime();
      if (Number.isFinite(t)) time = t;
    } catch {
      // A broken injected clock must not break logging; the system time is used.
    }
    const event: LogEvent = {
      time,
      level,
      loggerName: this.name,
      message: typeof msg === 'string' ? msg : String(msg),
      thread: THREAD,
      error: err,
      elapsed: time - current.startTime,
    };
    for (const appender of this.targets) {
      if (level < appender.threshold) continue;
      try {
        appender.append(event);
      } catch (e) {
        current.report(`appender ${appender.name} failed: ${(e as Error)?.message ?? String(e)}`);
      }
    }
  }
}

const loggers = new Map<string, HierarchyLogger>();

export function getLogger(name: string): Logger {
  let logger = loggers.get(name);
  if (logger === undefined) {
    logger = new HierarchyLogger(name);
    loggers.set(name, logger);
  }
  return logger;
}

function createAppender(spec: AppenderSpec, streams: Required<Streams>, report: ErrorReporter): Appender {
  const fileOptions = {
    name: spec.name,
    threshold: spec.threshold,
    layout: spec.layout,
    file: spec.file,
    append: spec.append,
    immediateFlush: spec.immediateFlush,
    bufferSize: spec.bufferSize,
    report,
  };
  switch (spec.kind) {
    case 'console':
      return new ConsoleAppender(spec.name, spec.threshold, spec.layout, spec.target === 'stderr' ? streams.stderr : streams.stdout, report);
    case 'null':
      return new NullAppender(spec.name);
    case 'file':
      return new FileAppender(fileOptions);
    case 'daily-rolling-file':
      return new DailyRollingFileAppender({ ...fileOptions, datePattern: spec.datePattern, period: spec.rollPeriod });
    case 'rolling-file':
      return new RollingFileAppender({ ...fileOptions, maxFileSize: spec.maxFileSize, maxBackupIndex: spec.maxBackupIndex });
  }
}

function closeAll(appenders: Appender[]): void {
  for (const a of appenders) {
    try {
      a.close();
    } catch {
      // close() does not throw; belt and braces so one appender cannot keep the others open.
    }
  }
}

/**
 * Replaces the active configuration: closes the old appenders (flushing them), opens the new ones. An appender
 * whose file cannot be opened is left out with a warning. Returns those warnings.
 */
export function activate(config: LoggingConfig, options: { clock?: () => Date; streams?: Streams; source: string }): string[] {
  const warnings: string[] = [];
  const streams: Required<Streams> = { stdout: options.streams?.stdout ?? process.stdout, stderr: options.streams?.stderr ?? process.stderr };
  const report = reporterFor(streams.stderr);
  const clock = options.clock ?? systemClock;
  let now = Date.now();
  try {
    const t = clock().getTime();
    if (Number.isFinite(t)) now = t;
  } catch {
    // see emit()
  }

  closeAll(state.appenders);

  const built = new Map<string, Appender>();
  for (const spec of config.appenders.values()) {
    const appender = createAppender(spec, streams, report);
    if (appender instanceof FileAppender) {
      const problem = appender.activate(now);
      if (problem !== undefined) {
        warnings.push(`${options.source} line ${spec.line}: ${problem}; appender ${spec.name} is ignored`);
        continue;
      }
    }
    built.set(spec.name, appender);
  }
  const pick = (names: string[]): Appender[] => names.flatMap((n) => built.get(n) ?? []);
  const active = new Map<string, ActiveLogger>();
  for (const [name, spec] of config.loggers) active.set(name, { level: spec.level, appenders: pick(spec.appenders), additivity: spec.additivity });

  state = {
    generation: ++generation,
    threshold: config.threshold,
    rootLevel: config.root.level,
    rootAppenders: pick(config.root.appenders),
    loggers: active,
    appenders: [...built.values()],
    clock,
    startTime: now,
    report,
    warnedNoAppenders: false,
  };
  return warnings;
}

/** Writes out everything the file appenders hold in memory. */
export function flushAll(): void {
  for (const a of state.appenders) a.flush();
}

/**
 * Flushes and closes every appender, then returns to the default (INFO to stderr) so late calls still print.
 * Resolves when console output queued in non-blocking streams (pipes on macOS, TTYs) has drained.
 */
export async function shutdown(): Promise<void> {
  const consoles = state.appenders.filter((a): a is ConsoleAppender => a instanceof ConsoleAppender);
  closeAll(state.appenders);
  state = defaultState();
  await Promise.all(consoles.map((c) => c.drained(2000)));
}
