/**
 * `docker`: the docker engine must answer, not merely have a `docker` binary: HTTP GET /_ping on DOCKER_HOST or
 * the usual sockets must return 200 OK.
 */
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { dockerEndpoints, installCommand, startDockerCommand, type PlatformContext } from '../../platform.js';
import type Docker from 'dockerode';
import { error, ok, type Finding } from '../finding.js';

export interface PingResult {
  ok: boolean;
  /** HTTP status, or the connection error. */
  detail: string;
  apiVersion: string | null;
}

/** GET /_ping on `unix:///path` or `tcp://host:port` (http://… too). */
export function pingDocker(endpoint: string, timeoutMs = 2000): Promise<PingResult> {
  return new Promise((resolve) => {
    let target: { socketPath: string } | { host: string; port: number };
    if (endpoint.startsWith('unix://')) target = { socketPath: endpoint.slice('unix://'.length) };
    else if (/^(tcp|http):\/\//.test(endpoint)) {
      const url = new URL(endpoint.replace(/^tcp:/, 'http:'));
      target = { host: url.hostname, port: Number(url.port || 2375) };
    } else return resolve({ ok: false, detail: `unsupported DOCKER_HOST scheme in ${endpoint}`, apiVersion: null });
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        const apiVersion = (res.headers['api-version'] as string | undefined) ?? null;
        resolve(res.statusCode === 200 && body.trim() === 'OK' ? { ok: true, detail: 'OK', apiVersion } : { ok: false, detail: `HTTP ${res.statusCode} ${body.trim().slice(0, 80)}`, apiVersion });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, detail: err.code ?? err.message, apiVersion: null }));
    req.end();
  });
}

export async function checkDocker(ctx: PlatformContext, endpoints: string[] = dockerEndpoints(ctx)): Promise<Finding[]> {
  const tried: string[] = [];
  for (const endpoint of endpoints) {
    const r = await pingDocker(endpoint);
    if (r.ok) return [ok('docker', `Docker engine answers at ${endpoint}${r.apiVersion ? ` (API ${r.apiVersion})` : ''}`, { endpoint, apiVersion: r.apiVersion })];
    tried.push(`${endpoint}: ${r.detail}`);
  }
  const socketExists = endpoints.some((e) => e.startsWith('unix://') && existsSync(e.slice(7)));
  const fromEnv = Boolean(ctx.env.DOCKER_HOST);
  const fix = socketExists || fromEnv ? startDockerCommand(ctx) : installCommand(ctx, 'docker');
  return [error('docker', `no Docker engine answers (${tried.join('; ')}); the docker engine needs one`, fix, { tried: endpoints })];
}

/** Is `ref` already in the engine's image store (inspect succeeds)? */
export async function imagePresent(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}
