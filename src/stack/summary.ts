/**
 * The end-of-`up` report: where clients connect (from this host, and why containers cannot until a listener is
 * published for them), what runs with which pid and log, and commands to paste. Pure: data in, lines out.
 */
import { relative } from 'node:path';
import { paint } from '../cli/output.js';
import { formatDuration } from '../cli/output.js';
import type { UpResult } from './up.js';

const ENGINE_NAMES: Record<string, string> = { native: 'native broker', kafka: 'Apache Kafka', docker: 'Apache Kafka in containers' };

export interface SummaryOptions {
  color: boolean;
  platform: NodeJS.Platform;
  detached: boolean;
  cwd?: string;
}

export interface Summary {
  lines: string[];
  json: Record<string, unknown>;
}

export function renderSummary(result: UpResult, opts: SummaryOptions): Summary {
  const { plan } = result.init;
  const { state } = result;
  const cwd = opts.cwd ?? process.cwd();
  const show = (p: string) => {
    const rel = relative(cwd, p);
    return rel.startsWith('..') ? p : rel;
  };
  const b = (t: string) => paint(opts.color, 'bold', t);
  const brokers = plan.nodes.filter((n) => n.roles.includes('broker')).length;
  const loopbackOnly = plan.host === '127.0.0.1' || plan.host === 'localhost' || plan.host === '::1';
  const firstPort = plan.nodes[0]?.listeners.find((l) => l.name === 'PLAINTEXT')?.port ?? plan.basePort;
  const containerNote = loopbackOnly
    ? `not reachable: the brokers listen on ${plan.host} only, which inside a container is the container itself. ` +
      `Start with \`kstack up --host <this machine's LAN address>\` and use that address from containers` +
      (opts.platform === 'linux' ? '.' : ' (Docker Desktop can also reach it as host.docker.internal only if the broker advertises that name).')
    : `${plan.host}:${firstPort} (the advertised host must resolve inside the container; on Linux add --add-host host.docker.internal:host-gateway when you use host.docker.internal)`;
  const topic = state.topic;
  const lines = [
    '',
    `${b('kstack')} ${plan.mode} stack (${ENGINE_NAMES[state.engine] ?? state.engine}) is up: ${brokers} broker${brokers === 1 ? '' : 's'}${plan.zookeepers.length ? `, ${plan.zookeepers.length} ZooKeeper server${plan.zookeepers.length === 1 ? '' : 's'}` : ''} — ready in ${formatDuration(result.readyAfterMs)}`,
    `  cluster id         ${plan.clusterId}`,
    `  bootstrap (host)   ${b(plan.bootstrap)}`,
    `  bootstrap (Docker) ${containerNote}`,
    plan.zookeeperConnect ? `  zookeeper.connect  ${plan.zookeeperConnect}` : `  controller quorum  ${plan.voters.map((v) => `${v.id}@${v.host}:${v.port}`).join(',')}`,
    '  processes:',
    ...state.components.map((c) => {
      const log = c.kind === 'broker' || c.kind === 'controller' ? `${show(c.logFile.replace(/kafkaServer\.out$/, 'server.log'))} (console: ${show(c.logFile)})` : show(c.logFile);
      return `    ${c.name.padEnd(14)} pid ${String(c.pid).padEnd(8)} ${c.ports.length ? `ports ${c.ports.join(',').padEnd(18)}` : ' '.repeat(24)} ${log}`;
    }),
    '  try:',
    `    kcat -b ${plan.bootstrap} -L`,
    ...(topic ? [`    kcat -b ${plan.bootstrap} -C -t ${topic} -o beginning -e`, `    kafka-console-consumer.sh --bootstrap-server ${plan.bootstrap} --topic ${topic} --from-beginning`] : []),
    `    echo hello | kstack produce ${topic ?? 'test'} -b ${plan.bootstrap}`,
    `    kstack status${workspaceFlag(plan.workspace, cwd)}   kstack logs${topic ? ' consumer' : ''} -f${workspaceFlag(plan.workspace, cwd)}   kstack down${workspaceFlag(plan.workspace, cwd)}`,
    opts.detached ? '' : 'Following the logs of every process; Ctrl-C stops the stack.',
  ];
  return {
    lines,
    json: {
      mode: plan.mode,
      engine: state.engine,
      workspace: plan.workspace,
      clusterId: plan.clusterId,
      bootstrap: plan.bootstrap,
      zookeeperConnect: plan.zookeeperConnect,
      voters: plan.voters,
      readyAfterMs: Math.round(result.readyAfterMs),
      components: state.components.map((c) => ({ name: c.name, kind: c.kind, pid: c.pid, ports: c.ports, logFile: c.logFile })),
    },
  };
}

function workspaceFlag(workspace: string, cwd: string): string {
  const rel = relative(cwd, workspace);
  return rel === '.kstack' ? '' : ` --dir ${rel.startsWith('..') ? workspace : rel}`;
}
