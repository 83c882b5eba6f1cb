import { describe, expect, it } from 'vitest';
import { parseProperties } from '../../../src/listeners/properties.js';
import { checkType, ignoredKeys, loadBrokerConfig, parseOverrides, validateTopicConfig } from '../../../src/broker/config.js';
import { KstackError } from '../../../src/errors.js';

const load = (text: string, overrides: string[] = []) => loadBrokerConfig(parseProperties(text, 'server.properties'), parseOverrides(overrides));

describe('broker config (server.properties)', () => {
  it("applies Kafka's defaults for unset keys", () => {
    const { config, warnings } = load('broker.id=3\n');
    expect(warnings).toEqual([]);
    expect(config.nodeId).toBe(3);
    expect(config.mode).toBe('standalone');
    expect(config.numPartitions).toBe(1);
    expect(config.autoCreateTopicsEnable).toBe(true);
    expect(config.socketRequestMaxBytes).toBe(104857600);
    expect(config.messageMaxBytes).toBe(1048588);
    expect(config.offsetsTopicNumPartitions).toBe(50);
    expect(config.groupInitialRebalanceDelayMs).toBe(3000);
    expect(config.logDirs).toEqual(['/tmp/kafka-logs']);
    expect(config.get('listeners')).toBe('PLAINTEXT://:9092');
  });

  it('warns about unknown keys with their line, and about duplicates', () => {
    const { warnings } = load('broker.id=1\nfoo.bar=1\nnum.partitions=2\nnum.partitions=3\n');
    expect(warnings).toContain("The configuration 'foo.bar' was supplied but isn't a known config (server.properties:2).");
    expect(warnings.some((w) => w.includes('num.partitions is set more than once'))).toBe(true);
  });

  it('refuses invalid values, naming the key and the line', () => {
    const run = (text: string) => {
      try {
        load(text);
        return null;
      } catch (err) {
        expect(err).toBeInstanceOf(KstackError);
        return (err as KstackError).message;
      }
    };
    expect(run('broker.id=1\nnum.partitions=lots\n')).toMatch(/Invalid value lots for configuration num\.partitions \(server\.properties:2\): Expected value to be a 32-bit integer/);
    expect(run('broker.id=1\nauto.create.topics.enable=yes\n')).toMatch(/auto\.create\.topics\.enable .*true or false/);
    expect(run('broker.id=1\nnum.partitions=0\n')).toMatch(/at least 1/);
    expect(run('broker.id=1\nlog.message.timestamp.type=Wallclock\n')).toMatch(/CreateTime, LogAppendTime/);
    expect(run('broker.id=1\nsocket.request.max.bytes=99999999999\n')).toMatch(/out of range/);
  });

  it('--override wins over the file and is named as the origin', () => {
    const { config } = load('broker.id=1\nnum.partitions=2\n', ['num.partitions=6', 'log.dirs=/a,/b']);
    expect(config.numPartitions).toBe(6);
    expect(config.origins.get('num.partitions')).toBe('--override');
    expect(config.logDirs).toEqual(['/a', '/b']);
    expect(() => parseOverrides(['novalue'])).toThrow(/expected key=value/);
  });

  it('detects KRaft and ZooKeeper modes', () => {
    expect(load('process.roles=broker,controller\nnode.id=1\ncontroller.listener.names=CONTROLLER\n').config).toMatchObject({ mode: 'kraft', nodeId: 1, processRoles: ['broker', 'controller'] });
    expect(load('broker.id=2\nzookeeper.connect=127.0.0.1:2181\n').config).toMatchObject({ mode: 'zk', nodeId: 2 });
    expect(() => load('process.roles=broker\n')).toThrow(/node\.id/);
    // A dedicated controller (kstack init --controllers M renders these) loads; server.ts serves only its quorum.
    expect(load('process.roles=controller\nnode.id=1\ncontroller.listener.names=CONTROLLER\n').config).toMatchObject({ mode: 'kraft', processRoles: ['controller'] });
    expect(() => load('process.roles=broker,witness\nnode.id=1\n')).toThrow(/Unknown process role/);
  });

  it('topic defaults come from broker synonyms when set, else Kafka defaults', () => {
    const { config } = load('broker.id=1\nlog.retention.hours=24\nmessage.max.bytes=2000000\n');
    expect(config.topicDefault('retention.ms')).toEqual({ value: String(24 * 3600_000), source: 'STATIC_BROKER_CONFIG', synonym: 'log.retention.hours' });
    expect(config.topicDefault('max.message.bytes')).toMatchObject({ value: '2000000', source: 'STATIC_BROKER_CONFIG' });
    expect(config.topicDefault('cleanup.policy')).toEqual({ value: 'delete', source: 'DEFAULT_CONFIG', synonym: null });
    expect(config.topicDefault('segment.ms')).toMatchObject({ value: String(168 * 3600_000) });
  });

  it('validates topic configs', () => {
    expect(validateTopicConfig('retention.ms', '1000')).toBeNull();
    expect(validateTopicConfig('retention.ms', 'x')).toMatch(/Invalid value x for configuration retention\.ms/);
    expect(validateTopicConfig('cleanup.policy', 'compact,delete')).toBeNull();
    expect(validateTopicConfig('cleanup.policy', 'shred')).toMatch(/compact, delete/);
    expect(validateTopicConfig('no.such', '1')).toMatch(/Unknown topic config name/);
    expect(checkType('double', '0.5')).toBeNull();
    expect(checkType('short', '40000')).toMatch(/out of range/);
  });

  it('lists keys that have no effect on one native broker', () => {
    expect(ignoredKeys(load('broker.id=1\nnum.io.threads=16\nnum.partitions=2\n').config)).toEqual(['num.io.threads']);
  });
});
