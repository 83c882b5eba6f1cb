/**
 * The one place that knows how operating systems differ. Everything takes a PlatformContext, so macOS branches
 * run in tests on Linux with `platform: 'darwin'` injected (and with the real `lsof`, which prints the same -F
 * format on both).
 * - who holds a TCP port: Linux `ss -ltnp`, falling back to /proc/net/tcp{,6} + /proc/<pid>/fd; macOS `lsof`;
 * - Rosetta: `sysctl -n sysctl.proc_translated` prints 1 for an x64 process on Apple Silicon;
 * - the open-file limit: `ulimit -n` in sh;
 * - install commands: apt on Debian/Ubuntu, brew on macOS;
 * - where a Docker engine's socket usually is.
 */
import { execFile } from 'node:child_process';
import { readFile, readdir, readlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface CommandResult {
  /** Exit code; null when the command was killed (timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface PlatformContext {
  platform: NodeJS.Platform;
  arch: string;
  env: NodeJS.ProcessEnv;
  home: string;
  /** Runs a command without a shell; null when it cannot be started at all (not installed). */
  run(file: string, args: string[], options?: { timeoutMs?: number }): Promise<CommandResult | null>;
  /** null when the file cannot be read. */
  readFile(path: string): Promise<string | null>;
  /** [] when the directory cannot be read. */
  readdir(path: string): Promise<string[]>;
  readlink(path: string): Promise<string | null>;
}

export function runCommand(file: string, args: string[], options: { timeoutMs?: number } = {}): Promise<CommandResult | null> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: options.timeoutMs ?? 5000, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      // A string code is a spawn failure (ENOENT: not installed, EACCES: not runnable): the command is absent.
      if (typeof code === 'string') return resolve(null);
      resolve({ code: typeof code === 'number' ? code : null, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The machine kstack runs on; override any part (tests inject `platform`, `run`, files). */
export function systemPlatform(overrides: Partial<PlatformContext> = {}): PlatformContext {
  return {
    platform: process.platform,
    arch: process.arch,
    env: process.env,
    home: homedir(),
    run: runCommand,
    readFile: (path) => readFile(path, 'utf8').catch(() => null),
    readdir: (path) => readdir(path).catch(() => []),
    readlink: (path) => readlink(path).catch(() => null),
    ...overrides,
  };
}

export type SupportedTarget = 'linux-x64' | 'linux-arm64' | 'darwin-x64' | 'darwin-arm64';
export const SUPPORTED_TARGETS: readonly SupportedTarget[] = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'];

export function targetOf(ctx: Pick<PlatformContext, 'platform' | 'arch'>): string {
  return `${ctx.platform}-${ctx.arch}`;
}

export function isSupportedTarget(target: string): target is SupportedTarget {
  return (SUPPORTED_TARGETS as readonly string[]).includes(target);
}

/** True when this (x64) process runs translated by Rosetta 2 on Apple Silicon. Always false off macOS. */
export async function isRosettaTranslated(ctx: PlatformContext): Promise<boolean> {
  if (ctx.platform !== 'darwin') return false;
  const r = await ctx.run('sysctl', ['-n', 'sysctl.proc_translated']);
  // The key does not exist on Intel Macs (non-zero exit); 0 = native arm64, 1 = translated.
  return r !== null && r.code === 0 && r.stdout.trim() === '1';
}

/** The soft open-file limit a process started from a shell gets; null when it cannot be read. */
export async function openFileLimit(ctx: PlatformContext): Promise<number | 'unlimited' | null> {
  const r = await ctx.run('sh', ['-c', 'ulimit -n']);
  if (!r || r.code !== 0) return null;
  const text = r.stdout.trim();
  if (text === 'unlimited') return 'unlimited';
  return /^\d+$/.test(text) ? Number(text) : null;
}

export interface PortHolder {
  pid: number;
  /** Process name, when the OS tells. */
  command: string | null;
}

/** `ss -H -ltnp` lines → the processes listening (users:(("node",pid=123,fd=20)),…). */
export function parseSsOutput(output: string): PortHolder[] {
  const holders: PortHolder[] = [];
  for (const m of output.matchAll(/\("([^"]*)",pid=(\d+),fd=\d+\)/g)) {
    const pid = Number(m[2]);
    if (!holders.some((h) => h.pid === pid)) holders.push({ pid, command: m[1] });
  }
  return holders;
}

/** `lsof -Fpc` output: `p<pid>` starts a process, `c<command>` names it. */
export function parseLsofOutput(output: string): PortHolder[] {
  const holders: PortHolder[] = [];
  for (const line of output.split('\n')) {
    if (line.startsWith('p') && /^p\d+$/.test(line)) holders.push({ pid: Number(line.slice(1)), command: null });
    else if (line.startsWith('c') && holders.length > 0 && holders[holders.length - 1].command === null) holders[holders.length - 1].command = line.slice(1);
  }
  return holders;
}

/** Socket inodes listening on `port` in a /proc/net/tcp or tcp6 table (state 0A = LISTEN). */
export function parseProcNetTcp(table: string, port: number): string[] {
  const inodes: string[] = [];
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 10) continue;
    const localPort = parseInt(cols[1].split(':').pop() ?? '', 16);
    if (localPort === port && cols[3] === '0A') inodes.push(cols[9]);
  }
  return inodes;
}

async function holdersFromProc(ctx: PlatformContext, port: number): Promise<PortHolder[]> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await ctx.readFile(table);
    if (text) for (const inode of parseProcNetTcp(text, port)) inodes.add(inode);
  }
  inodes.delete('0');
  if (inodes.size === 0) return [];
  const holders: PortHolder[] = [];
  for (const entry of await ctx.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fds = await ctx.readdir(`/proc/${entry}/fd`);
    for (const fd of fds) {
      const link = await ctx.readlink(`/proc/${entry}/fd/${fd}`);
      const m = link ? /^socket:\[(\d+)\]$/.exec(link) : null;
      if (m && inodes.has(m[1])) {
        const comm = (await ctx.readFile(`/proc/${entry}/comm`))?.trim() ?? null;
        holders.push({ pid: Number(entry), command: comm });
        break;
      }
    }
  }
  return holders;
}

