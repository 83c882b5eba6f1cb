/**
 * The workspaces `kstack init` writes, run by the real thing: Apache Kafka 3.9.1 (jars from
 * scripts/fetch-apache-kafka.sh) and Debian's/Homebrew's ZooKeeper, started from the generated
 * server.properties, log4j.properties and zoo.cfg exactly as written. If Kafka's own config validation, its
 * storage checks (meta.properties, cluster id) or ZooKeeper's quorum (server.N vs myid) disagreed with a file,
 * these nodes would not come up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initWorkspace } from '../../src/stack/apply.js';
import { countPorts, type KafkaNodePlan, type StackPlan } from '../../src/stack/plan.js';
import { systemPlatform } from '../../src/platform.js';
import { findZooKeeper, probeZooKeeper, zooKeeperCommand } from '../../src/stack/zookeeper.js';
import { ZkClient } from '../../src/broker/zookeeper/zk-client.js';
import { clusterIdJson, splitZookeeperConnect } from '../../src/broker/zookeeper/znodes.js';
import { parseProperties } from '../../src/listeners/properties.js';
import { apacheKafkaSkipReason, findApacheKafka, javaBinary, probeMetadata } from '../support/apache-kafka.js';
import { freePortRange } from '../support/port-range.js';

const KAFKA_VERSION = '3.9.1';
const kafkaSkip = apacheKafkaSkipReason(KAFKA_VERSION);
const zkSkip = findZooKeeper() ? null : 'no ZooKeeper installation (apt-get install -y zookeeper)';
if (kafkaSkip) console.warn(`[workspace-apache-kafka] skipped: ${kafkaSkip}`);

const children: ChildProcess[] = [];
const dirs: string[] = [];
function track(child: ChildProcess): ChildProcess {
  children.push(child);
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
  return child;
}
afterEach(async () => {
  await Promise.all(
    children.splice(0).map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function startKafka(node: KafkaNodePlan): ChildProcess {
  const install = findApacheKafka(KAFKA_VERSION)!;
  const out = openSync(join(node.logsDir, 'kafka.out'), 'a');
  const child = spawn(
    javaBinary(),
    ['-Xmx256m', `-Dlog4j.configuration=file:${join(node.dir, 'log4j.properties')}`, `-Dkafka.logs.dir=${node.logsDir}`, '-cp', install.classpath, 'kafka.Kafka', join(node.dir, 'server.properties')],
    { stdio: ['ignore', out, out] },
  );
  closeSync(out);
  return track(child);
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, ok: (v: T) => boolean, timeoutMs: number, logs: string[]): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | null = null;
  while (Date.now() < deadline) {
    last = await probe().catch(() => null);
    if (last !== null && ok(last)) return last;
    if (children.some((c) => c.exitCode !== null)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const tails = logs.map((l) => `--- ${l}\n${existsSync(l) ? readFileSync(l, 'utf8').split('\n').slice(-15).join('\n') : '(none)'}`).join('\n');
  throw new Error(`${what} did not happen (last: ${JSON.stringify(last)})\n${tails}`);
}

async function init(options: { mode: 'kraft' | 'zk'; brokers: number; zookeepers?: number; controllers?: number }): Promise<StackPlan> {
  const root = mkdtempSync(join(tmpdir(), 'kstack-ws-kafka-'));
  dirs.push(root);
  const basePort = await freePortRange(countPorts(options));
  const { plan } = await initWorkspace({ ...options, dir: join(root, 'ws'), host: '127.0.0.1', basePort, force: false }, { platform: systemPlatform() });
  return plan;
}

describe.skipIf(kafkaSkip !== null)(`workspaces run on Apache Kafka ${KAFKA_VERSION}`, () => {
  it('kraft: 2 brokers and a dedicated controller form a cluster with the planned id and endpoints', async () => {
    const plan = await init({ mode: 'kraft', brokers: 2, controllers: 1 });
    for (const node of [...plan.nodes].reverse()) startKafka(node);
    const broker1 = plan.nodes[0];
    const port = broker1.listeners.find((l) => l.name === 'PLAINTEXT')!.port;
    const md = await waitFor(
      'both brokers in Metadata',
      () => probeMetadata('127.0.0.1', port, 1000),
      (m) => m.brokers.length === 2,
      120_000,
      plan.nodes.map((n) => join(n.logsDir, 'kafka.out')),
    );
    expect(md.clusterId).toBe(plan.clusterId);
    expect(md.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).sort()).toEqual(
      plan.nodes.filter((n) => n.roles.includes('broker')).map((n) => `${n.id}@127.0.0.1:${n.listeners.find((l) => l.name === 'PLAINTEXT')!.port}`),
    );
    // log4j.properties in Kafka's layout: Kafka itself wrote server.log and controller.log where it says.
    expect(existsSync(join(broker1.logsDir, 'server.log'))).toBe(true);
    expect(existsSync(join(plan.nodes[2].logsDir, 'controller.log'))).toBe(true);
    // Kafka 3.7+ adds a directory.id to the meta.properties init wrote (so init must not rewrite it later).
    const metaPath = join(broker1.dataDir, 'meta.properties');
    await waitFor('directory.id in meta.properties', async () => parseProperties(readFileSync(metaPath, 'latin1')).get('directory.id') ?? null, () => true, 30_000, []);
  }, 180_000);

  it.skipIf(zkSkip !== null)('zk: a 3-server ensemble forms a quorum from the zoo.cfg/myid files, and a broker joins it', async () => {
    const plan = await init({ mode: 'zk', brokers: 1, zookeepers: 3 });
    const zk = findZooKeeper()!;
    for (const server of plan.zookeepers) {
      const cmd = zooKeeperCommand(zk, { zooCfg: join(server.dir, 'zoo.cfg'), logDir: server.logsDir, heapMb: 128 });
      const out = openSync(join(server.logsDir, 'zookeeper.out'), 'a');
      track(spawn(cmd.file, cmd.args, { stdio: ['ignore', out, out] }));
      closeSync(out);
    }
    const modes: string[] = [];
    for (const server of plan.zookeepers) {
      const r = await waitFor(`ZooKeeper ${server.name} serving`, () => probeZooKeeper('127.0.0.1', server.clientPort, 1000), () => true, 90_000, [join(server.logsDir, 'zookeeper.out')]);
      modes.push(r.mode);
    }
    expect(modes.sort()).toEqual(['follower', 'follower', 'leader']);

    // Apache Kafka in zk mode takes its cluster id from /cluster/id; seeding it with the workspace's id is what
    // keeps it consistent with the meta.properties init wrote (otherwise: InconsistentClusterIdException).
    const { hosts, chroot } = splitZookeeperConnect(plan.zookeeperConnect!);
    await ZkClient.ensureChroot(hosts, chroot, 10_000);
    const client = await ZkClient.connect(plan.zookeeperConnect!, { sessionTimeoutMs: 10_000, connectTimeoutMs: 10_000 });
    try {
      await client.mkdirp('/cluster');
      await client.create('/cluster/id', clusterIdJson(plan.clusterId), 'persistent');
    } finally {
      client.close();
    }

    const broker = plan.nodes[0];
    startKafka(broker);
    const md = await waitFor(
      'the broker in Metadata',
      () => probeMetadata('127.0.0.1', broker.listeners[0].port, 1000),
      (m) => m.brokers.length === 1,
      120_000,
      [join(broker.logsDir, 'kafka.out')],
    );
    expect(md.clusterId).toBe(plan.clusterId);
    expect(md.brokers[0]).toEqual({ nodeId: 1, host: '127.0.0.1', port: broker.listeners[0].port });
  }, 180_000);
});
