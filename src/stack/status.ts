/**
 * `kstack status` as data: every recorded process (up or gone, pid, ports), the brokers the metadata layer
 * knows (ZooKeeper's /brokers/ids in zk mode; the quorum's view through Metadata in kraft mode), and the route
 * table clients get: topic → partition → leader → endpoint — what RocketMQ's NameServer serves.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZkClient } from '../broker/zookeeper/zk-client.js';
import { parseBrokerRegistration, BROKER_IDS_PATH, brokerIdPath, CONTROLLER_PATH, parseControllerId } from '../broker/zookeeper/znodes.js';
import { fetchMetadata } from './readiness.js';
import { parseStackJson, STACK_FILE } from './render/stack-json.js';
import { isRunning, readState, type ProcessProbe } from './state.js';
import { probeZooKeeper } from './zookeeper.js';
import { describeQuorumStatus, formatQuorumStatus, type QuorumStatus } from '../broker/raft/runtime/quorum-status.js';

export interface StatusReport {
  workspace: string;
  mode: string | null;
  running: boolean;
  processes: { name: string; kind: string; pid: number; up: boolean; ports: number[]; logFile: string }[];
  zookeeper: { name: string; endpoint: string; mode: string | null }[];
  brokers: { id: number; endpoints: string[]; registered: 'active' | 'gone'; source: string }[];
  controllerId: number | null;
  clusterId: string | null;
  routes: { topic: string; partition: number; leader: number; endpoint: string | null; replicas: number[]; isr: number[]; error: number }[];
  problems: string[];
  /** kraft mode with processes up: the controller quorum (leader, epoch, voters, lag) from DescribeQuorum. */
  quorum?: QuorumStatus;
}

export async function collectStatus(workspace: string, probe: ProcessProbe): Promise<StatusReport> {
  const report: StatusReport = { workspace, mode: null, running: false, processes: [], zookeeper: [], brokers: [], controllerId: null, clusterId: null, routes: [], problems: [] };
  const stackPath = join(workspace, STACK_FILE);
  if (!existsSync(stackPath)) {
    report.problems.push(`no stack in ${workspace} (run \`kstack up\` or \`kstack init\`)`);
    return report;
  }
  const plan = parseStackJson(readFileSync(stackPath, 'utf8'));
  report.mode = plan.mode;
  report.clusterId = plan.clusterId;
  const state = readState(workspace);
  for (const c of state?.components ?? []) {
    report.processes.push({ name: c.name, kind: c.kind, pid: c.pid, up: isRunning(c, probe), ports: c.ports, logFile: c.logFile });
  }
  report.running = report.processes.some((p) => p.up);
  for (const zk of plan.zookeepers) {
    const serving = await probeZooKeeper(zk.host, zk.clientPort, 500);
    report.zookeeper.push({ name: zk.name, endpoint: `${zk.host}:${zk.clientPort}`, mode: serving?.mode ?? null });
  }

  // Brokers as the metadata layer sees them.
  const expected = plan.nodes.filter((n) => n.roles.includes('broker'));
  if (plan.mode === 'zk' && plan.zookeeperConnect && report.zookeeper.some((z) => z.mode !== null)) {
    try {
      const zk = await ZkClient.connect(plan.zookeeperConnect, { sessionTimeoutMs: 6000, connectTimeoutMs: 2000 });
      try {
        const ids = new Set((await zk.getChildren(BROKER_IDS_PATH)).map(Number));
        for (const n of expected) {
          const node = ids.has(n.id) ? await zk.getData(brokerIdPath(n.id)) : null;
          const endpoints = node ? parseBrokerRegistration(n.id, node.data).endpoints.map((e) => `${e.listenerName}://${e.host}:${e.port}`) : [];
          report.brokers.push({ id: n.id, endpoints, registered: node ? 'active' : 'gone', source: 'zookeeper /brokers/ids' });
        }
        const controller = await zk.getData(CONTROLLER_PATH);
        report.controllerId = controller ? parseControllerId(controller.data) : null;
      } finally {
        zk.close();
      }
    } catch (err) {
      report.problems.push(`ZooKeeper not readable: ${(err as Error).message}`);
    }
  }

  // Routes (and, in kraft mode, the live broker list) from Metadata through any broker that answers.
  for (const node of expected) {
    const client = node.listeners.find((l) => l.name === 'PLAINTEXT');
    if (!client) continue;
    try {
      const md = await fetchMetadata(client.advertisedHost ?? client.bindHost, client.port, null, false, 1500);
      const byId = new Map(md.brokers.map((b) => [b.nodeId, `${b.host}:${b.port}`]));
      if (plan.mode === 'kraft') {
        for (const n of expected) {
          const ep = byId.get(n.id);
          report.brokers.push({ id: n.id, endpoints: ep ? [`PLAINTEXT://${ep}`] : [], registered: ep ? 'active' : 'gone', source: `Metadata from ${node.name}` });
        }
        report.controllerId = md.controllerId ?? null;
      }
      for (const t of md.topics) {
        for (const p of t.partitions) {
          report.routes.push({ topic: t.name ?? '?', partition: p.partitionIndex, leader: p.leaderId, endpoint: byId.get(p.leaderId) ?? null, replicas: p.replicaNodes, isr: p.isrNodes, error: p.errorCode });
        }
      }
      report.routes.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      break;
    } catch (err) {
      report.problems.push(`${node.name}: Metadata failed: ${(err as Error).message}`);
    }
  }
  if (plan.mode === 'kraft' && report.running && plan.voters.length > 0) report.quorum = await describeQuorumStatus(plan.voters);
  return report;
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
    lines.push(`brokers (controller ${r.controllerId ?? 'unknown'}):`);
    for (const b of r.brokers) lines.push(`  ${b.registered === 'active' ? '✔' : '✖'} ${String(b.id).padEnd(4)} ${b.registered.padEnd(7)} ${b.endpoints.join(', ')}   [${b.source}]`);
  }
  if (r.quorum) lines.push(...formatQuorumStatus(r.quorum));
  const visible = r.routes.filter((x) => !x.topic.startsWith('__'));
  if (visible.length) {
    lines.push('routes (topic partition → leader → endpoint):');
    for (const x of visible) lines.push(`  ${x.topic} ${x.partition} → ${x.leader} → ${x.endpoint ?? 'unavailable'}   replicas ${x.replicas.join(',')} isr ${x.isr.join(',')}${x.error ? `  error ${x.error}` : ''}`);
    const offline = visible.filter((x) => x.leader < 0);
    if (offline.length) {
      // Replication factor 1: a partition whose only replica is gone has no leader until that broker returns.
      const gone = [...new Set(offline.flatMap((x) => x.replicas))].sort((a, b) => a - b);
      lines.push(`  ${offline.length} partition(s) have no leader: their only replica (broker ${gone.join(', ')}) is gone. Expected with replication factor 1; they come back when the broker restarts.`);
    }
  }
  for (const p of r.problems) lines.push(`! ${p}`);
  return lines;
}
