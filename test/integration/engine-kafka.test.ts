/**
 * `kstack up --engine kafka`: the workspace kstack renders, run by real Apache Kafka from the jars in .peers/
 * (4.4.0 for KRaft, 3.9.1 for ZooKeeper mode). kstack formats the storage (StorageTool), starts the nodes,
 * reaches Kafka-level readiness (a record produced and consumed back), `status` sees the brokers, and `down`
 * stops every process. JVM starts are few on purpose (2 cores shared): 3 + 1 KRaft nodes, 1 ZooKeeper + 1 broker.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ZkClient } from '../../src/broker/zookeeper/zk-client.js';
import { probeListeners } from '../../src/doctor/probe.js';
import { parseClusterId } from '../../src/broker/zookeeper/znodes.js';
import { KstackError } from '../../src/errors.js';
import { parseProperties } from '../../src/listeners/properties.js';
import { systemPlatform } from '../../src/platform.js';
import { stopStack } from '../../src/stack/down.js';
import { countPorts, type StackMode } from '../../src/stack/plan.js';
import { systemProcessProbe } from '../../src/stack/processes.js';
import { readState } from '../../src/stack/state.js';
import { collectStatus } from '../../src/stack/status.js';
import { upStack, type UpResult } from '../../src/stack/up.js';
import { findZooKeeper } from '../../src/stack/zookeeper.js';
import { apacheKafkaSkipReason, PEERS_DIR } from '../support/apache-kafka.js';
import { freePortRange } from '../support/port-range.js';

const KRAFT_VERSION = '4.4.0';
const ZK_VERSION = '3.9.1';
const kraftSkip = apacheKafkaSkipReason(KRAFT_VERSION);
const zkSkip = apacheKafkaSkipReason(ZK_VERSION) ?? (findZooKeeper() ? null : 'no ZooKeeper installation (apt-get install -y zookeeper)');
if (kraftSkip) console.warn(`[engine-kafka] KRaft tests skipped: ${kraftSkip}`);
if (zkSkip) console.warn(`[engine-kafka] ZooKeeper-mode test skipped: ${zkSkip}`);

const probe = systemProcessProbe();
const root = mkdtempSync(join(tmpdir(), 'kstack-engine-kafka-'));
const workspaces: string[] = [];
afterAll(async () => {
  // Never leave a JVM behind, whatever failed.
  for (const ws of workspaces) await stopStack(ws, probe, { purge: false, graceMs: 5000 });
  rmSync(root, { recursive: true, force: true });
});

const quiet = { phase: <T>(_label: string, work: () => Promise<T>) => work() };

async function up(name: string, mode: StackMode, brokers: number, version: string, extra: { env?: NodeJS.ProcessEnv } = {}): Promise<UpResult> {
  const dir = join(root, name);
  workspaces.push(dir);
  const basePort = await freePortRange(countPorts({ mode, brokers }));
  return upStack(
    { mode, brokers, dir, host: '127.0.0.1', basePort, force: false, demo: null, timeoutMs: 120_000, engine: 'kafka', kafkaHome: join(PEERS_DIR, `apache-kafka-${version}`) },
    { platform: systemPlatform(extra.env ? { env: extra.env } : {}), probe, launcher: { node: process.execPath, kstackBin: 'unused' }, ...quiet },
  );
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function downAndCheck(result: UpResult): Promise<void> {
  const ws = result.init.plan.workspace;
  const report = await stopStack(ws, probe, { purge: false });
  expect(report.stopped.map((s) => s.how).every((h) => h === 'stopped' || h === 'killed')).toBe(true);
  for (const c of result.state.components) expect(probe.commandLine(c.pid)).toBeNull();
  for (const p of result.init.plan.ports) expect(await portOpen(p.port)).toBe(false);
  expect(readState(ws)).toBeNull();
}

describe.skipIf(kraftSkip !== null)(`--engine kafka, KRaft, Apache Kafka ${KRAFT_VERSION}`, () => {
  it('three combined nodes: formatted with the one cluster id, ready, seen by status, stopped by down', async () => {
    const result = await up('kraft3', 'kraft', 3, KRAFT_VERSION);
    const { plan } = result.init;
    expect(result.state.engine).toBe('kafka');
    expect(readState(plan.workspace)?.components.map((c) => c.command)).toEqual(['java', 'java', 'java'].map((j) => expect.stringContaining(j)));
    for (const node of plan.nodes) {
      // StorageTool wrote this meta.properties (directory.id is its mark) with the workspace's cluster id.
      const meta = parseProperties(readFileSync(join(node.dataDir, 'meta.properties'), 'latin1'));
      expect(meta.get('cluster.id')).toBe(plan.clusterId);
      expect(meta.get('node.id')).toBe(String(node.id));
      expect(meta.has('directory.id')).toBe(true);
      // Kafka 4 logs through log4j2: the translated config put Kafka's own files where log4j.properties says.
      expect(existsSync(join(node.dir, 'log4j2.properties'))).toBe(true);
      expect(readFileSync(join(node.logsDir, 'server.log'), 'utf8')).toContain('Kafka Server started');
      expect(existsSync(join(node.logsDir, 'controller.log'))).toBe(true);
    }
    const status = await collectStatus(plan.workspace, probe);
    expect(status.running).toBe(true);
    expect(status.clusterId).toBe(plan.clusterId);
    expect(status.brokers.filter((b) => b.registered === 'active').map((b) => b.id).sort()).toEqual([1, 2, 3]);
    expect(status.routes.some((r) => r.topic === '__kstack_ready')).toBe(true);
    // The doctor's live probe, unchanged, finds every advertised endpoint of Apache Kafka's brokers working.
    const live = await probeListeners({ bootstrap: plan.bootstrap.split(','), dockerAvailable: async () => ({ ok: false, detail: 'not needed here' }) });
    expect(live.findings.filter((f) => f.severity === 'error'), JSON.stringify(live.findings, null, 2)).toEqual([]);
    expect(live.endpoints.length).toBeGreaterThanOrEqual(3);
    await downAndCheck(result);
  }, 300_000);

  it('one node: up, down, and up again without re-formatting (the data and cluster id stay)', async () => {
    const first = await up('kraft1', 'kraft', 1, KRAFT_VERSION);
    const metaPath = join(first.init.plan.nodes[0].dataDir, 'meta.properties');
    const meta = readFileSync(metaPath, 'latin1');
    const formatLog = join(first.init.plan.nodes[0].logsDir, 'storage-format.out');
    const formatted = readFileSync(formatLog, 'utf8');
    expect(formatted).toMatch(/Formatting metadata directory/);
    await downAndCheck(first);
    const dir = join(root, 'kraft1');
    const second = await upStack(
      { mode: 'kraft', brokers: 1, dir, host: '127.0.0.1', basePort: first.init.plan.basePort, force: false, demo: null, timeoutMs: 120_000, engine: 'kafka', kafkaHome: join(PEERS_DIR, `apache-kafka-${KRAFT_VERSION}`) },
      { platform: systemPlatform(), probe, launcher: { node: process.execPath, kstackBin: 'unused' }, ...quiet },
    );
    expect(second.init.plan.clusterId).toBe(first.init.plan.clusterId);
    expect(readFileSync(metaPath, 'latin1')).toBe(meta);
    // StorageTool did not run again: its log is as the first start left it.
    expect(readFileSync(formatLog, 'utf8')).toBe(formatted);
    await downAndCheck(second);
  }, 300_000);

  it('refuses clearly, before starting anything: no installation, zk mode on Kafka 4, no Java', async () => {
    const refusal = async (f: () => Promise<unknown>): Promise<KstackError> => {
      try {
        await f();
      } catch (err) {
        return err as KstackError;
      }
      throw new Error('expected a refusal');
    };
    const dir = join(root, 'refused');
    const request = { mode: 'kraft' as StackMode, brokers: 1, dir, host: '127.0.0.1', basePort: 45000, force: false, demo: null, timeoutMs: 5000, engine: 'kafka' as const };
    const deps = { platform: systemPlatform(), probe, launcher: { node: process.execPath, kstackBin: 'unused' }, ...quiet };

    const noInstall = await refusal(() => upStack({ ...request, kafkaHome: root }, deps));
    expect(noInstall.code).toBe('KSTACK_NO_KAFKA');
    expect(noInstall.message).toContain('is not an Apache Kafka installation');

    const zk = await refusal(() => upStack({ ...request, mode: 'zk', kafkaHome: join(PEERS_DIR, `apache-kafka-${KRAFT_VERSION}`) }, deps));
    expect(zk.code).toBe('KSTACK_NO_ZK_MODE');
    expect(zk.message).toContain('Kafka 4.0 removed it');

    const noJava = await refusal(() =>
      upStack({ ...request, kafkaHome: join(PEERS_DIR, `apache-kafka-${KRAFT_VERSION}`) }, { ...deps, platform: systemPlatform({ env: { ...process.env, JAVA_HOME: join(root, 'no-jdk') } }) }),
    );
    expect(noJava.code).toBe('KSTACK_NO_JAVA');
    expect(noJava.message).toContain('needs Java 17 or newer');
    expect(noJava.fix).toMatch(/openjdk-17|openjdk@17/);
    expect(existsSync(dir)).toBe(false);
  });
});

describe.skipIf(zkSkip !== null)(`--engine kafka, ZooKeeper mode, Apache Kafka ${ZK_VERSION}`, () => {
  it('a ZooKeeper server and a broker: the workspace cluster id is seeded in ZooKeeper, ready, stopped by down', async () => {
    const result = await up('zk1', 'zk', 1, ZK_VERSION);
    const { plan } = result.init;
    const zk = await ZkClient.connect(plan.zookeeperConnect!, { sessionTimeoutMs: 6000, connectTimeoutMs: 5000 });
    try {
      const id = await zk.getData('/cluster/id');
      expect(id && parseClusterId(id.data)).toBe(plan.clusterId);
      expect(await zk.getChildren('/brokers/ids')).toEqual(['1']);
    } finally {
      zk.close();
    }
    const status = await collectStatus(plan.workspace, probe);
    expect(status.brokers).toEqual([expect.objectContaining({ id: 1, registered: 'active', source: 'zookeeper /brokers/ids' })]);
    await downAndCheck(result);
  }, 300_000);
});
