/**
 * The live listener probe against real brokers started deliberately misconfigured, each with four listeners so
 * one start carries every case:
 *   GOOD     advertises localhost:<its own port>                      → all green
 *   DEADPORT advertises 127.0.0.1:<a port nothing listens on>         → M4 (refused)
 *   BADHOST  advertises broker.invalid:<its port>                     → M2 (does not resolve)
 *   SECOND   advertises 127.0.0.1:<GOOD's port>                       → M6 (lands on GOOD's listener)
 * Run against the kstack native broker (in-process) and against Apache Kafka (KRaft, from .peers/; skipped with
 * the reason when the jars or Java are missing). The same diagnoses are expected from both, and the static
 * doctor on the same server.properties names M6 too.
 */
import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnoseListeners } from '../../src/doctor/listeners/diagnose.js';
import { probeListeners, type ProbeReport } from '../../src/doctor/probe.js';
import { apacheKafkaSkipReason, startApacheKafka, type RunningApacheKafka } from '../support/apache-kafka.js';
import { startNativeBroker, type NativeBroker } from '../support/native-broker.js';
import { freePorts } from '../support/ports.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const NO_DOCKER = async () => ({ ok: false, detail: 'no Docker engine (test)' });

interface Ports { good: number; dead: number; badHost: number; second: number; unused: number; tls?: number; toTls?: number }

function listenerProps(p: Ports): Record<string, string> {
  return {
    listeners: `GOOD://127.0.0.1:${p.good},DEADPORT://127.0.0.1:${p.dead},BADHOST://127.0.0.1:${p.badHost},SECOND://127.0.0.1:${p.second}`,
    'advertised.listeners': `GOOD://localhost:${p.good},DEADPORT://127.0.0.1:${p.unused},BADHOST://broker.invalid:${p.badHost},SECOND://127.0.0.1:${p.good}`,
    'listener.security.protocol.map': 'GOOD:PLAINTEXT,DEADPORT:PLAINTEXT,BADHOST:PLAINTEXT,SECOND:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name': 'GOOD',
  };
}

function problemIds(r: ProbeReport): string[] {
  return [...new Set(r.findings.filter((f) => f.severity === 'error').map((f) => f.id))].sort();
}

