import { beforeAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../../src/logging/event.js';
import { LEVEL_VALUE } from '../../../src/logging/levels.js';
import { compilePatternLayout } from '../../../src/logging/pattern-layout.js';

beforeAll(() => {
  process.env.TZ = 'UTC';
});

const event: LogEvent = {
  time: Date.parse('2024-05-01T13:04:05.006Z'),
  level: LEVEL_VALUE.WARN,
  loggerName: 'kafka.server.ReplicaManager',
  message: 'hello',
  thread: 'main',
  error: undefined,
  elapsed: 1234,
};
const fmt = (pattern: string, e: LogEvent = event): string => compilePatternLayout(pattern).format(e);

describe('PatternLayout', () => {
  it("Kafka's pattern", () => {
    expect(fmt('[%d] %p %m (%c)%n')).toBe('[2024-05-01 13:04:05,006] WARN hello (kafka.server.ReplicaManager)\n');
  });

  it.each([
    ['%d{ISO8601}', '2024-05-01 13:04:05,006'],
    ['%d{ABSOLUTE}', '13:04:05,006'],
    ['%d{DATE}', '01 May 2024 13:04:05,006'],
    ['%d{yyyy-MM-dd HH:mm:ss,SSS}', '2024-05-01 13:04:05,006'],
    ['%d{HH:mm}', '13:04'],
    ['%c{1}', 'ReplicaManager'],
    ['%c{2}', 'server.ReplicaManager'],
    ['%c{9}', 'kafka.server.ReplicaManager'],
    ['%-5p|', 'WARN |'],
    ['%5p|', ' WARN|'],
    ['%.3c', 'ger'], // log4j 1.2 truncates from the left
    ['%-10.4m|', 'ello|'], // truncated, so not padded (log4j 1.2)
    ['%-10.8m|', 'hello     |'],
    ['[%t] %r ms', '[main] 1234 ms'],
    ['100%% %m', '100% hello'],
    ['%x%X{user}|', '|'],
    ['%m{notAnOption}', 'hello{notAnOption}'],
    ['trailing %', 'trailing %'],
  ])('%s → %s', (pattern, expected) => {
    expect(fmt(pattern)).toBe(expected);
  });

  it('pads every level the same way', () => {
    const levels = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
    expect(levels.map((l) => fmt('%-5p|', { ...event, level: LEVEL_VALUE[l] }))).toEqual([
      'TRACE|',
      'DEBUG|',
      'INFO |',
      'WARN |',
      'ERROR|',
      'FATAL|',
    ]);
  });

  it('warns about location conversions and unknown characters instead of failing', () => {
    const layout = compilePatternLayout('%L %q %m');
    expect(layout.format(event)).toBe('? %q hello');
    expect(layout.warnings).toEqual([
      'conversion pattern "%L %q %m": %L (caller location) is not supported; it prints "?"',
      "conversion pattern \"%L %q %m\": unknown conversion character 'q' at position 4; printed as text",
    ]);
  });

  it('a bad date pattern falls back to ISO8601 with a warning', () => {
    const layout = compilePatternLayout('%d{yyyy-qq}');
    expect(layout.format(event)).toBe('2024-05-01 13:04:05,006');
    expect(layout.warnings[0]).toMatch(/date pattern "%d\{yyyy-qq\}": illegal pattern character 'q'; ISO8601 is used instead/);
  });

  it('a bad %c precision prints the full name with a warning', () => {
    const layout = compilePatternLayout('%c{x}');
    expect(layout.format(event)).toBe('kafka.server.ReplicaManager');
    expect(layout.warnings).toHaveLength(1);
  });
});
