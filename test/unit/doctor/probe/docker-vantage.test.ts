/**
 * The Docker vantage's parts that need no engine: the probe script run for real by this machine's sh and by
 * busybox sh (the shell the probe containers have), its output parsed into the matrix, the findings built from
 * it, the published-port comparison and the compose project's network names.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointProbe } from '../../../../src/doctor/probe.js';
import { composeNetworks, parseProbeOutput, probeScript, publishedPortFindings, targetsOf, vantageFindings, type DockerVantage } from '../../../../src/doctor/probe/docker-vantage.js';

const dir = mkdtempSync(join(tmpdir(), 'kstack-vantage-unit-'));
let server: Server;
let open = 0;
let closed = 0;

beforeAll(async () => {
  server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  open = (server.address() as { port: number }).port;
  const tmp = createServer();
  await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
  closed = (tmp.address() as { port: number }).port;
  await new Promise((r) => tmp.close(r));
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

// Async: the TCP server below lives in this process and must keep accepting while the script runs.
const run = async (file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> => (await promisify(execFile)(file, args, { encoding: 'utf8', timeout: 30_000, ...(env ? { env } : {}) })).stdout;
const hasBusybox = spawnSync('sh', ['-c', 'command -v busybox'], { stdio: 'ignore' }).status === 0;

describe('probe script', () => {
  it('this machine\'s sh: resolves, connects, and reports refused ports and unknown names', async () => {
    const targets = [
      { endpoint: `127.0.0.1:${open}`, host: '127.0.0.1', port: open, nodeId: 1, listener: 'A' },
      { endpoint: `localhost:${closed}`, host: 'localhost', port: closed, nodeId: 1, listener: 'B' },
      { endpoint: 'no-such-host.invalid:9092', host: 'no-such-host.invalid', port: 9092, nodeId: 2 },
    ];
    const out = await run('sh', ['-c', probeScript(targets)]);
    const eps = parseProbeOutput(out, targets, 'net1');
    expect(eps[0].steps.slice(0, 2).map((s) => s.status)).toEqual(['ok', 'ok']);
    expect(eps[0].addresses).toEqual(['127.0.0.1']);
    expect(eps[0].failure).toBeUndefined();
    expect(eps[1].steps.slice(0, 2).map((s) => s.status)).toEqual(['ok', 'failed']);
    expect(eps[1].failure).toEqual({ step: 'tcp', reason: 'loopback' });
    expect(eps[2].steps.slice(0, 2).map((s) => s.status)).toEqual(['failed', 'skipped']);
    expect(eps[2].failure?.reason).toBe('dns');
    expect(eps.every((e) => e.steps.map((s) => s.step).join(',') === 'dns,tcp,api-versions,metadata,identity')).toBe(true);
  });

  it.skipIf(!hasBusybox)('busybox sh alone (no getent, awk or nc on PATH): /etc/hosts names and IP literals', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim(), join(bin, 'busybox'));
    const targets = [
      { endpoint: `localhost:${open}`, host: 'localhost', port: open },
      { endpoint: `127.0.0.1:${closed}`, host: '127.0.0.1', port: closed },
    ];
    const out = await run(join(bin, 'busybox'), ['sh', '-c', probeScript(targets)], { PATH: bin });
    const eps = parseProbeOutput(out, targets, 'net1');
    expect(eps[0].steps.slice(0, 2).map((s) => s.status), out).toEqual(['ok', 'ok']);
    expect(eps[0].addresses).toContain('127.0.0.1');
    expect(eps[1].steps.slice(0, 2).map((s) => s.status), out).toEqual(['ok', 'failed']);
  });

  it('an image without nc: bash /dev/tcp; with neither, the connection is reported untried, not failed', async () => {
    const bin = join(dir, 'bin-no-nc');
    mkdirSync(bin, { recursive: true });
    for (const tool of ['sh', 'bash', 'getent', 'awk', 'tr', 'grep', 'timeout']) {
      const path = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
      if (path.startsWith('/')) symlinkSync(path, join(bin, tool));
    }
    const targets = [
      { endpoint: `127.0.0.1:${open}`, host: '127.0.0.1', port: open },
      { endpoint: `127.0.0.1:${closed}`, host: '127.0.0.1', port: closed },
    ];
    const withBash = parseProbeOutput(await run(join(bin, 'sh'), ['-c', probeScript(targets)], { PATH: bin }), targets, 'n');
    expect(withBash.map((e) => e.steps[1].status)).toEqual(['ok', 'failed']);
    rmSync(join(bin, 'bash'));
    const bare = parseProbeOutput(await run(join(bin, 'sh'), ['-c', probeScript(targets)], { PATH: bin }), targets, 'n');
    expect(bare.map((e) => e.steps[1].status)).toEqual(['skipped', 'skipped']);
    expect(bare[0].failure).toBeUndefined();
    expect(bare[0].steps[1].detail).toMatch(/neither nc, busybox nor bash/);
  });

  it('output cut short: endpoints without a line are failures, not passes', () => {
    const targets = [{ endpoint: 'kafka:9092', host: 'kafka', port: 9092 }];
    const eps = parseProbeOutput('garbage\nKSTACK-PROBE dns other:1 ok 10.0.0.1\n', targets, 'n');
    expect(eps[0].failure).toEqual({ step: 'dns', reason: 'probe' });
    expect(eps[0].steps[0].detail).toMatch(/stopped before/);
  });
});

const bootstrap = (listeners: string, advertised: string): EndpointProbe => ({
  endpoint: '127.0.0.1:29092', host: '127.0.0.1', port: 29092, role: 'bootstrap', steps: [],
  brokerConfig: { nodeId: 1, listeners, advertisedListeners: advertised, protocolMap: 'INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT', listenerName: 'EXTERNAL' },
});

describe('findings from a network', () => {
  const host = [bootstrap('INTERNAL://:19092,EXTERNAL://:29092,CONTROLLER://:19093', 'INTERNAL://localhost:19092,EXTERNAL://127.0.0.1:29092')];
  const { targets, hostListeners, configs } = targetsOf(host);

  it('every advertised listener is a target; the one this machine came in on is the host listener', () => {
    expect(targets.map((t) => `${t.listener} ${t.endpoint}`)).toEqual(['INTERNAL localhost:19092', 'EXTERNAL 127.0.0.1:29092']);
    expect([...hostListeners]).toEqual(['EXTERNAL']);
  });

  it('a network listener on localhost is M1 (error) with the fix; the host listener on loopback is only a note', () => {
    const out = ['KSTACK-PROBE dns localhost:19092 ok 127.0.0.1', 'KSTACK-PROBE tcp localhost:19092 failed', 'KSTACK-PROBE dns 127.0.0.1:29092 ok 127.0.0.1', 'KSTACK-PROBE tcp 127.0.0.1:29092 failed', 'KSTACK-PROBE done'].join('\n');
    const v: DockerVantage = { vantage: 'docker:p_default', network: 'p_default', image: 'img', endpoints: parseProbeOutput(out, targets, 'p_default') };
    const containers = [{ name: 'p-kafka-1', image: 'img', networks: { p_default: { aliases: ['kafka', '0123456789ab'] } }, published: [] }];
    const f = vantageFindings(v, hostListeners, configs, containers);
    const internal = f.find((x) => x.data?.endpoint === 'localhost:19092')!;
    expect(internal).toMatchObject({ id: 'M1', severity: 'error' });
    expect(internal.fix).toContain('advertised.listeners=INTERNAL://kafka:19092,EXTERNAL://127.0.0.1:29092');
    expect(f.find((x) => x.data?.endpoint === '127.0.0.1:29092')).toMatchObject({ id: 'M1', severity: 'ok', fix: null });
  });

  it('only a host listener, on loopback: containers have nothing, so M1 is an error proposing a second listener', () => {
    const single = targetsOf([bootstrap('EXTERNAL://:29092,CONTROLLER://:19093', 'EXTERNAL://localhost:29092')]);
    const out = 'KSTACK-PROBE dns localhost:29092 ok 127.0.0.1\nKSTACK-PROBE tcp localhost:29092 failed\nKSTACK-PROBE done';
    const v: DockerVantage = { vantage: 'docker:n', network: 'n', image: 'img', endpoints: parseProbeOutput(out, single.targets, 'n') };
    const f = vantageFindings(v, single.hostListeners, single.configs, []);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ id: 'M1', severity: 'error' });
    expect(f[0].fix).toContain('advertised.listeners=EXTERNAL://localhost:29092,DOCKER://');
  });

  it('a network listener whose name does not resolve there is M2, one that refuses is M4', () => {
    const t = targetsOf([bootstrap('INTERNAL://:19092,EXTERNAL://:29092', 'INTERNAL://kafka-typo:19092,EXTERNAL://127.0.0.1:29092')]);
    const v: DockerVantage = { vantage: 'docker:n', network: 'n', image: 'img', endpoints: parseProbeOutput('KSTACK-PROBE dns kafka-typo:19092 failed\nKSTACK-PROBE done', t.targets, 'n') };
    expect(vantageFindings(v, t.hostListeners, t.configs).find((x) => x.data?.endpoint === 'kafka-typo:19092')).toMatchObject({ id: 'M2', severity: 'error' });
    const v2: DockerVantage = { ...v, endpoints: parseProbeOutput('KSTACK-PROBE dns kafka-typo:19092 ok 10.1.0.2\nKSTACK-PROBE tcp kafka-typo:19092 failed\nKSTACK-PROBE done', t.targets, 'n') };
    expect(vantageFindings(v2, t.hostListeners, t.configs).find((x) => x.data?.endpoint === 'kafka-typo:19092')).toMatchObject({ id: 'M4', severity: 'error' });
  });
});

describe('published ports', () => {
  const adv: EndpointProbe = { endpoint: 'localhost:9092', host: 'localhost', port: 9092, role: 'advertised', nodeId: 1, steps: [] };
  it('advertised port = the container port, published elsewhere: M4 naming the published port', () => {
    const f = publishedPortFindings([adv], [{ container: 'kafka', containerPort: 9092, hostIp: '', hostPort: 29092 }]);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ id: 'M4', severity: 'error' });
    expect(f[0].fix).toContain('localhost:29092');
  });
  it('with the broker\'s listener settings known, the fix is the whole advertised.listeners line', () => {
    const boot: EndpointProbe = { ...bootstrap('INTERNAL://:19092,EXTERNAL://:9092', 'INTERNAL://kafka:19092,EXTERNAL://localhost:9092'), endpoint: '127.0.0.1:29092' };
    const f = publishedPortFindings([boot, adv], [{ container: 'kafka', containerPort: 9092, hostIp: '127.0.0.1', hostPort: 29092 }]);
    expect(f[0].fix).toBe('advertised.listeners=INTERNAL://kafka:19092,EXTERNAL://localhost:29092   (or publish "9092:9092")');
  });
  it('published as advertised, or no containers known: nothing to say', () => {
    expect(publishedPortFindings([adv], [{ container: 'kafka', containerPort: 9092, hostIp: '', hostPort: 9092 }])).toEqual([]);
    expect(publishedPortFindings([adv], [])).toEqual([]);
  });
});

describe('compose networks', () => {
  it('project from the directory (or name:), <project>_<network>, custom and external names', () => {
    const d = join(dir, 'My.Project');
    mkdirSync(d, { recursive: true });
    const file = join(d, 'docker-compose.yml');
    writeFileSync(file, 'services:\n  kafka:\n    image: apache/kafka:3.9.0\n  app:\n    image: app\n    networks: [front, ext]\nnetworks:\n  front:\n    name: custom-front\n  ext:\n    external: true\n');
    expect(composeNetworks(file, {})).toEqual({ project: 'myproject', networks: ['myproject_default', 'custom-front', 'ext'], images: ['apache/kafka:3.9.0', 'app'] });
    writeFileSync(file, 'name: demo\nservices:\n  kafka:\n    image: k\n');
    expect(composeNetworks(file, {}).networks).toEqual(['demo_default']);
  });
});
