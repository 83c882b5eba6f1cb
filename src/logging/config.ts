/**
 * log4j.properties → a logging configuration, as data. Pure: no files are opened here (see runtime.ts).
 *
 * Honoured, with log4j 1.2 PropertyConfigurator's meaning: `log4j.rootLogger` (or `log4j.rootCategory`),
 * `log4j.logger.<name>` (or `log4j.category.<name>`) = `[level][, appender]...`, `log4j.additivity.<name>`,
 * `log4j.threshold`, `log4j.appender.<name>` with the appender classes ConsoleAppender, FileAppender,
 * DailyRollingFileAppender, RollingFileAppender and varia.NullAppender and their properties, the layouts
 * PatternLayout (EnhancedPatternLayout is read as PatternLayout), SimpleLayout and TTCCLayout. `${name}` in a
 * value is replaced from the variables passed in, then the environment, then the file's own properties
 * (recursively); an undefined name becomes "" (as in log4j) with a warning. As in log4j, only appenders that
 * some logger names are created. Anything else is a warning naming its line; nothing here throws.
 */
import { compileDatePattern, DatePatternError, type DateFormatter } from './date-format.js';
import { rollPeriodOf, type RollPeriod } from './appenders/daily-rolling-file.js';
import { LEVEL_VALUE, parseLevel } from './levels.js';
import { compilePatternLayout, type Layout } from './pattern-layout.js';
import { parseProperties, type PropertyEntry } from './properties.js';

export type AppenderKind = 'console' | 'file' | 'daily-rolling-file' | 'rolling-file' | 'null';

export interface AppenderSpec {
  readonly name: string;
  readonly kind: AppenderKind;
  /** The line of `log4j.appender.<name>=<class>`, for warnings raised when the appender is opened. */
  readonly line: number;
  readonly threshold: number;
  /** The ConversionPattern in effect (for SimpleLayout/TTCCLayout, their equivalent pattern). */
  readonly pattern: string;
  readonly layout: Layout;
  readonly target: 'stdout' | 'stderr';
  readonly file: string;
  readonly append: boolean;
  readonly immediateFlush: boolean;
  readonly bufferSize: number;
  readonly datePatternText: string;
  readonly datePattern: DateFormatter;
  readonly rollPeriod: RollPeriod | undefined;
  readonly maxFileSize: number;
  readonly maxBackupIndex: number;
}

export interface LoggerSpec {
  /** undefined: inherit from the parent. */
  readonly level: number | undefined;
  readonly appenders: string[];
  readonly additivity: boolean;
}

export interface LoggingConfig {
  /** `log4j.threshold`: nothing below it is logged anywhere. */
  readonly threshold: number;
  readonly root: LoggerSpec & { level: number };
  readonly loggers: Map<string, LoggerSpec>;
  /** Only the appenders some logger refers to, and only those that could be built. */
  readonly appenders: Map<string, AppenderSpec>;
}

export interface TranslateOptions {
  vars?: Record<string, string>;
  env?: Record<string, string | undefined>;
  /** Names the text in warnings: "<source> line N: …". */
  source?: string;
}

export interface TranslateResult {
  config: LoggingConfig;
  warnings: string[];
}

const APPENDER_CLASSES: Record<string, AppenderKind> = {
  'org.apache.log4j.ConsoleAppender': 'console',
  'org.apache.log4j.FileAppender': 'file',
  'org.apache.log4j.DailyRollingFileAppender': 'daily-rolling-file',
  'org.apache.log4j.RollingFileAppender': 'rolling-file',
  'org.apache.log4j.varia.NullAppender': 'null',
};

const LAYOUT_CLASSES: Record<string, string | null> = {
  // null: the pattern comes from ConversionPattern.
  'org.apache.log4j.PatternLayout': null,
  'org.apache.log4j.EnhancedPatternLayout': null,
  'org.apache.log4j.SimpleLayout': '%p - %m%n',
  'org.apache.log4j.TTCCLayout': '%r [%t] %p %c - %m%n',
};

