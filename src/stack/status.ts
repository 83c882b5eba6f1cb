/**
 * `kstack status` as data: every recorded process (up or gone, pid, ports), the ZooKeeper ensemble (zk mode) or
 * the controller quorum (kraft mode: leader, epoch, voters, lag from DescribeQuorum), every planned broker with
 * its registration state, and the route table clients get: topic → partition → leader → endpoint — what
 * RocketMQ's NameServer serves.
 *
 * Registration states, each with the facts it rests on and where they came from:
 * - active: the cluster lists it (kraft: Metadata from a broker that lists itself, i.e. an unfenced one that
 *   has caught up with the metadata log; zk: ZooKeeper's /brokers/ids);
 * - fenced (kraft): its own listener answers Metadata, but the cluster does not list it — fenced by the
 *   controller after missed heartbeats, or restarted and still catching up with the metadata log;
 * - registering (zk): its own listener answers, but it is not in /brokers/ids yet;
 * - gone: its process is not running, or its listener does not answer.
 * Probes run concurrently with short timeouts, so a status of a stack that is down returns within ~2 s.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZkClient } from '../broker/zookeeper/zk-client.js';
import { parseBrokerRegistration, BROKER_IDS_PATH, brokerIdPath, CONTROLLER_PATH, parseControllerId } from '../broker/zookeeper/znodes.js';
import { describeQuorumStatus, formatQuorumStatus, type QuorumStatus } from '../broker/raft/runtime/quorum-status.js';
import { kafkaError } from '../protocol/generated/error-codes.js';
import type { MetadataResponse } from '../protocol/generated/metadata.js';
import type { KafkaNodePlan } from './plan.js';
import { fetchMetadata } from './readiness.js';
import { parseStackJson, STACK_FILE, type StackFile } from './render/stack-json.js';
import { isRunning, readState, type ProcessProbe } from './state.js';
import { probeZooKeeper } from './zookeeper.js';

export type RegistrationState = 'active' | 'fenced' | 'registering' | 'gone';

export interface BrokerStatus {
  id: number;
  /** Endpoints the cluster's registry lists for it (empty when it is not listed). */
  endpoints: string[];
  registered: RegistrationState;
  /** Where the facts came from: "zookeeper /brokers/ids", "Metadata from broker-1", "state.json", "own listener". */
  source: string;
  /** The facts behind a state other than plain `active`, in words. */
  detail?: string;
}

export interface RouteStatus {
  topic: string;
  partition: number;
  /** -1 when the partition has no leader. */
  leader: number;
  endpoint: string | null;
  replicas: number[];
  isr: number[];
  error: number;
}

export interface StatusReport {
  workspace: string;
  mode: string | null;
  running: boolean;
  processes: { name: string; kind: string; pid: number; up: boolean; ports: number[]; logFile: string }[];
  zookeeper: { name: string; endpoint: string; mode: string | null }[];
  brokers: BrokerStatus[];
  controllerId: number | null;
  clusterId: string | null;
  routes: RouteStatus[];
  problems: string[];
  /** kraft mode with processes up: the controller quorum (leader, epoch, voters, lag) from DescribeQuorum. */
  quorum?: QuorumStatus;
}

/** Per-probe timeouts: short, so that a status of a stack that is (partly) down stays quick. */
const BROKER_PROBE_MS = 1000;
const ZK_PROBE_MS = 500;
const QUORUM_PROBE_MS = 1000;

// ---------------------------------------------------------------------------------------------------------------
// Registration state: a pure function of the facts gathered about one broker.

export interface BrokerFacts {
  id: number;
  mode: 'kraft' | 'zk';
  /** The process recorded for it in state.json, or null when none is recorded. */
  process: { name: string; pid: number; up: boolean } | null;
  /** Its own client listener: did it answer a Metadata request? */
  listener: { endpoint: string; answered: true } | { endpoint: string; answered: false; error: string };
  /**
   * The cluster's registry (zk: /brokers/ids; kraft: Metadata from a live broker): where it came from, and the
   * endpoints it lists for this broker (null: not listed). Null when no registry could be read.
   */
  registry: { source: string; endpoints: string[] | null } | null;
}

