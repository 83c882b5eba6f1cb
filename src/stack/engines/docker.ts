/**
 * `kstack up --engine docker`: the compose model of `kstack compose` (src/compose/generate.ts) brought up through
 * the Docker Engine API with dockerode — any engine that speaks it: Docker, Docker Desktop, colima, or podman's
 * `podman system service`. No docker CLI or compose plugin is needed.
 *
 *   ping an engine (DOCKER_HOST, then the usual sockets) ─ none: refuse with the install command for this OS
 *   → pull missing images (progress reported) → one network per stack → one container per service (env, port
 *   bindings, extra_hosts, healthcheck, a network alias = the service name) → ZooKeeper first, healthy
 *   → Kafka nodes → Kafka-level readiness from the host (a record produced and consumed back) → demo clients as
 *   host processes, as with the native engine.
 *
 * Records: <workspace>/docker-compose.yml (the same services, for `docker compose` users), docker-stack.json (the
 * engine endpoint, project, network and container ids), and state.json (engine "docker", with the demo client
 * processes), so `kstack down`, `status` and `logs` find everything from another terminal.
 *
 * Engine differences handled: podman (4.x) rejects the special `host-gateway` value in extra_hosts, so there the
 * network's own gateway address is used for host.docker.internal, which is what Docker's host-gateway means.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { KstackError } from '../../errors.js';
import type { PlatformContext } from '../../platform.js';
import { dockerEndpoints } from '../../platform.js';
import { imagePresent, pingDocker } from '../../doctor/checks/docker.js';
import { generateCompose, renderCompose, HOST_GATEWAY, type ComposeOptions, type ComposeResult } from '../../compose/generate.js';
import { imageRef, type ImageFamily } from '../../compose/images.js';
import type { ComposeService } from '../../compose/model.js';
import { isValidClusterId, newClusterId, type StackPlan } from '../plan.js';
import { clientPropertiesFiles, demoConsumerComponent, demoProducerComponent, type DemoSettings, type Launcher } from '../components.js';
import { startComponent, stopComponent } from '../processes.js';
import { ensureTopic, fetchMetadata, waitForRoundTrip } from '../readiness.js';
import { checkState, readState, removeState, writeState, type ProcessProbe, type RunningComponent, type StackState } from '../state.js';
import type { StatusReport } from '../status.js';

export const DOCKER_STACK_FILE = 'docker-stack.json';
export const COMPOSE_FILE = 'docker-compose.yml';
const LABEL_PROJECT = 'dev.kstack.project';
const LABEL_SERVICE = 'dev.kstack.service';

export interface DockerContainerRecord {
  service: string;
  role: 'broker' | 'controller' | 'zookeeper';
  name: string;
  id: string;
  ports: number[];
}

export interface DockerStackRecord {
  version: 1;
  engine: 'docker';
  endpoint: string;
  /** Engine flavour as /version reports it (Docker Engine, Podman Engine …). */
  engineName: string;
  project: string;
  network: string;
  mode: 'kraft' | 'zk';
  image: string;
  clusterId: string | null;
  bootstrap: ComposeResult['bootstrap'];
  containers: DockerContainerRecord[];
  startedAt: number;
}

export interface DockerUpRequest {
  dir: string;
  mode: 'kraft' | 'zk';
  brokers: number;
  controllers?: number;
  zookeepers?: number;
  image: ImageFamily;
  version?: string;
  /** Run this image instead of the family's own (a mirror or a local build); env naming still follows `image`. */
  imageName?: string;
  /** The same for the ZooKeeper services (zk mode). */
  zookeeperImageName?: string;
  host?: string;
  basePort?: number;
  dockerBasePort?: number;
  demo: DemoSettings | null;
  timeoutMs: number;
}

export interface PullProgress {
  image: string;
  /** e.g. "Downloading 12.3 MB / 45.6 MB" or the layer status. */
  text: string;
}

export interface DockerDeps {
  platform: PlatformContext;
  probe: ProcessProbe;
  launcher: Launcher;
  phase: <T>(label: string, work: () => Promise<T>) => Promise<T>;
  onPull?: (p: PullProgress) => void;
  now?: () => number;
  randomBytes?: (n: number) => Uint8Array;
}

export interface DockerUpResult {
  record: DockerStackRecord;
  state: StackState;
  compose: ComposeResult;
  workspace: string;
  readyAfterMs: number;
}

