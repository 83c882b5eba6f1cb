/**
 * A child process that registers one broker id in ZooKeeper and then idles, so a test can kill -9 it and watch
 * the ephemeral znode expire. Args: <zookeeper.connect> <brokerId> <clusterId> <sessionTimeoutMs>
 */
import { ZkMembership } from '../../src/broker/zookeeper/registration.js';

const [connect, brokerId, clusterId, sessionTimeoutMs] = process.argv.slice(2);
const membership = new ZkMembership({
  zookeeperConnect: connect,
  brokerId: Number(brokerId),
  clusterId,
  sessionTimeoutMs: Number(sessionTimeoutMs),
  connectTimeoutMs: 10_000,
  endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 19092 }],
});
await membership.start();
process.stdout.write('registered\n');
setInterval(() => undefined, 1 << 30);
