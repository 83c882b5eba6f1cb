/**
 * org.apache.log4j.DailyRollingFileAppender, with log4j 1.2's exact naming and timing:
 * - The roll period (minute, hour, half day, day, week, month) is the smallest unit whose step changes the
 *   formatted `DatePattern` (default `'.'yyyy-MM-dd`), decided in GMT from the epoch, as log4j does.
 * - A roll happens only when an event arrives at or after the next period boundary (local time). The current
 *   file is then renamed to `File` + DatePattern formatted at the time the file was *started* (for a file that
 *   already had content, its last-modified time), and a fresh `File` is opened. E.g. DatePattern
 *   `'.'yyyy-MM-dd-HH`: server.log → server.log.2024-05-01-13 on the first event after 14:00.
 * - No old files are deleted (log4j 1.2 never does).
 * The clock is injected (via the event times), so tests roll deterministically.
 */
import { renameSync, rmSync, statSync } from 'node:fs';
import type { DateFormatter } from '../date-format.js';
import { FileAppender, type FileAppenderOptions } from './file.js';

export type RollPeriod = 'minute' | 'hour' | 'half-day' | 'day' | 'week' | 'month';
const PERIODS: RollPeriod[] = ['minute', 'hour', 'half-day', 'day', 'week', 'month'];

/** Start of the next period after `ms` (Sunday starts a week, as in Java's default en_US locale). */
export function nextPeriodStart(ms: number, period: RollPeriod, utc = false): number {
  const d = new Date(ms);
  const y = utc ? d.getUTCFullYear() : d.getFullYear();
  const mo = utc ? d.getUTCMonth() : d.getMonth();
  const day = utc ? d.getUTCDate() : d.getDate();
  const h = utc ? d.getUTCHours() : d.getHours();
  const mi = utc ? d.getUTCMinutes() : d.getMinutes();
  const wd = utc ? d.getUTCDay() : d.getDay();
  const make = (yy: number, mm: number, dd: number, hh: number, mn: number): number =>
    utc ? Date.UTC(yy, mm, dd, hh, mn) : new Date(yy, mm, dd, hh, mn).getTime();
  switch (period) {
    case 'minute':
      return make(y, mo, day, h, mi + 1);
    case 'hour':
      return make(y, mo, day, h + 1, 0);
    case 'half-day':
      return h < 12 ? make(y, mo, day, 12, 0) : make(y, mo, day + 1, 0, 0);
    case 'day':
      return make(y, mo, day + 1, 0, 0);
    case 'week':
      return make(y, mo, day - wd + 7, 0, 0);
    case 'month':
      return make(y, mo + 1, 1, 0, 0);
  }
}

/** The roll period a DatePattern implies, or undefined when it does not change within a month (never rolls). */
export function rollPeriodOf(format: DateFormatter): RollPeriod | undefined {
  const r0 = format(0, true);
  for (const period of PERIODS) {
    if (format(nextPeriodStart(0, period, true), true) !== r0) return period;
  }
  return undefined;
}

export interface DailyRollingFileAppenderOptions extends FileAppenderOptions {
  datePattern: DateFormatter;
  period: RollPeriod | undefined;
}

export class DailyRollingFileAppender extends FileAppender {
  private readonly datePattern: DateFormatter;
  private readonly period: RollPeriod | undefined;
  private scheduledFilename = '';
  private nextCheck = Number.POSITIVE_INFINITY;

  constructor(options: DailyRollingFileAppenderOptions) {
    super(options);
    this.datePattern = options.datePattern;
    this.period = options.period;
  }

  override activate(now: number): string | undefined {
    let startedAt = now;
    if (this.appendMode) {
      try {
        const st = statSync(this.file);
        if (st.size > 0) startedAt = st.mtimeMs;
      } catch {
        // No file yet: it starts now.
      }
    }
    const problem = super.activate(now);
    if (problem !== undefined) return problem;
    this.scheduledFilename = this.file + this.datePattern(startedAt);
    if (this.period !== undefined) this.nextCheck = nextPeriodStart(now, this.period);
    return undefined;
  }

  protected override beforeWrite(time: number): void {
    if (time < this.nextCheck || this.period === undefined) return;
    this.nextCheck = nextPeriodStart(time, this.period);
    this.rollOver(time);
  }

  private rollOver(time: number): void {
    const datedFilename = this.file + this.datePattern(time);
    // Still inside the period the file was started in (e.g. the clock went back): keep writing.
    if (datedFilename === this.scheduledFilename) return;
    this.flush();
    this.closeFile();
    try {
      rmSync(this.scheduledFilename, { force: true });
      renameSync(this.file, this.scheduledFilename);
    } catch (err) {
      this.report(`appender ${this.name}: cannot rename ${this.file} to ${this.scheduledFilename}: ${(err as Error).message}`);
    }
    const problem = this.openFile(true);
    if (problem !== undefined) this.report(`appender ${this.name}: ${problem}`);
    this.scheduledFilename = datedFilename;
  }
}