export function registrationOf(f: BrokerFacts): BrokerStatus {
  const listed = f.registry !== null && f.registry.endpoints !== null;
  const endpoints = f.registry?.endpoints ?? [];
  const registrySource = f.registry?.source ?? null;
  const sources = (...s: (string | null)[]) => s.filter((x): x is string => x !== null).join(', ');

  if (f.listener.answered) {
    const stale = f.process !== null && !f.process.up ? `; the pid recorded in state.json (${f.process.pid}) is not running, so another process serves it (restarted by hand?)` : '';
    if (listed) {
      return { id: f.id, endpoints, registered: 'active', source: registrySource!, ...(stale ? { detail: `its listener ${f.listener.endpoint} answers${stale}` } : {}) };
    }
    const notListed = registrySource ? `${registrySource} does not list it` : 'no cluster registry could be read';
    if (f.mode === 'kraft') {
      return {
        id: f.id,
        endpoints,
        registered: 'fenced',
        source: sources(registrySource, 'own listener'),
        detail: `its own listener ${f.listener.endpoint} answers, but ${notListed}: fenced by the controller (missed heartbeats) or still catching up with the metadata log after a restart${stale}`,
      };
    }
    return {
      id: f.id,
      endpoints,
      registered: 'registering',
      source: sources(registrySource, 'own listener'),
      detail: `its own listener ${f.listener.endpoint} answers, but ${notListed}: still registering with ZooKeeper${stale}`,
    };
  }

  // Not answering: gone, whatever a registry may still say.
  const why =
    f.process === null
      ? `no process recorded in state.json, and ${f.listener.endpoint} does not answer (${f.listener.error})`
      : f.process.up
        ? `process ${f.process.name} (pid ${f.process.pid}) runs, but its listener ${f.listener.endpoint} does not answer (${f.listener.error})`
        : `process ${f.process.name} (pid ${f.process.pid}) is not running`;
  const until = f.mode === 'kraft' ? 'until the controller fences it (broker.session.timeout.ms without a heartbeat)' : 'until its ZooKeeper session expires (zookeeper.session.timeout.ms)';
  const still = listed ? `; ${registrySource} still lists it ${until}` : '';
  return { id: f.id, endpoints, registered: 'gone', source: sources(f.process ? 'state.json' : null, 'own listener', listed ? registrySource : null), detail: `${why}${still}` };
}

// ---------------------------------------------------------------------------------------------------------------
// Collection: side effects (files, sockets), every probe concurrent.

interface ListenerProbe {
  node: KafkaNodePlan;
  endpoint: string;
  metadata: MetadataResponse | null;
  error: string;
}

async function probeListener(node: KafkaNodePlan): Promise<ListenerProbe | null> {
  const client = node.listeners.find((l) => l.name === 'PLAINTEXT') ?? node.listeners.find((l) => l.name !== 'CONTROLLER');
  if (!client) return null;
  const host = client.advertisedHost ?? client.bindHost;
  const endpoint = `${host}:${client.port}`;
  try {
    return { node, endpoint, metadata: await fetchMetadata(host, client.port, null, false, BROKER_PROBE_MS), error: '' };
  } catch (err) {
    return { node, endpoint, metadata: null, error: (err as Error).message };
  }
}

interface ZkRegistry {
  registered: Map<number, string[]>;
  controllerId: number | null;
}

