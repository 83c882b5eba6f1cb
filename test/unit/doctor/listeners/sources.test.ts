/**
 * Reading broker settings: compose (anchors and merge keys with the anchor's line, list and map environment,
 * interpolation, port syntaxes, image conventions), env files, and clear errors for unreadable input.
 */
import { describe, expect, it } from 'vitest';
import { interpolate, parseCompose } from '../../../../src/doctor/listeners/compose.js';
import { envSource, parseEnvFile, schemeForImage } from '../../../../src/doctor/listeners/sources.js';
import { KstackError } from '../../../../src/errors.js';

const COMPOSE = `x-env: &env
  KAFKA_PROCESS_ROLES: broker,controller
  KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://\${HOST:-localhost}:\${PORT}
services:
  zk:
    image: zookeeper:3.8
  kafka:
    image: confluentinc/cp-kafka:7.9.0
    ports:
      - "127.0.0.1:\${PORT}:9092"
      - "9101-9102:9101-9102"
      - target: 9093
        published: "19093"
    environment:
      <<: *env
      KAFKA_NODE_ID: 3
      KAFKA_CONFLUENT_SUPPORT___METRICS: x
  other:
    image: bitnamilegacy/kafka:3.9
    environment:
      - KAFKA_CFG_NODE_ID=7
      - KAFKA_CFG_LISTENERS=PLAINTEXT://:9092
`;

describe('parseCompose', () => {
  const c = parseCompose(COMPOSE, 'dc.yml', { variables: { PORT: '29092' } });

  it('finds the brokers by image and reads each convention', () => {
    expect(c.services).toEqual(['zk', 'kafka', 'other']);
    expect(c.brokers.map((b) => [b.service, b.scheme])).toEqual([['kafka', 'confluent'], ['other', 'bitnami']]);
    const kafka = c.brokers[0];
    expect(kafka.values.get('advertised.listeners')).toBe('PLAINTEXT://localhost:29092');
    // cp-kafka derives listeners from advertised listeners (host -> 0.0.0.0).
    expect(kafka.values.get('listeners')).toBe('PLAINTEXT://0.0.0.0:29092');
    expect(kafka.values.get('node.id')).toBe('3');
    // confluent: `___` is `_`, `__` would be `-`.
    expect(kafka.values.get('confluent.support_metrics')).toBe('x');
    expect(c.brokers[1].values.get('node.id')).toBe('7');
  });

  it('points merged values at the anchor line, own values at their line', () => {
    const kafka = c.brokers[0];
    expect(kafka.sourceOf('advertised.listeners')).toEqual({ file: 'dc.yml', line: 3, service: 'kafka' });
    expect(kafka.sourceOf('node.id')).toEqual({ file: 'dc.yml', line: 16, service: 'kafka' });
    expect(c.brokers[1].sourceOf('listeners')).toEqual({ file: 'dc.yml', line: 22, service: 'other' });
  });

  it('reads short, ranged and long port syntax', () => {
    expect(c.brokers[0].compose!.ports.map((p) => [p.hostIp, p.published, p.target])).toEqual([
      ['127.0.0.1', 29092, 9092],
      [null, 9101, 9101],
      [null, 9102, 9102],
      [null, 19093, 9093],
    ]);
  });

  it('reports an unset variable instead of guessing', () => {
    const bad = parseCompose(COMPOSE, 'dc.yml', { variables: {} });
    expect(bad.problems.map((p) => p.message)).toContain('service kafka: variable PORT is not set; it becomes an empty string');
  });

  it('refuses what is not a compose file, with the line of a YAML error', () => {
    expect(() => parseCompose('a: [1,', 'x.yml')).toThrow(KstackError);
    expect(() => parseCompose('just: text\n', 'x.yml')).toThrow(/no "services:" section/);
    expect(() => parseCompose('services:\n  a:\n    image: x\n  b: [\n', 'x.yml')).toThrow(/x\.yml:\d+: not valid YAML/);
  });
});

describe('interpolate', () => {
  it('follows docker compose rules', () => {
    const p: string[] = [];
    expect(interpolate('$$A ${A} ${B:-d} ${B-e} ${C:-f} ${C-g} $A', { A: 'a', C: '' }, p)).toBe('$A a d e f  a');
    expect(p).toEqual([]);
    interpolate('${X:?need X}', {}, p);
    expect(p).toEqual(['required variable X is not set: need X']);
  });
});

describe('env files and image conventions', () => {
  it('parses export, quotes and comments', () => {
    const { vars, problems } = parseEnvFile('# c\nexport A="x y"\nB=\'q\'\nC=v # note\nbad line\n', 'f.env');
    expect(vars.map((v) => [v.name, v.value, v.line])).toEqual([['A', 'x y', 2], ['B', 'q', 3], ['C', 'v', 4]]);
    expect(problems).toEqual([{ line: 5, message: 'not NAME=value: bad line' }]);
  });

  it('maps images to conventions', () => {
    expect(schemeForImage('apache/kafka:3.9.1')).toBe('apache');
    expect(schemeForImage('docker.io/apache/kafka-native:4.0.0')).toBe('apache');
    expect(schemeForImage('confluentinc/cp-kafka:7.9.0')).toBe('confluent');
    expect(schemeForImage('bitnami/kafka:3.9')).toBe('bitnami');
    expect(schemeForImage('redis')).toBeNull();
  });

  it('apache: `__` is `_`, `___` is `-`; env fixes use NAME=value', () => {
    const s = envSource([{ name: 'KAFKA_LOG_DIRS', value: '/d', file: 'f.env', line: 1 }, { name: 'KAFKA_SOME__THING___X', value: 'v', file: 'f.env', line: 2 }], { scheme: 'apache', file: 'f.env', fixStyle: 'env' });
    expect([...s.values]).toEqual([['log.dirs', '/d'], ['some_thing-x', 'v']]);
    expect(s.fixLine('advertised.listeners', 'PLAINTEXT://kafka:9092')).toBe('KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://kafka:9092');
  });
});
