/**
 * `kstack doctor listeners --bootstrap` from inside Docker networks, against a real Docker-API engine (podman behind
 * scripts/podman-engine.sh) running the Apache Kafka 4.4.0 test image: one broker container with a listener for
 * this machine (EXTERNAL, published) and one for containers (INTERNAL).
 *
 * 1. INTERNAL advertises localhost: found through the container that publishes the bootstrap port, the probe
 *    container on its network reports M1 with an advertised.listeners fix naming the broker's name on the network.
 * 2. The same broker advertising its network alias, found through --compose (project name + `<project>_default`):
 *    green from this machine and from the network; published ports agree with what is advertised.
 *
 * Skips with a message when podman/runc, busybox-static or the 4.4.0 jars are missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeListeners, type ProbeReport } from '../../src/doctor/probe.js';
import { fetchMetadata } from '../../src/stack/readiness.js';
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
if (skip) console.warn(`[doctor-docker-vantage] skipped: ${skip}`);

const root = mkdtempSync(join(tmpdir(), 'kstack-docker-vantage-'));
const project = `kstackvantage${process.pid}`;
const network = `${project}_default`;
let dockerHost = '';
let image = '';
let startedService = false;
let docker: Docker;
const savedHost = process.env.DOCKER_HOST;

beforeAll(async () => {
  if (skip) return;
  startedService = spawnSync('bash', [SCRIPT, 'status'], { stdio: 'ignore' }).status !== 0;
  const out = execFileSync('bash', [SCRIPT, 'start'], { encoding: 'utf8' }).trim();
  dockerHost = /DOCKER_HOST=(\S+)/.exec(out)![1];
  image = execFileSync('bash', [SCRIPT, 'image', '4.4.0'], { encoding: 'utf8', timeout: 300_000 }).trim().split('\n').pop()!;
  process.env.DOCKER_HOST = dockerHost;
  docker = new Docker({ socketPath: dockerHost.replace('unix://', '') });
  await docker.createNetwork({ Name: network, Driver: 'bridge', Labels: { 'com.docker.compose.project': project, 'com.docker.compose.network': 'default' } });
}, 320_000);

afterAll(async () => {
  if (!skip) {
    const left = await docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } });
    for (const c of left) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    await docker.getNetwork(network).remove().catch(() => undefined);
    if (startedService) spawnSync('bash', [SCRIPT, 'stop'], { stdio: 'ignore' });
  }
  if (savedHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = savedHost;
  rmSync(root, { recursive: true, force: true });
});

/** One KRaft broker+controller: EXTERNAL on the published host port, INTERNAL (19092) advertised as `internalHost`. */
async function startBroker(hostPort: number, internalHost: string): Promise<Docker.Container> {
  const c = await docker.createContainer({
    name: `${project}-kafka-1`,
    Hostname: 'kafka',
    Image: image,
    Labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': 'kafka' },
    Env: [
      'CLUSTER_ID=MkU3OEVBNTcwNTJENDM2Qk',
      'KAFKA_NODE_ID=1',
      'KAFKA_PROCESS_ROLES=broker,controller',
      `KAFKA_LISTENERS=INTERNAL://:19092,EXTERNAL://:${hostPort},CONTROLLER://:19093`,
      `KAFKA_ADVERTISED_LISTENERS=INTERNAL://${internalHost}:19092,EXTERNAL://127.0.0.1:${hostPort}`,
      'KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'KAFKA_INTER_BROKER_LISTENER_NAME=INTERNAL',
      'KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER',
      'KAFKA_CONTROLLER_QUORUM_VOTERS=1@kafka:19093',
      'KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1',
      'KAFKA_HEAP_OPTS=-Xmx256m',
    ],
    ExposedPorts: { [`${hostPort}/tcp`]: {} },
    HostConfig: { NetworkMode: network, PortBindings: { [`${hostPort}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] } },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: ['kafka'] } } },
  });
  await c.start();
  const deadline = Date.now() + 150_000;
  for (;;) {
    try {
      const m = await fetchMetadata('127.0.0.1', hostPort, null, false, 3000);
      if (m.brokers.length > 0) return c;
    } catch {
      // not up yet
    }
    const state = await c.inspect();
    if (!state.State.Running) throw new Error(`broker container exited: ${(await c.logs({ stdout: true, stderr: true, tail: 30 })).toString()}`);
    if (Date.now() > deadline) throw new Error('broker did not answer Metadata within 150 s');
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const errors = (r: ProbeReport) => r.findings.filter((f) => f.severity === 'error');

describe.skipIf(skip !== null)('doctor listeners: the Docker vantage on podman', () => {
  it('a broker advertising localhost on its network listener: the probe from its network reports M1 with the fix', async () => {
    const port = await freePortRange(1);
    const broker = await startBroker(port, 'localhost');
    try {
      const r = await probeListeners({ bootstrap: [`127.0.0.1:${port}`], timeoutMs: 3000 });
      expect(r.skippedVantages, JSON.stringify(r.skippedVantages)).toEqual([]);
      // From this machine everything works: the EXTERNAL listener is right for it.
      expect(r.findings.filter((f) => f.severity === 'error' && f.data?.vantage === undefined)).toEqual([]);
      // Found through the container publishing the bootstrap port; probed from its network.
      expect(r.publishedPorts).toEqual([{ container: `${project}-kafka-1`, containerPort: port, hostIp: '127.0.0.1', hostPort: port }]);
      expect(r.dockerVantages.map((v) => v.vantage)).toEqual([`docker:${network}`]);
      const v = r.dockerVantages[0];
      const internal = v.endpoints.find((e) => e.listener === 'INTERNAL')!;
      expect(internal.endpoint).toBe('localhost:19092');
      expect(internal.steps.find((s) => s.step === 'dns')?.status).toBe('ok');
      expect(internal.steps.find((s) => s.step === 'tcp')?.status).toBe('failed');
      // EXTERNAL (127.0.0.1) is the container itself in there: right for this machine only, so a note, not an error.
      const external = v.endpoints.find((e) => e.listener === 'EXTERNAL')!;
      expect(external.steps.slice(0, 2).map((s) => s.status)).toEqual(['ok', 'failed']);
      expect(r.findings.find((f) => f.data?.vantage === `docker:${network}` && f.data?.endpoint === external.endpoint)).toMatchObject({ id: 'M1', severity: 'ok' });
      expect(errors(r).map((f) => f.id), JSON.stringify(r.findings, null, 2)).toEqual(['M1']);
      const m1 = errors(r)[0];
      expect(m1!.data).toMatchObject({ vantage: `docker:${network}`, endpoint: 'localhost:19092', listener: 'INTERNAL', nodeId: 1 });
      expect(m1!.fix).toContain(`INTERNAL://kafka:19092`);
      expect(m1!.fix).toContain(`EXTERNAL://127.0.0.1:${port}`);
      expect(r.verdict).toContain(`From network ${network}`);
      expect(r.verdict).toContain('[M1]');
      // The probe container is gone.
      const left = await docker.listContainers({ all: true, filters: { label: ['dev.kstack.doctor-probe=true'] } });
      expect(left).toEqual([]);
    } finally {
      await broker.remove({ force: true });
    }
  }, 240_000);

  it('the same broker advertising its network alias, found through --compose: green from this machine and from the network', async () => {
    const port = await freePortRange(1);
    const dir = join(root, project);
    rmSync(dir, { recursive: true, force: true });
    execFileSync('mkdir', ['-p', dir]);
    const composeFile = join(dir, 'docker-compose.yml');
    writeFileSync(composeFile, `services:\n  kafka:\n    image: ${image}\n    ports: ["127.0.0.1:${port}:${port}"]\n`);
    const broker = await startBroker(port, 'kafka');
    try {
      const r = await probeListeners({ bootstrap: [`127.0.0.1:${port}`], timeoutMs: 3000, compose: [composeFile] });
      expect(errors(r), JSON.stringify(r.findings, null, 2)).toEqual([]);
      expect(r.skippedVantages).toEqual([]);
      expect(r.dockerVantages.map((v) => v.vantage)).toEqual([`docker:${network}`]);
      const v = r.dockerVantages[0];
      expect(v.image).toBe(image);
      const internal = v.endpoints.find((e) => e.listener === 'INTERNAL')!;
      expect(internal.endpoint).toBe('kafka:19092');
      expect(internal.steps.filter((s) => s.step === 'dns' || s.step === 'tcp').map((s) => s.status)).toEqual(['ok', 'ok']);
      expect(r.findings.some((f) => f.id === 'advertised' && f.data?.vantage === `docker:${network}` && f.data?.endpoint === 'kafka:19092')).toBe(true);
      expect(r.verdict).toContain(`From network ${network}, containers reach the brokers`);
    } finally {
      await broker.remove({ force: true });
    }
  }, 240_000);
});