/** The expectations shared by both engines. */
function describeCases(name: string, start: () => Promise<{ ports: Ports; nodeId: number; stop: () => Promise<void> }>, skip: string | null, withTls = false): void {
  describe.skipIf(skip !== null)(`${name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let ports: Ports;
    let nodeId: number;
    let stop: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ ports, nodeId, stop } = await start());
    }, 180_000);
    afterAll(async () => {
      await stop?.();
    });

    it('a correct listener is all green', async () => {
      const r = await probeListeners({ bootstrap: [`127.0.0.1:${ports.good}`], timeoutMs: 3000, dockerAvailable: NO_DOCKER });
      expect(problemIds(r), JSON.stringify(r.endpoints, null, 1)).toEqual([]);
      expect(r.findings.map((f) => f.severity)).toEqual(['ok', 'ok']);
      const adv = r.endpoints.find((e) => e.role === 'advertised')!;
      expect(adv.endpoint).toBe(`localhost:${ports.good}`);
      expect(adv.nodeId).toBe(nodeId);
      expect(adv.answeredNodeId).toBe(nodeId);
      expect(adv.steps.map((s) => s.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
      expect(r.verdict).toMatch(/^Bootstrap works and every advertised endpoint/);
      expect(r.skippedVantages[0].reason).toMatch(/skipped/);
    });

    it('an advertised port nothing listens on: M4', async () => {
      const r = await probeListeners({ bootstrap: [`127.0.0.1:${ports.dead}`], timeoutMs: 3000, dockerAvailable: NO_DOCKER });
      expect(problemIds(r)).toEqual(['M4']);
      const adv = r.endpoints.find((e) => e.role === 'advertised')!;
      expect(adv.endpoint).toBe(`127.0.0.1:${ports.unused}`);
      expect(adv.failure).toMatchObject({ step: 'tcp', reason: 'refused' });
      expect(r.verdict).toContain(`Bootstrap works, but node ${nodeId} advertises 127.0.0.1:${ports.unused}, which from here refuses connections`);
      // The broker's own settings (DescribeConfigs) give the exact line: DEADPORT advertises the address that works.
      expect(r.findings.find((f) => f.id === 'M4')?.fix).toMatch(new RegExp(`^advertised\\.listeners=\\S*DEADPORT://127\\.0\\.0\\.1:${ports.dead}\\b`));
      expect(r.endpoints[0].brokerConfig).toMatchObject({ nodeId, listenerName: 'DEADPORT' });
    });

    it('an advertised host that does not resolve: M2', async () => {
      const r = await probeListeners({ bootstrap: [`127.0.0.1:${ports.badHost}`], timeoutMs: 5000, dockerAvailable: NO_DOCKER });
      expect(problemIds(r)).toEqual(['M2']);
      const adv = r.endpoints.find((e) => e.role === 'advertised')!;
      expect(adv.endpoint).toBe(`broker.invalid:${ports.badHost}`);
      expect(adv.failure?.step).toBe('dns');
      expect(r.verdict).toContain(`broker.invalid:${ports.badHost}, which from here does not resolve`);
      expect(r.findings.find((f) => f.id === 'M2')?.fix).toContain(`BADHOST://127.0.0.1:${ports.badHost}`);
    });

    it("a second listener advertising the first listener's port: M6", async () => {
      const r = await probeListeners({ bootstrap: [`127.0.0.1:${ports.second}`], timeoutMs: 3000, dockerAvailable: NO_DOCKER });
      expect(problemIds(r), JSON.stringify(r.endpoints, null, 1)).toEqual(['M6']);
      const adv = r.endpoints.find((e) => e.role === 'advertised')!;
      expect(adv.endpoint).toBe(`127.0.0.1:${ports.good}`);
      expect(adv.failure?.step).toBe('identity');
      expect(adv.steps.find((s) => s.step === 'identity')?.detail).toContain(`lists node ${nodeId} as localhost:${ports.good}`);
      expect(r.findings.find((f) => f.id === 'M6')?.fix).toContain(`SECOND://127.0.0.1:${ports.second}`);
    });

    it.runIf(withTls)('a plaintext client on an SSL listener: M11 at bootstrap', async () => {
      const r = await probeListeners({ bootstrap: [`127.0.0.1:${ports.tls}`], timeoutMs: 3000, dockerAvailable: NO_DOCKER });
      expect(problemIds(r), JSON.stringify(r.endpoints, null, 1)).toEqual(['M11']);
      expect(r.endpoints[0].failure).toMatchObject({ step: 'api-versions', guess: 'tls' });
    });

    it.runIf(withTls)("a PLAINTEXT listener advertising the SSL listener's port: M11 at the advertised endpoint", async () => {
      const r = await probeListeners({ bootstrap: [`127.0.0.1:${ports.toTls}`], timeoutMs: 3000, dockerAvailable: NO_DOCKER });
      expect(problemIds(r), JSON.stringify(r.endpoints, null, 1)).toEqual(['M11']);
      const adv = r.endpoints.find((e) => e.role === 'advertised')!;
      expect(adv.endpoint).toBe(`127.0.0.1:${ports.tls}`);
      expect(adv.failure).toMatchObject({ step: 'api-versions', guess: 'tls' });
      expect(r.verdict).toContain(`Bootstrap works, but node ${nodeId} advertises 127.0.0.1:${ports.tls}`);
      expect(r.findings.find((f) => f.id === 'M11')?.fix).toContain(`TOTLS://127.0.0.1:${ports.toTls}`);
    });

    it('several bootstrap endpoints at once, and a bootstrap that is refused', async () => {
      const r = await probeListeners({ bootstrap: [`127.0.0.1:${ports.good}`, `127.0.0.1:${ports.unused}`], timeoutMs: 3000, dockerAvailable: NO_DOCKER });
      expect(problemIds(r)).toEqual(['bootstrap']);
      expect(r.endpoints.filter((e) => e.role === 'bootstrap').map((e) => e.failure?.reason ?? 'ok')).toEqual(['ok', 'refused']);
    });
  });
}

describeCases(
  'probe: kstack native broker',
  async () => {
    const [good, dead, badHost, second, unused] = await freePorts(5);
    const ports = { good, dead, badHost, second, unused };
    // The native test helper needs a PLAINTEXT listener to learn its port; GOOD plays that role under its own name
    // through a PLAINTEXT alias would change the case, so run the broker with a PLAINTEXT listener as "GOOD".
    const props = listenerProps(ports);
    const renamed = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v.replace(/GOOD/g, 'PLAINTEXT')]));
    const broker: NativeBroker = await startNativeBroker({ properties: renamed });
    return { ports, nodeId: 1, stop: () => broker.cleanup() };
  },
  null,
);

/** A PKCS12 keystore made with openssl for the SSL listener; null when openssl is missing. */
function makeKeystore(dir: string): string | null {
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    execFileSync('openssl', ['pkcs12', '-export', '-in', join(dir, 'c.pem'), '-inkey', join(dir, 'k.pem'), '-out', join(dir, 'ks.p12'), '-passout', 'pass:kstack-test'], { stdio: 'ignore' });
    return join(dir, 'ks.p12');
  } catch {
    return null;
  }
}

