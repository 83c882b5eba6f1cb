import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dockerEndpoints,
  findPortHolders,
  installCommand,
  isRosettaTranslated,
  openFileLimit,
  parseLsofOutput,
  parseProcNetTcp,
  parseSsOutput,
  systemPlatform,
  type CommandResult,
  type PlatformContext,
} from '../../src/platform.js';

let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => server.close());

/** The real machine, but with a different OS name, or with some commands answering as another OS would. */
function as(platform: NodeJS.Platform, commands: Record<string, CommandResult | null> = {}, extra: Partial<PlatformContext> = {}): PlatformContext {
  const real = systemPlatform();
  return {
    ...real,
    platform,
    run: async (file, args, options) => (file in commands ? commands[file] : real.run(file, args, options)),
    ...extra,
  };
}

describe('who holds a port', () => {
  const onLinux = process.platform === 'linux';

  it.skipIf(!onLinux)('Linux: ss names this very process', async () => {
    const holders = await findPortHolders(as('linux'), port);
    expect(holders).toContainEqual({ pid: process.pid, command: expect.any(String) });
  });

  it.skipIf(!onLinux)('Linux without ss: /proc/net/tcp and /proc/<pid>/fd', async () => {
    const holders = await findPortHolders(as('linux', { ss: null }), port);
    expect(holders.map((h) => h.pid)).toContain(process.pid);
  });

  it('macOS branch: lsof -F output (lsof prints the same format here)', async () => {
    const holders = await findPortHolders(as('darwin'), port);
    expect(holders.map((h) => h.pid)).toContain(process.pid);
  });

  it('nobody holds a closed port', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const free = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    expect(await findPortHolders(as('linux'), free)).toEqual([]);
  });

  it('parses ss, lsof and /proc/net/tcp text', () => {
    expect(parseSsOutput('LISTEN 0 511 127.0.0.1:9092 0.0.0.0:* users:(("java",pid=4242,fd=120),("java",pid=4242,fd=121))\n')).toEqual([{ pid: 4242, command: 'java' }]);
    expect(parseLsofOutput('p812\ncnode\np900\ncjava\n')).toEqual([
      { pid: 812, command: 'node' },
      { pid: 900, command: 'java' },
    ]);
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:2384 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 55501 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:2384 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 55502 1 0000000000000000 20 4 30 10 -1',
    ].join('\n');
    expect(parseProcNetTcp(table, 9092)).toEqual(['55501']);
  });
});

describe('Rosetta, open files, install commands, docker sockets', () => {
  it('Rosetta only on macOS, from sysctl.proc_translated', async () => {
    const ok = (stdout: string): CommandResult => ({ code: 0, stdout, stderr: '' });
    expect(await isRosettaTranslated(as('darwin', { sysctl: ok('1\n') }))).toBe(true);
    expect(await isRosettaTranslated(as('darwin', { sysctl: ok('0\n') }))).toBe(false);
    expect(await isRosettaTranslated(as('darwin', { sysctl: { code: 1, stdout: '', stderr: 'unknown oid' } }))).toBe(false);
    expect(await isRosettaTranslated(as('linux', { sysctl: ok('1\n') }))).toBe(false);
  });

  it('reads ulimit -n through sh', async () => {
    const limit = await openFileLimit(systemPlatform());
    expect(limit === 'unlimited' || (typeof limit === 'number' && limit > 0)).toBe(true);
    expect(await openFileLimit(as('linux', { sh: null }))).toBeNull();
  });

  it('apt on Linux, brew on macOS', () => {
    expect(installCommand({ platform: 'linux' }, 'java')).toBe('sudo apt-get install -y openjdk-17-jre-headless');
    expect(installCommand({ platform: 'darwin' }, 'java')).toBe('brew install openjdk@17');
    expect(installCommand({ platform: 'darwin' }, 'zookeeper')).toBe('brew install zookeeper');
    expect(installCommand({ platform: 'linux' }, 'zookeeper')).toBe('sudo apt-get install -y zookeeper');
  });

  it('DOCKER_HOST wins; macOS also looks at Docker Desktop and colima sockets', () => {
    expect(dockerEndpoints({ platform: 'linux', env: { DOCKER_HOST: 'tcp://127.0.0.1:2375' }, home: '/h' })).toEqual(['tcp://127.0.0.1:2375']);
    expect(dockerEndpoints({ platform: 'darwin', env: {}, home: '/Users/me' })).toEqual([
      'unix:///var/run/docker.sock',
      'unix:///Users/me/.docker/run/docker.sock',
      'unix:///Users/me/.colima/default/docker.sock',
    ]);
  });
});
