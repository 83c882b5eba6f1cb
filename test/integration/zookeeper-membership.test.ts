import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkClient } from '../../src/broker/zookeeper/zk-client.js';
import { ZkMembership } from '../../src/broker/zookeeper/registration.js';
import { parseBrokerRegistration, parseTopicAssignment, parsePartitionState } from '../../src/broker/zookeeper/znodes.js';
import { startZooKeeper, zooKeeperAvailable, type TestZooKeeper } from '../support/zookeeper.js';

const endpoint = (port: number) => [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port }];
const CLUSTER = 'MkU3OEVBNTcwNTJENDM2Qg';

describe.skipIf(!zooKeeperAvailable())('broker membership in a real ZooKeeper', () => {
  let zk: TestZooKeeper;
  let reader: ZkClient;
  beforeAll(async () => {
    zk = await startZooKeeper();
    reader = await ZkClient.connect(`${zk.connect}/kstack`, { sessionTimeoutMs: 6000, connectTimeoutMs: 10_000 }).catch(async () => {
      await ZkClient.ensureChroot(zk.connect, '/kstack', 10_000);
      return ZkClient.connect(`${zk.connect}/kstack`, { sessionTimeoutMs: 6000, connectTimeoutMs: 10_000 });
    });
  }, 60_000);
  afterAll(async () => {
    reader?.close();
    await zk?.stop();
  });

  const member = (brokerId: number, clusterId = CLUSTER) =>
    new ZkMembership({ zookeeperConnect: `${zk.connect}/kstack`, brokerId, clusterId, sessionTimeoutMs: 4000, connectTimeoutMs: 10_000, endpoints: endpoint(9000 + brokerId) });

  it('registers Kafka-shaped znodes under the chroot and removes them on close', async () => {
    const m = member(1);
    await m.start();
    const node = await reader.getData('/brokers/ids/1');
    expect(node).not.toBeNull();
    const body = JSON.parse(node!.data);
    expect(body).toMatchObject({ version: 5, jmx_port: -1, host: '127.0.0.1', port: 9001, endpoints: ['PLAINTEXT://127.0.0.1:9001'], listener_security_protocol_map: { PLAINTEXT: 'PLAINTEXT' } });
    expect(parseBrokerRegistration(1, node!.data).endpoints[0].port).toBe(9001);
    expect(JSON.parse((await reader.getData('/cluster/id'))!.data)).toEqual({ version: '1', id: CLUSTER });
    expect(JSON.parse((await reader.getData('/controller'))!.data).brokerid).toBe(1);
    expect(m.isController).toBe(true);

    await m.publishTopic('orders', 'AAAAAAAAAAAAAAAAAAAAAQ', new Map([[0, [1]], [1, [1]]]));
    expect(parseTopicAssignment((await reader.getData('/brokers/topics/orders'))!.data).assignment.get(1)).toEqual([1]);
    expect(parsePartitionState((await reader.getData('/brokers/topics/orders/partitions/0/state'))!.data)).toMatchObject({ leader: 1, isr: [1] });

    await m.close();
    await waitFor(async () => (await reader.getData('/brokers/ids/1')) === null, 5000);
    await m.close();
  });

  it('reserves disjoint producer id blocks for brokers racing on /latest_producer_id_block, in Kafka\'s format', async () => {
    const a = member(11);
    const b = member(12);
    await Promise.all([a.start(), b.start()]);
    try {
      const blocks = await Promise.all([a, b, a, b, a, b].map((m) => m.allocateProducerIdBlock(1000)));
      const starts = blocks.map((x) => x.start).sort((x, y) => (x < y ? -1 : 1));
      expect(new Set(starts).size).toBe(6);
      for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBe(1000n);
      const node = JSON.parse((await reader.getData('/latest_producer_id_block'))!.data);
      expect(node).toMatchObject({ version: 1, block_start: String(starts[5]), block_end: String(starts[5] + 999n) });
      expect([11, 12]).toContain(node.broker);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses a second live broker with the same id, in Kafka\'s words', async () => {
    const first = member(2);
    await first.start();
    const second = member(2);
    await expect(second.start()).rejects.toThrow(/node already exists and owner/);
    await second.close();
    await first.close();
  });

  it('refuses a broker whose meta.properties cluster id differs from /cluster/id', async () => {
    const wrong = member(3, 'AAAAAAAAAAAAAAAAAAAAAA');
    await expect(wrong.start()).rejects.toThrow(/doesn't match stored clusterId/);
    await wrong.close();
  });

  it('moves the controller to a surviving broker', async () => {
    const a = member(4);
    const b = member(5);
    await a.start();
    await b.start();
    const controllerBefore = JSON.parse((await reader.getData('/controller'))!.data).brokerid;
    const [winner, survivor] = controllerBefore === 4 ? [a, b] : [b, a];
    expect(winner.isController).toBe(true);
    await winner.close();
    await waitFor(() => survivor.isController, 5000);
    await survivor.close();
  });

  it('drops a killed broker\'s znode when its session times out', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/zk-member-child.ts', `${zk.connect}/kstack`, '7', CLUSTER, '2000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d) => String(d).includes('registered') && resolve());
      child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    expect(await reader.getData('/brokers/ids/7')).not.toBeNull();
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await waitFor(async () => (await reader.getData('/brokers/ids/7')) === null, 10_000);
    // Gone after the session timeout (2 s, rounded by ZooKeeper to its tick), not before it.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(1500);
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
