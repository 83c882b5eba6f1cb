/**
 * Conformance with the real thing: the same log4j.properties and the same log calls go through Apache log4j
 * 1.2.17 (Debian's liblog4j1.2-java, run by a tiny Java driver) and through kstack's logging; the files they
 * leave and the console output must be byte-for-byte equal. Also compares SimpleDateFormat with our date
 * patterns. Time-based rolling cannot be compared this way (log4j reads the system clock); it is covered with
 * an injected clock in kafka-log4j.test.ts.
 *
 * Needs `javac` (openjdk-17-jdk-headless) and /usr/share/java/log4j-1.2.jar (liblog4j1.2-java).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDatePattern } from '../../../src/logging/date-format.js';
import { configureLogging, getLogger, shutdownLogging, type Level } from '../../../src/logging/index.js';
import { Capture, files, read, tempDir } from './helpers.js';

const LOG4J_JAR = '/usr/share/java/log4j-1.2.jar';
const haveJava = existsSync(LOG4J_JAR) && (() => {
  try {
    execFileSync('javac', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let work: { dir: string; cleanup: () => void };
let classes: string;
const savedTz = process.env.TZ;

beforeAll(() => {
  work = tempDir();
  if (!haveJava) return;
  classes = join(work.dir, 'classes');
  execFileSync('javac', ['-nowarn', '-cp', LOG4J_JAR, '-d', classes, join(import.meta.dirname, 'fixtures', 'Log4jDriver.java')], { stdio: 'pipe' });
}, 60_000);
afterAll(async () => {
  process.env.TZ = savedTz;
  await shutdownLogging();
  work.cleanup();
});

function java(args: string[], tz: string, extraProps: string[] = []): string {
  return execFileSync(
    'java',
    ['-Dfile.encoding=UTF-8', '-Duser.language=en', '-Duser.country=US', `-Duser.timezone=${tz}`, ...extraProps, '-cp', `${classes}:${LOG4J_JAR}`, 'Log4jDriver', ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TZ: tz } },
  );
}

const PROPERTIES = `
log4j.threshold=DEBUG
log4j.rootLogger=INFO, stdout, main

log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=%p %c %m%n

log4j.appender.main=org.apache.log4j.FileAppender
log4j.appender.main.File=\${kafka.logs.dir}/main.log
log4j.appender.main.layout=org.apache.log4j.PatternLayout
log4j.appender.main.layout.ConversionPattern=%-5p|%6p|%c{1}|%c{2}|%.4c|%-12.3m|%%|%x|%m{x}%n

log4j.appender.simple=org.apache.log4j.FileAppender
log4j.appender.simple.File=\${kafka.logs.dir}/simple.log
log4j.appender.simple.layout=org.apache.log4j.SimpleLayout
log4j.appender.simple.Threshold=WARN

log4j.appender.roll=org.apache.log4j.RollingFileAppender
log4j.appender.roll.File=\${kafka.logs.dir}/roll.log
log4j.appender.roll.MaxFileSize=60
log4j.appender.roll.MaxBackupIndex=3
log4j.appender.roll.layout=org.apache.log4j.PatternLayout
log4j.appender.roll.layout.ConversionPattern=%p %m%n

log4j.appender.zero=org.apache.log4j.RollingFileAppender
log4j.appender.zero.File=\${kafka.logs.dir}/sub/zero.log
log4j.appender.zero.MaxFileSize=30
log4j.appender.zero.MaxBackupIndex=0
log4j.appender.zero.Append=false
log4j.appender.zero.layout=org.apache.log4j.PatternLayout
log4j.appender.zero.layout.ConversionPattern=[%c] %m%n

log4j.appender.unused=org.apache.log4j.FileAppender
log4j.appender.unused.File=\${kafka.logs.dir}/unused.log
log4j.appender.unused.layout=org.apache.log4j.SimpleLayout

log4j.logger.kafka=DEBUG, simple
log4j.logger.kafka.request.logger=TRACE, roll, roll
log4j.additivity.kafka.request.logger=false
log4j.logger.kafka.server.quiet=ERROR
log4j.logger.zero=INFO, zero
log4j.additivity.zero=false
log4j.logger.kafka.inherit=INHERITED
log4j.logger.kafka.off=OFF
log4j.logger.loud=ALL
`;

const LEVELS: Level[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
const LOGGERS = ['kafka.server.KafkaServer', 'kafka.request.logger', 'kafka.request.logger.child', 'kafka.server.quiet.X', 'zero', 'zero.sub', 'kafka.inherit.a', 'kafka.off.b', 'loud', 'other.Thing', 'kafka'];

// Not on loggers that reach roll.log: log4j counts MaxFileSize in UTF-16 chars, kstack in bytes (see rolling-file.ts).
const UNICODE = new Set(['other.Thing', 'kafka', 'zero']);

function events(): [Level, string, string][] {
  const out: [Level, string, string][] = [];
  let n = 0;
  for (const logger of LOGGERS) for (const level of LEVELS) out.push([level, logger, `message ${++n} from ${UNICODE.has(logger) ? 'é ünïcode ✓ ' : ''}${logger}`]);
  for (let i = 0; i < 12; i++) out.push(['DEBUG', 'kafka.request.logger', `request ${i} ${'r'.repeat(i * 3)}`]);
  for (let i = 0; i < 5; i++) out.push(['WARN', 'zero.sub', `z${i}`]);
  return out;
}

function seed(dir: string): void {
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'main.log'), 'existing line (Append defaults to true)\n');
  writeFileSync(join(dir, 'roll.log'), 'y'.repeat(40) + '\n'); // counts toward MaxFileSize
  writeFileSync(join(dir, 'roll.log.3'), 'oldest backup, deleted on the first roll\n');
  writeFileSync(join(dir, 'sub', 'zero.log'), 'truncated because Append=false\n');
}

describe.skipIf(!haveJava)('conformance with Apache log4j 1.2.17', () => {
  it('produces the same files, lines and console output', async () => {
    const javaDir = join(work.dir, 'java-logs');
    const oursDir = join(work.dir, 'our-logs');
    seed(javaDir);
    seed(oursDir);
    const eventList = events();
    const eventsFile = join(work.dir, 'events.tsv');
    writeFileSync(eventsFile, eventList.map((e) => e.join('\t')).join('\n') + '\n');
    const propsFile = join(work.dir, 'log4j.properties');
    writeFileSync(propsFile, PROPERTIES);

    const javaStdout = java(['log', propsFile, eventsFile], 'UTC', [`-Dkafka.logs.dir=${javaDir}`]);

    const stdout = new Capture();
    const { warnings } = configureLogging(PROPERTIES, { vars: { 'kafka.logs.dir': oursDir }, streams: { stdout } });
    expect(warnings).toEqual([]);
    for (const [level, logger, message] of eventList) {
      const log = getLogger(logger);
      log[level.toLowerCase() as Lowercase<Exclude<Level, 'OFF'>>](message);
    }
    await shutdownLogging();

    expect(stdout.text).toBe(javaStdout);
    expect(files(oursDir)).toEqual(files(javaDir));
    expect(files(join(oursDir, 'sub'))).toEqual(files(join(javaDir, 'sub')));
    for (const name of files(javaDir).filter((f) => f !== 'sub')) expect({ name, text: read(oursDir, name) }).toEqual({ name, text: read(javaDir, name) });
    expect(read(join(oursDir, 'sub'), 'zero.log')).toBe(read(join(javaDir, 'sub'), 'zero.log'));
    // The comparison is meaningful only if the interesting cases happened.
    expect(files(javaDir)).toEqual(['main.log', 'roll.log', 'roll.log.1', 'roll.log.2', 'roll.log.3', 'simple.log', 'sub']);
  });

  it("routes Kafka 3.x's config/log4j.properties like log4j (timestamps aside)", async () => {
    const fixture = join(import.meta.dirname, 'fixtures', 'kafka-3x-log4j.properties');
    const calls: [Level, string, string][] = [];
    for (const logger of ['kafka.server.KafkaServer', 'kafka.request.logger', 'kafka.network.RequestChannel$', 'kafka.controller.KafkaController', 'org.apache.kafka.controller.QuorumController', 'state.change.logger', 'kafka.log.LogCleaner', 'kafka.authorizer.logger', 'org.apache.zookeeper.ZooKeeper', 'com.example.Other']) {
      for (const level of LEVELS) calls.push([level, logger, `${level.toLowerCase()} from ${logger}`]);
    }
    const eventsFile = join(work.dir, 'kafka-events.tsv');
    writeFileSync(eventsFile, calls.map((e) => e.join('\t')).join('\n') + '\n');
    const stripTime = (text: string): string => text.replace(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] /gm, '[time] ');

    let javaDir = '';
    let javaStdout = '';
    // A run that crosses an hour boundary would roll log4j's files; run again in that (rare) case.
    for (let attempt = 0; attempt < 2; attempt++) {
      javaDir = join(work.dir, `kafka-java-${attempt}`);
      mkdirSync(javaDir);
      javaStdout = java(['log', fixture, eventsFile], 'UTC', [`-Dkafka.logs.dir=${javaDir}`]);
      if (!files(javaDir).some((f) => /\.\d{4}-\d\d-\d\d-\d\d$/.test(f))) break;
    }
    const oursDir = join(work.dir, 'kafka-ours');
    const stdout = new Capture();
    const clock = () => new Date(Date.UTC(2024, 4, 1, 13, 0, 0)); // fixed: no roll on our side
    expect(configureLogging(readFileSync(fixture, 'utf8'), { vars: { 'kafka.logs.dir': oursDir }, streams: { stdout }, clock }).warnings).toEqual([]);
    for (const [level, logger, message] of calls) getLogger(logger)[level.toLowerCase() as Lowercase<Exclude<Level, 'OFF'>>](message);
    await shutdownLogging();

    expect(files(oursDir)).toEqual(files(javaDir));
    expect(stripTime(stdout.text)).toBe(stripTime(javaStdout));
    for (const name of files(javaDir)) expect({ name, text: stripTime(read(oursDir, name)) }).toEqual({ name, text: stripTime(read(javaDir, name)) });
    expect(stripTime(read(javaDir, 'controller.log'))).toContain('[time] TRACE trace from kafka.controller.KafkaController (kafka.controller.KafkaController)\n');
  });

  it.each(['UTC', 'Asia/Kolkata', 'America/New_York'])('formats dates like SimpleDateFormat (TZ=%s)', (tz) => {
    const patterns = [
      'yyyy-MM-dd HH:mm:ss,SSS',
      "'.'yyyy-MM-dd-HH",
      "'.'yyyy-MM-dd-a",
      'dd MMM yyyy HH:mm:ss,SSS',
      'yy/M/d H:m:s.S',
      'EEE EEEE MMM MMMM',
      'hh:mm a k K h',
      'D u G',
      "'it''s' hh 'o''clock' a ''",
      'Z',
      'XXX XX X',
      'yyyyy SSSS',
    ];
    const times = [Date.UTC(2024, 0, 1, 0, 0, 0, 7), Date.UTC(2024, 2, 10, 7, 30, 0, 45), Date.UTC(2024, 6, 4, 12, 0, 0, 999), Date.UTC(2024, 11, 31, 23, 59, 59, 500)];
    const cases = times.flatMap((t) => patterns.map((p) => [t, p] as const));
    const input = join(work.dir, `dates-${tz.replace('/', '_')}.tsv`);
    writeFileSync(input, cases.map(([t, p]) => `${t}\t${p}`).join('\n') + '\n');
    const expected = java(['dates', input], tz).split('\n').slice(0, -1);
    process.env.TZ = tz;
    const actual = cases.map(([t, p]) => compileDatePattern(p)(t));
    expect(actual).toEqual(expected);
  });
});
