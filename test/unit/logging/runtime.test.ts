/** The live hierarchy: levels, additivity, thresholds, buffering, reconfiguration, failures that must not crash. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureLogging, configureLoggingFromFile, flushLogging, getLogger, shutdownLogging } from '../../../src/logging/index.js';
import { Capture, files, read, tempDir, TestClock } from './helpers.js';

beforeAll(() => {
  process.env.TZ = 'UTC';
});

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(async () => {
  await shutdownLogging();
  cleanup();
});

const T0 = Date.parse('2024-05-01T13:00:00.000Z');
const consoleAppender = (name: string, pattern = '%p %c %m%n', extra: string[] = []): string[] => [
  `log4j.appender.${name}=org.apache.log4j.ConsoleAppender`,
  `log4j.appender.${name}.layout=org.apache.log4j.PatternLayout`,
  `log4j.appender.${name}.layout.ConversionPattern=${pattern}`,
  ...extra,
];

describe('logger hierarchy', () => {
  it('levels inherit along dotted names; additivity stops at the logger that says false', () => {
    const out = new Capture();
    const err = new Capture();
    const { warnings } = configureLogging(
      [
        'log4j.rootLogger=WARN, OUT',
        ...consoleAppender('OUT'),
        ...consoleAppender('ERR', '%p %c %m%n', ['log4j.appender.ERR.Target=System.err']),
        'log4j.logger.a=DEBUG, ERR',
        'log4j.logger.a.b.c=ERROR',
        'log4j.logger.a.x=INFO, ERR',
        'log4j.additivity.a.x=false',
        'log4j.logger.off=OFF',
      ].join('\n'),
      { streams: { stdout: out, stderr: err }, clock: () => new Date(T0) },
    );
    expect(warnings).toEqual([]);
    getLogger('zzz').info('root is WARN'); // dropped
    getLogger('zzz').warn('w');
    getLogger('a.b').debug('inherits DEBUG from a');
    getLogger('a.b.c.d').warn('a.b.c is ERROR'); // dropped
    getLogger('a.b.c.d').error('e');
    getLogger('a.x.y').info('not additive');
    getLogger('off').fatal('never');
    expect(out.text).toBe('WARN zzz w\nDEBUG a.b inherits DEBUG from a\nERROR a.b.c.d e\n');
    expect(err.text).toBe('DEBUG a.b inherits DEBUG from a\nERROR a.b.c.d e\nINFO a.x.y not additive\n');
    expect(getLogger('a.b').isEnabled('DEBUG')).toBe(true);
    expect(getLogger('a.b').isEnabled('TRACE')).toBe(false);
    expect(getLogger('off').isEnabled('FATAL')).toBe(false);
    expect(getLogger('zzz').isEnabled('OFF')).toBe(false);
    expect(getLogger('a.b')).toBe(getLogger('a.b'));
  });

  it('log4j.threshold and appender Threshold filter events', () => {
    const out = new Capture();
    configureLogging(
      ['log4j.threshold=INFO', 'log4j.rootLogger=TRACE, A, B', ...consoleAppender('A', 'A %p%n'), ...consoleAppender('B', 'B %p%n', ['log4j.appender.B.Threshold=ERROR'])].join('\n'),
      { streams: { stdout: out } },
    );
    const log = getLogger('t');
    expect(log.isEnabled('DEBUG')).toBe(false);
    log.debug('x');
    log.info('x');
    log.error('x');
    expect(out.text).toBe('A INFO\nA ERROR\nB ERROR\n');
  });

  it('reconfiguring invalidates cached levels of loggers created earlier', () => {
    const out = new Capture();
    const log = getLogger('kafka.server.KafkaApis');
    configureLogging(['log4j.rootLogger=INFO, A', ...consoleAppender('A', '%p %m%n')].join('\n'), { streams: { stdout: out } });
    expect(log.isEnabled('DEBUG')).toBe(false);
    log.debug('before');
    configureLogging(['log4j.rootLogger=INFO, A', ...consoleAppender('A', '%p %m%n'), 'log4j.logger.kafka.server=DEBUG'].join('\n'), { streams: { stdout: out } });
    expect(log.isEnabled('DEBUG')).toBe(true);
    log.debug('after');
    expect(out.text).toBe('DEBUG after\n');
  });

  it('prints the error stack (and causes) on the lines after the message', () => {
    const out = new Capture();
    configureLogging(['log4j.rootLogger=INFO, A', ...consoleAppender('A', '[%p] %m%n')].join('\n'), { streams: { stdout: out } });
    const cause = new Error('disk full');
    cause.stack = 'Error: disk full\n    at write (log.ts:1:1)';
    const err = new Error('append failed', { cause });
    err.stack = 'Error: append failed\n    at append (partition.ts:9:9)';
    getLogger('x').error('Error while appending', err);
    getLogger('x').warn('not an Error', { code: 42 });
    getLogger('x').info('after');
    expect(out.text).toBe(
      '[ERROR] Error while appending\nError: append failed\n    at append (partition.ts:9:9)\n' +
        'Caused by: Error: disk full\n    at write (log.ts:1:1)\n' +
        '[WARN] not an Error\n{ code: 42 }\n' +
        '[INFO] after\n',
    );
  });

  it('shutdownLogging waits for a console stream with queued output to drain', async () => {
    const stream = new PassThrough({ highWaterMark: 8 });
    configureLogging(['log4j.rootLogger=INFO, A', ...consoleAppender('A', '%m%n')].join('\n'), { streams: { stdout: stream } });
    getLogger('x').info('more than eight bytes');
    expect(stream.writableNeedDrain).toBe(true);
    let done = false;
    const shutdown = shutdownLogging().then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    expect(String(stream.read())).toBe('more than eight bytes\n');
    await shutdown;
    expect(done).toBe(true);
  });

  it('a disabled debug() is nearly free', () => {
    configureLogging(['log4j.rootLogger=INFO, A', ...consoleAppender('A')].join('\n'), { streams: { stdout: new Capture() } });
    const log = getLogger('kafka.network.Processor');
    const start = performance.now();
    for (let i = 0; i < 1_000_000; i++) log.debug('request');
    const ms = performance.now() - start;
    // Typically a few ms; the bound only catches a real regression (e.g. walking the hierarchy per call).
    expect(ms).toBeLessThan(500);
  });
});

describe('file appenders', () => {
  const fileConfig = (extra: string[] = [], kind = 'FileAppender'): string =>
    [
      'log4j.rootLogger=INFO, F',
      `log4j.appender.F=org.apache.log4j.${kind}`,
      'log4j.appender.F.File=${kafka.logs.dir}/sub/dir/app.log',
      'log4j.appender.F.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.F.layout.ConversionPattern=%p %m%n',
      ...extra,
    ].join('\n');

  it('creates parent directories, appends by default, truncates with Append=false', async () => {
    const vars = { 'kafka.logs.dir': dir };
    configureLogging(fileConfig(), { vars });
    getLogger('x').info('one');
    await shutdownLogging();
    configureLogging(fileConfig(), { vars });
    getLogger('x').info('two');
    await shutdownLogging();
    expect(read(join(dir, 'sub', 'dir'), 'app.log')).toBe('INFO one\nINFO two\n');
    configureLogging(fileConfig(['log4j.appender.F.Append=false']), { vars });
    getLogger('x').info('three');
    await shutdownLogging();
    expect(read(join(dir, 'sub', 'dir'), 'app.log')).toBe('INFO three\n');
  });

  it('ImmediateFlush writes on the next turn of the event loop; ImmediateFlush=false waits for BufferSize or a flush', async () => {
    const vars = { 'kafka.logs.dir': dir };
    const path = join(dir, 'sub', 'dir');
    configureLogging(fileConfig(), { vars });
    getLogger('x').info('a');
    expect(read(path, 'app.log')).toBe('');
    await new Promise((r) => setImmediate(r));
    expect(read(path, 'app.log')).toBe('INFO a\n');

    configureLogging(fileConfig(['log4j.appender.F.ImmediateFlush=false', 'log4j.appender.F.BufferSize=20']), { vars });
    getLogger('x').info('b');
    await new Promise((r) => setImmediate(r));
    expect(read(path, 'app.log')).toBe('INFO a\n');
    getLogger('x').info('c2345678901'); // buffer reaches 20 bytes
    expect(read(path, 'app.log')).toBe('INFO a\nINFO b\nINFO c2345678901\n');
    getLogger('x').info('d');
    flushLogging();
    expect(read(path, 'app.log')).toBe('INFO a\nINFO b\nINFO c2345678901\nINFO d\n');
  });

  it('reconfiguring flushes the old appenders first', async () => {
    const vars = { 'kafka.logs.dir': dir };
    configureLogging(fileConfig(['log4j.appender.F.ImmediateFlush=false']), { vars });
    getLogger('x').info('buffered');
    configureLogging(fileConfig(), { vars });
    getLogger('x').info('next');
    await shutdownLogging();
    expect(read(join(dir, 'sub', 'dir'), 'app.log')).toBe('INFO buffered\nINFO next\n');
  });

  it('RollingFileAppender counts an existing file toward MaxFileSize', async () => {
    writeFileSync(join(dir, 'r.log'), 'x'.repeat(95));
    configureLogging(
      ['log4j.rootLogger=INFO, R', 'log4j.appender.R=org.apache.log4j.RollingFileAppender', `log4j.appender.R.File=${dir}/r.log`, 'log4j.appender.R.MaxFileSize=100', 'log4j.appender.R.layout=org.apache.log4j.PatternLayout', 'log4j.appender.R.layout.ConversionPattern=%m%n'].join('\n'),
    );
    getLogger('x').info('12345');
    getLogger('x').info('next');
    await shutdownLogging();
    expect(files(dir)).toEqual(['r.log', 'r.log.1']);
    expect(read(dir, 'r.log.1')).toBe('x'.repeat(95) + '12345\n');
    expect(read(dir, 'r.log')).toBe('next\n');
  });

  it('RollingFileAppender with MaxBackupIndex=0 truncates instead of keeping a backup', async () => {
    configureLogging(
      ['log4j.rootLogger=INFO, R', 'log4j.appender.R=org.apache.log4j.RollingFileAppender', `log4j.appender.R.File=${dir}/r.log`, 'log4j.appender.R.MaxFileSize=10', 'log4j.appender.R.MaxBackupIndex=0', 'log4j.appender.R.layout=org.apache.log4j.PatternLayout', 'log4j.appender.R.layout.ConversionPattern=%m%n'].join('\n'),
    );
    for (const m of ['aaaaaa', 'bbbbbb', 'cc']) getLogger('x').info(m);
    await shutdownLogging();
    expect(files(dir)).toEqual(['r.log']);
    expect(read(dir, 'r.log')).toBe('cc\n');
  });

  it('DailyRollingFileAppender names an existing file by its last-modified time, like log4j', async () => {
    const path = join(dir, 'server.log');
    writeFileSync(path, 'old line\n');
    const mtime = new Date('2024-04-30T10:15:00.000Z');
    utimesSync(path, mtime, mtime);
    const clock = new TestClock(Date.parse('2024-05-01T13:10:00.000Z'));
    const config = [
      'log4j.rootLogger=INFO, D',
      'log4j.appender.D=org.apache.log4j.DailyRollingFileAppender',
      "log4j.appender.D.DatePattern='.'yyyy-MM-dd-HH",
      `log4j.appender.D.File=${path}`,
      'log4j.appender.D.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.D.layout.ConversionPattern=%d{HH:mm} %m%n',
    ].join('\n');
    configureLogging(config, { clock: clock.now });
    getLogger('x').info('same hour as start: no roll');
    clock.set('2024-05-01T14:00:05.000Z');
    getLogger('x').info('first after 14:00');
    // The clock going back inside the current period does not roll again.
    clock.set('2024-05-01T14:59:00.000Z');
    getLogger('x').info('still 14');
    await shutdownLogging();
    expect(files(dir)).toEqual(['server.log', 'server.log.2024-04-30-10']);
    expect(read(dir, 'server.log.2024-04-30-10')).toBe('old line\n13:10 same hour as start: no roll\n');
    expect(read(dir, 'server.log')).toBe('14:00 first after 14:00\n14:59 still 14\n');
  });

  it('DailyRollingFileAppender replaces a dated file that already exists', async () => {
    writeFileSync(join(dir, 'a.log.2024-05-01'), 'stale\n');
    const clock = new TestClock(Date.parse('2024-05-01T23:59:59.000Z'));
    configureLogging(
      ['log4j.rootLogger=INFO, D', 'log4j.appender.D=org.apache.log4j.DailyRollingFileAppender', `log4j.appender.D.File=${dir}/a.log`, 'log4j.appender.D.layout=org.apache.log4j.SimpleLayout'].join('\n'),
      { clock: clock.now },
    );
    getLogger('x').info('day one');
    clock.set('2024-05-02T00:00:00.000Z');
    getLogger('x').warn('day two');
    await shutdownLogging();
    expect(files(dir)).toEqual(['a.log', 'a.log.2024-05-01']);
    expect(read(dir, 'a.log.2024-05-01')).toBe('INFO - day one\n');
    expect(read(dir, 'a.log')).toBe('WARN - day two\n');
  });

  it('a file that cannot be opened is a warning; the other appenders still work', () => {
    writeFileSync(join(dir, 'not-a-dir'), '');
    const out = new Capture();
    const { warnings } = configureLogging(
      [
        'log4j.rootLogger=INFO, F, A',
        'log4j.appender.F=org.apache.log4j.FileAppender',
        `log4j.appender.F.File=${dir}/not-a-dir/x.log`,
        'log4j.appender.F.layout=org.apache.log4j.SimpleLayout',
        ...consoleAppender('A', '%m%n'),
      ].join('\n'),
      { streams: { stdout: out } },
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^log4j\\.properties line 2: cannot open ${dir}/not-a-dir/x\\.log for appender F: E[A-Z]+: .*; appender F is ignored$`));
    getLogger('x').info('still logging');
    expect(out.text).toBe('still logging\n');
  });

  it('an unreadable configuration file is a KstackError, and the old configuration stays', () => {
    const out = new Capture();
    configureLogging(['log4j.rootLogger=INFO, A', ...consoleAppender('A', '%m%n')].join('\n'), { streams: { stdout: out } });
    expect(() => configureLoggingFromFile(join(dir, 'missing.properties'))).toThrow(
      expect.objectContaining({ code: 'KSTACK_LOG4J_UNREADABLE', message: expect.stringContaining('missing.properties') }),
    );
    getLogger('x').info('unchanged');
    expect(out.text).toBe('unchanged\n');
  });
});

describe('process level (the built dist/, in a child process)', () => {
  const root = join(import.meta.dirname, '..', '..', '..');
  const distIndex = join(root, 'dist', 'logging', 'index.js');
  const run = (script: string): { stdout: string; stderr: string } => {
    try {
      const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TZ: 'UTC' } });
      return { stdout, stderr: '' };
    } catch (err) {
      throw new Error(`child failed: ${(err as { stderr?: string }).stderr ?? String(err)}`);
    }
  };

  it('before configuration: INFO and above to stderr in Kafka\'s pattern', () => {
    expect(existsSync(distIndex)).toBe(true);
    const script = `import { getLogger } from ${JSON.stringify(distIndex)};
      const log = getLogger('kafka.Kafka$');
      log.debug('hidden'); log.info('hello'); log.warn('careful');
      process.stdout.write('enabled:' + log.isEnabled('DEBUG') + ',' + log.isEnabled('INFO'));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toBe('enabled:false,true');
    const withStderr = execFileSync('/bin/sh', ['-c', `"${process.execPath}" --input-type=module -e "$0" 2>&1 1>/dev/null`, script], { cwd: dir, encoding: 'utf8' });
    expect(withStderr).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] INFO hello \(kafka\.Kafka\$\)\n\[[^\]]+\] WARN careful \(kafka\.Kafka\$\)\n$/);
  });

  it('buffered lines reach the file when the process exits without shutdownLogging()', () => {
    mkdirSync(join(dir, 'logs'));
    const config = [
      'log4j.rootLogger=INFO, F',
      'log4j.appender.F=org.apache.log4j.FileAppender',
      'log4j.appender.F.File=${kafka.logs.dir}/server.log',
      'log4j.appender.F.ImmediateFlush=false',
      'log4j.appender.F.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.F.layout.ConversionPattern=%p %m%n',
    ].join('\n');
    writeFileSync(join(dir, 'log4j.properties'), config);
    const { stdout } = run(`import { configureLoggingFromFile, getLogger } from ${JSON.stringify(distIndex)};
      const r = configureLoggingFromFile('log4j.properties', { 'kafka.logs.dir': 'logs' });
      process.stdout.write(JSON.stringify(r.warnings));
      getLogger('kafka.server.KafkaServer').info('shutting down');
      process.exit(3 - 3);`);
    expect(stdout).toBe('[]');
    expect(read(join(dir, 'logs'), 'server.log')).toBe('INFO shutting down\n');
  });
});