/** Appender properties each kind accepts (log4j matches bean properties after lower-casing the first letter). */
const APPENDER_PROPERTIES: Record<AppenderKind, string[]> = {
  console: ['threshold', 'encoding', 'immediateFlush', 'target', 'follow'],
  file: ['threshold', 'encoding', 'immediateFlush', 'file', 'append', 'bufferedIO', 'bufferSize'],
  'daily-rolling-file': ['threshold', 'encoding', 'immediateFlush', 'file', 'append', 'bufferedIO', 'bufferSize', 'datePattern'],
  'rolling-file': ['threshold', 'encoding', 'immediateFlush', 'file', 'append', 'bufferedIO', 'bufferSize', 'maxFileSize', 'maxBackupIndex'],
  null: ['threshold'],
};

const IGNORED_KEYS = new Set(['log4j.debug', 'log4j.configDebug', 'log4j.reset']);
const DEFAULT_DATE_PATTERN = "'.'yyyy-MM-dd";
const MAX_SUBSTITUTION_DEPTH = 16;

export const DEFAULT_PATTERN = '[%d] %p %m (%c)%n';

export function translateLog4jProperties(text: string, options: TranslateOptions = {}): TranslateResult {
  const source = options.source ?? 'log4j.properties';
  const vars = options.vars ?? {};
  const env = options.env ?? {};
  const warnings: string[] = [];
  const warn = (line: number, message: string): void => {
    warnings.push(`${source} line ${line}: ${message}`);
  };

  const props = parseProperties(text);
  for (const p of props.problems) warn(p.line, p.message);

  const substitute = (value: string, line: number, depth = 0): string => {
    let out = '';
    let i = 0;
    for (;;) {
      const open = value.indexOf('${', i);
      if (open < 0) return out + value.slice(i);
      const close = value.indexOf('}', open);
      if (close < 0) {
        warn(line, `"${value}" has a "\${" without a closing "}"; kept as written`);
        return out + value.slice(i);
      }
      out += value.slice(i, open);
      const name = value.slice(open + 2, close);
      const found = Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : (env[name] ?? props.byKey.get(name)?.value);
      if (found === undefined) {
        warn(line, `\${${name}} is not defined (pass it as a variable, set it in the environment or define it in this file); it was replaced by ""`);
      } else if (depth >= MAX_SUBSTITUTION_DEPTH) {
        warn(line, `\${${name}} refers to itself (directly or through other variables); it was replaced by ""`);
      } else {
        out += substitute(found, line, depth + 1);
      }
      i = close + 1;
    }
  };
  const valueOf = (entry: PropertyEntry): string => substitute(entry.value, entry.line);

  /** A level setting; `undefined` = inherit, `null` = not understood (warned). */
  const levelOf = (raw: string, line: number, what: string, allowInherit: boolean): number | undefined | null => {
    let text = raw.trim();
    const hash = text.indexOf('#');
    if (hash >= 0) {
      warn(line, `custom level class "${text.slice(hash + 1)}" is not supported; the level name "${text.slice(0, hash)}" is used`);
      text = text.slice(0, hash).trim();
    }
    const upper = text.toUpperCase();
    if (upper === 'INHERITED' || upper === 'NULL') {
      if (allowInherit) return undefined;
      warn(line, `${what} cannot inherit a level; "${text}" is ignored`);
      return null;
    }
    const level = parseLevel(text);
    if (level === undefined) {
      warn(line, `unknown level "${text}" for ${what} (use TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF or ALL); ignored`);
      return null;
    }
    return LEVEL_VALUE[level];
  };

  // --- repository threshold
  let threshold: number = LEVEL_VALUE.ALL;
  const thresholdEntry = props.byKey.get('log4j.threshold');
  if (thresholdEntry) {
    const t = levelOf(valueOf(thresholdEntry), thresholdEntry.line, 'log4j.threshold', false);
    if (typeof t === 'number') threshold = t;
  }

  // --- loggers (root first, then named ones in file order)
  const referenced: { name: string; line: number }[] = [];
  const parseLoggerValue = (entry: PropertyEntry, what: string, isRoot: boolean): { level: number | undefined | null; appenders: string[] } => {
    const value = valueOf(entry);
    const tokens = value
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    let level: number | undefined | null = null;
    // As in log4j: a value starting with "," names appenders only; otherwise the first token is the level.
    if (!value.trimStart().startsWith(',') && tokens.length > 0) level = levelOf(tokens.shift() as string, entry.line, what, !isRoot);
    // log4j attaches an appender to a logger once, however often it is named.
    const appenders = [...new Set(tokens)];
    for (const name of appenders) referenced.push({ name, line: entry.line });
    return { level, appenders };
  };

  let root: LoggerSpec & { level: number } = { level: LEVEL_VALUE.DEBUG, appenders: [], additivity: true };
  const rootEntry = props.byKey.get('log4j.rootLogger') ?? props.byKey.get('log4j.rootCategory');
  if (rootEntry) {
    const parsed = parseLoggerValue(rootEntry, 'the root logger', true);
    root = { level: typeof parsed.level === 'number' ? parsed.level : LEVEL_VALUE.DEBUG, appenders: parsed.appenders, additivity: true };
  } else {
    warnings.push(`${source}: no log4j.rootLogger line; the root logger (level DEBUG) has no appenders`);
  }
  if (props.byKey.has('log4j.rootLogger') && props.byKey.has('log4j.rootCategory')) {
    warn(props.byKey.get('log4j.rootCategory')!.line, 'log4j.rootCategory is ignored because log4j.rootLogger is set');
  }

  const loggerLevels = new Map<string, { level: number | undefined; appenders: string[] }>();
  const additivity = new Map<string, boolean>();
  const appenderEntries = new Map<string, PropertyEntry[]>();

  for (const entry of props.entries) {
    const { key } = entry;
    if (!key.startsWith('log4j.')) continue; // plain properties: only sources for ${...}
    if (key === 'log4j.rootLogger' || key === 'log4j.rootCategory' || key === 'log4j.threshold' || IGNORED_KEYS.has(key)) continue;
    const loggerPrefix = key.startsWith('log4j.logger.') ? 'log4j.logger.' : key.startsWith('log4j.category.') ? 'log4j.category.' : undefined;
    if (loggerPrefix) {
      const name = key.slice(loggerPrefix.length);
      if (name === '') {
        warn(entry.line, `"${key}" names no logger; ignored`);
        continue;
      }
      const parsed = parseLoggerValue(entry, `logger ${name}`, false);
      loggerLevels.set(name, { level: parsed.level === null ? undefined : parsed.level, appenders: parsed.appenders });
      continue;
    }
    if (key.startsWith('log4j.additivity.')) {
      const name = key.slice('log4j.additivity.'.length);
      const b = parseBoolean(valueOf(entry));
      if (b === undefined) warn(entry.line, `additivity of ${name} must be true or false, not "${entry.value}"; ignored`);
      else additivity.set(name, b);
      continue;
    }
    if (key.startsWith('log4j.appender.')) {
      const rest = key.slice('log4j.appender.'.length);
      const dot = rest.indexOf('.');
      const name = dot < 0 ? rest : rest.slice(0, dot);
      const list = appenderEntries.get(name) ?? [];
      list.push(entry);
      appenderEntries.set(name, list);
      continue;
    }
    warn(entry.line, `"${key}" is not supported; ignored`);
  }

  const loggers = new Map<string, LoggerSpec>();
  for (const [name, spec] of loggerLevels) {
    loggers.set(name, { level: spec.level, appenders: spec.appenders, additivity: additivity.get(name) ?? true });
  }
  for (const [name, add] of additivity) {
    if (!loggers.has(name)) loggers.set(name, { level: undefined, appenders: [], additivity: add });
  }

  // --- appenders that some logger refers to
  const appenders = new Map<string, AppenderSpec>();
  const failed = new Set<string>();
  for (const ref of referenced) {
    if (appenders.has(ref.name) || failed.has(ref.name)) continue;
    const spec = buildAppender(ref.name, ref.line, appenderEntries.get(ref.name) ?? [], valueOf, warn);
    if (spec) appenders.set(ref.name, spec);
    else failed.add(ref.name);
  }
  const keep = (names: string[]): string[] => names.filter((n) => appenders.has(n));
  root = { ...root, appenders: keep(root.appenders) };
  for (const [name, spec] of loggers) loggers.set(name, { ...spec, appenders: keep(spec.appenders) });

  return { config: { threshold, root, loggers, appenders }, warnings };
}

