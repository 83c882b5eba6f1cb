/**
 * The subset of Java's `SimpleDateFormat` that log4j date patterns use (`%d{...}` in PatternLayout and the
 * DailyRollingFileAppender `DatePattern`): G y Y M L d D E u a H k K h m s S z Z X, quoted text ('...') and ''
 * for a single quote. Names are English (Java's default locale on a typical server). Formatting happens in the
 * process's local time zone unless `utc` is asked for (DailyRollingFileAppender decides its roll period in GMT,
 * as log4j does).
 */
export type DateFormatter = (ms: number, utc?: boolean) => string;

export class DatePatternError extends Error {}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

interface Fields {
  year: number;
  month: number; // 0-11
  day: number;
  hour: number;
  minute: number;
  second: number;
  millis: number;
  weekday: number; // 0 = Sunday
  offsetMinutes: number; // east of UTC
  dayOfYear: number;
  utc: boolean;
  ms: number;
}

function fieldsOf(ms: number, utc: boolean): Fields {
  const d = new Date(ms);
  if (utc) {
    const startOfYear = Date.UTC(d.getUTCFullYear(), 0, 1);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth(),
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      millis: d.getUTCMilliseconds(),
      weekday: d.getUTCDay(),
      offsetMinutes: 0,
      dayOfYear: Math.floor((ms - startOfYear) / 86_400_000) + 1,
      utc,
      ms,
    };
  }
  const startOfYear = new Date(d.getFullYear(), 0, 1).getTime();
  const offsetMinutes = -d.getTimezoneOffset();
  const startOffset = -new Date(startOfYear).getTimezoneOffset();
  return {
    year: d.getFullYear(),
    month: d.getMonth(),
    day: d.getDate(),
    hour: d.getHours(),
    minute: d.getMinutes(),
    second: d.getSeconds(),
    millis: d.getMilliseconds(),
    weekday: d.getDay(),
    offsetMinutes,
    dayOfYear: Math.floor((ms - startOfYear + (offsetMinutes - startOffset) * 60_000) / 86_400_000) + 1,
    utc,
    ms,
  };
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n));
  return (n < 0 ? '-' : '') + (s.length >= width ? s : '0'.repeat(width - s.length) + s);
}

function offsetText(minutes: number, colon: boolean, hoursOnly = false): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const hh = pad(Math.floor(abs / 60), 2);
  if (hoursOnly) return sign + hh;
  return sign + hh + (colon ? ':' : '') + pad(abs % 60, 2);
}

function zoneName(f: Fields, long: boolean): string {
  if (f.utc) return long ? 'Coordinated Universal Time' : 'UTC';
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZoneName: long ? 'long' : 'short' }).formatToParts(new Date(f.ms));
    const name = parts.find((p) => p.type === 'timeZoneName')?.value;
    if (name) return name;
  } catch {
    // Intl without time zone data: fall through to the numeric form Java also uses for unnamed zones.
  }
  return 'GMT' + offsetText(f.offsetMinutes, true);
}

type Part = (f: Fields) => string;

function fieldPart(letter: string, count: number): Part {
  switch (letter) {
    case 'G':
      return (f) => (f.year > 0 ? 'AD' : 'BC');
    case 'y':
    case 'Y':
      return count === 2 ? (f) => pad(f.year % 100, 2) : (f) => pad(f.year, count);
    case 'M':
    case 'L':
      if (count >= 4) return (f) => MONTHS[f.month];
      if (count === 3) return (f) => MONTHS[f.month].slice(0, 3);
      return (f) => pad(f.month + 1, count);
    case 'd':
      return (f) => pad(f.day, count);
    case 'D':
      return (f) => pad(f.dayOfYear, count);
    case 'E':
      return count >= 4 ? (f) => DAYS[f.weekday] : (f) => DAYS[f.weekday].slice(0, 3);
    case 'u':
      return (f) => pad(f.weekday === 0 ? 7 : f.weekday, count);
    case 'a':
      return (f) => (f.hour < 12 ? 'AM' : 'PM');
    case 'H':
      return (f) => pad(f.hour, count);
    case 'k':
      return (f) => pad(f.hour === 0 ? 24 : f.hour, count);
    case 'K':
      return (f) => pad(f.hour % 12, count);
    case 'h':
      return (f) => pad(f.hour % 12 === 0 ? 12 : f.hour % 12, count);
    case 'm':
      return (f) => pad(f.minute, count);
    case 's':
      return (f) => pad(f.second, count);
    case 'S':
      return (f) => pad(f.millis, count);
    case 'z':
      return (f) => zoneName(f, count >= 4);
    case 'Z':
      return (f) => offsetText(f.offsetMinutes, false);
    case 'X':
      if (count > 3) throw new DatePatternError(`invalid ISO 8601 zone pattern "${'X'.repeat(count)}"`);
      return (f) => (f.offsetMinutes === 0 ? 'Z' : offsetText(f.offsetMinutes, count === 3, count === 1));
    default:
      throw new DatePatternError(`illegal pattern character '${letter}'`);
  }
}

/** Compiles a SimpleDateFormat pattern. Throws DatePatternError for what Java would also reject. */
export function compileDatePattern(pattern: string): DateFormatter {
  const parts: (string | Part)[] = [];
  let literal = '';
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === "'") {
      if (pattern[i + 1] === "'") {
        literal += "'";
        i += 2;
        continue;
      }
      const end = findClosingQuote(pattern, i + 1);
      if (end < 0) throw new DatePatternError(`unterminated quote in "${pattern}"`);
      literal += pattern.slice(i + 1, end).replace(/''/g, "'");
      i = end + 1;
      continue;
    }
    if (/[a-zA-Z]/.test(ch)) {
      let count = 1;
      while (pattern[i + count] === ch) count++;
      if (literal) {
        parts.push(literal);
        literal = '';
      }
      parts.push(fieldPart(ch, count));
      i += count;
      continue;
    }
    literal += ch;
    i++;
  }
  if (literal) parts.push(literal);
  return (ms: number, utc = false) => {
    const f = fieldsOf(ms, utc);
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : p(f);
    return out;
  };
}

function findClosingQuote(pattern: string, from: number): number {
  let j = from;
  while (j < pattern.length) {
    if (pattern[j] === "'") {
      if (pattern[j + 1] === "'") {
        j += 2;
        continue;
      }
      return j;
    }
    j++;
  }
  return -1;
}

/** log4j's named date formats for `%d{NAME}`. */
export const NAMED_DATE_PATTERNS: Record<string, string> = {
  ISO8601: 'yyyy-MM-dd HH:mm:ss,SSS',
  ABSOLUTE: 'HH:mm:ss,SSS',
  DATE: 'dd MMM yyyy HH:mm:ss,SSS',
};