async function readZkRegistry(connect: string, ids: number[]): Promise<ZkRegistry> {
  const zk = await ZkClient.connect(connect, { sessionTimeoutMs: 6000, connectTimeoutMs: 2000 });
  try {
    const live = new Set((await zk.getChildren(BROKER_IDS_PATH)).map(Number));
    const registered = new Map<number, string[]>();
    for (const id of ids) {
      const node = live.has(id) ? await zk.getData(brokerIdPath(id)) : null;
      if (node) registered.set(id, parseBrokerRegistration(id, node.data).endpoints.map((e) => `${e.listenerName}://${e.host}:${e.port}`));
    }
    const controller = await zk.getData(CONTROLLER_PATH);
    return { registered, controllerId: controller ? parseControllerId(controller.data) : null };
  } finally {
    zk.close();
  }
}

export async function collectStatus(workspace: string, probe: ProcessProbe): Promise<StatusReport> {
  const report: StatusReport = { workspace, mode: null, running: false, processes: [], zookeeper: [], brokers: [], controllerId: null, clusterId: null, routes: [], problems: [] };
  const stackPath = join(workspace, STACK_FILE);
  if (!existsSync(stackPath)) {
    report.problems.push(`no stack in ${workspace} (run \`kstack up\` or \`kstack init\`)`);
    return report;
  }
  let plan: StackFile;
  try {
    plan = parseStackJson(readFileSync(stackPath, 'utf8'));
  } catch (err) {
    report.problems.push(`${stackPath} is unreadable: ${(err as Error).message} (run \`kstack init --force\` to render it again)`);
    return report;
  }
  report.mode = plan.mode;
  report.clusterId = plan.clusterId;
  const state = readState(workspace);
  for (const c of state?.components ?? []) {
    report.processes.push({ name: c.name, kind: c.kind, pid: c.pid, up: isRunning(c, probe), ports: c.ports, logFile: c.logFile });
  }
  report.running = report.processes.some((p) => p.up);
  const expected = plan.nodes.filter((n) => n.roles.includes('broker'));

  // Everything that talks to the network, at once.
  const zkSection = (async (): Promise<ZkRegistry | null> => {
    const modes = await Promise.all(plan.zookeepers.map((zk) => probeZooKeeper(zk.host, zk.clientPort, ZK_PROBE_MS)));
    plan.zookeepers.forEach((zk, i) => report.zookeeper.push({ name: zk.name, endpoint: `${zk.host}:${zk.clientPort}`, mode: modes[i]?.mode ?? null }));
    if (plan.mode !== 'zk' || !plan.zookeeperConnect) return null;
    if (!modes.some((m) => m !== null)) {
      if (plan.zookeepers.length > 0) report.problems.push('no ZooKeeper server is serving: /brokers/ids not readable');
      return null;
    }
    try {
      return await readZkRegistry(plan.zookeeperConnect, expected.map((n) => n.id));
    } catch (err) {
      report.problems.push(`ZooKeeper not readable: ${(err as Error).message}`);
      return null;
    }
  })();
  const quorumSection = plan.mode === 'kraft' && report.running && plan.voters.length > 0 ? describeQuorumStatus(plan.voters, QUORUM_PROBE_MS) : Promise.resolve(undefined);
  const [zkRegistry, probes, quorum] = await Promise.all([zkSection, Promise.all(expected.map(probeListener)), quorumSection]);
  if (quorum) report.quorum = quorum;

  // The cluster's view: Metadata from a broker that lists itself (an unfenced, caught-up one) if any answered.
  const answered = probes.filter((p): p is ListenerProbe & { metadata: MetadataResponse } => p !== null && p.metadata !== null);
  const view = answered.find((p) => p.metadata.brokers.some((b) => b.nodeId === p.node.id)) ?? answered[0] ?? null;
  const byId = new Map((view?.metadata.brokers ?? []).map((b) => [b.nodeId, `${b.host}:${b.port}`]));
  if (!view && expected.length > 0 && report.running) {
    const tried = probes.filter((p): p is ListenerProbe => p !== null).map((p) => `${p.node.name} ${p.endpoint}: ${p.error}`);
    report.problems.push(`no broker answered Metadata${tried.length ? ` (${tried.join('; ')})` : ''}`);
  }

  let registry: (id: number) => BrokerFacts['registry'];
  if (plan.mode === 'zk' && zkRegistry) {
    registry = (id) => ({ source: 'zookeeper /brokers/ids', endpoints: zkRegistry.registered.get(id) ?? null });
    report.controllerId = zkRegistry.controllerId;
  } else if (view) {
    // kraft, or zk with ZooKeeper unreadable: the brokers the cluster serves to clients.
    const source = `Metadata from ${view.node.name}${plan.mode === 'zk' ? ' (ZooKeeper unreadable)' : ''}`;
    registry = (id) => ({ source, endpoints: byId.has(id) ? [`PLAINTEXT://${byId.get(id)!}`] : null });
    report.controllerId = view.metadata.controllerId ?? null;
  } else {
    registry = () => null;
  }
  const processOf = (node: KafkaNodePlan) => report.processes.find((p) => p.name === node.name) ?? null;
  expected.forEach((node, i) => {
    const p = probes[i];
    const proc = processOf(node);
    report.brokers.push(
      registrationOf({
        id: node.id,
        mode: plan.mode,
        process: proc ? { name: proc.name, pid: proc.pid, up: proc.up } : null,
        listener: p === null ? { endpoint: 'no client listener', answered: false, error: 'none planned' } : p.metadata ? { endpoint: p.endpoint, answered: true } : { endpoint: p.endpoint, answered: false, error: p.error },
        registry: registry(node.id),
      }),
    );
  });

  for (const t of view?.metadata.topics ?? []) {
    for (const p of t.partitions) {
      report.routes.push({ topic: t.name ?? '?', partition: p.partitionIndex, leader: p.leaderId, endpoint: byId.get(p.leaderId) ?? null, replicas: p.replicaNodes, isr: p.isrNodes, error: p.errorCode });
    }
  }
  report.routes.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return report;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering: pure, from a report.

const MARK: Record<RegistrationState, string> = { active: '✔', fenced: '◐', registering: '◐', gone: '✖' };

const errorName = (code: number) => kafkaError(code)?.name ?? `error ${code}`;
const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);
const list = (ids: Iterable<number>) => [...new Set(ids)].sort((a, b) => a - b).join(', ');