function buildAppender(
  name: string,
  refLine: number,
  entries: PropertyEntry[],
  valueOf: (e: PropertyEntry) => string,
  warn: (line: number, message: string) => void,
): AppenderSpec | undefined {
  const classEntry = entries.find((e) => e.key === `log4j.appender.${name}`);
  if (!classEntry) {
    warn(refLine, `appender "${name}" is not defined (no log4j.appender.${name}=<class> line); ignored`);
    return undefined;
  }
  const className = valueOf(classEntry).trim();
  const kind = APPENDER_CLASSES[className];
  if (kind === undefined) {
    warn(classEntry.line, `appender class "${className}" is not supported (supported: ${Object.keys(APPENDER_CLASSES).join(', ')}); appender ${name} is ignored`);
    return undefined;
  }

  let threshold: number = LEVEL_VALUE.ALL;
  let layoutClass: string | undefined;
  let layoutLine = classEntry.line;
  let conversionPattern: { value: string; line: number } | undefined;
  let target: 'stdout' | 'stderr' = 'stdout';
  let file: string | undefined;
  let append = true;
  let immediateFlush = true;
  let bufferedIO = false;
  let bufferSize = 8 * 1024;
  let datePatternText = DEFAULT_DATE_PATTERN;
  let datePatternLine = classEntry.line;
  let maxFileSize = 10 * 1024 * 1024;
  let maxBackupIndex = 1;
  const layoutProps: PropertyEntry[] = [];

  const prefix = `log4j.appender.${name}.`;
  for (const entry of entries) {
    if (entry === classEntry) continue;
    const sub = entry.key.slice(prefix.length);
    if (sub === 'layout') {
      layoutClass = valueOf(entry).trim();
      layoutLine = entry.line;
      continue;
    }
    if (sub.startsWith('layout.')) {
      layoutProps.push(entry);
      continue;
    }
    if (sub.startsWith('filter.') || sub === 'filter') {
      warn(entry.line, `appender filters are not supported; "${entry.key}" is ignored`);
      continue;
    }
    if (sub.toLowerCase().startsWith('errorhandler')) {
      warn(entry.line, `appender error handlers are not supported; "${entry.key}" is ignored`);
      continue;
    }
    const prop = sub.charAt(0).toLowerCase() + sub.slice(1);
    if (!APPENDER_PROPERTIES[kind].includes(prop)) {
      warn(entry.line, `${className} has no property "${sub}"; ignored`);
      continue;
    }
    const value = valueOf(entry);
    const badValue = (expected: string): void => warn(entry.line, `${entry.key} must be ${expected}, not "${value}"; ignored`);
    switch (prop) {
      case 'threshold': {
        const level = parseLevel(value);
        if (level === undefined) badValue('a level (TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF or ALL)');
        else threshold = LEVEL_VALUE[level];
        break;
      }
      case 'encoding':
        if (!/^utf-?8$/i.test(value.trim())) warn(entry.line, `encoding "${value.trim()}" is not supported (only UTF-8); UTF-8 is used`);
        break;
      case 'immediateFlush': {
        const b = parseBoolean(value);
        if (b === undefined) badValue('true or false');
        else immediateFlush = b;
        break;
      }
      case 'target': {
        const t = value.trim();
        if (/^system\.out$/i.test(t)) target = 'stdout';
        else if (/^system\.err$/i.test(t)) target = 'stderr';
        else warn(entry.line, `${entry.key} must be System.out or System.err, not "${value}"; System.out is used`);
        break;
      }
      case 'follow':
        // Java's System.setOut re-targeting does not exist here; the appender always writes to the live stream.
        if (parseBoolean(value) === undefined) badValue('true or false');
        break;
      case 'file':
        file = value.trim();
        break;
      case 'append': {
        const b = parseBoolean(value);
        if (b === undefined) badValue('true or false');
        else append = b;
        break;
      }
      case 'bufferedIO': {
        const b = parseBoolean(value);
        if (b === undefined) badValue('true or false');
        else bufferedIO = b;
        break;
      }
      case 'bufferSize': {
        const n = parseWholeNumber(value);
        if (n === undefined || n <= 0) badValue('a positive whole number of bytes');
        else bufferSize = n;
        break;
      }
      case 'datePattern':
        datePatternText = value;
        datePatternLine = entry.line;
        break;
      case 'maxFileSize': {
        const n = parseFileSize(value);
        if (n === undefined || n <= 0) badValue('a size such as 10485760, 512KB, 100MB or 1GB');
        else maxFileSize = n;
        break;
      }
      case 'maxBackupIndex': {
        const n = parseWholeNumber(value);
        if (n === undefined) badValue('a whole number');
        else maxBackupIndex = n;
        break;
      }
    }
  }
  // log4j: BufferedIO turns ImmediateFlush off.
  if (bufferedIO) immediateFlush = false;

  // --- layout
  let pattern = '%m%n';
  if (kind !== 'null') {
    if (layoutClass === undefined) {
      warn(classEntry.line, `appender ${name} has no layout (log4j.appender.${name}.layout); PatternLayout "%m%n" is used`);
    } else if (!(layoutClass in LAYOUT_CLASSES)) {
      warn(layoutLine, `layout class "${layoutClass}" is not supported (supported: ${Object.keys(LAYOUT_CLASSES).join(', ')}); PatternLayout "%m%n" is used`);
      layoutClass = undefined;
    } else {
      pattern = LAYOUT_CLASSES[layoutClass] ?? '%m%n';
    }
    const takesPattern = layoutClass !== undefined && LAYOUT_CLASSES[layoutClass] === null;
    for (const entry of layoutProps) {
      const prop = entry.key.slice(`${prefix}layout.`.length);
      if (takesPattern && prop.charAt(0).toLowerCase() + prop.slice(1) === 'conversionPattern') {
        conversionPattern = { value: valueOf(entry), line: entry.line };
      } else {
        warn(entry.line, `layout ${layoutClass ?? 'PatternLayout'} of appender ${name} has no supported property "${prop}"; ignored`);
      }
    }
    if (conversionPattern) pattern = conversionPattern.value;
  }
  const compiled = compilePatternLayout(pattern);
  for (const w of compiled.warnings) warn(conversionPattern?.line ?? layoutLine, w);

  // --- kind-specific checks
  let datePattern: DateFormatter = compileDatePattern(DEFAULT_DATE_PATTERN);
  let rollPeriod: RollPeriod | undefined;
  if (kind === 'daily-rolling-file') {
    try {
      datePattern = compileDatePattern(datePatternText);
    } catch (err) {
      if (!(err instanceof DatePatternError)) throw err;
      warn(datePatternLine, `DatePattern "${datePatternText}": ${err.message}; "${DEFAULT_DATE_PATTERN}" is used`);
      datePatternText = DEFAULT_DATE_PATTERN;
    }
    rollPeriod = rollPeriodOf(datePattern);
    if (rollPeriod === undefined) warn(datePatternLine, `DatePattern "${datePatternText}" does not change within a month, so ${name} never rolls`);
  }
  if (kind === 'file' || kind === 'daily-rolling-file' || kind === 'rolling-file') {
    if (file === undefined || file === '') {
      warn(classEntry.line, `appender ${name} has no File (log4j.appender.${name}.File); ignored`);
      return undefined;
    }
  }

  return {
    name,
    kind,
    line: classEntry.line,
    threshold,
    pattern,
    layout: compiled.format,
    target,
    file: file ?? '',
    append,
    immediateFlush,
    bufferSize,
    datePatternText,
    datePattern,
    rollPeriod,
    maxFileSize,
    maxBackupIndex,
  };
}

function parseBoolean(value: string): boolean | undefined {
  const t = value.trim().toLowerCase();
  return t === 'true' ? true : t === 'false' ? false : undefined;
}

function parseWholeNumber(value: string): number | undefined {
  const t = value.trim();
  return /^\d+$/.test(t) ? Number(t) : undefined;
}

/** log4j's OptionConverter.toFileSize: a number of bytes, optionally followed by KB, MB or GB (powers of 1024). */
export function parseFileSize(value: string): number | undefined {
  const m = /^(\d+)\s*(KB|MB|GB)?$/i.exec(value.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? '').toUpperCase();
  const factor = unit === 'KB' ? 1024 : unit === 'MB' ? 1024 ** 2 : unit === 'GB' ? 1024 ** 3 : 1;
  return Number(m[1]) * factor;
}