/** Where to look for an engine: DOCKER_HOST, the Docker sockets of this OS, then podman's. */
export function engineEndpoints(ctx: Pick<PlatformContext, 'platform' | 'env' | 'home'>): string[] {
  const list = dockerEndpoints(ctx);
  if (ctx.env.DOCKER_HOST) return list;
  if (ctx.platform === 'linux') {
    list.push('unix:///run/podman/podman.sock');
    if (ctx.env.XDG_RUNTIME_DIR) list.push(`unix://${join(ctx.env.XDG_RUNTIME_DIR, 'podman', 'podman.sock')}`);
  }
  return list;
}

export function noEngineFix(platform: NodeJS.Platform): string {
  return platform === 'darwin'
    ? 'install and start Docker Desktop (brew install --cask docker && open -a Docker), or colima (brew install colima docker && colima start)'
    : 'sudo apt-get install -y docker.io && sudo systemctl start docker   (or podman: sudo apt-get install -y podman && systemctl --user start podman.socket && export DOCKER_HOST=unix://$XDG_RUNTIME_DIR/podman/podman.sock)';
}

export interface Engine {
  docker: Docker;
  endpoint: string;
  name: string;
  isPodman: boolean;
}

function dockerFor(endpoint: string): Docker {
  if (endpoint.startsWith('unix://')) return new Docker({ socketPath: endpoint.slice('unix://'.length) });
  const url = new URL(endpoint.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' });
}

/** The first engine that answers /_ping, or a refusal naming what was tried and how to get one. */
export async function connectEngine(ctx: Pick<PlatformContext, 'platform' | 'env' | 'home'>, endpoints = engineEndpoints(ctx)): Promise<Engine> {
  const tried: string[] = [];
  for (const endpoint of endpoints) {
    const ping = await pingDocker(endpoint);
    if (!ping.ok) {
      tried.push(`${endpoint} (${ping.detail})`);
      continue;
    }
    const docker = dockerFor(endpoint);
    const version = (await docker.version()) as { Components?: { Name?: string }[]; Version?: string };
    const name = version.Components?.[0]?.Name ?? 'Docker Engine';
    return { docker, endpoint, name: `${name} ${version.Version ?? ''}`.trim(), isPodman: /podman/i.test(name) };
  }
  throw new KstackError('KSTACK_NO_DOCKER', `--engine docker needs a Docker-compatible engine, and none answers (tried ${tried.join(', ')})`, { exitCode: 2, fix: noEngineFix(ctx.platform) });
}

/** A stable, Docker-safe project name for a workspace: kstack-<dir name>-<8 hex of the path>. */
export function projectName(workspace: string): string {
  const base = basename(dirname(workspace)).toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 20) || 'stack';
  return `kstack-${base}-${createHash('sha256').update(workspace).digest('hex').slice(0, 8)}`;
}

export function readDockerStack(workspace: string): DockerStackRecord | null {
  const path = join(workspace, DOCKER_STACK_FILE);
  if (!existsSync(path)) return null;
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as DockerStackRecord;
    return r.version === 1 && r.engine === 'docker' && Array.isArray(r.containers) ? r : null;
  } catch {
    return null;
  }
}

function splitHostPort(endpoint: string): [string, number] {
  const i = endpoint.lastIndexOf(':');
  return [endpoint.slice(0, i).replace(/^\[|\]$/g, ''), Number(endpoint.slice(i + 1))];
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function portsOf(svc: ComposeService): { bindings: Record<string, { HostIp?: string; HostPort: string }[]>; exposed: Record<string, object>; hostPorts: number[] } {
  const bindings: Record<string, { HostIp?: string; HostPort: string }[]> = {};
  const exposed: Record<string, object> = {};
  const hostPorts: number[] = [];
  for (const p of svc.ports ?? []) {
    const parts = p.split(':');
    const [ip, host, container] = parts.length === 3 ? parts : [undefined, parts[0], parts[1]];
    const key = `${container}/tcp`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ ...(ip ? { HostIp: ip } : {}), HostPort: host });
    hostPorts.push(Number(host));
  }
  return { bindings, exposed, hostPorts };
}

const seconds = (s: string) => Number(/^(\d+)s$/.exec(s)?.[1] ?? '5') * 1e9;

