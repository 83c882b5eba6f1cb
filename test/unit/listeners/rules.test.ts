/**
 * checkBrokerConfig: Kafka's exact wording, where findings point, fix lines in the caller's syntax, and the
 * Kafka 3 / Kafka 4 differences. The fixture corpus (test/unit/doctor/listeners/corpus.test.ts) covers one
 * finding per rule; these pin the details.
 */
import { describe, expect, it } from 'vitest';
import { parseProperties } from '../../../src/listeners/properties.js';
import { checkBrokerConfig, checkBrokerProperties } from '../../../src/listeners/rules.js';

const BASE: Record<string, string> = {
  'process.roles': 'broker,controller',
  'node.id': '1',
  listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093',
  'advertised.listeners': 'PLAINTEXT://localhost:9092',
  'controller.listener.names': 'CONTROLLER',
  'controller.quorum.voters': '1@localhost:9093',
};

function check(over: Record<string, string | null>, extra: Parameters<typeof checkBrokerConfig>[0] extends infer T ? Partial<T> : never = {}) {
  const values = new Map(Object.entries({ ...BASE, ...over }).filter((e): e is [string, string] => e[1] !== null));
  return checkBrokerConfig({ values, ...extra });
}

describe('checkBrokerConfig', () => {
  it('passes a good combined KRaft node with one ok finding', () => {
    expect(check({})).toEqual([expect.objectContaining({ id: 'listeners', severity: 'ok' })]);
  });

  it("uses Kafka's exact messages", () => {
    expect(check({ 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' })[0].message).toBe('advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.');
    expect(check({ 'node.id': null })[0].message).toBe('Missing configuration `node.id` which is required when `process.roles` is defined (i.e. when running in KRaft mode).');
    expect(check({ listeners: 'PLAINTEXT://:9092,CONTROLLER://:9092' })[0].message).toBe('If you have two listeners on the same port then one needs to be IPv4 and the other IPv6, listeners: PLAINTEXT://:9092,CONTROLLER://:9092, port: 9092');
    expect(check({ 'node.id': '2' })[0].message).toBe("If process.roles contains the 'controller' role, the node id 2 must be included in the set of voters controller.quorum.voters=[1]");
  });

  it('fixes L5 with a free port and L2 with a protocol map entry', () => {
    expect(check({ listeners: 'PLAINTEXT://:9092,CONTROLLER://:9092' })[0].fix).toBe('listeners=PLAINTEXT://:9092,CONTROLLER://:9093');
    const l2 = check({ listeners: 'INTERNAL://:9092,CONTROLLER://:9093', 'advertised.listeners': 'INTERNAL://localhost:9092', 'inter.broker.listener.name': 'INTERNAL', 'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT' });
    expect(l2.map((f) => f.id)).toEqual(['L2']);
    expect(l2[0].fix).toBe('listener.security.protocol.map=CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT');
  });

  it('writes fixes in the caller\'s syntax and points at the caller\'s source', () => {
    const [f] = check({ 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' }, {
      fixLine: (k, v) => `KAFKA_${k.toUpperCase().replace(/\./g, '_')}: "${v}"`,
      sourceOf: (k) => ({ file: 'compose.yml', line: k === 'advertised.listeners' ? 12 : 1, service: 'kafka' }),
      inContainer: true,
      containerName: 'kafka',
    });
    expect(f.fix).toBe('KAFKA_ADVERTISED_LISTENERS: "PLAINTEXT://kafka:9092"');
    expect(f.source).toEqual({ file: 'compose.yml', line: 12, service: 'kafka' });
  });

  it('Kafka 3 refuses an advertised controller listener; Kafka 4 only warns', () => {
    const over = { 'advertised.listeners': 'PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093' };
    expect(check(over).map((f) => [f.id, f.severity])).toEqual([['L18', 'error']]);
    expect(check(over, { kafkaMajor: 4 }).map((f) => [f.id, f.severity])).toEqual([['L18', 'warn']]);
  });

  it('Kafka 4 has no ZooKeeper mode', () => {
    const zk = { 'process.roles': null, 'zookeeper.connect': 'localhost:2181', 'controller.listener.names': null, 'controller.quorum.voters': null, listeners: 'PLAINTEXT://:9092' };
    expect(check(zk).map((f) => f.id)).toEqual(['listeners']);
    expect(check(zk, { kafkaMajor: 4 }).map((f) => f.id)).toEqual(['L0']);
  });

  it('allows the native broker\'s standalone mode only when asked', () => {
    const standalone = { 'process.roles': null, 'controller.listener.names': null, 'controller.quorum.voters': null, listeners: 'PLAINTEXT://127.0.0.1:9092', 'advertised.listeners': null, 'broker.id': '1' };
    expect(check(standalone).map((f) => f.id)).toEqual(['L0']);
    expect(check(standalone, { allowStandalone: true }).map((f) => f.id)).toEqual(['listeners']);
    expect(check({ ...standalone, 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' }, { allowStandalone: true }).map((f) => f.id)).toEqual(['L7']);
  });

  it('accepts controller.quorum.bootstrap.servers instead of voters (KIP-853)', () => {
    expect(check({ 'controller.quorum.voters': null, 'controller.quorum.bootstrap.servers': 'localhost:9093' }).map((f) => f.id)).toEqual(['listeners']);
  });

  it('treats a loopback bind as an error inside a container, a warning on a host with a routable advertised name', () => {
    const over = { listeners: 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://:9093', 'advertised.listeners': 'PLAINTEXT://kafka.lan:9092' };
    expect(check(over).map((f) => [f.id, f.severity])).toEqual([['M5', 'warn']]);
    expect(check(over, { inContainer: true }).map((f) => [f.id, f.severity])).toEqual([['M5', 'error']]);
    // Loopback bind advertised as loopback on a host: a deliberate local-only broker, not a mistake.
    expect(check({ listeners: 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://:9093' }).map((f) => f.id)).toEqual(['listeners']);
  });

  it('checkBrokerProperties points at the lines of a parsed server.properties', () => {
    const props = parseProperties('process.roles=broker,controller\nnode.id=1\nlisteners=PLAINTEXT://:9092,CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\ncontroller.quorum.voters=1@localhost:9093\nadvertised.listeners=PLAINTEXT://0.0.0.0:9092\n', 'server.properties');
    const [f] = checkBrokerProperties(props);
    expect([f.id, f.source, f.fix]).toEqual(['L7', { file: 'server.properties', line: 6 }, 'advertised.listeners=PLAINTEXT://localhost:9092']);
  });

  it('never throws on garbage', () => {
    for (const v of ['', ',,,', '://', 'PLAINTEXT://[::1', 'X://h:99999', '\u0000']) {
      expect(() => check({ listeners: v, 'advertised.listeners': v, 'controller.quorum.voters': v, 'listener.security.protocol.map': v })).not.toThrow();
    }
  });
});
