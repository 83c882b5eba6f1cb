/**
 * Are the stack's ports free? A port counts as taken when binding it on its host fails with EADDRINUSE, or when
 * something accepts a connection on it (macOS lets a specific-address bind succeed next to a wildcard listener,
 * so the bind alone would miss it). For taken ports the holder is looked up through src/platform.ts.
 */
import { createConnection, createServer } from 'node:net';
import { describeHolders, findPortHolders, type PlatformContext, type PortHolder } from '../platform.js';
import type { PortAssignment } from './plan.js';

export type PortState = { state: 'free' } | { state: 'in-use' } | { state: 'unavailable'; reason: string };

function tryBind(port: number, host: string): Promise<PortState> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve({ state: 'in-use' });
      else if (err.code === 'EACCES') resolve({ state: 'unavailable', reason: `binding ${host}:${port} needs privileges (ports below 1024 do)` });
      else resolve({ state: 'unavailable', reason: `cannot bind ${host}:${port}: ${err.code ?? err.message}` });
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve({ state: 'free' })));
  });
}

function accepts(port: number, host: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (value: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The state of one port on one host. */
export async function probePort(port: number, host: string, timeoutMs = 300): Promise<PortState> {
  const bound = await tryBind(port, host);
  if (bound.state !== 'free') return bound;
  return (await accepts(port, host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host, timeoutMs)) ? { state: 'in-use' } : bound;
}

export interface PortProblem extends PortAssignment {
  state: 'in-use' | 'unavailable';
  /** Why it is unavailable, or who holds it. */
  detail: string;
  holders: PortHolder[];
}

/** Checks every port of a plan; returns only the problems (none = all free). */
export async function checkPorts(ports: readonly PortAssignment[], ctx: PlatformContext): Promise<PortProblem[]> {
  const problems: PortProblem[] = [];
  for (const assignment of ports) {
    const state = await probePort(assignment.port, assignment.host);
    if (state.state === 'free') continue;
    if (state.state === 'unavailable') {
      problems.push({ ...assignment, state: 'unavailable', detail: state.reason, holders: [] });
      continue;
    }
    const holders = await findPortHolders(ctx, assignment.port);
    const detail = holders.length > 0 ? `held by ${describeHolders(holders)}` : 'held by a process the OS does not name (another user\'s, or a container port proxy)';
    problems.push({ ...assignment, state: 'in-use', detail, holders });
  }
  return problems;
}

export function describePortProblem(p: PortProblem): string {
  return `port ${p.port} (${p.owner} ${p.purpose}, ${p.host}) is ${p.state === 'in-use' ? 'in use' : 'unavailable'}: ${p.detail}`;
}
