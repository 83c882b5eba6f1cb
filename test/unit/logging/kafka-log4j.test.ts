/**
 * The acceptance test of issue #2 part 5: Kafka's own log4j.properties, and one with a DailyRollingFileAppender,
 * a RollingFileAppender and per-logger levels, yield exactly the expected files and exactly the expected lines.
 * The clock is injected, so the hourly roll is deterministic; TZ is UTC so the expected text is easy to read.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureLogging, configureLoggingFromFile, getLogger, shutdownLogging } from '../../../src/logging/index.js';
import { Capture, files, read, tempDir, TestClock } from './helpers.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'kafka-3x-log4j.properties');

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

describe("Kafka 3.x config/log4j.properties", () => {
  it('is read without a warning and routes each Kafka logger to its file', async () => {
    const clock = new TestClock(Date.parse('2024-05-01T13:59:58.000Z'));
    const stdout = new Capture();
    const result = configureLoggingFromFile(FIXTURE, { 'kafka.logs.dir': dir }, clock.now, { streams: { stdout } });
    expect(result.warnings).toEqual([]);
    // log4j opens every referenced appender's file at configuration time.
    expect(files(dir)).toEqual(['controller.log', 'kafka-authorizer.log', 'kafka-request.log', 'log-cleaner.log', 'server.log', 'state-change.log']);

    getLogger('kafka.server.KafkaServer').info('[KafkaServer id=1] started');
    getLogger('kafka.server.KafkaServer').debug('not at INFO');
    getLogger('kafka.request.logger').info('below WARN');
    getLogger('kafka.request.logger').warn('Completed request:RequestHeader(apiKey=METADATA)');
    getLogger('kafka.network.RequestChannel$').warn('channel warning');
    getLogger('kafka.controller.KafkaController').trace('[Controller id=1] TRACE reaches controller.log');
    getLogger('org.apache.kafka.controller.QuorumController').debug('not at INFO');
    clock.set('2024-05-01T13:59:59.123Z');
    getLogger('org.apache.kafka.controller.QuorumController').info('[QuorumController id=1] Becoming the active controller');
    getLogger('state.change.logger').info('[Broker id=1] Transitioning partition t-0');
    getLogger('kafka.log.LogCleaner').info('Starting the log cleaner');
    getLogger('kafka.authorizer.logger').debug('allowed access not logged at INFO');
    getLogger('kafka.authorizer.logger').info('Principal = User:ANONYMOUS is Denied operation = READ');
    getLogger('com.example.Other').debug('root is INFO');
    getLogger('com.example.Other').info('unspecified loggers go to server.log and stdout');

    // Next hour: the first event after 14:00 rolls server.log; files without an event since do not roll yet.
    clock.set('2024-05-01T14:00:00.000Z');
    getLogger('kafka.server.KafkaServer').info('after the hour');
    clock.set('2024-05-01T14:30:00.500Z');
    getLogger('state.change.logger').info('state change after the hour');
    await shutdownLogging();

    expect(files(dir)).toEqual([
      'controller.log',
      'kafka-authorizer.log',
      'kafka-request.log',
      'log-cleaner.log',
      'server.log',
      'server.log.2024-05-01-13',
      'state-change.log',
      'state-change.log.2024-05-01-13',
    ]);
    expect(read(dir, 'server.log.2024-05-01-13')).toBe(
      '[2024-05-01 13:59:58,000] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)\n' +
        '[2024-05-01 13:59:59,123] INFO unspecified loggers go to server.log and stdout (com.example.Other)\n',
    );
    expect(read(dir, 'server.log')).toBe('[2024-05-01 14:00:00,000] INFO after the hour (kafka.server.KafkaServer)\n');
    expect(read(dir, 'kafka-request.log')).toBe(
      '[2024-05-01 13:59:58,000] WARN Completed request:RequestHeader(apiKey=METADATA) (kafka.request.logger)\n' +
        '[2024-05-01 13:59:58,000] WARN channel warning (kafka.network.RequestChannel$)\n',
    );
    expect(read(dir, 'controller.log')).toBe(
      '[2024-05-01 13:59:58,000] TRACE [Controller id=1] TRACE reaches controller.log (kafka.controller.KafkaController)\n' +
        '[2024-05-01 13:59:59,123] INFO [QuorumController id=1] Becoming the active controller (org.apache.kafka.controller.QuorumController)\n',
    );
    expect(read(dir, 'state-change.log.2024-05-01-13')).toBe(
      '[2024-05-01 13:59:59,123] INFO [Broker id=1] Transitioning partition t-0 (state.change.logger)\n',
    );
    expect(read(dir, 'state-change.log')).toBe('[2024-05-01 14:30:00,500] INFO state change after the hour (state.change.logger)\n');
    expect(read(dir, 'log-cleaner.log')).toBe('[2024-05-01 13:59:59,123] INFO Starting the log cleaner (kafka.log.LogCleaner)\n');
    expect(read(dir, 'kafka-authorizer.log')).toBe(
      '[2024-05-01 13:59:59,123] INFO Principal = User:ANONYMOUS is Denied operation = READ (kafka.authorizer.logger)\n',
    );
    // stdout gets what root's appenders get (additive loggers only).
    expect(stdout.text).toBe(
      '[2024-05-01 13:59:58,000] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)\n' +
        '[2024-05-01 13:59:59,123] INFO unspecified loggers go to server.log and stdout (com.example.Other)\n' +
        '[2024-05-01 14:00:00,000] INFO after the hour (kafka.server.KafkaServer)\n',
    );
  });
});

describe('DailyRollingFileAppender + RollingFileAppender + per-logger levels', () => {
  const config = [
    'log4j.rootLogger=INFO, server',
    'log4j.appender.server=org.apache.log4j.DailyRollingFileAppender',
    "log4j.appender.server.DatePattern='.'yyyy-MM-dd-HH",
    'log4j.appender.server.File=${kafka.logs.dir}/server.log',
    'log4j.appender.server.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.server.layout.ConversionPattern=[%d{ISO8601}] %-5p [%t] %c{1} - %m%n',
    'log4j.appender.requests=org.apache.log4j.RollingFileAppender',
    'log4j.appender.requests.File=${kafka.logs.dir}/kafka-request.log',
    'log4j.appender.requests.MaxFileSize=100',
    'log4j.appender.requests.MaxBackupIndex=2',
    'log4j.appender.requests.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.requests.layout.ConversionPattern=%d{yyyy-MM-dd HH:mm:ss,SSS} %p %m%n',
    'log4j.logger.kafka.request.logger=DEBUG, requests',
    'log4j.additivity.kafka.request.logger=false',
    'log4j.logger.kafka.server=WARN',
    'log4j.logger.kafka.server.ReplicaManager=DEBUG',
    '',
  ].join('\n');

  it('rolls by hour and by size with log4j file names and exact lines', async () => {
    const clock = new TestClock(Date.parse('2024-05-01T13:59:00.000Z'));
    const result = configureLogging(config, { vars: { 'kafka.logs.dir': dir }, clock: clock.now });
    expect(result.warnings).toEqual([]);
    expect(files(dir)).toEqual(['kafka-request.log', 'server.log']);

    const server = getLogger('kafka.server.KafkaServer');
    const replica = getLogger('kafka.server.ReplicaManager');
    const requests = getLogger('kafka.request.logger');
    server.info('hidden: kafka.server is WARN');
    server.warn('w1');
    replica.debug('d1');
    replica.trace('hidden: ReplicaManager is DEBUG');
    getLogger('other').debug('hidden: root is INFO');
    getLogger('other').info('i1');
    for (let i = 1; i <= 8; i++) {
      requests.debug(`request number ${i}`);
      if (i === 4) clock.set('2024-05-01T14:00:00.000Z');
    }
    replica.debug('d2');
    clock.set('2024-05-01T14:59:59.999Z');
    server.error('e1');
    clock.set('2024-05-01T16:05:00.000Z');
    server.warn('w2');
    await shutdownLogging();

    expect(files(dir)).toEqual([
      'kafka-request.log',
      'kafka-request.log.1',
      'kafka-request.log.2',
      'server.log',
      'server.log.2024-05-01-13',
      'server.log.2024-05-01-14',
    ]);
    expect(read(dir, 'server.log.2024-05-01-13')).toBe(
      '[2024-05-01 13:59:00,000] WARN  [main] KafkaServer - w1\n' +
        '[2024-05-01 13:59:00,000] DEBUG [main] ReplicaManager - d1\n' +
        '[2024-05-01 13:59:00,000] INFO  [main] other - i1\n',
    );
    expect(read(dir, 'server.log.2024-05-01-14')).toBe(
      '[2024-05-01 14:00:00,000] DEBUG [main] ReplicaManager - d2\n' + '[2024-05-01 14:59:59,999] ERROR [main] KafkaServer - e1\n',
    );
    expect(read(dir, 'server.log')).toBe('[2024-05-01 16:05:00,000] WARN  [main] KafkaServer - w2\n');

    // Lines are 47 bytes and MaxFileSize=100: the file rolls right after the 3rd line is written (141 >= 100).
    // 8 lines → [1-3] [4-6] [7-8]: two rolls, so .2 holds the oldest lines; line 5 is the first after 14:00.
    const line = (i: number, at: string): string => `${at} DEBUG request number ${i}\n`;
    const t1 = '2024-05-01 13:59:00,000';
    const t2 = '2024-05-01 14:00:00,000';
    expect(line(1, t1).length).toBe(47);
    expect(read(dir, 'kafka-request.log.2')).toBe(line(1, t1) + line(2, t1) + line(3, t1));
    expect(read(dir, 'kafka-request.log.1')).toBe(line(4, t1) + line(5, t2) + line(6, t2));
    expect(read(dir, 'kafka-request.log')).toBe(line(7, t2) + line(8, t2));
  });

  it('keeps only MaxBackupIndex backups, deleting the oldest', async () => {
    const clock = new TestClock(Date.parse('2024-05-01T13:59:00.000Z'));
    configureLogging(config, { vars: { 'kafka.logs.dir': dir }, clock: clock.now });
    const requests = getLogger('kafka.request.logger');
    for (let i = 1; i <= 10; i++) requests.debug(`request number ${i}`);
    await shutdownLogging();
    expect(files(dir)).toEqual(['kafka-request.log', 'kafka-request.log.1', 'kafka-request.log.2', 'server.log']);
    const t = '2024-05-01 13:59:00,000 DEBUG request number ';
    // [1-3] [4-6] [7-9] [10]: the roll after line 9 deleted .2 (lines 1-3).
    expect(read(dir, 'kafka-request.log.2')).toBe(`${t}4\n${t}5\n${t}6\n`);
    expect(read(dir, 'kafka-request.log.1')).toBe(`${t}7\n${t}8\n${t}9\n`);
    expect(read(dir, 'kafka-request.log')).toBe(`${t}10\n`);
    expect(existsSync(join(dir, 'kafka-request.log.3'))).toBe(false);
  });
});