async function pull(engine: Engine, ref: string, onPull?: (p: PullProgress) => void): Promise<void> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await engine.docker.pull(ref)) as NodeJS.ReadableStream;
  } catch (err) {
    throw new KstackError('KSTACK_PULL_FAILED', `cannot pull ${ref}: ${(err as Error).message}`, { fix: `check the image name and your network or registry login (docker pull ${ref})` });
  }
  await new Promise<void>((done, fail) => {
    engine.docker.modem.followProgress(
      stream,
      (err: Error | null, events: { error?: string }[]) => {
        const failed = err?.message ?? events.find((e) => e.error)?.error;
        if (failed) fail(new KstackError('KSTACK_PULL_FAILED', `cannot pull ${ref}: ${failed}`, { fix: `docker pull ${ref}` }));
        else done();
      },
      (event: { status?: string; progress?: string; id?: string }) => onPull?.({ image: ref, text: [event.id, event.status, event.progress].filter(Boolean).join(' ') }),
    );
  });
}

/** Cleans up every container and the network of a project (also leftovers of a failed start). */
async function removeProject(engine: Engine, project: string, network: string, graceSeconds: number): Promise<string[]> {
  const removed: string[] = [];
  const containers = await engine.docker.listContainers({ all: true, filters: { label: [`${LABEL_PROJECT}=${project}`] } });
  // Kafka nodes before ZooKeeper, as the native engine stops them.
  containers.sort((a, b) => Number(a.Labels[LABEL_SERVICE]?.startsWith('zookeeper')) - Number(b.Labels[LABEL_SERVICE]?.startsWith('zookeeper')));
  for (const info of containers) {
    const c = engine.docker.getContainer(info.Id);
    if (info.State === 'running') await c.stop({ t: graceSeconds }).catch(() => undefined);
    await c.remove({ force: true, v: true }).catch(() => undefined);
    removed.push(info.Labels[LABEL_SERVICE] ?? info.Names[0]);
  }
  try {
    await engine.docker.getNetwork(network).remove();
  } catch {
    // not there
  }
  return removed;
}

async function containerState(engine: Engine, id: string): Promise<{ running: boolean; status: string; health: string | null; exitCode: number; pid: number }> {
  const i = await engine.docker.getContainer(id).inspect();
  return { running: i.State.Running, status: i.State.Status, health: i.State.Health?.Status ?? null, exitCode: i.State.ExitCode, pid: i.State.Pid };
}

/** The demultiplexed output of a container (non-TTY containers frame stdout/stderr in 8-byte headers). */
export function demuxLogs(buf: Buffer): string {
  let out = '';
  let o = 0;
  while (o + 8 <= buf.length) {
    const kind = buf[o];
    const size = buf.readUInt32BE(o + 4);
    if (kind > 2 || buf[o + 1] !== 0 || buf[o + 2] !== 0 || buf[o + 3] !== 0) return buf.toString('utf8');
    out += buf.toString('utf8', o + 8, Math.min(buf.length, o + 8 + size));
    o += 8 + size;
  }
  return o === 0 ? buf.toString('utf8') : out;
}

export async function containerLogs(engine: Engine, id: string, tail: number): Promise<string> {
  const raw = (await engine.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false, tail })) as unknown as Buffer | string;
  return typeof raw === 'string' ? raw : demuxLogs(raw);
}

async function failIfExited(engine: Engine, record: DockerStackRecord): Promise<void> {
  for (const c of record.containers) {
    const s = await containerState(engine, c.id);
    if (!s.running && s.status !== 'created' && s.status !== 'restarting') {
      const logs = await containerLogs(engine, c.id, 20).catch(() => '(no logs)');
      throw new KstackError('KSTACK_CONTAINER_EXITED', `container ${c.name} (${c.service}) stopped with exit code ${s.exitCode}. Its last lines:\n${logs.trimEnd()}`, { fix: `kstack logs ${c.service} --dir <workspace>` });
    }
  }
}

/** Runs a container's own healthcheck command once through exec; true when it exits 0. */
async function runHealthcheck(engine: Engine, id: string, test: string[]): Promise<boolean> {
  const cmd = test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test.slice(1).join(' ')] : test[0] === 'CMD' ? test.slice(1) : test;
  try {
    const exec = await engine.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({});
    await new Promise<void>((done) => {
      stream.on('end', () => done());
      stream.on('error', () => done());
      stream.resume();
    });
    return (await exec.inspect()).ExitCode === 0;
  } catch {
    return false;
  }
}

