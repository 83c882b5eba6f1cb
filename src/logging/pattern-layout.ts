/**
 * log4j 1.2 PatternLayout: `%[-][min][.max]<conversion>[{option}]`. Supported conversions: `c` (`{N}` keeps
 * the last N name parts), `d` (no option or `{ISO8601}` = `yyyy-MM-dd HH:mm:ss,SSS`, `{ABSOLUTE}`, `{DATE}`,
 * or any SimpleDateFormat pattern), `m`, `n`, `p`, `r`, `t`, `x` and `X` (always empty: there is no NDC/MDC),
 * `%%`. The location conversions `C F l L M` print `?` (log4j's value when location is unknown) with a warning.
 * As in log4j 1.2, `.max` truncates from the left (keeps the end), and only `c C d X` take a `{...}` option —
 * after any other conversion the braces are plain text.
 */
import { compileDatePattern, DatePatternError, NAMED_DATE_PATTERNS } from './date-format.js';
import type { LogEvent } from './event.js';
import { levelName } from './levels.js';

export type Layout = (event: LogEvent) => string;

export interface CompiledLayout {
  readonly format: Layout;
  readonly warnings: string[];
}

type Converter = (event: LogEvent) => string;

const LEVEL_NAMES = new Map<number, string>();
function cachedLevelName(level: number): string {
  let name = LEVEL_NAMES.get(level);
  if (name === undefined) {
    name = levelName(level);
    LEVEL_NAMES.set(level, name);
  }
  return name;
}

export function compilePatternLayout(pattern: string): CompiledLayout {
  const warnings: string[] = [];
  const parts: Converter[] = [];
  let literal = '';
  const flushLiteral = (): void => {
    if (literal) {
      const text = literal;
      parts.push(() => text);
      literal = '';
    }
  };

  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch !== '%') {
      literal += ch;
      i++;
      continue;
    }
    if (i + 1 >= pattern.length) {
      literal += '%';
      i++;
      continue;
    }
    if (pattern[i + 1] === '%') {
      literal += '%';
      i += 2;
      continue;
    }
    const start = i;
    i++;
    let leftAlign = false;
    if (pattern[i] === '-') {
      leftAlign = true;
      i++;
    }
    let min = 0;
    while (i < pattern.length && pattern[i] >= '0' && pattern[i] <= '9') min = min * 10 + Number(pattern[i++]);
    let max = Number.MAX_SAFE_INTEGER;
    if (pattern[i] === '.') {
      i++;
      let digits = '';
      while (i < pattern.length && pattern[i] >= '0' && pattern[i] <= '9') digits += pattern[i++];
      if (digits === '') {
        warnings.push(`conversion pattern "${pattern}": expected a digit after '.' at position ${i}; printed as text`);
        literal += pattern.slice(start, i);
        continue;
      }
      max = Number(digits);
    }
    const conv = pattern[i];
    i++;
    if (conv === undefined) {
      literal += pattern.slice(start);
      break;
    }
    let option: string | undefined;
    if ('cCdX'.includes(conv) && pattern[i] === '{') {
      const end = pattern.indexOf('}', i);
      if (end > 0) {
        option = pattern.slice(i + 1, end);
        i = end + 1;
      }
    }
    let converter: Converter | undefined;
    switch (conv) {
      case 'c': {
        converter = nameConverter(option, pattern, warnings);
        break;
      }
      case 'd': {
        converter = dateConverter(option, warnings);
        break;
      }
      case 'm':
        converter = (e) => e.message;
        break;
      case 'n':
        converter = () => '\n';
        break;
      case 'p':
        converter = (e) => cachedLevelName(e.level);
        break;
      case 'r':
        converter = (e) => String(e.elapsed);
        break;
      case 't':
        converter = (e) => e.thread;
        break;
      case 'x':
      case 'X':
        converter = () => '';
        break;
      case 'C':
      case 'F':
      case 'l':
      case 'L':
      case 'M':
        warnings.push(`conversion pattern "${pattern}": %${conv} (caller location) is not supported; it prints "?"`);
        converter = () => '?';
        break;
      default:
        warnings.push(`conversion pattern "${pattern}": unknown conversion character '${conv}' at position ${i - 1}; printed as text`);
        literal += pattern.slice(start, i);
        continue;
    }
    flushLiteral();
    parts.push(min === 0 && max === Number.MAX_SAFE_INTEGER ? converter : padded(converter, leftAlign, min, max));
  }
  flushLiteral();

  const format: Layout =
    parts.length === 1
      ? parts[0]
      : (event) => {
          let out = '';
          for (const p of parts) out += p(event);
          return out;
        };
  return { format, warnings };
}

function padded(inner: Converter, leftAlign: boolean, min: number, max: number): Converter {
  // log4j 1.2 PatternConverter.format: either truncate or pad, never both (so %-12.3m gives 3 characters).
  return (e) => {
    const s = inner(e);
    if (s.length > max) return s.slice(s.length - max);
    if (s.length < min) return leftAlign ? s + ' '.repeat(min - s.length) : ' '.repeat(min - s.length) + s;
    return s;
  };
}

function nameConverter(option: string | undefined, pattern: string, warnings: string[]): Converter {
  if (option === undefined || option.trim() === '') return (e) => e.loggerName;
  const n = /^\s*\d+\s*$/.test(option) ? Number(option) : NaN;
  if (!(n > 0)) {
    warnings.push(`conversion pattern "${pattern}": %c{${option}} needs a positive whole number; the full name is printed`);
    return (e) => e.loggerName;
  }
  return (e) => {
    const name = e.loggerName;
    let end = name.length;
    for (let k = 0; k < n; k++) {
      end = name.lastIndexOf('.', end - 1);
      if (end < 0) return name;
    }
    return name.slice(end + 1);
  };
}

function dateConverter(option: string | undefined, warnings: string[]): Converter {
  const name = option === undefined || option === '' ? 'ISO8601' : option;
  const datePattern = NAMED_DATE_PATTERNS[name] ?? name;
  let fmt;
  try {
    fmt = compileDatePattern(datePattern);
  } catch (err) {
    if (!(err instanceof DatePatternError)) throw err;
    // log4j falls back to ISO8601 when SimpleDateFormat rejects the pattern.
    warnings.push(`date pattern "%d{${option}}": ${err.message}; ISO8601 is used instead`);
    fmt = compileDatePattern(NAMED_DATE_PATTERNS.ISO8601);
  }
  // Many events share a millisecond; remember the last one.
  let lastMs = NaN;
  let lastText = '';
  return (e) => {
    if (e.time !== lastMs) {
      lastText = fmt(e.time);
      lastMs = e.time;
    }
    return lastText;
  };
}