type Health = 'ok' | 'offline' | 'leader-gone' | 'under-replicated';

function healthOf(x: RouteStatus, stateOf: (id: number) => RegistrationState | undefined): Health {
  if (x.leader < 0) return 'offline';
  if (stateOf(x.leader) === 'gone') return 'leader-gone';
  if (x.isr.length < x.replicas.length) return 'under-replicated';
  return 'ok';
}

const MARKER: Record<Health, string> = { ok: '', offline: '  [offline]', 'leader-gone': '  [leader gone]', 'under-replicated': '  [under-replicated]' };

/** The explanation lines under the route table: true for the replication factor of the partitions they count. */
function routeSummary(routes: RouteStatus[], mode: string | null, stateOf: (id: number) => RegistrationState | undefined): string[] {
  const lines: string[] = [];
  const named = (ids: number[]) => ids.map((id) => `broker ${id}${stateOf(id) && stateOf(id) !== 'gone' ? ` ${stateOf(id)}` : ''}`).join(', ');
  const offline = routes.filter((x) => x.leader < 0);

  const single = offline.filter((x) => x.replicas.length <= 1);
  if (single.length) {
    const ids = [...new Set(single.flatMap((x) => x.replicas))].sort((a, b) => a - b);
    const allGone = ids.every((id) => stateOf(id) === undefined || stateOf(id) === 'gone');
    lines.push(
      allGone
        ? `  ${single.length} ${plural(single.length, 'partition has', 'partitions have')} no leader: ${plural(single.length, 'its', 'their')} only replica (broker ${list(ids)}) is gone. Expected with replication factor 1; ${plural(single.length, 'it comes', 'they come')} back when the broker restarts.`
        : `  ${single.length} ${plural(single.length, 'partition has', 'partitions have')} no leader: ${plural(single.length, 'its', 'their')} only replica is not serving (${named(ids)}). Expected with replication factor 1; ${plural(single.length, 'it comes', 'they come')} back once it is active again.`,
    );
  }

  const replicated = offline.filter((x) => x.replicas.length > 1);
  const noLiveIsr = replicated.filter((x) => !x.isr.some((id) => stateOf(id) === 'active'));
  const electing = replicated.filter((x) => x.isr.some((id) => stateOf(id) === 'active'));
  if (noLiveIsr.length) {
    const rfs = list(noLiveIsr.map((x) => x.replicas.length));
    const isr = [...new Set(noLiveIsr.flatMap((x) => x.isr))].sort((a, b) => a - b);
    lines.push(
      `  ${noLiveIsr.length} ${plural(noLiveIsr.length, 'partition', 'partitions')} with replication factor ${rfs} ${plural(noLiveIsr.length, 'has', 'have')} no leader: no member of ${plural(noLiveIsr.length, 'its', 'their')} ISR is alive (${isr.length ? `ISR ${named(isr)}` : 'empty ISR'}), and without unclean leader election (unclean.leader.election.enable=false) an out-of-sync replica is not made leader; ${plural(noLiveIsr.length, 'it comes', 'they come')} back when an ISR member returns.`,
    );
  }
  if (electing.length) {
    const live = [...new Set(electing.flatMap((x) => x.isr.filter((id) => stateOf(id) === 'active')))].sort((a, b) => a - b);
    lines.push(`  ${electing.length} ${plural(electing.length, 'partition has', 'partitions have')} no leader yet, though ISR ${plural(live.length, 'member', 'members')} ${list(live)} ${plural(live.length, 'is', 'are')} active: the controller has not elected one yet.`);
  }

  const leaderGone = routes.filter((x) => healthOf(x, stateOf) === 'leader-gone');
  if (leaderGone.length) {
    const until = mode === 'zk' ? 'its ZooKeeper session expires (zookeeper.session.timeout.ms)' : 'the controller fences it (broker.session.timeout.ms)';
    lines.push(`  ${leaderGone.length} ${plural(leaderGone.length, 'partition is', 'partitions are')} still routed to a leader that is gone (broker ${list(leaderGone.map((x) => x.leader))}): clients fail on ${plural(leaderGone.length, 'it', 'them')} until ${until} and leadership moves.`);
  }

  const under = routes.filter((x) => x.leader >= 0 && x.isr.length < x.replicas.length);
  if (under.length) {
    const missing = under.flatMap((x) => x.replicas.filter((id) => !x.isr.includes(id)));
    lines.push(`  ${under.length} ${plural(under.length, 'partition', 'partitions')} under-replicated (ISR smaller than replicas; out of the ISR: ${named([...new Set(missing)].sort((a, b) => a - b))}): a follower is gone or catching up; it rejoins the ISR once caught up.`);
  }
  return lines;
}