/**
 * The processes listening on a TCP port, where the OS tells: [] when nobody listens or the holder is hidden (a
 * process of another user without root, a container's port proxy on some systems).
 */
export async function findPortHolders(ctx: PlatformContext, port: number): Promise<PortHolder[]> {
  if (ctx.platform === 'darwin') {
    const r = await ctx.run('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc']);
    return r ? parseLsofOutput(r.stdout) : [];
  }
  if (ctx.platform === 'linux') {
    const r = await ctx.run('ss', ['-H', '-ltnp', 'sport', '=', `:${port}`]);
    const fromSs = r && r.code === 0 ? parseSsOutput(r.stdout) : [];
    if (fromSs.length > 0) return fromSs;
    return holdersFromProc(ctx, port);
  }
  return [];
}

export function describeHolders(holders: readonly PortHolder[]): string {
  return holders.map((h) => (h.command ? `${h.command} (pid ${h.pid})` : `pid ${h.pid}`)).join(', ');
}

export type Tool = 'java' | 'zookeeper' | 'docker' | 'node';

/** The exact command that installs a tool on this OS (Homebrew on macOS, apt on Debian/Ubuntu). */
export function installCommand(ctx: Pick<PlatformContext, 'platform'>, tool: Tool): string {
  if (ctx.platform === 'darwin') {
    switch (tool) {
      case 'java':
        return 'brew install openjdk@17';
      case 'zookeeper':
        return 'brew install zookeeper';
      case 'docker':
        return 'brew install --cask docker && open -a Docker';
      case 'node':
        return 'brew install node@20';
    }
  }
  switch (tool) {
    case 'java':
      return 'sudo apt-get install -y openjdk-17-jre-headless';
    case 'zookeeper':
      return 'sudo apt-get install -y zookeeper';
    case 'docker':
      return 'sudo apt-get install -y docker.io && sudo systemctl start docker';
    case 'node':
      return 'curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash - && sudo apt-get install -y nodejs';
  }
}

/** How to start an installed but stopped Docker engine. */
export function startDockerCommand(ctx: Pick<PlatformContext, 'platform'>): string {
  return ctx.platform === 'darwin' ? 'open -a Docker   (or: colima start)' : 'sudo systemctl start docker';
}

/** How to raise the open-file limit for the current shell and the ones after it. */
export function raiseOpenFilesCommand(ctx: Pick<PlatformContext, 'platform'>): string {
  return ctx.platform === 'darwin'
    ? "ulimit -n 65536   (and add it to ~/.zshrc; for launchd: sudo launchctl limit maxfiles 65536 200000)"
    : "ulimit -n 65536   (and add '* soft nofile 65536' to /etc/security/limits.conf)";
}

/** Where to look for a Docker engine: DOCKER_HOST first, then the usual sockets of this OS. */
export function dockerEndpoints(ctx: Pick<PlatformContext, 'platform' | 'env' | 'home'>): string[] {
  const host = ctx.env.DOCKER_HOST;
  if (host) return [host];
  const sockets = ['unix:///var/run/docker.sock'];
  if (ctx.platform === 'darwin') {
    sockets.push(`unix://${join(ctx.home, '.docker', 'run', 'docker.sock')}`, `unix://${join(ctx.home, '.colima', 'default', 'docker.sock')}`);
  } else {
    const runtime = ctx.env.XDG_RUNTIME_DIR;
    if (runtime) sockets.push(`unix://${join(runtime, 'docker.sock')}`);
  }
  return sockets;
}
