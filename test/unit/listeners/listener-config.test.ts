import { describe, expect, it } from 'vitest';
import { resolveListenerConfig } from '../../../src/listeners/listener-config.js';
import { parseProperties } from '../../../src/listeners/properties.js';

const resolve = (lines: string[]) => resolveListenerConfig(parseProperties(lines.join('\n')));
const rules = (lines: string[]) => resolve(lines).problems.map((p) => p.rule);
const messages = (lines: string[]) => resolve(lines).problems.map((p) => p.message);

const combined = [
  'process.roles=broker,controller',
  'node.id=1',
  'listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093',
  'advertised.listeners=PLAINTEXT://127.0.0.1:9092',
  'controller.listener.names=CONTROLLER',
  'controller.quorum.voters=1@127.0.0.1:9093',
];
const zk = ['broker.id=0', 'listeners=PLAINTEXT://127.0.0.1:9092', 'zookeeper.connect=127.0.0.1:2181'];

describe('resolving a node\'s listener configuration as Kafka does', () => {
  it('accepts Kafka\'s quickstart shapes and resolves the effective endpoints', () => {
    const r = resolve(combined);
    expect(r.problems).toEqual([]);
    expect(r.resolved.kraft).toBe(true);
    expect(r.resolved.nodeId).toBe(1);
    expect(r.resolved.protocolMap.get('CONTROLLER')).toBe('PLAINTEXT'); // implicit mapping, map unset
    expect(r.resolved.advertised.map((e) => e.port)).toEqual([9092]);
    expect(resolve(zk).problems).toEqual([]);
  });

  it('advertised.listeners falls back to listeners without the controller listener', () => {
    const r = resolve(combined.filter((l) => !l.startsWith('advertised')));
    expect(r.problems).toEqual([]);
    expect(r.resolved.advertisedExplicit).toBe(false);
    expect(r.resolved.advertised.map((e) => e.listenerName)).toEqual(['PLAINTEXT']);
  });

  it('L7: 0.0.0.0, also when advertised falls back to listeners', () => {
    expect(rules(['broker.id=0', 'listeners=PLAINTEXT://0.0.0.0:9092', 'zookeeper.connect=z:2181'])).toEqual(['L7']);
    expect(rules([...zk, 'advertised.listeners=PLAINTEXT://0.0.0.0:9092'])).toEqual(['L7']);
  });

  it('L8: advertised names must be listener names', () => {
    expect(messages([...zk, 'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT', 'advertised.listeners=EXTERNAL://h:1'])).toEqual([
      'advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found EXTERNAL. The valid options based on the current configuration are PLAINTEXT',
      'inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are EXTERNAL',
    ]);
  });

  it('L9/L10: the inter-broker listener', () => {
    expect(rules([...zk, 'inter.broker.listener.name=INTERNAL'])).toEqual(['L10', 'L9']);
    expect(rules([...zk, 'inter.broker.listener.name=PLAINTEXT', 'security.inter.broker.protocol=PLAINTEXT'])).toEqual(['L10']);
    expect(messages([...zk, 'security.inter.broker.protocol=TLS'])).toEqual(['Invalid security protocol `TLS` defined in security.inter.broker.protocol']);
  });

  it('L11: control.plane.listener.name', () => {
    expect(messages([...combined, 'control.plane.listener.name=PLAINTEXT'])).toEqual(['control.plane.listener.name is not supported in KRaft mode.']);
    expect(rules([...zk, 'control.plane.listener.name=PLAINTEXT'])).toEqual(['L11']);
  });

  it('L12/L13/L14: node.id and voters in KRaft', () => {
    expect(rules(combined.filter((l) => !l.startsWith('node.id')))).toEqual(['L12']);
    expect(messages(combined.filter((l) => !l.startsWith('controller.quorum.voters')))).toEqual(['If using process.roles, controller.quorum.voters must contain a parseable set of voters.']);
    expect(rules([...combined.filter((l) => !l.startsWith('controller.quorum.voters')), 'controller.quorum.bootstrap.servers=127.0.0.1:9093'])).toEqual([]);
    expect(messages([...combined.slice(0, 5), 'controller.quorum.voters=1@0.0.0.0:9093'])).toEqual(['Host string (0.0.0.0) is not routeable']);
  });

  it('L15: the node id and the voter set', () => {
    expect(messages([...combined.slice(0, 5), 'controller.quorum.voters=2@127.0.0.1:9093'])).toEqual([
      "If process.roles contains the 'controller' role, the node id 1 must be included in the set of voters controller.quorum.voters={2}",
    ]);
    const brokerOnly = ['process.roles=broker', 'node.id=1', 'listeners=PLAINTEXT://127.0.0.1:9092', 'controller.listener.names=CONTROLLER', 'controller.quorum.voters=1@127.0.0.1:9093'];
    expect(rules(brokerOnly)).toEqual(['L15']);
  });

  it('L16/L17/L18/L19: controller listeners by role', () => {
    expect(rules(['process.roles=controller', 'node.id=3', 'listeners=CONTROLLER://127.0.0.1:9093', 'controller.listener.names=CTL', 'controller.quorum.voters=3@127.0.0.1:9093'])).toEqual(['L2', 'L16']);
    const brokerOnly = ['process.roles=broker', 'node.id=1', 'controller.quorum.voters=3@127.0.0.1:9093'];
    expect(rules([...brokerOnly, 'listeners=PLAINTEXT://127.0.0.1:9092'])).toEqual(['L17']);
    expect(rules([...brokerOnly, 'listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9094', 'controller.listener.names=CONTROLLER'])).toEqual(['L17']);
    expect(rules([...brokerOnly, 'listeners=PLAINTEXT://127.0.0.1:9092', 'controller.listener.names=CONTROLLER', 'listener.security.protocol.map=PLAINTEXT:PLAINTEXT'])).toEqual(['L17']);
    expect(rules([...combined.slice(0, 3), 'advertised.listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093', ...combined.slice(4)])).toEqual(['L18']);
    expect(rules(['process.roles=controller', 'node.id=3', 'listeners=CONTROLLER://127.0.0.1:9093', 'advertised.listeners=CONTROLLER://127.0.0.1:9093', 'controller.listener.names=CONTROLLER', 'controller.quorum.voters=3@127.0.0.1:9093'])).toEqual(['L18']);
    expect(rules(['process.roles=broker,controller', 'node.id=1', 'listeners=CONTROLLER://127.0.0.1:9093', 'controller.listener.names=CONTROLLER', 'controller.quorum.voters=1@127.0.0.1:9093'])).toContain('L19');
  });

  it('L20 and zookeeper.connect in ZooKeeper mode', () => {
    expect(rules([...zk, 'controller.listener.names=CONTROLLER'])).toEqual(['L20']);
    expect(messages(zk.slice(0, 2))).toEqual(['Missing required configuration "zookeeper.connect" which has no default value.']);
  });

  it('roles and ids', () => {
    expect(messages(['process.roles=broker,observer', ...combined.slice(1)])).toContain("Unknown process role 'observer' (only 'broker' and 'controller' are allowed roles)");
    expect(messages([...combined, 'broker.id=2'])).toContain('You must set `node.id` to the same value as `broker.id`.');
  });

  it('collects every problem instead of stopping at the first', () => {
    const r = resolve(['process.roles=broker,controller', 'listeners=PLAINTEXT://nohost', 'advertised.listeners=PLAINTEXT://0.0.0.0:9092']);
    expect(r.problems.map((p) => p.rule)).toEqual(expect.arrayContaining(['L12', 'L1', 'L7', 'L13']));
  });
});
