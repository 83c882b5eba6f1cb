/**
 * `kstack up --engine docker` against a real Docker-API engine on this machine: Debian's podman behind
 * `podman system service` (scripts/podman-engine.sh), running an image assembled from this machine's JRE and the
 * Apache Kafka 4.4.0 jars in .peers/ (no registry is reachable). Through dockerode, kstack creates the network,
 * the container with its env, port bindings and extra_hosts, waits for Kafka-level readiness from the host,
 * streams the container's logs, reports status, and `down` removes everything.
 *
 * ZooKeeper mode runs the same way from a 3.9.1 image (bitnami env conventions, ZooKeeper from Kafka's own jars).
 *
 * Skips with a message when podman (apt-get install -y podman runc), busybox-static, Java or the 4.4.0 jars are
 * missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KstackError } from '../../src/errors.js';
import { probeListeners } from '../../src/doctor/probe.js';
import { systemPlatform } from '../../src/platform.js';
import { systemProcessProbe } from '../../src/stack/processes.js';
import { ensureTopic } from '../../src/stack/readiness.js';
import {
  collectDockerStatus,
  connectEngine,
  COMPOSE_FILE,
  DOCKER_STACK_FILE,
  demuxLogs,
  downDockerStack,
  followDockerLogs,
  noEngineFix,
  readDockerStack,
  upDockerStack,
} from '../../src/stack/engines/docker.js';
import { apacheKafkaSkipReason } from '../support/apache-kafka.js';
import { freePortRange } from '../support/port-range.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'podman-engine.sh');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const skip = !has('podman') || !has('runc')
  ? 'podman or runc not installed (apt-get install -y podman runc)'
  : !has('busybox')
    ? 'busybox not installed (apt-get install -y busybox-static) — the test image needs a shell'
    : apacheKafkaSkipReason('4.4.0');
if (skip) console.warn(`[engine-docker] skipped: ${skip}`);

const probe = systemProcessProbe();
const root = mkdtempSync(join(tmpdir(), 'kstack-engine-docker-'));
let dockerHost = '';
let image = '';
let startedService = false;
const ctx = () => systemPlatform({ env: { ...process.env, DOCKER_HOST: dockerHost } });

beforeAll(() => {
  if (skip) return;
  startedService = spawnSync('bash', [SCRIPT, 'status'], { stdio: 'ignore' }).status !== 0;
  const out = execFileSync('bash', [SCRIPT, 'start'], { encoding: 'utf8' }).trim();
  dockerHost = /DOCKER_HOST=(\S+)/.exec(out)![1];
  image = execFileSync('bash', [SCRIPT, 'image', '4.4.0'], { encoding: 'utf8', timeout: 300_000 }).trim().split('\n').pop()!;
}, 320_000);

afterAll(async () => {
  if (!skip && existsSync(join(root, 'ws', DOCKER_STACK_FILE))) await downDockerStack(join(root, 'ws'), ctx(), probe, 2).catch(() => undefined);
  // Leave the machine as found: stop the podman service if this test started it.
  if (startedService) spawnSync('bash', [SCRIPT, 'stop'], { stdio: 'ignore' });
  rmSync(root, { recursive: true, force: true });
});

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe('no engine', () => {
  it('refuses with the install command for the OS', async () => {
    let err: unknown;
    try {
      await connectEngine(systemPlatform(), [`unix://${join(root, 'no-such.sock')}`]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KstackError);
    expect((err as KstackError).code).toBe('KSTACK_NO_DOCKER');
    expect((err as KstackError).message).toContain('no-such.sock');
    expect(noEngineFix('linux')).toContain('apt-get install -y docker.io');
    expect(noEngineFix('linux')).toContain('podman');
    expect(noEngineFix('darwin')).toContain('colima');
  });
});

describe.skipIf(skip !== null)('--engine docker on podman', () => {
  it('network, container with env and port bindings, Kafka-level readiness, logs, status, and down removes everything', async () => {
    const base = await freePortRange(1);
    const dockerBase = await freePortRange(1);
    const dir = join(root, 'ws');
    const result = await upDockerStack(
      { dir, mode: 'kraft', brokers: 1, image: 'apache', imageName: image, basePort: base, dockerBasePort: dockerBase, demo: null, timeoutMs: 180_000 },
      { platform: ctx(), probe, launcher: { node: process.execPath, kstackBin: join(ROOT, 'bin', 'kstack.js') }, phase: (_l, w) => w() },
    );
    const { record } = result;
    expect(record.engineName).toMatch(/podman/i);
    expect(record.bootstrap.host).toBe(`127.0.0.1:${base}`);
    expect(readDockerStack(dir)?.containers.map((c) => c.service)).toEqual(['kafka-1']);
    // The compose file kstack wrote next to the records describes the same service.
    const compose = parse(readFileSync(join(dir, COMPOSE_FILE), 'utf8')) as { services: Record<string, { image: string }> };
    expect(compose.services['kafka-1'].image).toBe(image);

    // What the engine holds: the network, and a container with our env, port bindings and extra_hosts.
    const docker = new Docker({ socketPath: dockerHost.replace('unix://', '') });
    expect((await docker.getNetwork(record.network).inspect()).Name).toBe(record.network);
    const info = await docker.getContainer(record.containers[0].id).inspect();
    expect(info.Config.Env).toEqual(expect.arrayContaining([`CLUSTER_ID=${record.clusterId}`, 'KAFKA_NODE_ID=1', `KAFKA_ADVERTISED_LISTENERS=INTERNAL://kafka-1:19092,EXTERNAL://127.0.0.1:${base},DOCKER://host.docker.internal:${dockerBase}`]));
    expect(info.HostConfig.PortBindings?.[`${base}/tcp`]).toEqual([{ HostIp: '127.0.0.1', HostPort: String(base) }]);
    expect(info.HostConfig.PortBindings?.[`${dockerBase}/tcp`]?.[0]?.HostPort).toBe(String(dockerBase));
    expect((info.HostConfig.ExtraHosts ?? []).some((h: string) => h.startsWith('host.docker.internal:'))).toBe(true);

    // Logs stream: creating a topic shows up in the broker's output.
    const lines: string[] = [];
    const abort = new AbortController();
    const following = followDockerLogs(dir, ctx(), ['kafka-1'], (_s, line) => lines.push(line), abort.signal);
    // The stream attaches asynchronously (and slowly on a busy machine): new topics until one shows up in it.
    const deadline = Date.now() + 40_000;
    for (let i = 0; !lines.some((l) => l.includes('engine-docker-logs')) && Date.now() < deadline; i++) {
      await ensureTopic(record.bootstrap.host, `engine-docker-logs-${i}`, 30_000);
      const wait = Date.now() + 3000;
      while (!lines.some((l) => l.includes('engine-docker-logs')) && Date.now() < wait) await new Promise((r) => setTimeout(r, 200));
    }
    abort.abort();
    await following;
    expect(lines.some((l) => l.includes('engine-docker-logs'))).toBe(true);

    const status = await collectDockerStatus(dir, ctx(), probe);
    expect(status.running).toBe(true);
    expect(status.processes[0]).toMatchObject({ name: 'kafka-1', up: true, ports: [base, dockerBase] });
    expect(status.brokers).toEqual([expect.objectContaining({ id: 1, registered: 'active' })]);
    expect(status.routes.map((r) => r.topic)).toContain('engine-docker-logs-0');
    const live = await probeListeners({ bootstrap: [record.bootstrap.host], dockerAvailable: async () => ({ ok: false, detail: 'not needed here' }) });
    expect(live.findings.filter((f) => f.severity === 'error'), JSON.stringify(live.findings, null, 2)).toEqual([]);

    const down = await downDockerStack(dir, ctx(), probe, 5);
    expect(down.removed).toEqual(['kafka-1']);
    expect(await docker.listContainers({ all: true, filters: { label: [`dev.kstack.project=${record.project}`] } })).toEqual([]);
    await expect(docker.getNetwork(record.network).inspect()).rejects.toThrow();
    expect(existsSync(join(dir, DOCKER_STACK_FILE))).toBe(false);
    expect(await portOpen(base)).toBe(false);
  }, 300_000);

  it('three brokers in containers form a KRaft quorum over the INTERNAL/CONTROLLER names, and a container on another network reaches the DOCKER listener', async () => {
    const base = await freePortRange(3);
    const dockerBase = await freePortRange(3);
    const dir = join(root, 'ws3');
    const result = await upDockerStack(
      { dir, mode: 'kraft', brokers: 3, image: 'apache', imageName: image, basePort: base, dockerBasePort: dockerBase, demo: null, timeoutMs: 240_000 },
      { platform: ctx(), probe, launcher: { node: process.execPath, kstackBin: join(ROOT, 'bin', 'kstack.js') }, phase: (_l, w) => w() },
    );
    const docker = new Docker({ socketPath: dockerHost.replace('unix://', '') });
    const other = `kstack-test-other-${process.pid}`;
    try {
      const status = await collectDockerStatus(dir, ctx(), probe);
      expect(status.brokers.map((b) => `${b.id}:${b.registered}`)).toEqual(['1:active', '2:active', '3:active']);
      // The readiness topic was created with replication factor 3: replication ran over the INTERNAL names.
      const ready = status.routes.find((r) => r.topic === '__kstack_ready');
      expect(ready?.replicas.length).toBe(3);

      // A container outside the stack's network, given host.docker.internal the way Linux needs it.
      const net = await docker.createNetwork({ Name: other, Driver: 'bridge' });
      const info = (await net.inspect()) as { subnets?: { gateway?: string }[]; IPAM?: { Config?: { Gateway?: string }[] } };
      const gateway = info.IPAM?.Config?.find((c) => c.Gateway)?.Gateway ?? info.subnets?.find((x) => x.gateway)?.gateway;
      const probeContainer = await docker.createContainer({
        Image: image,
        Cmd: ['/bin/sh', '-c', result.compose.bootstrap.otherContainers.split(',').map((e) => `nc -w 3 ${e.replace(":", " ")} </dev/null && echo reachable ${e}`).join(' && ')],
        HostConfig: { NetworkMode: other, ExtraHosts: [`host.docker.internal:${gateway}`] },
      });
      await probeContainer.start();
      await probeContainer.wait();
      const out = (await probeContainer.logs({ stdout: true, stderr: true })) as unknown as Buffer;
      await probeContainer.remove({ force: true });
      const text = demuxLogs(Buffer.from(out));
      for (const e of result.compose.bootstrap.otherContainers.split(',')) expect(text, text).toContain(`reachable ${e}`);
    } finally {
      await docker.getNetwork(other).remove().catch(() => undefined);
      const down = await downDockerStack(dir, ctx(), probe, 5);
      expect(down.removed.sort()).toEqual(['kafka-1', 'kafka-2', 'kafka-3']);
    }
  }, 400_000);

  it.skipIf(apacheKafkaSkipReason('3.9.1') !== null)('ZooKeeper mode in containers, bitnami conventions: a 3-server ensemble first, then a broker registered in it', async () => {
    const zkImage = execFileSync('bash', [SCRIPT, 'image', '3.9.1'], { encoding: 'utf8', timeout: 300_000 }).trim().split('\n').pop()!;
    const base = await freePortRange(1);
    const dockerBase = await freePortRange(1);
    const dir = join(root, 'wszk');
    const phases: string[] = [];
    const result = await upDockerStack(
      { dir, mode: 'zk', brokers: 1, zookeepers: 3, image: 'bitnami', imageName: zkImage, zookeeperImageName: zkImage, basePort: base, dockerBasePort: dockerBase, demo: null, timeoutMs: 180_000 },
      { platform: ctx(), probe, launcher: { node: process.execPath, kstackBin: join(ROOT, 'bin', 'kstack.js') }, phase: (l, w) => (phases.push(l), w()) },
    );
    try {
      expect(phases.findIndex((p) => p.startsWith('zookeeper ×3'))).toBeLessThan(phases.findIndex((p) => p.startsWith('kafka containers')));
      const docker = new Docker({ socketPath: dockerHost.replace('unix://', '') });
      const broker = await docker.getContainer(result.record.containers.find((c) => c.service === 'kafka-1')!.id).inspect();
      expect(broker.Config.Env).toEqual(expect.arrayContaining(['KAFKA_CFG_ZOOKEEPER_CONNECT=zookeeper-1:2181,zookeeper-2:2181,zookeeper-3:2181', 'KAFKA_CFG_BROKER_ID=1']));
      const status = await collectDockerStatus(dir, ctx(), probe);
      expect(status.processes.filter((p) => p.up).map((p) => p.name)).toEqual(['zookeeper-1', 'zookeeper-2', 'zookeeper-3', 'kafka-1']);
      // A ZooKeeper-mode broker is only in Metadata once it has registered under /brokers/ids.
      expect(status.brokers).toEqual([expect.objectContaining({ id: 1, registered: 'active' })]);
    } finally {
      const down = await downDockerStack(dir, ctx(), probe, 5);
      expect(down.removed.sort()).toEqual(['kafka-1', 'zookeeper-1', 'zookeeper-2', 'zookeeper-3']);
    }
  }, 400_000);
});