export function formatStatus(r: StatusReport): string[] {
  const lines: string[] = [`workspace ${r.workspace}  mode ${r.mode ?? '-'}  cluster id ${r.clusterId ?? '-'}  ${r.running ? 'RUNNING' : 'STOPPED'}`];
  if (r.processes.length) {
    lines.push('processes:');
    for (const p of r.processes) lines.push(`  ${p.up ? '✔' : '✖'} ${p.name.padEnd(14)} ${(p.up ? `pid ${p.pid}` : 'down').padEnd(12)} ${p.ports.length ? `ports ${p.ports.join(',')}` : ''}`);
  }
  if (r.zookeeper.length) {
    lines.push('zookeeper ensemble:');
    for (const z of r.zookeeper) lines.push(`  ${z.mode ? '✔' : '✖'} ${z.name.padEnd(14)} ${z.endpoint.padEnd(22)} ${z.mode ?? 'not serving'}`);
  }
  if (r.brokers.length) {
    const counts = (['active', 'fenced', 'registering', 'gone'] as const).map((s) => [s, r.brokers.filter((b) => b.registered === s).length] as const).filter(([, n]) => n > 0);
    lines.push(`brokers (controller ${r.controllerId ?? 'unknown'}): ${counts.map(([s, n]) => `${n} ${s}`).join(', ')}`);
    for (const b of r.brokers) {
      lines.push(`  ${MARK[b.registered] ?? '?'} ${String(b.id).padEnd(4)} ${b.registered.padEnd(11)} ${b.endpoints.length ? b.endpoints.join(', ') : '-'}   [${b.source}]`);
      if (b.detail) lines.push(`         ${b.detail}`);
    }
  }
  if (r.quorum) lines.push(...formatQuorumStatus(r.quorum));

  const states = new Map(r.brokers.map((b) => [b.id, b.registered]));
  const stateOf = (id: number) => states.get(id);
  const visible = r.routes.filter((x) => !x.topic.startsWith('__'));
  if (visible.length) {
    lines.push('routes (topic partition → leader → endpoint):');
    for (const x of visible) {
      const leader = x.leader < 0 ? 'none' : String(x.leader);
      const error = x.error ? `  ${errorName(x.error)}` : '';
      lines.push(`  ${x.topic} ${x.partition} → ${leader} → ${x.endpoint ?? 'unavailable'}   replicas ${x.replicas.join(',')} isr ${x.isr.join(',')}${MARKER[healthOf(x, stateOf)]}${error}`);
    }
    lines.push(...routeSummary(visible, r.mode, stateOf));
  }
  const internal = r.routes.filter((x) => x.topic.startsWith('__'));
  const internalOffline = internal.filter((x) => x.leader < 0).length;
  const internalUnder = internal.filter((x) => x.leader >= 0 && x.isr.length < x.replicas.length).length;
  if (internalOffline || internalUnder) {
    const topics = [...new Set(internal.filter((x) => x.leader < 0 || x.isr.length < x.replicas.length).map((x) => x.topic))].sort().join(', ');
    const parts = [internalOffline ? `${internalOffline} without a leader` : '', internalUnder ? `${internalUnder} under-replicated` : ''].filter(Boolean).join(', ');
    lines.push(`internal topics (${topics}): ${parts}`);
  }
  for (const p of r.problems) lines.push(`! ${p}`);
  return lines;
}

