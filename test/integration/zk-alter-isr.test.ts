/**
 * ISR changes in zk mode (ZkCluster.alterIsr) on a real ZooKeeper, through an in-process native broker that
 * leads a replication-factor-1 partition: the partition epoch is the state znode's version; a change naming a
 * stale partition epoch is INVALID_UPDATE_VERSION, a stale leader epoch FENCED_LEADER_EPOCH, an ISR without the
 * leader or with a non-replica INVALID_REQUEST; a write that loses the race to another writer (a conditional
 * setData on an older version) is INVALID_UPDATE_VERSION with the partition as it now is.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterView } from '../../src/broker/cluster/cluster-view.js';
import { ZkClient } from '../../src/broker/zookeeper/zk-client.js';
import { partitionStateJson, partitionStatePath } from '../../src/broker/zookeeper/znodes.js';
import { ErrorCode } from '../../src/protocol/generated/error-codes.js';
import { startNativeBroker, type NativeBroker } from '../support/native-broker.js';
import { until } from '../support/native-cluster.js';
import { startZooKeeper, zooKeeperAvailable, type TestZooKeeper } from '../support/zookeeper.js';

describe.skipIf(!zooKeeperAvailable())('alterIsr in zk mode (conditional state znode writes)', () => {
  let zk: TestZooKeeper;
  let broker: NativeBroker;
  let cluster: ClusterView;
  const root = mkdtempSync(join(tmpdir(), 'kstack-zk-alter-isr-'));

  beforeAll(async () => {
    zk = await startZooKeeper();
    mkdirSync(join(root, 'data'), { recursive: true });
    writeFileSync(join(root, 'data', 'meta.properties'), 'version=0\nbroker.id=1\ncluster.id=zkAlterIsrTestAAAAAAAA\n');
    broker = await startNativeBroker({ dir: root, properties: { 'zookeeper.connect': `${zk.connect}/isr`, 'zookeeper.session.timeout.ms': '6000' } });
    cluster = broker.running!.context.cluster!;
    const r = await cluster.createTopic({ name: 'isr', partitions: 1, replicationFactor: 1, configs: new Map() }, 10_000);
    expect(r.errorCode).toBe(0);
    await until('a leader for isr-0', 10_000, async () => (cluster.partition('isr', 0)?.leader === 1 ? true : undefined));
  }, 60_000);

  afterAll(async () => {
    await broker?.stop();
    await zk?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses stale or malformed changes with Kafka\'s errors', async () => {
    const route = cluster.partition('isr', 0)!;
    const base = { topic: 'isr', partition: 0, leaderEpoch: route.leaderEpoch, partitionEpoch: route.partitionEpoch, isr: [1] };
    expect((await cluster.alterIsr({ ...base, partitionEpoch: route.partitionEpoch - 1 })).errorCode).toBe(ErrorCode.INVALID_UPDATE_VERSION);
    expect((await cluster.alterIsr({ ...base, leaderEpoch: route.leaderEpoch - 1 })).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect((await cluster.alterIsr({ ...base, leaderEpoch: route.leaderEpoch + 1 })).errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect((await cluster.alterIsr({ ...base, isr: [2] })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await cluster.alterIsr({ ...base, isr: [1, 7] })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await cluster.alterIsr({ ...base, topic: 'nope' })).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('writes at the known version and bumps the partition epoch; loses cleanly to a concurrent writer', async () => {
    const route = cluster.partition('isr', 0)!;
    const ok = await cluster.alterIsr({ topic: 'isr', partition: 0, leaderEpoch: route.leaderEpoch, partitionEpoch: route.partitionEpoch, isr: [1] });
    expect(ok.errorCode).toBe(ErrorCode.NONE);
    expect(ok.route!.partitionEpoch).toBe(route.partitionEpoch + 1);
    // Someone else (a controller) writes the znode: our next change names a version that is gone.
    const other = await ZkClient.connect(`${zk.connect}/isr`, { sessionTimeoutMs: 6000, connectTimeoutMs: 10_000 });
    try {
      const path = partitionStatePath('isr', 0);
      const node = (await other.getData(path))!;
      expect(node.version).toBe(ok.route!.partitionEpoch);
      expect(await other.setDataIfVersion(path, partitionStateJson({ controllerEpoch: 1, leader: 1, leaderEpoch: route.leaderEpoch, isr: [1] }), node.version)).toBe(node.version + 1);
      expect(await other.setDataIfVersion(path, node.data, node.version)).toBeNull(); // a stale conditional write loses
    } finally {
      other.close();
    }
    const stale = await cluster.alterIsr({ topic: 'isr', partition: 0, leaderEpoch: route.leaderEpoch, partitionEpoch: ok.route!.partitionEpoch, isr: [1] });
    expect(stale.errorCode).toBe(ErrorCode.INVALID_UPDATE_VERSION);
    await until('the cache to see the new version', 5000, async () => (cluster.partition('isr', 0)!.partitionEpoch === ok.route!.partitionEpoch + 1 ? true : undefined));
  });
});
