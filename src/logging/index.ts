/**
 * kstack's log4j-equivalent logging: reads a log4j 1.2 `log4j.properties` (the kind Kafka 3.x ships) and logs
 * through the same logger names, levels, appenders and file names a Kafka user expects (server.log,
 * controller.log, state-change.log, kafka-request.log … with their dated or numbered backups).
 *
 *   configureLoggingFromFile('.kstack/dev/broker-1/log4j.properties', { 'kafka.logs.dir': logsDir });
 *   const log = getLogger('kafka.server.KafkaServer');
 *   log.info('[KafkaServer id=1] started');
 *   if (log.isEnabled('DEBUG')) log.debug(`request ${describe(req)}`);   // build costly messages only when on
 *   await shutdownLogging();                                             // on SIGTERM: flush and close files
 *
 * Before any configuration (and after shutdown) loggers log INFO and above to stderr as `[%d] %p %m (%c)%n`.
 * Warnings about the file come back as data; the caller decides how to show them.
 *
 * Checked byte for byte against Apache log4j 1.2.17 (test/unit/logging/log4j-conformance.test.ts). Known
 * differences, all deliberate: an unknown level name is a warning and the logger keeps its inherited level (log4j
 * silently uses DEBUG); RollingFileAppender counts UTF-8 bytes (log4j counts chars); caller-location conversions
 * (%C %F %l %L %M) print "?"; filters, error handlers, renderers, XML/HTML layouts and appenders other than
 * Console/File/DailyRollingFile/RollingFile/Null are not supported (each is a warning naming its line).
 *
 * No logging library underneath: log4js 6.9.1 was evaluated. Its dateFile/file appenders (streamroller) read
 * the time from an internal `new Date()`, so no injectable clock for a deterministic daily roll, they decide a
 * roll from their own checks rather than log4j's (roll at the first event *after* a period boundary, named for
 * the period the file was started in; size roll after the write that reaches MaxFileSize), and the date tokens
 * differ from SimpleDateFormat's. The appenders are small enough to write with exact log4j 1.2 behaviour.
 */
import { readFileSync } from 'node:fs';
import { KstackError } from '../errors.js';
import { translateLog4jProperties } from './config.js';
import { activate, flushAll, getLogger as hierarchyLogger, shutdown, type Logger, type Streams } from './runtime.js';

export type { Level } from './levels.js';
export type { Logger, Streams } from './runtime.js';
export type { TextSink } from './appenders/console.js';
export { translateLog4jProperties, type LoggingConfig, type TranslateResult } from './config.js';

export interface LoggingConfigResult {
  /** One line per problem, e.g. "log4j.properties line 12: … is not supported; ignored". */
  warnings: string[];
}

export interface ConfigureOptions {
  /** `${name}` values, looked up before the environment and the file's own properties (like Java -D flags). */
  vars?: Record<string, string>;
  /** The time source for event timestamps and daily rolling (tests inject one). */
  clock?: () => Date;
  /** Names the text in warnings; default "log4j.properties". */
  source?: string;
  /** Where ConsoleAppender writes (default process.stdout / process.stderr); log4j's own errors go to stderr. */
  streams?: Streams;
}

/** Replaces the whole logging configuration with the one in `text` (log4j.properties syntax). Never throws. */
export function configureLogging(text: string, options: ConfigureOptions = {}): LoggingConfigResult {
  const source = options.source ?? 'log4j.properties';
  const { config, warnings } = translateLog4jProperties(text, { vars: options.vars, env: process.env, source });
  const openWarnings = activate(config, { clock: options.clock, streams: options.streams, source });
  return { warnings: [...warnings, ...openWarnings] };
}

/**
 * Reads and applies a log4j.properties file. Throws KstackError KSTACK_LOG4J_UNREADABLE when the file cannot
 * be read (the configuration in effect stays as it was); every problem inside the file is a warning.
 */
export function configureLoggingFromFile(
  path: string,
  vars?: Record<string, string>,
  clock?: () => Date,
  options: Omit<ConfigureOptions, 'vars' | 'clock'> = {},
): LoggingConfigResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new KstackError('KSTACK_LOG4J_UNREADABLE', `cannot read the logging configuration ${path}: ${(err as Error).message}`, {
      fix: `create ${path} (kstack renders one per broker; \`kstack up\` writes it) or point the broker at an existing log4j.properties`,
      cause: err,
    });
  }
  return configureLogging(text, { source: path, ...options, vars, clock });
}

/** The logger with this (dotted) name. Cheap; the same object for the same name; usable before configuration. */
export function getLogger(name: string): Logger {
  return hierarchyLogger(name);
}

/** Writes out whatever the file appenders hold in memory (they also flush on their own, and at process exit). */
export function flushLogging(): void {
  flushAll();
}

/** Flushes and closes all appenders (the broker calls this on SIGTERM); later calls log to stderr at INFO. */
export async function shutdownLogging(): Promise<void> {
  await shutdown();
}
