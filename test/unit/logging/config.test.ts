import { describe, expect, it } from 'vitest';
import { translateLog4jProperties } from '../../../src/logging/config.js';
import { LEVEL_VALUE } from '../../../src/logging/levels.js';

const translate = (lines: string[], options: Parameters<typeof translateLog4jProperties>[1] = {}) =>
  translateLog4jProperties(lines.join('\n'), options);

const console = (name: string, extra: string[] = []): string[] => [
  `log4j.appender.${name}=org.apache.log4j.ConsoleAppender`,
  `log4j.appender.${name}.layout=org.apache.log4j.PatternLayout`,
  `log4j.appender.${name}.layout.ConversionPattern=%p %m%n`,
  ...extra,
];

describe('translateLog4jProperties', () => {
  it('root and named loggers, levels, appenders and additivity', () => {
    const { config, warnings } = translate([
      'log4j.rootLogger=warn, A',
      ...console('A'),
      'log4j.logger.kafka=DEBUG',
      'log4j.logger.kafka.request.logger=TRACE, A',
      'log4j.additivity.kafka.request.logger=false',
      'log4j.category.legacy=ERROR',
      'log4j.logger.inherits=INHERITED, A',
      'log4j.logger.only.appenders=, A',
      'log4j.additivity.no.level=false',
      'log4j.threshold=INFO',
    ]);
    expect(warnings).toEqual([]);
    expect(config.threshold).toBe(LEVEL_VALUE.INFO);
    expect(config.root).toEqual({ level: LEVEL_VALUE.WARN, appenders: ['A'], additivity: true });
    expect(Object.fromEntries(config.loggers)).toEqual({
      kafka: { level: LEVEL_VALUE.DEBUG, appenders: [], additivity: true },
      'kafka.request.logger': { level: LEVEL_VALUE.TRACE, appenders: ['A'], additivity: false },
      legacy: { level: LEVEL_VALUE.ERROR, appenders: [], additivity: true },
      inherits: { level: undefined, appenders: ['A'], additivity: true },
      'only.appenders': { level: undefined, appenders: ['A'], additivity: true },
      'no.level': { level: undefined, appenders: [], additivity: false },
    });
    expect([...config.appenders.keys()]).toEqual(['A']);
  });

  it('substitutes ${...} from vars, then the environment, then the file itself, recursively', () => {
    const fileAppender = (name: string, file: string): string[] => [
      `log4j.appender.${name}=org.apache.log4j.FileAppender`,
      `log4j.appender.${name}.File=${file}`,
      `log4j.appender.${name}.layout=org.apache.log4j.SimpleLayout`,
    ];
    const { config, warnings } = translate(
      [
        'kafka.logs.dir=/from/file',
        'base=/b',
        'nested=${base}/n',
        'log4j.rootLogger=INFO, V, E, F, N',
        ...fileAppender('V', '${kafka.logs.dir}/v.log'),
        ...fileAppender('E', '${only.env}/e.log'),
        ...fileAppender('F', '${base}/f.log'),
        ...fileAppender('N', '${nested}/x.log'),
      ],
      { vars: { 'kafka.logs.dir': '/from/vars' }, env: { 'kafka.logs.dir': '/from/env', 'only.env': '/env', base: '/env-base' } },
    );
    expect(warnings).toEqual([]);
    expect([...config.appenders.values()].map((a) => a.file)).toEqual(['/from/vars/v.log', '/env/e.log', '/env-base/f.log', '/env-base/n/x.log']);
  });

  it('an undefined or cyclic variable becomes "" with a warning naming the line', () => {
    const { config, warnings } = translate(['a=${b}', 'b=${a}', 'log4j.rootLogger=INFO, F', ...console('F'), 'log4j.appender.F.Target=${missing}System.err${a}']);
    expect(config.appenders.get('F')?.target).toBe('stderr');
    expect(warnings[0]).toBe(
      'log4j.properties line 7: ${missing} is not defined (pass it as a variable, set it in the environment or define it in this file); it was replaced by ""',
    );
    expect(warnings[1]).toMatch(/^log4j\.properties line 7: \$\{[ab]\} refers to itself/);
    expect(warnings).toHaveLength(2);
  });

  it('appender properties: Threshold, Target, Append, ImmediateFlush, BufferedIO, sizes, DatePattern', () => {
    const { config, warnings } = translate([
      'log4j.rootLogger=INFO, C, R, D',
      ...console('C', ['log4j.appender.C.Target=System.err', 'log4j.appender.C.Threshold=error', 'log4j.appender.C.Follow=true', 'log4j.appender.C.Encoding=UTF-8']),
      'log4j.appender.R=org.apache.log4j.RollingFileAppender',
      'log4j.appender.R.file=/tmp/r.log',
      'log4j.appender.R.MaxFileSize=512KB',
      'log4j.appender.R.MaxBackupIndex=7',
      'log4j.appender.R.Append=false',
      'log4j.appender.R.BufferedIO=true',
      'log4j.appender.R.BufferSize=1024',
      'log4j.appender.R.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.D=org.apache.log4j.DailyRollingFileAppender',
      'log4j.appender.D.File=/tmp/d.log',
      'log4j.appender.D.ImmediateFlush=false',
      'log4j.appender.D.layout=org.apache.log4j.TTCCLayout',
    ]);
    expect(warnings).toEqual([]);
    const c = config.appenders.get('C')!;
    expect([c.kind, c.target, c.threshold, c.pattern]).toEqual(['console', 'stderr', LEVEL_VALUE.ERROR, '%p %m%n']);
    const r = config.appenders.get('R')!;
    expect([r.kind, r.file, r.maxFileSize, r.maxBackupIndex, r.append, r.immediateFlush, r.bufferSize, r.pattern]).toEqual([
      'rolling-file',
      '/tmp/r.log',
      512 * 1024,
      7,
      false,
      false, // BufferedIO turns ImmediateFlush off, as in log4j
      1024,
      '%m%n',
    ]);
    const d = config.appenders.get('D')!;
    expect([d.kind, d.datePatternText, d.rollPeriod, d.immediateFlush, d.maxFileSize, d.maxBackupIndex, d.pattern]).toEqual([
      'daily-rolling-file',
      "'.'yyyy-MM-dd",
      'day',
      false,
      10 * 1024 * 1024,
      1,
      '%r [%t] %p %c - %m%n',
    ]);
  });

  it('every unsupported or wrong setting is a warning naming its line, and the rest still works', () => {
    const { config, warnings } = translate(
      [
        'log4j.rootLogger=INFO, C, missing, Smtp, NoFile', // 1
        ...console('C'), // 2-4
        'log4j.appender.C.Encoding=ISO-8859-1', // 5
        'log4j.appender.C.Threshold=LOUD', // 6
        'log4j.appender.C.ImmediateFlush=yes', // 7
        'log4j.appender.C.Target=System.in', // 8
        'log4j.appender.C.MaxFileSize=1MB', // 9
        'log4j.appender.C.filter.1=org.apache.log4j.varia.LevelRangeFilter', // 10
        'log4j.appender.C.layout.LocationInfo=true', // 11
        'log4j.appender.Smtp=org.apache.log4j.net.SMTPAppender', // 12
        'log4j.appender.NoFile=org.apache.log4j.FileAppender', // 13
        'log4j.appender.NoFile.layout=org.apache.log4j.xml.XMLLayout', // 14
        'log4j.logger.kafka=VERBOSE', // 15
        'log4j.additivity.kafka=maybe', // 16
        'log4j.renderer.Foo=Bar', // 17
        'log4j.logger.custom=INFO#org.example.MyLevel', // 18
        'log4j.appender.R=org.apache.log4j.RollingFileAppender', // 19 (not referenced: never looked at)
        'log4j.appender.R.Bogus=1', // 20
      ],
      { source: 'conf/log4j.properties' },
    );
    expect(warnings).toEqual([
      'conf/log4j.properties line 15: unknown level "VERBOSE" for logger kafka (use TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF or ALL); ignored',
      'conf/log4j.properties line 16: additivity of kafka must be true or false, not "maybe"; ignored',
      'conf/log4j.properties line 17: "log4j.renderer.Foo" is not supported; ignored',
      'conf/log4j.properties line 18: custom level class "org.example.MyLevel" is not supported; the level name "INFO" is used',
      'conf/log4j.properties line 5: encoding "ISO-8859-1" is not supported (only UTF-8); UTF-8 is used',
      'conf/log4j.properties line 6: log4j.appender.C.Threshold must be a level (TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF or ALL), not "LOUD"; ignored',
      'conf/log4j.properties line 7: log4j.appender.C.ImmediateFlush must be true or false, not "yes"; ignored',
      'conf/log4j.properties line 8: log4j.appender.C.Target must be System.out or System.err, not "System.in"; System.out is used',
      'conf/log4j.properties line 9: org.apache.log4j.ConsoleAppender has no property "MaxFileSize"; ignored',
      'conf/log4j.properties line 10: appender filters are not supported; "log4j.appender.C.filter.1" is ignored',
      'conf/log4j.properties line 11: layout org.apache.log4j.PatternLayout of appender C has no supported property "LocationInfo"; ignored',
      'conf/log4j.properties line 1: appender "missing" is not defined (no log4j.appender.missing=<class> line); ignored',
      'conf/log4j.properties line 12: appender class "org.apache.log4j.net.SMTPAppender" is not supported (supported: org.apache.log4j.ConsoleAppender, org.apache.log4j.FileAppender, org.apache.log4j.DailyRollingFileAppender, org.apache.log4j.RollingFileAppender, org.apache.log4j.varia.NullAppender); appender Smtp is ignored',
      'conf/log4j.properties line 14: layout class "org.apache.log4j.xml.XMLLayout" is not supported (supported: org.apache.log4j.PatternLayout, org.apache.log4j.EnhancedPatternLayout, org.apache.log4j.SimpleLayout, org.apache.log4j.TTCCLayout); PatternLayout "%m%n" is used',
      'conf/log4j.properties line 13: appender NoFile has no File (log4j.appender.NoFile.File); ignored',
    ]);
    expect(config.root.appenders).toEqual(['C']);
    expect(config.appenders.get('C')?.target).toBe('stdout');
    expect(config.loggers.get('kafka')).toEqual({ level: undefined, appenders: [], additivity: true });
    expect(config.loggers.get('custom')?.level).toBe(LEVEL_VALUE.INFO);
  });

  it('an appender named twice for one logger is attached once (as in log4j)', () => {
    const { config } = translate(['log4j.rootLogger=INFO, A, A', ...console('A'), 'log4j.logger.x=DEBUG,A,,A']);
    expect(config.root.appenders).toEqual(['A']);
    expect(config.loggers.get('x')?.appenders).toEqual(['A']);
  });

  it('no rootLogger: root keeps log4j default DEBUG with no appenders, and says so', () => {
    const { config, warnings } = translate(['log4j.logger.kafka=INFO']);
    expect(config.root).toEqual({ level: LEVEL_VALUE.DEBUG, appenders: [], additivity: true });
    expect(warnings).toEqual(['log4j.properties: no log4j.rootLogger line; the root logger (level DEBUG) has no appenders']);
  });

  it('root cannot inherit; MaxFileSize and DatePattern errors are warnings', () => {
    const { config, warnings } = translate([
      'log4j.rootLogger=INHERITED, R, D',
      'log4j.appender.R=org.apache.log4j.RollingFileAppender',
      'log4j.appender.R.File=/tmp/x',
      'log4j.appender.R.MaxFileSize=ten megabytes',
      'log4j.appender.R.layout=org.apache.log4j.SimpleLayout',
      'log4j.appender.D=org.apache.log4j.DailyRollingFileAppender',
      'log4j.appender.D.File=/tmp/y',
      "log4j.appender.D.DatePattern='.'yyyy",
      'log4j.appender.D.layout=org.apache.log4j.SimpleLayout',
    ]);
    expect(config.root.level).toBe(LEVEL_VALUE.DEBUG);
    expect(config.appenders.get('R')?.maxFileSize).toBe(10 * 1024 * 1024);
    expect(warnings).toEqual([
      'log4j.properties line 1: the root logger cannot inherit a level; "INHERITED" is ignored',
      'log4j.properties line 4: log4j.appender.R.MaxFileSize must be a size such as 10485760, 512KB, 100MB or 1GB, not "ten megabytes"; ignored',
      `log4j.properties line 8: DatePattern "'.'yyyy" does not change within a month, so D never rolls`,
    ]);
  });
});
