import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDisk } from '../../../src/doctor/checks/disk.js';
import { checkDocker, pingDocker } from '../../../src/doctor/checks/docker.js';
import { checkJava, parseJavaVersion } from '../../../src/doctor/checks/java.js';
import { checkNode } from '../../../src/doctor/checks/node.js';
import { checkOpenFiles } from '../../../src/doctor/checks/open-files.js';
import { checkPlatform } from '../../../src/doctor/checks/platform.js';
import { checkStackPorts } from '../../../src/doctor/checks/ports.js';
import { checkZooKeeper } from '../../../src/doctor/checks/zookeeper.js';
import { requirements, runEnvChecks } from '../../../src/doctor/env.js';
import { formatFindings, hasErrors } from '../../../src/doctor/finding.js';
import { systemPlatform, type CommandResult, type PlatformContext } from '../../../src/platform.js';
import { freePort } from '../../support/ports.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kstack-doctor-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const answering = (commands: Record<string, CommandResult | null>, over: Partial<PlatformContext> = {}): PlatformContext => {
  const real = systemPlatform();
  return { ...real, ...over, run: async (file, args, o) => (file in commands ? commands[file] : real.run(file, args, o)) };
};

describe('platform and node', () => {
  it('supported targets are ok; Rosetta is a warning; others are errors', async () => {
    expect((await checkPlatform(answering({}, { platform: 'linux', arch: 'arm64' })))[0]).toMatchObject({ severity: 'ok', message: 'linux-arm64' });
    const rosetta = await checkPlatform(answering({ sysctl: { code: 0, stdout: '1\n', stderr: '' } }, { platform: 'darwin', arch: 'x64' }));
    expect(rosetta[0].severity).toBe('warn');
    expect(rosetta[0].message).toContain('Rosetta');
    expect((await checkPlatform(answering({ sysctl: { code: 0, stdout: '0\n', stderr: '' } }, { platform: 'darwin', arch: 'arm64' })))[0].severity).toBe('ok');
    expect((await checkPlatform(answering({}, { platform: 'win32', arch: 'x64' })))[0].severity).toBe('error');
  });

  it('Node 20+ is needed, with the install command for the OS', () => {
    expect(checkNode({ platform: 'linux' }, 'v20.11.0')[0].severity).toBe('ok');
    const old = checkNode({ platform: 'darwin' }, 'v18.19.0')[0];
    expect(old).toMatchObject({ severity: 'error', fix: 'brew install node@20' });
    expect(checkNode({ platform: 'linux' }, 'v18.19.0')[0].fix).toContain('apt-get install -y nodejs');
  });
});

describe('disk and open files', () => {
  it('reads free space at the nearest existing parent of the workspace', async () => {
    const [f] = await checkDisk(join(dir, 'not', 'yet', 'there'));
    expect(f.severity).toBe('ok');
    expect(f.data?.path).toBe(dir);
  });

  it('thresholds: error under 100 MiB, warn under 1 GiB', async () => {
    const stat = (free: number) => async () => ({ bavail: free / 4096, bsize: 4096 });
    expect((await checkDisk(dir, stat(50 * 1024 * 1024)))[0].severity).toBe('error');
    expect((await checkDisk(dir, stat(500 * 1024 * 1024)))[0].severity).toBe('warn');
    expect((await checkDisk(dir, stat(5 * 1024 * 1024 * 1024)))[0].severity).toBe('ok');
  });

  it('warns on a low ulimit -n (macOS defaults to 256) with the OS\'s fix', async () => {
    const low = await checkOpenFiles(answering({ sh: { code: 0, stdout: '256\n', stderr: '' } }, { platform: 'darwin' }));
    expect(low[0]).toMatchObject({ severity: 'warn', data: { limit: 256 } });
    expect(low[0].fix).toContain('ulimit -n 65536');
    expect((await checkOpenFiles(answering({ sh: { code: 0, stdout: 'unlimited\n', stderr: '' } })))[0].severity).toBe('ok');
    expect((await checkOpenFiles(systemPlatform()))[0].severity).not.toBe('error');
  });
});

describe('ports', () => {
  it('names the port and the holder\'s pid of a taken port', async () => {
    const [free, taken] = [await freePort(), await freePort()];
    const server = createServer();
    await new Promise<void>((r) => server.listen(taken, '127.0.0.1', r));
    try {
      const findings = await checkStackPorts(systemPlatform(), [
        { port: free, host: '127.0.0.1', owner: 'broker-1', purpose: 'PLAINTEXT' },
        { port: taken, host: '127.0.0.1', owner: 'broker-1', purpose: 'CONTROLLER' },
      ]);
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({ id: 'ports', severity: 'error', data: { port: taken } });
      expect(findings[0].message).toContain(`pid ${process.pid}`);
      expect(findings[0].fix).toContain(`kill ${process.pid}`);
    } finally {
      server.close();
    }
  });
});