// ---------------------------------------------------------------------------------------------------------------
// --watch helpers (pure).

export const DEFAULT_WATCH_INTERVAL_MS = 2000;
export const MIN_WATCH_INTERVAL_MS = 100;

/**
 * The interval of `--watch [interval-ms]`: commander gives `true` for a bare --watch. Returns an error message for
 * anything but a whole number of milliseconds ≥ 100 (a small number is most likely meant as seconds).
 */
export function parseWatchInterval(value: true | string): { ok: true; ms: number } | { ok: false; error: string } {
  if (value === true) return { ok: true, ms: DEFAULT_WATCH_INTERVAL_MS };
  const text = value.trim();
  if (!/^\d+$/.test(text)) return { ok: false, error: `--watch takes an interval in milliseconds, not "${value}"` };
  const ms = Number(text);
  if (ms < MIN_WATCH_INTERVAL_MS) return { ok: false, error: `--watch ${text}: the interval is in milliseconds and must be at least ${MIN_WATCH_INTERVAL_MS}${ms > 0 && ms <= 60 ? ` (for ${ms} s write --watch ${ms * 1000})` : ''}` };
  return { ok: true, ms };
}

/** One render of `--watch`: on a TTY the screen is cleared first; otherwise a separator line with the time leads. */
export function watchFrame(lines: string[], at: Date, intervalMs: number, tty: boolean): string {
  if (tty) return `\u001b[2J\u001b[H${`kstack status — every ${intervalMs} ms — ${at.toLocaleTimeString()} — Ctrl-C to stop`}\n\n${lines.join('\n')}\n`;
  return `--- ${at.toISOString()} ---\n${lines.join('\n')}\n`;
}
