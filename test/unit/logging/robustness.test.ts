/** Bad input never crashes: arbitrary log4j-ish text becomes a configuration plus warnings. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { translateLog4jProperties } from '../../../src/logging/config.js';
import { compileDatePattern, DatePatternError } from '../../../src/logging/date-format.js';
import { compilePatternLayout } from '../../../src/logging/pattern-layout.js';
import { LEVEL_VALUE } from '../../../src/logging/levels.js';

const pieces = [
  'log4j.rootLogger', 'log4j.logger.kafka', 'log4j.additivity.kafka', 'log4j.appender.A', 'log4j.appender.A.File',
  'log4j.appender.A.layout', 'log4j.appender.A.layout.ConversionPattern', 'log4j.appender.A.DatePattern',
  'log4j.appender.A.MaxFileSize', 'log4j.appender.A.MaxBackupIndex', 'log4j.appender.A.Threshold', 'log4j.threshold',
  'org.apache.log4j.DailyRollingFileAppender', 'org.apache.log4j.RollingFileAppender', 'org.apache.log4j.ConsoleAppender',
  'org.apache.log4j.PatternLayout', 'INFO', 'DEBUG', 'OFF', 'A', ',', '=', ':', ' ', '\\', '\n', '#', '${', '}', '${x}',
  "'", '%', '%d{', '%-5p', '%c{', '%.', 'yyyy', '\\u', '100KB', '-1', 'true', 'x',
];
const text = fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 4 })), { maxLength: 60 }).map((a) => a.join(''));

describe('robustness', () => {
  it('translateLog4jProperties never throws and always yields a usable configuration', () => {
    fc.assert(
      fc.property(text, (input) => {
        const { config, warnings } = translateLog4jProperties(input, { vars: { x: '${x}' }, env: {} });
        expect(warnings.every((w) => typeof w === 'string' && w.startsWith('log4j.properties'))).toBe(true);
        expect(Number.isFinite(config.root.level) || config.root.level === LEVEL_VALUE.OFF).toBe(true);
        for (const name of config.root.appenders) expect(config.appenders.has(name)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('PatternLayout and date patterns: warnings or DatePatternError, nothing else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (pattern) => {
        const layout = compilePatternLayout(pattern);
        const out = layout.format({ time: 0, level: LEVEL_VALUE.INFO, loggerName: 'a.b', message: 'm', thread: 'main', error: undefined, elapsed: 0 });
        expect(typeof out).toBe('string');
        try {
          expect(typeof compileDatePattern(pattern)(0)).toBe('string');
        } catch (err) {
          expect(err).toBeInstanceOf(DatePatternError);
        }
      }),
      { numRuns: 400 },
    );
  });
});
