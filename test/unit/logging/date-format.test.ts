import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDatePattern, DatePatternError } from '../../../src/logging/date-format.js';
import { nextPeriodStart, rollPeriodOf } from '../../../src/logging/appenders/daily-rolling-file.js';

const savedTz = process.env.TZ;
afterAll(() => {
  process.env.TZ = savedTz;
});

describe('compileDatePattern in UTC', () => {
  beforeAll(() => {
    process.env.TZ = 'UTC';
  });
  const t = Date.parse('2024-03-05T07:08:09.045Z'); // a Tuesday

  it.each([
    ['yyyy-MM-dd HH:mm:ss,SSS', '2024-03-05 07:08:09,045'],
    ["'.'yyyy-MM-dd-HH", '.2024-03-05-07'],
    ['dd MMM yyyy HH:mm:ss,SSS', '05 Mar 2024 07:08:09,045'],
    ['yy/M/d H:m:s.S', '24/3/5 7:8:9.45'],
    ['EEE EEEE MMMM', 'Tue Tuesday March'],
    ['hh:mm a', '07:08 AM'],
    ['k K D u G', '7 7 65 2 AD'],
    ["'it''s' hh 'o''clock' a, ''", "it's 07 o'clock AM, '"],
    ['Z X XX XXX z', '+0000 Z Z Z UTC'],
  ])('%s → %s', (pattern, expected) => {
    expect(compileDatePattern(pattern)(t)).toBe(expected);
  });

  it('rejects letters SimpleDateFormat does not know, and unterminated quotes', () => {
    expect(() => compileDatePattern('yyyy-qq')).toThrow(DatePatternError);
    expect(() => compileDatePattern("'.yyyy")).toThrow(/unterminated quote/);
  });
});

describe('compileDatePattern in a half-hour zone (local time is used)', () => {
  beforeAll(() => {
    process.env.TZ = 'Asia/Kolkata'; // +05:30, no DST
  });

  it('formats the local wall clock and the offset', () => {
    const t = Date.parse('2024-03-05T20:00:00.000Z');
    expect(compileDatePattern('yyyy-MM-dd HH:mm Z XXX X')(t)).toBe('2024-03-06 01:30 +0530 +05:30 +05');
    // utc=true (used to find the roll period) ignores the zone.
    expect(compileDatePattern('yyyy-MM-dd HH:mm')(t, true)).toBe('2024-03-05 20:00');
  });

  it('next hour starts at the local :00, which is :30 UTC', () => {
    const t = Date.parse('2024-03-05T20:10:00.000Z'); // 01:40 local
    expect(new Date(nextPeriodStart(t, 'hour')).toISOString()).toBe('2024-03-05T20:30:00.000Z');
    expect(new Date(nextPeriodStart(t, 'day')).toISOString()).toBe('2024-03-06T18:30:00.000Z');
  });
});

describe('DailyRollingFileAppender roll period (decided in GMT, like log4j)', () => {
  it.each([
    ["'.'yyyy-MM-dd-HH-mm", 'minute'],
    ["'.'yyyy-MM-dd-HH", 'hour'],
    ["'.'yyyy-MM-dd-a", 'half-day'],
    ["'.'yyyy-MM-dd", 'day'],
    ["'.'yyyy-MM-dd-EEE", 'day'],
    ["'.'yyyy-MM", 'month'],
  ])('%s rolls every %s', (pattern, period) => {
    expect(rollPeriodOf(compileDatePattern(pattern))).toBe(period);
  });

  it('a pattern that does not change within a month never rolls', () => {
    expect(rollPeriodOf(compileDatePattern("'.'yyyy"))).toBeUndefined();
  });

  it('computes next boundaries (UTC)', () => {
    const t = Date.UTC(2024, 4, 1, 13, 59, 58, 7); // Wednesday
    const iso = (p: Parameters<typeof nextPeriodStart>[1]): string => new Date(nextPeriodStart(t, p, true)).toISOString();
    expect(iso('minute')).toBe('2024-05-01T14:00:00.000Z');
    expect(iso('hour')).toBe('2024-05-01T14:00:00.000Z');
    expect(iso('half-day')).toBe('2024-05-02T00:00:00.000Z');
    expect(iso('day')).toBe('2024-05-02T00:00:00.000Z');
    expect(iso('week')).toBe('2024-05-05T00:00:00.000Z'); // Sunday
    expect(iso('month')).toBe('2024-06-01T00:00:00.000Z');
    expect(new Date(nextPeriodStart(Date.UTC(2024, 4, 1, 9), 'half-day', true)).toISOString()).toBe('2024-05-01T12:00:00.000Z');
  });
});