describe('java and zookeeper', () => {
  it('parses java -version output of both numbering schemes', () => {
    expect(parseJavaVersion('openjdk version "17.0.13" 2024-10-15\nOpenJDK Runtime Environment')).toEqual({ version: '17.0.13', major: 17 });
    expect(parseJavaVersion('java version "1.8.0_392"')).toEqual({ version: '1.8.0_392', major: 8 });
    expect(parseJavaVersion('openjdk version "21" 2023-09-19')).toEqual({ version: '21', major: 21 });
    expect(parseJavaVersion('nothing')).toBeNull();
  });

  it('finds the real java here', async () => {
    const [f] = await checkJava(systemPlatform(), { forKafka: false });
    expect(f.severity).toBe('ok');
    expect(f.data?.major).toBeGreaterThanOrEqual(8);
  });

  it('a JAVA_HOME without bin/java is an error with the install command', async () => {
    const [f] = await checkJava(systemPlatform({ env: { JAVA_HOME: join(dir, 'no-jdk') }, platform: 'linux' }), { forKafka: true });
    expect(f).toMatchObject({ id: 'java', severity: 'error', fix: 'sudo apt-get install -y openjdk-17-jre-headless' });
    expect(f.message).toContain('no-jdk');
  });

  it('Java 11 is a warning for the kafka engine (Kafka 4 needs 17)', async () => {
    const [f] = await checkJava(answering({ java: { code: 0, stdout: '', stderr: 'openjdk version "11.0.22" 2024-01-16\n' } }, { env: {} }), { forKafka: true });
    expect(f.severity).toBe('warn');
  });

  it('zookeeper: found, or an error with brew/apt', () => {
    expect(checkZooKeeper({ platform: 'linux', env: {} }, { kind: 'debian', location: '/usr/share/zookeeper', classpath: [] })[0].severity).toBe('ok');
    const missing = checkZooKeeper({ platform: 'darwin', env: {} }, null)[0];
    expect(missing.severity).toBe('error');
    expect(missing.fix).toContain('brew install zookeeper');
  });
});

describe('docker engine ping', () => {
  let socket: string;
  let engine: Server;
  let broken: Server;
  let brokenSocket: string;
  beforeAll(async () => {
    socket = join(dir, 'docker.sock');
    engine = createServer((req, res) => {
      if (req.url === '/_ping') res.writeHead(200, { 'Api-Version': '1.45' }).end('OK');
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => engine.listen(socket, r));
    brokenSocket = join(dir, 'broken.sock');
    broken = createServer((_, res) => res.writeHead(500).end('Internal Server Error'));
    await new Promise<void>((r) => broken.listen(brokenSocket, r));
  });
  afterAll(() => {
    engine.close();
    broken.close();
  });

  it('GET /_ping over a unix socket', async () => {
    expect(await pingDocker(`unix://${socket}`)).toEqual({ ok: true, detail: 'OK', apiVersion: '1.45' });
    expect((await pingDocker(`unix://${brokenSocket}`)).detail).toBe('HTTP 500 Internal Server Error');
    expect((await pingDocker(`unix://${join(dir, 'absent.sock')}`)).ok).toBe(false);
  });

  it('GET /_ping over tcp://', async () => {
    const tcp = createServer((_, res) => res.writeHead(200).end('OK'));
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    try {
      expect((await pingDocker(`tcp://127.0.0.1:${(tcp.address() as { port: number }).port}`)).ok).toBe(true);
    } finally {
      tcp.close();
    }
  });

  it('ok when an engine answers; a socket that does not answer means "start it", none means "install it"', async () => {
    const p = systemPlatform({ platform: 'linux', env: {} });
    expect((await checkDocker(p, [`unix://${join(dir, 'absent.sock')}`, `unix://${socket}`]))[0]).toMatchObject({ severity: 'ok', data: { apiVersion: '1.45' } });
    expect((await checkDocker(p, [`unix://${brokenSocket}`]))[0]).toMatchObject({ severity: 'error', fix: 'sudo systemctl start docker' });
    expect((await checkDocker(systemPlatform({ platform: 'darwin', env: {} }), [`unix://${join(dir, 'absent.sock')}`]))[0].fix).toBe('brew install --cask docker && open -a Docker');
  });
});

describe('doctor env as a whole', () => {
  it('asks for Java, ZooKeeper and Docker only when the mode or engine needs them', () => {
    expect(requirements('kraft', 'native')).toEqual({ java: false, zookeeper: false, docker: false });
    expect(requirements('zk', 'native')).toEqual({ java: true, zookeeper: true, docker: false });
    expect(requirements('kraft', 'kafka')).toEqual({ java: true, zookeeper: false, docker: false });
    expect(requirements('zk', 'docker')).toEqual({ java: false, zookeeper: false, docker: true });
  });

  it('runs the checks that apply and reports errors', async () => {
    const port = await freePort();
    const ports = [{ port, host: '127.0.0.1', owner: 'broker-1', purpose: 'PLAINTEXT' }];
    const kraft = await runEnvChecks({ workspace: dir, mode: 'kraft', engine: 'native', ports }, { platform: systemPlatform() });
    expect(kraft.map((f) => f.id)).toEqual(['platform', 'node', 'disk', 'open-files', 'ports']);
    const zk = await runEnvChecks({ workspace: dir, mode: 'zk', engine: 'native', ports }, { platform: systemPlatform(), findZooKeeper: () => null });
    expect(zk.map((f) => f.id)).toEqual(['platform', 'node', 'disk', 'open-files', 'ports', 'java', 'zookeeper']);
    expect(hasErrors(zk)).toBe(true);
    const text = formatFindings(zk).join('\n');
    expect(text).toContain('✖ zookeeper');
    expect(text).toMatch(/1 error/);
  });
});