/**
 * Waits until a container is healthy. Engines that never run healthchecks (podman without systemd timers keeps
 * "starting" with an empty log forever) get the container's own check run through exec instead.
 */
async function waitHealthy(engine: Engine, c: DockerContainerRecord, test: string[] | null, timeoutMs: number): Promise<void> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  for (;;) {
    const i = await engine.docker.getContainer(c.id).inspect();
    const health = i.State.Health ?? null;
    if (!i.State.Running && i.State.Status === 'exited') {
      const logs = await containerLogs(engine, c.id, 20).catch(() => '');
      throw new KstackError('KSTACK_CONTAINER_EXITED', `container ${c.name} stopped with exit code ${i.State.ExitCode}:\n${logs.trimEnd()}`);
    }
    if (i.State.Running && (health === null || health.Status === 'healthy')) {
      if (health !== null || test === null || (await runHealthcheck(engine, c.id, test))) return;
    } else if (health?.Status === 'unhealthy') {
      throw new KstackError('KSTACK_CONTAINER_UNHEALTHY', `container ${c.name} is unhealthy`, { fix: `kstack logs ${c.service}` });
    } else if (i.State.Running && test && (health?.Log ?? []).length === 0 && Date.now() - started > 2000 && (await runHealthcheck(engine, c.id, test))) {
      return;
    }
    if (Date.now() > deadline) throw new KstackError('KSTACK_CONTAINER_NOT_READY', `container ${c.name} was not healthy within ${timeoutMs} ms (health: ${health?.Status ?? 'none'})`, { fix: `kstack logs ${c.service}` });
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function upDockerStack(request: DockerUpRequest, deps: DockerDeps): Promise<DockerUpResult> {
  const now = deps.now ?? Date.now;
  const started = now();
  const workspace = resolve(request.dir);
  const engine = await deps.phase('docker engine', () => connectEngine(deps.platform));
  const project = projectName(workspace);
  const network = project;

  const previous = readDockerStack(workspace);
  const prevState = readState(workspace);
  if (prevState && prevState.engine !== 'docker' && checkState(prevState, deps.probe).running.length > 0) {
    throw new KstackError('KSTACK_ALREADY_RUNNING', `a ${prevState.engine} stack is running in ${workspace}`, { exitCode: 2, fix: `kstack down --dir ${request.dir}` });
  }
  if (previous) {
    const running = await engine.docker.listContainers({ filters: { label: [`${LABEL_PROJECT}=${previous.project}`] } });
    if (running.length > 0) {
      throw new KstackError('KSTACK_ALREADY_RUNNING', `a docker stack is already running in ${workspace}: ${running.map((c) => c.Labels[LABEL_SERVICE]).join(', ')}`, {
        exitCode: 2,
        fix: `kstack status --dir ${request.dir}   (or stop it first: kstack down --dir ${request.dir})`,
      });
    }
  }

  const clusterId = previous?.clusterId && isValidClusterId(previous.clusterId) && previous.mode === request.mode ? previous.clusterId : newClusterId(deps.randomBytes ?? ((n) => randomBytes(n)));
  const options: ComposeOptions = {
    mode: request.mode,
    brokers: request.brokers,
    controllers: request.controllers,
    zookeepers: request.mode === 'zk' ? (request.zookeepers ?? 1) : undefined,
    image: request.image,
    version: request.version,
    host: request.host,
    basePort: request.basePort,
    dockerBasePort: request.dockerBasePort,
    clusterId,
  };
  const compose = generateCompose(options);
  for (const node of compose.nodes) {
    const replacement = node.role === 'zookeeper' ? request.zookeeperImageName : request.imageName;
    if (replacement) compose.file.services[node.service].image = replacement;
  }
  mkdirSync(workspace, { recursive: true });
  writeAtomic(join(workspace, COMPOSE_FILE), renderCompose(compose));

  const images = [...new Set(Object.values(compose.file.services).map((s) => s.image))];
  for (const ref of images) {
    if (!(await imagePresent(engine.docker, ref))) await deps.phase(`pull ${ref}`, () => pull(engine, ref, deps.onPull));
  }

  const record: DockerStackRecord = {
    version: 1,
    engine: 'docker',
    endpoint: engine.endpoint,
    engineName: engine.name,
    project,
    network,
    mode: request.mode,
    image: request.imageName ?? imageRef(compose.image),
    clusterId: compose.clusterId,
    bootstrap: compose.bootstrap,
    containers: [],
    startedAt: started,
  };
  const state: StackState = { version: 1, mode: request.mode, engine: 'docker', bootstrap: compose.bootstrap.host, topic: request.demo?.topic, startedAt: started, components: [] };
  const launched: RunningComponent[] = [];

  try {
    // Leftovers of an earlier failed start in the same project go first.
    await removeProject(engine, project, network, 1);
    const net = await engine.docker.createNetwork({ Name: network, Driver: 'bridge', Labels: { [LABEL_PROJECT]: project } });
    let gateway = 'host-gateway';
    if (engine.isPodman) {
      const info = (await net.inspect()) as { IPAM?: { Config?: { Gateway?: string }[] }; subnets?: { gateway?: string }[] };
      gateway = info.IPAM?.Config?.find((c) => c.Gateway)?.Gateway ?? info.subnets?.find((s) => s.gateway)?.gateway ?? 'host-gateway';
    }
    writeAtomic(join(workspace, DOCKER_STACK_FILE), `${JSON.stringify(record, null, 2)}\n`);

    const create = async (service: string): Promise<DockerContainerRecord> => {
      const svc = compose.file.services[service];
      const node = compose.nodes.find((n) => n.service === service)!;
      const { bindings, exposed, hostPorts } = portsOf(svc);
      const name = `${project}-${service}`;
      const extraHosts = (svc.extra_hosts ?? []).map((h) => (h === HOST_GATEWAY ? `host.docker.internal:${gateway}` : h));
      const c = await engine.docker.createContainer({
        name,
        Hostname: svc.hostname,
        Image: svc.image,
        Env: Object.entries(svc.environment).map(([k, v]) => `${k}=${v}`),
        Labels: { [LABEL_PROJECT]: project, [LABEL_SERVICE]: service },
        ExposedPorts: exposed,
        ...(svc.healthcheck
          ? { Healthcheck: { Test: svc.healthcheck.test, Interval: seconds(svc.healthcheck.interval), Timeout: seconds(svc.healthcheck.timeout), Retries: svc.healthcheck.retries, StartPeriod: seconds(svc.healthcheck.start_period) } }
          : {}),
        HostConfig: { PortBindings: bindings, ExtraHosts: extraHosts, NetworkMode: network, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 5 } },
        NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [service] } } },
      });
      const rec: DockerContainerRecord = { service, role: node.role, name, id: c.id, ports: hostPorts };
      record.containers.push(rec);
      writeAtomic(join(workspace, DOCKER_STACK_FILE), `${JSON.stringify(record, null, 2)}\n`);
      await c.start();
      return rec;
    };

    const zks = compose.nodes.filter((n) => n.role === 'zookeeper');
    if (zks.length) {
      await deps.phase(`zookeeper ×${zks.length} (containers)`, async () => {
        const started = [];
        for (const z of zks) started.push(await create(z.service));
        for (const c of started) await waitHealthy(engine, c, compose.file.services[c.service].healthcheck?.test ?? null, request.timeoutMs);
      });
    }
    const controllers = compose.nodes.filter((n) => n.role === 'controller');
    const brokers = compose.nodes.filter((n) => n.role === 'broker');
    await deps.phase(`kafka containers ×${controllers.length + brokers.length} (${request.mode}, ${record.image})`, async () => {
      for (const n of [...controllers, ...brokers]) await create(n.service);
    });
    await deps.phase('ready: a record produced and consumed back', async () => {
      const deadline = Date.now() + request.timeoutMs;
      for (;;) {
        await failIfExited(engine, record);
        try {
          await waitForRoundTrip(compose.bootstrap.host, Math.min(5000, Math.max(1000, deadline - Date.now())));
          // Ready means every broker, not only the ones the round trip happened to use, is in Metadata.
          const [host, port] = splitHostPort(compose.bootstrap.host.split(',')[0]);
          const md = await fetchMetadata(host, port, [], false, 2000);
          const missing = compose.nodes.filter((n) => n.role === 'broker' && !md.brokers.some((b) => b.nodeId === n.id));
          if (missing.length === 0) return;
          throw new Error(`brokers not registered yet: ${missing.map((n) => n.service).join(', ')}`);
        } catch (err) {
          if (Date.now() > deadline) throw new KstackError('KSTACK_BROKER_NOT_READY', `the containers did not complete a produce/consume round trip on ${compose.bootstrap.host} within ${request.timeoutMs} ms: ${(err as Error).message}`, { fix: 'kstack logs --dir <workspace>' });
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    });
    const readyAfterMs = now() - started;

    writeState(workspace, state);
    if (request.demo) {
      const demo = request.demo;
      const planLike = { workspace, bootstrap: compose.bootstrap.host } as Pick<StackPlan, 'workspace' | 'bootstrap'> as StackPlan;
      await ensureTopic(compose.bootstrap.host, demo.topic, request.timeoutMs);
      for (const file of clientPropertiesFiles(planLike, demo)) {
        mkdirSync(dirname(file.path), { recursive: true });
        writeFileSync(file.path, file.content);
      }
      for (const spec of [demoProducerComponent(planLike, demo, deps.launcher), demoConsumerComponent(planLike, demo, deps.launcher)]) {
        await deps.phase(spec.kind === 'producer' ? `producer (${demo.rate}/s to ${demo.topic})` : `consumer (group ${demo.group})`, async () => {
          launched.push(startComponent(spec, now));
          state.components = [...launched];
          writeState(workspace, state);
        });
      }
    }
    return { record, state, compose, workspace, readyAfterMs };
  } catch (err) {
    for (const c of [...launched].reverse()) await stopComponent(c.pid, deps.probe, c.identity, 5000);
    await removeProject(engine, project, network, 2).catch(() => undefined);
    removeState(workspace);
    rmSync(join(workspace, DOCKER_STACK_FILE), { force: true });
    if (err instanceof KstackError) throw err;
    throw new KstackError('KSTACK_UP_FAILED', `kstack up --engine docker failed: ${(err as Error).message}`, { cause: err });
  }
}