const apacheSkip = apacheKafkaSkipReason();
const keyDir = mkdtempSync(join(tmpdir(), 'kstack-doctor-tls-'));
const keystore = apacheSkip ? null : makeKeystore(keyDir);
afterAll(() => rmSync(keyDir, { recursive: true, force: true }));
describeCases(
  'probe: Apache Kafka',
  async () => {
    const [good, dead, badHost, second, unused, tls, toTls] = await freePorts(7);
    const ports = { good, dead, badHost, second, unused, tls, toTls };
    const kafka: RunningApacheKafka = await startApacheKafka({
      listeners: [
        { name: 'GOOD', port: good, advertisedHost: 'localhost' },
        { name: 'DEADPORT', port: dead, advertisedPort: unused },
        { name: 'BADHOST', port: badHost, advertisedHost: 'broker.invalid' },
        { name: 'SECOND', port: second, advertisedPort: good },
        { name: 'TLS', port: tls },
        { name: 'TOTLS', port: toTls, advertisedPort: tls },
      ],
      interBrokerListener: 'GOOD',
      heapMb: 384,
      overrides: {
        'listener.security.protocol.map': 'GOOD:PLAINTEXT,DEADPORT:PLAINTEXT,BADHOST:PLAINTEXT,SECOND:PLAINTEXT,TLS:SSL,TOTLS:PLAINTEXT,CONTROLLER:PLAINTEXT',
        'listener.name.tls.ssl.keystore.type': 'PKCS12',
        'listener.name.tls.ssl.keystore.location': keystore!,
        'listener.name.tls.ssl.keystore.password': 'kstack-test',
        'listener.name.tls.ssl.key.password': 'kstack-test',
      },
    });
    return { ports, nodeId: 1, stop: () => kafka.stop() };
  },
  apacheSkip ?? (keystore ? null : 'openssl is needed to make a keystore for the SSL listener'),
  true,
);

describe('static doctor and CLI on the same misconfiguration', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kstack-doctor-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names M6 for the SECOND listener before anything starts', () => {
    const ports = { good: 19092, dead: 19093, badHost: 19094, second: 19095, unused: 19096 };
    const props: Record<string, string> = { 'process.roles': 'broker,controller', 'node.id': '1', 'controller.quorum.voters': '1@127.0.0.1:19099', 'controller.listener.names': 'CONTROLLER', ...listenerProps(ports) };
    props.listeners += ',CONTROLLER://127.0.0.1:19099';
    const file = join(dir, 'server.properties');
    writeFileSync(file, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    const d = diagnoseListeners({ configs: [file] });
    const m6 = d.findings.filter((f) => f.id === 'M6');
    expect(m6).toHaveLength(1);
    expect(m6[0].message).toContain('listener SECOND advertises 127.0.0.1:19092, which is the port of listener GOOD');
    expect(m6[0].source).toEqual({ file, line: 6 });
    expect(m6[0].fix).toContain(`SECOND://127.0.0.1:19095`);
  });

  it('kstack doctor listeners --bootstrap --json against a native broker: stable JSON and exit code 1 on an error', async () => {
    const [good, dead, badHost, second, unused] = await freePorts(5);
    const props = Object.fromEntries(Object.entries(listenerProps({ good, dead, badHost, second, unused })).map(([k, v]) => [k, v.replace(/GOOD/g, 'PLAINTEXT')]));
    const broker = await startNativeBroker({ properties: props });
    try {
      const okRun = await run(process.execPath, [join(ROOT, 'bin', 'kstack.js'), 'doctor', 'listeners', '--bootstrap', `127.0.0.1:${good}`, '--json'], { cwd: dir });
      const okReport = JSON.parse(okRun.stdout) as { schema: string; ok: boolean; probe: { verdict: string; endpoints: unknown[] } };
      expect(okReport.schema).toBe('kstack.doctor.listeners/1');
      expect(okReport.ok).toBe(true);
      expect(okReport.probe.endpoints).toHaveLength(2);
      const bad = await run(process.execPath, [join(ROOT, 'bin', 'kstack.js'), 'doctor', 'listeners', '--bootstrap', `127.0.0.1:${dead}`], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } }).catch((e: { code: number; stderr: string }) => e);
      expect((bad as { code: number }).code).toBe(1);
      expect((bad as { stderr: string }).stderr).toContain(`M4`);
      expect((bad as { stderr: string }).stderr).toMatch(/endpoint\s+dns\s+tcp\s+api-versions\s+metadata\s+identity/);
    } finally {
      await broker.cleanup();
    }
  });
});
