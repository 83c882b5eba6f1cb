import { describe, expect, it } from 'vitest';
import { findZooKeeper, parseSrvr, zooKeeperCommand } from '../../../src/stack/zookeeper.js';

const fsWith = (files: Record<string, string[]>, env: NodeJS.ProcessEnv = {}) => ({
  env,
  exists: (p: string) => Object.values(files).some((list) => list.includes(p)) || p in files,
  list: (dir: string) => (files[dir] ?? []).map((f) => f.slice(dir.length + 1)),
});

describe('finding a ZooKeeper installation', () => {
  it('prefers ZOOKEEPER_HOME (release tarball layout)', () => {
    const found = findZooKeeper(fsWith({ '/opt/zk/lib': ['/opt/zk/lib/zookeeper-3.8.4.jar', '/opt/zk/lib/zookeeper-jute-3.8.4.jar'] }, { ZOOKEEPER_HOME: '/opt/zk' }));
    expect(found).toEqual({ kind: 'home', location: '/opt/zk', classpath: ['/opt/zk/conf', '/opt/zk/lib/zookeeper-3.8.4.jar', '/opt/zk/lib/zookeeper-jute-3.8.4.jar'] });
  });

  it('finds Homebrew on Apple Silicon', () => {
    const found = findZooKeeper(fsWith({ '/opt/homebrew/opt/zookeeper/libexec/lib': ['/opt/homebrew/opt/zookeeper/libexec/lib/zookeeper-3.9.2.jar'] }));
    expect(found?.kind).toBe('homebrew');
    expect(found?.classpath).toEqual(['/opt/homebrew/opt/zookeeper/libexec/lib/zookeeper-3.9.2.jar']);
  });

  it('finds Debian\'s package with an slf4j binding', () => {
    const found = findZooKeeper(fsWith({ '/usr/share/java': ['/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-log4j12.jar', '/usr/share/java/log4j-1.2.jar'] }));
    expect(found).toEqual({ kind: 'debian', location: '/usr/share/zookeeper', classpath: ['/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-log4j12.jar', '/usr/share/java/log4j-1.2.jar'] });
  });

  it('returns null when there is none', () => {
    expect(findZooKeeper(fsWith({}))).toBeNull();
  });

  it('builds a java command line that names the server\'s own zoo.cfg', () => {
    const cmd = zooKeeperCommand({ kind: 'debian', location: '/usr/share/zookeeper', classpath: ['/a.jar', '/b.jar'] }, { zooCfg: '/ws/zk-1/zoo.cfg', logDir: '/ws/zk-1' });
    expect(cmd.file).toBe('java');
    expect(cmd.args.slice(-4)).toEqual(['-cp', '/a.jar:/b.jar', 'org.apache.zookeeper.server.quorum.QuorumPeerMain', '/ws/zk-1/zoo.cfg']);
  });
});

describe('parsing the srvr four-letter word', () => {
  it('reads mode and version', () => {
    const reply = 'Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29\nLatency min/avg/max: 0/0.0/0\nMode: follower\nNode count: 5\n';
    expect(parseSrvr(reply)).toEqual({ mode: 'follower', version: '3.8.0-${mvngit.commit.id}' });
  });
  it('treats a server that is not serving as not ready', () => {
    expect(parseSrvr('This ZooKeeper instance is not currently serving requests\n')).toBeNull();
  });
});