export interface DockerDownReport {
  removed: string[];
  lines: string[];
}

/** Stops the demo clients, then removes every container and the network of the workspace's docker stack. */
export async function downDockerStack(workspace: string, ctx: Pick<PlatformContext, 'platform' | 'env' | 'home'>, probe: ProcessProbe, graceSeconds = 10): Promise<DockerDownReport> {
  const record = readDockerStack(workspace);
  const lines: string[] = [];
  const state = readState(workspace);
  for (const c of state?.components ?? []) {
    const how = await stopComponent(c.pid, probe, c.identity, graceSeconds * 1000);
    lines.push(`${how === 'not-running' ? '–' : '✔'} ${c.name.padEnd(14)} ${how === 'not-running' ? 'was not running' : `${how} (pid ${c.pid})`}`);
  }
  removeState(workspace);
  if (!record) return { removed: [], lines: [...lines, `no docker stack recorded in ${workspace}`] };
  const engine = await connectEngine(ctx, [record.endpoint]);
  const removed = await removeProject(engine, record.project, record.network, graceSeconds);
  for (const r of removed) lines.push(`✔ ${r.padEnd(14)} container removed`);
  lines.push(`✔ network ${record.network} removed`);
  rmSync(join(workspace, DOCKER_STACK_FILE), { force: true });
  return { removed, lines };
}

