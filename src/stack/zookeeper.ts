/**
 * Running a real Apache ZooKeeper server from the user's own installation: where it is (Debian's package,
 * Homebrew's formula, or ZOOKEEPER_HOME / a release tarball), the java command line for one server of an
 * ensemble, and the four-letter-word probe that tells whether it serves (and as leader, follower or standalone).
 */
import { existsSync, readdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';

export interface ZooKeeperInstallation {
  kind: 'debian' | 'homebrew' | 'home';
  /** Where it was found (shown to the user). */
  location: string;
  classpath: string[];
}

export interface FindZooKeeperDeps {
  env: NodeJS.ProcessEnv;
  exists: (path: string) => boolean;
  list: (dir: string) => string[];
}

const realDeps: FindZooKeeperDeps = {
  env: process.env,
  exists: existsSync,
  list: (dir) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
};

function jarsIn(dir: string, deps: FindZooKeeperDeps): string[] {
  return deps
    .list(dir)
    .filter((f) => f.endsWith('.jar'))
    .sort()
    .map((f) => join(dir, f));
}

/** Finds a ZooKeeper installation: ZOOKEEPER_HOME first, then Homebrew (arm64 and x64 prefixes), then Debian. */
export function findZooKeeper(deps: FindZooKeeperDeps = realDeps): ZooKeeperInstallation | null {
  const home = deps.env.ZOOKEEPER_HOME;
  if (home) {
    // A release tarball keeps its jars in lib/; Homebrew's layout nests it under libexec/.
    for (const libDir of [join(home, 'lib'), join(home, 'libexec', 'lib')]) {
      const jars = jarsIn(libDir, deps).filter((j) => !j.includes('-sources') && !j.includes('-javadoc'));
      if (jars.length > 0) return { kind: 'home', location: home, classpath: [join(home, 'conf'), ...jars] };
    }
  }
  for (const prefix of ['/opt/homebrew/opt/zookeeper', '/usr/local/opt/zookeeper']) {
    const libDir = join(prefix, 'libexec', 'lib');
    const jars = jarsIn(libDir, deps);
    if (jars.length > 0) return { kind: 'homebrew', location: prefix, classpath: jars };
  }
  const debianJar = '/usr/share/java/zookeeper.jar';
  if (deps.exists(debianJar)) {
    // Debian's zookeeper.jar names jute, netty and friends in its manifest; logging needs an slf4j binding.
    const extras = ['/usr/share/java/slf4j-api.jar', '/usr/share/java/slf4j-log4j12.jar', '/usr/share/java/log4j-1.2.jar'].filter((j) => deps.exists(j));
    return { kind: 'debian', location: '/usr/share/zookeeper', classpath: [debianJar, ...extras] };
  }
  return null;
}

export function zooKeeperInstallHint(platform: NodeJS.Platform): string {
  return platform === 'darwin'
    ? 'brew install zookeeper   (or set ZOOKEEPER_HOME to an unpacked Apache ZooKeeper release)'
    : 'sudo apt-get install -y zookeeper   (or set ZOOKEEPER_HOME to an unpacked Apache ZooKeeper release)';
}

export interface ZooKeeperCommand {
  file: string;
  args: string[];
}

/** The command that runs one ZooKeeper server; its command line names its own zoo.cfg. */
export function zooKeeperCommand(
  install: ZooKeeperInstallation,
  opts: { zooCfg: string; logDir: string; log4jProperties?: string; heapMb?: number; java?: string },
): ZooKeeperCommand {
  const args = [
    `-Xmx${opts.heapMb ?? 256}m`,
    `-Dzookeeper.log.dir=${opts.logDir}`,
    '-Dzookeeper.root.logger=INFO,CONSOLE',
    // JMX would open extra ports per server; a dev stack does not need it.
    '-Dzookeeper.jmx.log4j.disable=true',
  ];
  if (opts.log4jProperties) args.push(`-Dlog4j.configuration=file:${opts.log4jProperties}`);
  args.push('-cp', install.classpath.join(':'), 'org.apache.zookeeper.server.quorum.QuorumPeerMain', opts.zooCfg);
  return { file: opts.java ?? 'java', args };
}

export type ZooKeeperMode = 'leader' | 'follower' | 'standalone' | 'observer';

/**
 * Sends the `srvr` four-letter word and returns the server's mode, or null when it does not serve yet
 * ("This ZooKeeper instance is not currently serving requests" while the quorum forms).
 */
export function probeZooKeeper(host: string, port: number, timeoutMs = 1000): Promise<{ mode: ZooKeeperMode; version: string } | null> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let reply = '';
    const done = (value: { mode: ZooKeeperMode; version: string } | null): void => {
      socket.destroy();
      clearTimeout(timer);
      resolve(value);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('connect', () => socket.write('srvr'));
    socket.on('data', (chunk) => (reply += chunk.toString('utf8')));
    socket.on('error', () => done(null));
    socket.on('close', () => done(parseSrvr(reply)));
  });
}

export function parseSrvr(reply: string): { mode: ZooKeeperMode; version: string } | null {
  const mode = /^Mode:\s*(\w+)/m.exec(reply)?.[1];
  if (mode !== 'leader' && mode !== 'follower' && mode !== 'standalone' && mode !== 'observer') return null;
  const version = /^Zookeeper version:\s*([^,\s]+)/m.exec(reply)?.[1] ?? 'unknown';
  return { mode, version };
}
