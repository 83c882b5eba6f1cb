/**
 * Starting and stopping a stack's OS processes. Each component runs detached in its own process group with its
 * output appended to its own log file, so the stack outlives the terminal (`--detach`) and a user can kill exactly
 * one component. Stopping is graceful first (SIGTERM: brokers flush and write their clean-shutdown marker), then
 * forceful after a grace period.
 *
 * Starting uses node's spawn rather than execa: the child must inherit a raw file descriptor of its log file
 * (so nothing is piped through this short-lived process), and execa's types accept only fds 3–9 there.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ComponentSpec, ProcessProbe, RunningComponent } from './state.js';

export function startComponent(spec: ComponentSpec, now: () => number = Date.now): RunningComponent {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  const log = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      stdio: ['ignore', log, log],
      detached: true,
      env: { ...process.env, KSTACK_COMPONENT: spec.name },
    });
    // A missing executable is reported asynchronously; the caller's readiness check names the failing component.
    child.on('error', () => undefined);
    if (child.pid === undefined) throw new Error(`could not start ${spec.name}: ${spec.command}`);
    child.unref();
    return { ...spec, pid: child.pid, startedAt: now() };
  } finally {
    closeSync(log);
  }
}

/** Signals the component's process group (falls back to the pid alone). */
export function signalComponent(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM, wait up to graceMs for the process to go, then SIGKILL. Resolves with how it ended. */
export async function stopComponent(pid: number, probe: ProcessProbe, identity: string, graceMs = 10_000): Promise<'stopped' | 'killed' | 'not-running'> {
  const ours = () => probe.commandLine(pid)?.includes(identity) ?? false;
  if (!ours()) return 'not-running';
  signalComponent(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!ours()) return 'stopped';
    await new Promise((r) => setTimeout(r, 50));
  }
  signalComponent(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5000;
  while (ours() && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 50));
  return 'killed';
}

/** Reads a live process's command line: /proc on Linux, `ps` elsewhere (macOS). */
export function systemProcessProbe(platform: NodeJS.Platform = process.platform): ProcessProbe {
  return {
    commandLine(pid: number): string | null {
      if (!pidAlive(pid)) return null;
      if (platform === 'linux') {
        const path = `/proc/${pid}/cmdline`;
        if (!existsSync(path)) return null;
        const raw = readFileSync(path, 'utf8');
        // A zombie (exited, not yet reaped) has an empty command line: it no longer runs.
        return raw === '' ? null : raw.split('\0').join(' ').trim();
      }
      try {
        const out = execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
        return out === '' ? null : out;
      } catch {
        return null;
      }
    },
  };
}
