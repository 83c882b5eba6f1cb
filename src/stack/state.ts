/**
 * What runs for a stack, recorded in <workspace>/state.json so that `status`, `down` and `logs` work from another
 * terminal. The file is never trusted blindly: a recorded pid counts as ours only while that process is alive AND
 * its command line still names the component's own config file (pids get reused after a reboot).
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type ComponentKind = 'zookeeper' | 'broker' | 'controller' | 'producer' | 'consumer';

export interface ComponentSpec {
  /** Unique within the stack: zk-1, broker-1, controller-3000, producer, consumer. */
  name: string;
  kind: ComponentKind;
  command: string;
  args: string[];
  cwd: string;
  logFile: string;
  /** Ports this component listens on (empty for clients). */
  ports: number[];
  /** A string that appears in the process's command line and identifies it (usually its config file path). */
  identity: string;
}

export interface RunningComponent extends ComponentSpec {
  pid: number;
  startedAt: number;
}

export interface StackState {
  version: 1;
  mode: 'kraft' | 'zk';
  /** Who runs the Kafka nodes (docker: containers, whose records live in docker-state.json instead). */
  engine: 'native' | 'kafka' | 'docker';
  /** Bootstrap servers for clients on this host. */
  bootstrap: string;
  topic?: string;
  startedAt: number;
  components: RunningComponent[];
}

export const STATE_FILE = 'state.json';

export function readState(dir: string): StackState | null {
  const path = join(dir, STATE_FILE);
  if (!existsSync(path)) return null;
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as StackState;
    return state.version === 1 && Array.isArray(state.components) ? state : null;
  } catch {
    return null;
  }
}

export function writeState(dir: string, state: StackState): void {
  const path = join(dir, STATE_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, path);
}

export function removeState(dir: string): void {
  rmSync(join(dir, STATE_FILE), { force: true });
}

export interface ProcessProbe {
  /** The command line of a live process, or null when no such process exists. */
  commandLine(pid: number): string | null;
}

/** A component is running when its pid is alive and still runs the command recorded for it. */
export function isRunning(component: RunningComponent, probe: ProcessProbe): boolean {
  const cmdline = probe.commandLine(component.pid);
  return cmdline !== null && cmdline.includes(component.identity);
}

export interface StateCheck {
  running: RunningComponent[];
  gone: RunningComponent[];
}

export function checkState(state: StackState, probe: ProcessProbe): StateCheck {
  const running: RunningComponent[] = [];
  const gone: RunningComponent[] = [];
  for (const c of state.components) (isRunning(c, probe) ? running : gone).push(c);
  return { running, gone };
}
