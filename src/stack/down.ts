/**
 * Stopping and following a running stack: `kstack down` (clients first, then Kafka nodes, then ZooKeeper —
 * the reverse of start order, so brokers deregister while ZooKeeper still serves), and the interleaved, prefixed
 * log view used by `kstack up` in the foreground and `kstack logs -f`.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { paint, type Color } from '../cli/output.js';
import { LogTailer } from './log-tail.js';
import { stopComponent } from './processes.js';
import { checkState, readState, removeState, type ComponentKind, type ProcessProbe, type RunningComponent, type StackState } from './state.js';
import { parseStackJson, STACK_FILE } from './render/stack-json.js';
import { readFileSync, existsSync } from 'node:fs';

const STOP_ORDER: ComponentKind[] = ['consumer', 'producer', 'broker', 'controller', 'zookeeper'];

export interface StopReport {
  stopped: { name: string; pid: number; how: 'stopped' | 'killed' | 'not-running' }[];
  purged: string[];
  lines: string[];
}

export async function stopStack(workspace: string, probe: ProcessProbe, opts: { purge: boolean; graceMs?: number }): Promise<StopReport> {
  const state = readState(workspace);
  const stopped: StopReport['stopped'] = [];
  const lines: string[] = [];
  if (state) {
    const ordered = [...state.components].sort((a, b) => STOP_ORDER.indexOf(a.kind) - STOP_ORDER.indexOf(b.kind));
    // Clients can stop together; Kafka nodes and ZooKeeper servers stop together within their own kind.
    for (const kind of STOP_ORDER) {
      const group = ordered.filter((c) => c.kind === kind);
      const results = await Promise.all(group.map(async (c) => ({ name: c.name, pid: c.pid, how: await stopComponent(c.pid, probe, c.identity, opts.graceMs ?? 15_000) })));
      stopped.push(...results);
    }
    removeState(workspace);
    for (const s of stopped) lines.push(`${s.how === 'not-running' ? '–' : '✔'} ${s.name.padEnd(14)} ${s.how === 'not-running' ? 'was not running' : `${s.how} (pid ${s.pid})`}`);
  } else {
    lines.push(`no running stack recorded in ${workspace}`);
  }
  const purged: string[] = [];
  if (opts.purge) {
    for (const dir of dataDirs(workspace)) {
      rmSync(dir, { recursive: true, force: true });
      purged.push(dir);
    }
    lines.push(purged.length > 0 ? `purged data: ${purged.join(', ')}` : 'nothing to purge');
  }
  return { stopped, purged, lines };
}

/** Data and logs a purge removes; the rendered configuration stays, and `up` re-creates meta.properties / myid. */
function dataDirs(workspace: string): string[] {
  const stackFile = join(workspace, STACK_FILE);
  if (!existsSync(stackFile)) return [];
  const plan = parseStackJson(readFileSync(stackFile, 'utf8'));
  return [
    ...plan.nodes.flatMap((n) => [n.dataDir, n.logsDir]),
    ...plan.zookeepers.flatMap((z) => [z.dataDir, z.logsDir]),
    join(workspace, 'clients'),
  ].filter((d) => existsSync(d));
}

const PALETTE: Color[] = ['cyan', 'magenta', 'blue', 'yellow', 'green', 'gray'];

export interface FollowOptions {
  color: boolean;
  fromEnd: boolean;
  /** Stop on SIGINT/SIGTERM ('signal'), or never return (kstack logs -f ends with the process). */
  until: 'signal';
  components?: RunningComponent[];
  write?: (line: string) => void;
}

/** Interleaves the components' log files with a coloured name prefix until Ctrl-C. */
export async function followStack(state: StackState, opts: FollowOptions): Promise<void> {
  const components = opts.components ?? state.components;
  const width = Math.max(...components.map((c) => c.name.length));
  const colourOf = new Map(components.map((c, i) => [c.name, PALETTE[i % PALETTE.length]]));
  const write = opts.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const tailer = new LogTailer(
    components.map((c) => ({ name: c.name, path: c.logFile })),
    { fromEnd: opts.fromEnd, onLine: (name, line) => write(`${paint(opts.color, colourOf.get(name) ?? 'gray', `${name.padEnd(width)} |`)} ${line}`) },
  );
  tailer.start();
  await new Promise<void>((resolve) => {
    const done = () => {
      process.removeListener('SIGINT', done);
      process.removeListener('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  tailer.stop();
}

export { checkState };