/** `kstack status` for a docker stack, in the native engine's report shape (so formatStatus prints it). */
export async function collectDockerStatus(workspace: string, ctx: Pick<PlatformContext, 'platform' | 'env' | 'home'>, probe: ProcessProbe): Promise<StatusReport> {
  const record = readDockerStack(workspace);
  const report: StatusReport = { workspace, mode: record?.mode ?? null, running: false, processes: [], zookeeper: [], brokers: [], controllerId: null, clusterId: record?.clusterId ?? null, routes: [], problems: [] };
  if (!record) {
    report.problems.push(`no docker stack in ${workspace}`);
    return report;
  }
  let engine: Engine | null = null;
  try {
    engine = await connectEngine(ctx, [record.endpoint]);
  } catch (err) {
    report.problems.push((err as Error).message);
  }
  for (const c of record.containers) {
    const s = engine ? await containerState(engine, c.id).catch(() => null) : null;
    report.processes.push({ name: c.service, kind: c.role, pid: s?.pid ?? 0, up: Boolean(s?.running), ports: c.ports, logFile: `container ${c.name}${s?.health ? ` (${s.health})` : ''}` });
    if (c.role === 'zookeeper') report.zookeeper.push({ name: c.service, endpoint: `${c.service}:2181 (compose network)`, mode: s?.running ? 'running' : null });
  }
  for (const c of readState(workspace)?.components ?? []) report.processes.push({ name: c.name, kind: c.kind, pid: c.pid, up: probe.commandLine(c.pid)?.includes(c.identity) ?? false, ports: c.ports, logFile: c.logFile });
  report.running = report.processes.some((p) => p.up);
  const expected = record.containers.filter((c) => c.role === 'broker');
  for (const endpoint of record.bootstrap.host.split(',')) {
    const i = endpoint.lastIndexOf(':');
    try {
      const md = await fetchMetadata(endpoint.slice(0, i).replace(/^\[|\]$/g, ''), Number(endpoint.slice(i + 1)), null, false, 1500);
      const byId = new Map(md.brokers.map((b) => [b.nodeId, `${b.host}:${b.port}`]));
      expected.forEach((c) => {
        const id = Number(c.service.replace(/^kafka-/, ''));
        const ep = byId.get(id);
        report.brokers.push({ id, endpoints: ep ? [`EXTERNAL://${ep}`] : [], registered: ep ? 'active' : 'gone', source: `Metadata from ${endpoint}` });
      });
      report.controllerId = md.controllerId ?? null;
      for (const t of md.topics) {
        for (const p of t.partitions) report.routes.push({ topic: t.name ?? '?', partition: p.partitionIndex, leader: p.leaderId, endpoint: byId.get(p.leaderId) ?? null, replicas: p.replicaNodes, isr: p.isrNodes, error: p.errorCode });
      }
      report.routes.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      break;
    } catch (err) {
      report.problems.push(`${endpoint}: Metadata failed: ${(err as Error).message}`);
    }
  }
  return report;
}

