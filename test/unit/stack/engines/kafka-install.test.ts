/** Finding a local Apache Kafka installation, the Java it needs, and the log4j → log4j2 translation for Kafka 4. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findKafkaInstallation, readKafkaInstallation, requiredJava } from '../../../../src/stack/engines/kafka-install.js';
import { log4jToLog4j2 } from '../../../../src/stack/engines/log4j2.js';
import { KstackError } from '../../../../src/errors.js';
import { parseProperties } from '../../../../src/listeners/properties.js';

const root = mkdtempSync(join(tmpdir(), 'kstack-kafka-install-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fakeInstall(name: string, jars: string[]): string {
  const home = join(root, name);
  mkdirSync(join(home, 'libs'), { recursive: true });
  for (const j of jars) writeFileSync(join(home, 'libs', j), '');
  return home;
}

describe('Kafka installation', () => {
  it('reads the version from the core jar and picks the logging backend and Java it needs', () => {
    const four = readKafkaInstallation(fakeInstall('k4', ['kafka-clients-4.1.0.jar', 'kafka_2.13-4.1.0-test.jar', 'kafka_2.13-4.1.0.jar']));
    expect(four).toMatchObject({ version: '4.1.0', major: 4, minor: 1, logging: 'log4j2' });
    expect(requiredJava(four!)).toBe(17);
    const three = readKafkaInstallation(fakeInstall('k3', ['kafka_2.12-3.6.2.jar']));
    expect(three).toMatchObject({ version: '3.6.2', major: 3, logging: 'log4j1' });
    expect(requiredJava(three!)).toBe(11);
    expect(three!.classpath).toBe(join(root, 'k3', 'libs', '*'));
    expect(readKafkaInstallation(fakeInstall('clients-only', ['kafka-clients-3.9.1.jar']))).toBeNull();
    expect(readKafkaInstallation(join(root, 'missing'))).toBeNull();
  });

  it('--kafka-home must hold an installation; otherwise KAFKA_HOME, then the usual places; else a refusal with the install step', () => {
    const home = fakeInstall('env-home', ['kafka_2.13-3.9.1.jar']);
    expect(findKafkaInstallation(undefined, { KAFKA_HOME: home }, 'linux').home).toBe(home);
    expect(() => findKafkaInstallation(join(root, 'missing'), { KAFKA_HOME: home }, 'linux')).toThrow(/is not an Apache Kafka installation/);
    let err: unknown;
    try {
      findKafkaInstallation(undefined, { KAFKA_HOME: join(root, 'nothing') }, 'darwin');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KstackError);
    expect((err as KstackError).code).toBe('KSTACK_NO_KAFKA');
    expect((err as KstackError).fix).toContain('brew install kafka');
  });
});

describe('log4j.properties → log4j2.properties', () => {
  const template = readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'templates', 'log4j.properties'), 'utf8').replace(/\{\{[a-z_]+\}\}/g, 'x');

  it('keeps every appender file, logger level and additivity of kstack\'s template', () => {
    const out = parseProperties(log4jToLog4j2(template)).toMap();
    const appenders = [...out].filter(([k]) => /^appender\.a\d+\.name$/.test(k)).map(([, v]) => v);
    expect(appenders).toEqual(['stdout', 'kafkaAppender', 'stateChangeAppender', 'requestAppender', 'cleanerAppender', 'controllerAppender', 'authorizerAppender']);
    const files = [...out].filter(([k]) => k.endsWith('.fileName')).map(([, v]) => v);
    expect(files).toContain('${sys:kafka.logs.dir}/server.log');
    expect(files).toContain('${sys:kafka.logs.dir}/controller.log');
    expect(out.get('appender.a2.filePattern')).toBe('${sys:kafka.logs.dir}/server.log.%d{yyyy-MM-dd-HH}');
    expect(out.get('appender.a2.policies.time.type')).toBe('TimeBasedTriggeringPolicy');
    expect(out.get('rootLogger.level')).toBe('INFO');
    const logger = (name: string) => {
      const id = [...out].find(([k, v]) => /^logger\.l\d+\.name$/.test(k) && v === name)![0].split('.')[1];
      return { level: out.get(`logger.${id}.level`), additivity: out.get(`logger.${id}.additivity`), ref: [...out].find(([k]) => k.startsWith(`logger.${id}.appenderRef.`))?.[1] };
    };
    expect(logger('org.apache.kafka.controller')).toEqual({ level: 'TRACE', additivity: 'false', ref: 'controllerAppender' });
    expect(logger('kafka.network.RequestChannel$')).toEqual({ level: 'WARN', additivity: 'false', ref: 'requestAppender' });
    expect(logger('kafka')).toEqual({ level: 'INFO', additivity: undefined, ref: undefined });
  });

  it('refuses what it cannot translate, naming it', () => {
    expect(() => log4jToLog4j2('log4j.rootLogger=INFO, x\nlog4j.appender.x=org.apache.log4j.net.SyslogAppender\n')).toThrow(/appender x is a org.apache.log4j.net.SyslogAppender/);
    expect(() => log4jToLog4j2('log4j.rootLogger=INFO, missing\n')).toThrow(/undefined appender missing/);
    expect(() => log4jToLog4j2('log4j.threshold=WARN\n')).toThrow(/unsupported key log4j.threshold/);
  });
});
