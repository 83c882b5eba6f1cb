/**
 * ZkMetadataCache against a real ZooKeeper server: it follows /controller, /brokers/ids, /brokers/topics and
 * the partition state znodes through watches (re-armed after every event), and starts over on a new session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkClient } from '../../src/broker/zookeeper/zk-client.js';
import { ZkMetadataCache } from '../../src/broker/zookeeper/metadata-cache.js';
import {
  TOP_LEVEL_PATHS,
  brokerRegistrationJson,
  controllerJson,
  partitionStateJson,
  partitionStatePath,
  topicAssignmentJson,
  topicConfigJson,
  topicConfigPath,
  topicPath,
} from '../../src/broker/zookeeper/znodes.js';
import { startZooKeeper, zooKeeperAvailable, type TestZooKeeper } from '../support/zookeeper.js';

async function eventually(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!zooKeeperAvailable())('ZkMetadataCache on a real ZooKeeper', () => {
  let zk: TestZooKeeper;
  let writer: ZkClient;
  const connect = () => ZkClient.connect(`${zk.connect}/cache`, { sessionTimeoutMs: 4000, connectTimeoutMs: 10_000 });

  beforeAll(async () => {
    zk = await startZooKeeper();
    await ZkClient.ensureChroot(zk.connect, '/cache', 10_000);
    writer = await connect();
    for (const p of TOP_LEVEL_PATHS) await writer.mkdirp(p);
  }, 60_000);
  afterAll(async () => {
    writer?.close();
    await zk?.stop();
  });

  it('follows brokers, the controller, topics, configs and partition state as they change', async () => {
    const reader = await connect();
    const cache = new ZkMetadataCache();
    let notifications = 0;
    cache.onChange(() => notifications++);
    try {
      await cache.attach(reader);
      expect(cache.brokers.size).toBe(0);
      expect(cache.controllerId).toBe(-1);

      const endpoints = [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9001 }, { listenerName: 'INTERNAL', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9101 }];
      await writer.create('/brokers/ids/1', brokerRegistrationJson({ brokerId: 1, endpoints, timestamp: 1 }), 'ephemeral');
      await writer.create('/brokers/ids/2', brokerRegistrationJson({ brokerId: 2, endpoints: [endpoints[0]], timestamp: 2 }), 'ephemeral');
      await eventually('two brokers', () => cache.brokers.size === 2);
      expect(cache.brokers.get(1)!.endpoints.map((e) => `${e.listenerName}:${e.port}`)).toEqual(['PLAINTEXT:9001', 'INTERNAL:9101']);

      await writer.create('/controller', controllerJson(2, 5), 'ephemeral');
      await eventually('controller 2', () => cache.controllerId === 2);
      await writer.remove('/controller');
      await eventually('no controller', () => cache.controllerId === -1);
      await writer.create('/controller', controllerJson(1, 6), 'ephemeral');
      await eventually('controller 1 (watch re-armed after deletion)', () => cache.controllerId === 1);

      await writer.create(topicConfigPath('t'), topicConfigJson({ 'retention.ms': '1000' }), 'persistent');
      await writer.create(topicPath('t'), topicAssignmentJson('AAAAAAAAAAAAAAAAAAAAAB', new Map([[0, [1]], [1, [2]]])), 'persistent');
      await eventually('topic t', () => cache.topics.has('t'));
      expect(cache.topics.get('t')!.configs.get('retention.ms')).toBe('1000');
      await writer.setData(topicConfigPath('t'), topicConfigJson({ 'retention.ms': '2000', 'cleanup.policy': 'compact' }));
      await eventually('altered config', () => cache.topics.get('t')!.configs.get('retention.ms') === '2000' && cache.topics.get('t')!.configs.get('cleanup.policy') === 'compact');
      expect(cache.state('t', 0)).toBeUndefined();

      // State written after the topic (as the controller does): the exists-watch catches its creation.
      await writer.mkdirp('/brokers/topics/t/partitions/0');
      await writer.create(partitionStatePath('t', 0), partitionStateJson({ controllerEpoch: 1, leader: 1, leaderEpoch: 0, isr: [1] }), 'persistent');
      await eventually('state of t-0', () => cache.state('t', 0)?.leader === 1);
      await writer.setData(partitionStatePath('t', 0), partitionStateJson({ controllerEpoch: 1, leader: -1, leaderEpoch: 1, isr: [1] }));
      await eventually('t-0 offline', () => cache.state('t', 0)?.leader === -1);
      await writer.setData(partitionStatePath('t', 0), partitionStateJson({ controllerEpoch: 1, leader: 1, leaderEpoch: 2, isr: [1] }));
      await eventually('t-0 back (watch re-armed)', () => cache.state('t', 0)?.leaderEpoch === 2);

      // Partitions added: the new one is watched too.
      await writer.setData(topicPath('t'), topicAssignmentJson('AAAAAAAAAAAAAAAAAAAAAB', new Map([[0, [1]], [1, [2]], [2, [1]]])));
      await eventually('3 partitions', () => cache.topics.get('t')!.assignment.size === 3);

      await writer.remove('/brokers/ids/2');
      await eventually('broker 2 gone', () => !cache.brokers.has(2));

      await writer.remove(partitionStatePath('t', 0));
      await writer.remove('/brokers/topics/t/partitions/0');
      await writer.remove('/brokers/topics/t/partitions');
      await writer.remove(topicPath('t'));
      await eventually('topic t gone', () => !cache.topics.has('t') && cache.state('t', 0) === undefined);
      expect(notifications).toBeGreaterThan(5);
    } finally {
      cache.detach();
      reader.close();
      await writer.remove('/brokers/ids/1');
      await writer.remove('/controller');
    }
  }, 30_000);

  it('reads the whole tree again on attach to a new session', async () => {
    await writer.create('/brokers/ids/3', brokerRegistrationJson({ brokerId: 3, endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9003 }], timestamp: 3 }), 'ephemeral');
    const cache = new ZkMetadataCache();
    const first = await connect();
    await cache.attach(first);
    expect([...cache.brokers.keys()]).toEqual([3]);
    first.close();
    await writer.create('/brokers/ids/4', brokerRegistrationJson({ brokerId: 4, endpoints: [], timestamp: 4 }), 'ephemeral');
    const second = await connect();
    try {
      await cache.attach(second);
      expect([...cache.brokers.keys()].sort()).toEqual([3, 4]);
      await writer.remove('/brokers/ids/3');
      await eventually('broker 3 gone on the new session', () => !cache.brokers.has(3));
    } finally {
      cache.detach();
      second.close();
    }
  }, 30_000);
});