/** The last lines of one service's container (or every container), for `kstack logs`. */
export async function dockerLogs(workspace: string, ctx: Pick<PlatformContext, 'platform' | 'env' | 'home'>, service: string | undefined, lines: number): Promise<{ service: string; text: string }[]> {
  const record = readDockerStack(workspace);
  if (!record) throw new KstackError('KSTACK_NO_STACK', `no docker stack in ${workspace}`, { exitCode: 2, fix: 'kstack up --engine docker' });
  const chosen = service ? record.containers.filter((c) => c.service === service) : record.containers;
  if (chosen.length === 0) throw new KstackError('KSTACK_NO_COMPONENT', `no service "${service}" in this stack`, { exitCode: 2, fix: `one of: ${record.containers.map((c) => c.service).join(', ')}` });
  const engine = await connectEngine(ctx, [record.endpoint]);
  const out: { service: string; text: string }[] = [];
  for (const c of chosen) out.push({ service: c.service, text: await containerLogs(engine, c.id, lines) });
  return out;
}

/** Streams new container output, line by line, until `signal` aborts. */
export async function followDockerLogs(workspace: string, ctx: Pick<PlatformContext, 'platform' | 'env' | 'home'>, services: string[], onLine: (service: string, line: string) => void, signal: AbortSignal): Promise<void> {
  const record = readDockerStack(workspace);
  if (!record) return;
  const engine = await connectEngine(ctx, [record.endpoint]);
  const streams: NodeJS.ReadableStream[] = [];
  for (const c of record.containers.filter((x) => services.includes(x.service))) {
    const stream = (await engine.docker.getContainer(c.id).logs({ stdout: true, stderr: true, follow: true, tail: 0 })) as unknown as NodeJS.ReadableStream;
    const sink = new PassThrough();
    engine.docker.modem.demuxStream(stream, sink, sink);
    let partial = '';
    sink.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const l of parts) onLine(c.service, l);
    });
    streams.push(stream);
  }
  await new Promise<void>((done) => (signal.aborted ? done() : signal.addEventListener('abort', () => done(), { once: true })));
  for (const s of streams) (s as unknown as { destroy?: () => void }).destroy?.();
}
