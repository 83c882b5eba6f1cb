/**
 * The probe against real non-Kafka servers on 127.0.0.1:0: a TLS server (certificate made by openssl; skipped
 * without it), an HTTP server, an SSH-like banner; and a name that does not resolve. Each must be named, not
 * reported as a generic failure.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { detectTls, probeListeners, splitHostPort } from '../../../../src/doctor/probe.js';

const NO_DOCKER = async () => ({ ok: false, detail: 'no Docker engine (test)' });
const closers: (() => void)[] = [];
afterAll(() => closers.forEach((c) => c()));

function listen(server: Server): Promise<number> {
  const sockets: Socket[] = [];
  server.on('connection', (s: Socket) => sockets.push(s));
  closers.push(() => {
    sockets.forEach((s) => s.destroy());
    server.close();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

function opensslCert(): { key: Buffer; cert: Buffer } | null {
  const dir = mkdtempSync(join(tmpdir(), 'kstack-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=kstack-test'], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cert = opensslCert();

describe('probe against non-Kafka peers', () => {
  it.skipIf(cert === null)('recognises a TLS listener hit by a plaintext client (M11)', async () => {
    const tls = createTlsServer({ key: cert!.key, cert: cert!.cert }, (s) => s.on('error', () => {}));
    tls.on('tlsClientError', () => {});
    const port = await listen(tls);
    expect((await detectTls('127.0.0.1', port, 2000)).tls).toBe(true);
    const r = await probeListeners({ bootstrap: [`127.0.0.1:${port}`], timeoutMs: 2000, dockerAvailable: NO_DOCKER });
    const [e] = r.endpoints;
    expect(e.failure).toMatchObject({ step: 'api-versions', guess: 'tls' });
    expect(e.steps.find((s) => s.step === 'api-versions')?.detail).toMatch(/the port speaks TLS: TLS .*CN=kstack-test/);
    expect(r.findings.map((f) => f.id)).toEqual(['M11']);
    expect(r.verdict).toMatch(/^No bootstrap endpoint works from here/);
  });

  it('recognises an HTTP server', async () => {
    const http = createHttpServer((_req, res) => res.end('hello'));
    const port = await listen(http as unknown as Server);
    const r = await probeListeners({ bootstrap: [`127.0.0.1:${port}`], timeoutMs: 2000, dockerAvailable: NO_DOCKER });
    expect(r.endpoints[0].failure).toMatchObject({ step: 'api-versions', reason: 'not-kafka', guess: 'http' });
    expect(r.findings[0].message).toContain('an HTTP response');
    expect((await detectTls('127.0.0.1', port, 2000)).tls).toBe(false);
  });

  it('tries every address of a name, as Kafka clients do (localhost may be ::1 first)', async () => {
    const http = createHttpServer((_req, res) => res.end('hello'));
    const port = await listen(http as unknown as Server);
    const r = await probeListeners({ bootstrap: [`localhost:${port}`], resolve: async () => ['::1', '127.0.0.1'], timeoutMs: 2000, dockerAvailable: NO_DOCKER });
    const tcp = r.endpoints[0].steps.find((s) => s.step === 'tcp')!;
    expect(tcp.status).toBe('ok');
    expect(tcp.detail).toMatch(new RegExp(`connected to 127\\.0\\.0\\.1:${port} \\(after \\[::1\\]:${port}: `));
    expect(r.endpoints[0].failure?.guess).toBe('http');
  });

  it('recognises an SSH banner', async () => {
    const ssh = createServer((s) => {
      s.on('error', () => {});
      s.write('SSH-2.0-OpenSSH_9.2p1\r\n');
    });
    const port = await listen(ssh);
    const r = await probeListeners({ bootstrap: [`127.0.0.1:${port}`], timeoutMs: 2000, dockerAvailable: NO_DOCKER });
    expect(r.endpoints[0].failure).toMatchObject({ reason: 'not-kafka', guess: 'ssh' });
  });

  it('reports a bootstrap name that does not resolve, and a silent server', async () => {
    const silent = createServer((s) => s.on('error', () => {}));
    const port = await listen(silent);
    const r = await probeListeners({ bootstrap: ['no-such-broker.invalid:9092', `127.0.0.1:${port}`], timeoutMs: 500, dockerAvailable: NO_DOCKER });
    expect(r.endpoints.map((e) => e.failure?.reason)).toEqual(['dns', 'request-timeout']);
    expect(r.endpoints[0].steps.map((s) => s.status)).toEqual(['failed', 'skipped', 'skipped', 'skipped']);
  });

  it('refuses a bootstrap that is not host:port', async () => {
    await expect(probeListeners({ bootstrap: ['localhost'], dockerAvailable: NO_DOCKER })).rejects.toThrow(/not host:port/);
    expect(splitHostPort('[::1]:9092')).toEqual({ host: '::1', port: 9092 });
    expect(splitHostPort('h:0')).toBeNull();
  });
});
