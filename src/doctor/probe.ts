/**
 * The live listener probe (research/devenv-facts.md §3d): for each bootstrap endpoint, from this machine —
 * DNS → TCP → ApiVersions → Metadata; then the same for every endpoint the brokers advertise, plus an identity
 * check (DescribeConfigs of BROKER `<advertised node id>`: a broker answers "Unexpected broker id, expected X" when
 * it is another node) and a stickiness check (Metadata through the advertised endpoint lists that same endpoint
 * for that node, i.e. the client landed on the listener it was sent to). The result is a matrix
 * (endpoint × step), findings with the cause named by rule id (M2 unresolvable, M4 nothing listening at the
 * advertised port, M6 landed on another listener or node, M11 TLS where plaintext was expected …) and a verdict in
 * plain words.
 *
 * Vantages: this machine, and — when a Docker engine answers — inside each compose network (probe/docker-vantage.ts:
 * a short-lived container resolves and connects to every advertised endpoint). Without an engine the report says
 * that vantage was skipped.
 */
import { lookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { isWireError, WireConnection, describeGuess, errorName, type ApiVersionsResult, type WireError } from '../client/wire.js';
import { DEFAULT_PROTOCOL_MAP, formatListeners, parseListeners, parseProtocolMap } from '../listeners/endpoints.js';
import { isLoopbackHost } from '../listeners/rules.js';
import type { DescribeConfigsResponse } from '../protocol/generated/describe-configs.js';
import type { MetadataResponse } from '../protocol/generated/metadata.js';
import type { Finding } from './finding.js';
import type { DockerVantage, PublishedPort } from './probe/docker-vantage.js';

export type StepName = 'dns' | 'tcp' | 'api-versions' | 'metadata' | 'identity';
export const STEPS: readonly StepName[] = ['dns', 'tcp', 'api-versions', 'metadata', 'identity'];

export interface StepResult {
  step: StepName;
  status: 'ok' | 'failed' | 'skipped';
  detail: string;
  ms?: number;
}

export interface AdvertisedBroker {
  nodeId: number;
  host: string;
  port: number;
  rack?: string | null;
}

export interface EndpointProbe {
  /** host:port as given or advertised. */
  endpoint: string;
  host: string;
  port: number;
  role: 'bootstrap' | 'advertised';
  /** For advertised endpoints: the node id the brokers say lives here, and the bootstrap that said so. */
  nodeId?: number;
  advertisedVia?: string[];
  addresses?: string[];
  steps: StepResult[];
  /** What Metadata through this endpoint said. */
  metadata?: { version: number; clusterId: string | null; controllerId: number | null; brokers: AdvertisedBroker[] };
  /** Node id that answered the identity check, when learned. */
  answeredNodeId?: number;
  /** Classified failure of the first failed step. */
  failure?: { step: StepName; reason: string; guess?: string };
  /**
   * Bootstrap endpoints: the answering broker's own listener settings (DescribeConfigs BROKER <id>; a broker
   * describes only itself, so this also tells which node answered), and the listener this connection arrived on
   * (the one bound to the port we connected to), when that is unambiguous.
   */
  brokerConfig?: { nodeId: number; listeners: string | null; advertisedListeners: string | null; protocolMap: string | null; listenerName: string | null };
}

export interface ProbeReport {
  vantage: 'host';
  endpoints: EndpointProbe[];
  skippedVantages: { vantage: string; reason: string }[];
  /** Probes from inside Docker networks (vantage `docker:<network>`), when an engine answered. */
  dockerVantages: DockerVantage[];
  /** Ports the brokers' containers publish (HostConfig.PortBindings), when containers were found. */
  publishedPorts: PublishedPort[];
  findings: Finding[];
  verdict: string;
}

export interface ProbeOptions {
  bootstrap: string[];
  /** Per-step timeout, ms (default 3000). */
  timeoutMs?: number;
  /** DNS resolution (default: the OS resolver, as clients use). */
  resolve?: (host: string) => Promise<string[]>;
  /** Whether a Docker engine answers (default: looks for DOCKER_HOST or /var/run/docker.sock and pings it). */
  dockerAvailable?: () => Promise<{ ok: boolean; detail: string }>;
  /** Compose files: probe from the project's networks (else from the networks of containers publishing a bootstrap port). */
  compose?: string[];
}

async function osResolve(host: string): Promise<string[]> {
  const all = await lookup(host, { all: true });
  return all.map((a) => a.address);
}

export function splitHostPort(text: string): { host: string; port: number } | null {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text.trim()) ?? /^([^:\s[\]]+):(\d{1,5})$/.exec(text.trim());
  if (!m) return null;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? { host: m[1], port } : null;
}

function hp(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const CONTAINER_ID = /^[0-9a-f]{12}$/;

function reasonOf(err: unknown): { reason: string; detail: string; guess?: string } {
  if (isWireError(err)) {
    const w = err as WireError;
    return { reason: w.reason, detail: w.message, ...(w.guess ? { guess: w.guess } : {}) };
  }
  const e = err as NodeJS.ErrnoException;
  return { reason: e?.code ?? 'error', detail: e?.message ?? String(err) };
}

/** Runs the steps for one endpoint. `expectNodeId` adds the identity check. */
async function probeEndpoint(probe: EndpointProbe, opts: Required<Pick<ProbeOptions, 'timeoutMs' | 'resolve'>>): Promise<void> {
  const t = opts.timeoutMs;
  const skipRest = (from: number, why: string): void => {
    for (const step of STEPS.slice(from)) {
      if (step === 'identity' && probe.role === 'bootstrap') continue;
      probe.steps.push({ step, status: 'skipped', detail: why });
    }
  };
  const failed = (step: StepName, index: number, err: unknown, prefix = ''): void => {
    const r = reasonOf(err);
    probe.steps.push({ step, status: 'failed', detail: prefix + r.detail });
    probe.failure = { step, reason: r.reason, ...(r.guess ? { guess: r.guess } : {}) };
    skipRest(index + 1, `${step} failed`);
  };

  // DNS
  let started = performance.now();
  let addresses: string[];
  try {
    addresses = await withTimeout(opts.resolve(probe.host), t, `no DNS answer for ${probe.host} within ${t} ms`);
    probe.addresses = addresses;
    probe.steps.push({ step: 'dns', status: 'ok', detail: addresses.join(', '), ms: performance.now() - started });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    probe.steps.push({ step: 'dns', status: 'failed', detail: `${probe.host} does not resolve from here (${e.code ?? e.message})` });
    probe.failure = { step: 'dns', reason: 'dns' };
    skipRest(1, 'dns failed');
    return;
  }
  // TCP
  // Like Kafka clients (client.dns.lookup=use_all_dns_ips), try every address until one connects: `localhost`
  // is ::1 first on some systems while the broker binds 127.0.0.1.
  let conn: WireConnection | undefined;
  const misses: string[] = [];
  let lastErr: unknown;
  for (const address of addresses) {
    try {
      conn = await WireConnection.connect({ host: address, port: probe.port, connectTimeoutMs: t, requestTimeoutMs: t });
      break;
    } catch (err) {
      lastErr = err;
      misses.push(`${hp(address, probe.port)}: ${reasonOf(err).reason}`);
    }
  }
  if (!conn) {
    failed('tcp', 1, lastErr, addresses.length > 1 ? `every address failed (${misses.join(', ')}); ` : '');
    return;
  }
  const connected = conn.addresses.remote;
  probe.steps.push({ step: 'tcp', status: 'ok', detail: `connected to ${connected}${misses.length > 0 ? ` (after ${misses.join(', ')})` : ''}`, ms: conn.connectMs });
  const address = conn.host;
  try {
    // ApiVersions
    started = performance.now();
    let versions: ApiVersionsResult | null = null;
    try {
      versions = await conn.apiVersions();
      const r = versions.response;
      if (r.errorCode !== 0) throw new Error(`ApiVersions answered ${errorName(r.errorCode)}`);
      const down = versions.downgradedFrom !== undefined ? ` (after UNSUPPORTED_VERSION for v${versions.downgradedFrom})` : '';
      probe.steps.push({ step: 'api-versions', status: 'ok', detail: `v${versions.version}${down}: ${r.apiKeys.length} APIs`, ms: performance.now() - started });
    } catch (err) {
      const r = reasonOf(err);
      if (r.reason === 'closed' || r.reason === 'request-timeout') {
        const tls = await detectTls(address, probe.port, t, probe.host);
        if (tls.tls) {
          probe.steps.push({ step: 'api-versions', status: 'failed', detail: `${r.detail}; the port speaks TLS: ${tls.detail}` });
          probe.failure = { step: 'api-versions', reason: 'not-kafka', guess: 'tls' };
          skipRest(3, 'api-versions failed');
          return;
        }
      }
      if (r.reason === 'closed') {
        // Kafka before 0.10 closes the connection on an unknown API; Metadata v0 may still work.
        probe.steps.push({ step: 'api-versions', status: 'failed', detail: `${r.detail} (Kafka older than 0.10, or not Kafka)` });
        conn.close();
        conn = await WireConnection.connect({ host: address, port: probe.port, connectTimeoutMs: t, requestTimeoutMs: t });
      } else {
        failed('api-versions', 2, err);
        return;
      }
    }
    // Metadata
    started = performance.now();
    let meta: { version: number; response: MetadataResponse };
    try {
      meta = await conn.metadata(versions ? { brokerVersions: versions.response } : { version: 0 });
    } catch (err) {
      const r = reasonOf(err);
      if (versions && r.reason === 'closed' && versions.response.apiKeys.some((k) => k.apiKey === 17)) {
        // Kafka answers ApiVersions before authentication, then drops anything but SaslHandshake on a SASL listener.
        failed('metadata', 3, err, 'ApiVersions answered but Metadata was dropped: the listener requires SASL authentication (SASL_PLAINTEXT / SASL_SSL) — ');
        probe.failure = { step: 'metadata', reason: 'closed', guess: 'sasl' };
        return;
      }
      failed('metadata', 3, err);
      return;
    }
    const m = meta.response;
    probe.metadata = {
      version: meta.version,
      clusterId: m.clusterId ?? null,
      controllerId: m.controllerId ?? null,
      brokers: m.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, ...(b.rack !== undefined ? { rack: b.rack } : {}) })),
    };
    if (m.brokers.length === 0) {
      probe.steps.push({ step: 'metadata', status: 'failed', detail: `v${meta.version}: no brokers in the answer (the cluster has no broker registered on this listener yet)`, ms: performance.now() - started });
      probe.failure = { step: 'metadata', reason: 'no-brokers' };
      skipRest(4, 'metadata failed');
      return;
    }
    probe.steps.push({ step: 'metadata', status: 'ok', detail: `v${meta.version}: ${m.brokers.map((b) => `${b.nodeId}@${hp(b.host, b.port)}`).join(', ')}${m.clusterId ? `, cluster ${m.clusterId}` : ''}`, ms: performance.now() - started });
    if (probe.role === 'bootstrap' && versions?.response.apiKeys.some((k) => k.apiKey === 32)) {
      try {
        const keys = ['listeners', 'advertised.listeners', 'listener.security.protocol.map'];
        const dc = await conn.request<DescribeConfigsResponse>(32, 1, { resources: m.brokers.map((b) => ({ resourceType: 4, resourceName: String(b.nodeId), configurationKeys: keys })), includeSynonyms: false, includeDocumentation: false });
        const own = dc.results.find((r) => r.errorCode === 0);
        if (own) {
          const value = (k: string): string | null => own.configs.find((c) => c.name === k)?.value ?? null;
          const listeners = value('listeners');
          probe.answeredNodeId = Number(own.resourceName);
          probe.brokerConfig = { nodeId: Number(own.resourceName), listeners, advertisedListeners: value('advertised.listeners'), protocolMap: value('listener.security.protocol.map'), listenerName: listenerOnPort(listeners, value('listener.security.protocol.map'), probe.port) };
        }
      } catch {
        // Not allowed (ACLs) or not implemented: fixes stay generic.
      }
    }
    // Identity (advertised endpoints only)
    if (probe.role === 'advertised' && probe.nodeId !== undefined) {
      const self = m.brokers.find((b) => b.nodeId === probe.nodeId);
      const problems: string[] = [];
      if (!self) problems.push(`Metadata through ${probe.endpoint} does not list node ${probe.nodeId}`);
      else if (hp(self.host, self.port) !== probe.endpoint) problems.push(`Metadata through ${probe.endpoint} lists node ${probe.nodeId} as ${hp(self.host, self.port)}: this port serves a different listener than the one that advertised it`);
      let answered: number | undefined;
      if (versions?.response.apiKeys.some((k) => k.apiKey === 32)) {
        try {
          const dc = await conn.request<DescribeConfigsResponse>(32, 1, { resources: [{ resourceType: 4, resourceName: String(probe.nodeId), configurationKeys: ['node.id', 'listeners', 'advertised.listeners', 'listener.security.protocol.map'] }], includeSynonyms: false, includeDocumentation: false });
          const res = dc.results[0];
          if (res && res.errorCode === 0) {
            answered = probe.nodeId;
            // Every listener this node advertises, for the probes from inside Docker networks.
            const value = (k: string): string | null => res.configs.find((c) => c.name === k)?.value ?? null;
            const listeners = value('listeners');
            probe.brokerConfig = { nodeId: probe.nodeId, listeners, advertisedListeners: value('advertised.listeners'), protocolMap: value('listener.security.protocol.map'), listenerName: listenerOnPort(listeners, value('listener.security.protocol.map'), probe.port) };
          }
          else if (res) {
            const mm = /expected (-?\d+)/.exec(res.errorMessage ?? '');
            if (mm) answered = Number(mm[1]);
          }
        } catch {
          // identity stays unknown; the stickiness check above still stands
        }
      }
      if (answered !== undefined) probe.answeredNodeId = answered;
      if (answered !== undefined && answered !== probe.nodeId) problems.unshift(`node ${answered} answered, not node ${probe.nodeId}`);
      if (problems.length > 0) {
        probe.steps.push({ step: 'identity', status: 'failed', detail: problems.join('; ') });
        probe.failure = { step: 'identity', reason: answered !== undefined && answered !== probe.nodeId ? 'wrong-node' : 'wrong-listener' };
      } else {
        probe.steps.push({ step: 'identity', status: 'ok', detail: answered !== undefined ? `node ${answered} answered and lists itself here` : `lists node ${probe.nodeId} here (node id not confirmed: no DescribeConfigs)` });
      }
    }
  } finally {
    conn.close();
  }
}

/**
 * Does `host:port` speak TLS? A TLS server usually drops a plaintext Kafka request without a word, so after such a
 * silent close we try a real TLS handshake (certificate not verified: we only ask whether TLS answers).
 */
export function detectTls(host: string, port: number, timeoutMs: number, servername?: string): Promise<{ tls: boolean; detail: string }> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false, ...(servername && !/^[\d.:]+$/.test(servername) ? { servername } : {}) });
    const done = (r: { tls: boolean; detail: string }): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ tls: false, detail: 'no TLS handshake within the timeout' }), timeoutMs);
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      const subject = cert && typeof cert.subject === 'object' ? cert.subject.CN : undefined;
      done({ tls: true, detail: `TLS ${socket.getProtocol() ?? ''} handshake succeeded${subject ? ` (certificate CN=${subject})` : ''}` });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      // An alert from the server (e.g. it wants a client certificate) is still TLS speaking.
      const alert = /alert|handshake failure|certificate/i.test(err.message) && !/wrong version number|unknown protocol|packet length too long/i.test(err.message);
      done({ tls: alert, detail: alert ? `TLS alert: ${err.message}` : err.message });
    });
  });
}

/** The listener bound to `port`, when exactly one is (NAT may make the client-side port differ: then null). */
function listenerOnPort(listeners: string | null, protocolMap: string | null, port: number): string | null {
  if (!listeners) return null;
  try {
    const map = protocolMap ? parseProtocolMap(protocolMap) : DEFAULT_PROTOCOL_MAP;
    const found = parseListeners(listeners, map, { requireDistinctPorts: false }).filter((l) => l.port === port);
    return found.length === 1 ? found[0].listenerName : null;
  } catch {
    return null;
  }
}

/**
 * The exact advertised.listeners line that fixes endpoint `e` for clients here: the listener of a bootstrap that
 * works and reached the same node advertises that bootstrap's own address instead. Null when not knowable.
 */
export function concreteFix(e: EndpointProbe, all: readonly EndpointProbe[]): string | null {
  for (const via of e.advertisedVia ?? []) {
    const b = all.find((x) => x.role === 'bootstrap' && x.endpoint === via && !x.failure);
    const cfg = b?.brokerConfig;
    if (!b || !cfg || cfg.nodeId !== e.nodeId || !cfg.listenerName) continue;
    try {
      const map = cfg.protocolMap ? parseProtocolMap(cfg.protocolMap) : DEFAULT_PROTOCOL_MAP;
      const current = cfg.advertisedListeners ? parseListeners(cfg.advertisedListeners, map, { requireDistinctPorts: false }) : parseListeners(cfg.listeners ?? '', map, { requireDistinctPorts: false });
      if (!current.some((l) => l.listenerName === cfg.listenerName)) continue;
      const fixed = current.map((l) => (l.listenerName === cfg.listenerName ? { ...l, host: b.host, port: b.port } : l));
      return `advertised.listeners=${formatListeners(fixed)}   # on node ${cfg.nodeId}: ${cfg.listenerName} advertises ${b.endpoint}, the address that works from here`;
    } catch {
      continue;
    }
  }
  return null;
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error(message), { code: 'ETIMEOUT' })), ms);
    p.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e); });
  });
}

async function defaultDockerAvailable(): Promise<{ ok: boolean; detail: string }> {
  const host = process.env.DOCKER_HOST;
  const endpoint = host ?? (existsSync('/var/run/docker.sock') ? 'unix:///var/run/docker.sock' : null);
  if (!endpoint) return { ok: false, detail: 'no Docker engine (no DOCKER_HOST, no /var/run/docker.sock)' };
  const { pingDocker } = await import('./checks/docker.js');
  const r = await pingDocker(endpoint, 1500);
  return r.ok ? { ok: true, detail: `Docker engine at ${endpoint}` } : { ok: false, detail: `Docker engine at ${endpoint} does not answer (${r.detail})` };
}

/** The Docker vantage: engine found the way `kstack up --engine docker` finds it, dockerode loaded only then. */
async function dockerVantages(endpoints: readonly EndpointProbe[], options: ProbeOptions, timeoutMs: number): Promise<{ vantages: DockerVantage[]; published: PublishedPort[]; skipped: ProbeReport['skippedVantages']; findings: Finding[] }> {
  const none = (reason: string) => ({ vantages: [], published: [], skipped: [{ vantage: 'docker networks', reason }], findings: [] });
  if (options.dockerAvailable) {
    const d = await options.dockerAvailable();
    if (!d.ok) return none(`${d.detail}; probing from inside containers was skipped`);
  }
  const [{ connectEngine }, { systemPlatform }, { probeDockerVantages }] = await Promise.all([import('../stack/engines/docker.js'), import('../platform.js'), import('./probe/docker-vantage.js')]);
  let engine;
  try {
    engine = await connectEngine(systemPlatform());
  } catch (err) {
    return none(`${(err as Error).message.replace(/^--engine docker needs/, 'probing from inside containers needs')}; that vantage was skipped`);
  }
  const r = await probeDockerVantages({ docker: engine.docker, hostEndpoints: endpoints, ...(options.compose ? { compose: options.compose } : {}), timeoutMs });
  return { vantages: r.vantages, published: r.published, skipped: r.skipped, findings: r.findings };
}

export async function probeListeners(options: ProbeOptions): Promise<ProbeReport> {
  const opts = { timeoutMs: options.timeoutMs ?? 3000, resolve: options.resolve ?? osResolve };
  const endpoints: EndpointProbe[] = [];
  for (const b of options.bootstrap) {
    const parsed = splitHostPort(b);
    if (!parsed) throw Object.assign(new Error(`bootstrap endpoint "${b}" is not host:port`), { code: 'KSTACK_BAD_OPTION' });
    endpoints.push({ endpoint: hp(parsed.host, parsed.port), host: parsed.host, port: parsed.port, role: 'bootstrap', steps: [] });
  }
  await Promise.all(endpoints.map((e) => probeEndpoint(e, opts)));
  // Every advertised endpoint, once, remembering which bootstrap advertised it.
  const advertised = new Map<string, EndpointProbe>();
  for (const e of endpoints) {
    for (const b of e.metadata?.brokers ?? []) {
      const key = `${b.nodeId}@${hp(b.host, b.port)}`;
      const known = advertised.get(key);
      if (known) known.advertisedVia!.push(e.endpoint);
      else advertised.set(key, { endpoint: hp(b.host, b.port), host: b.host, port: b.port, role: 'advertised', nodeId: b.nodeId, advertisedVia: [e.endpoint], steps: [] });
    }
  }
  const adv = [...advertised.values()];
  await Promise.all(adv.map((e) => probeEndpoint(e, opts)));
  endpoints.push(...adv);

  const docker = await dockerVantages(endpoints, { ...options, dockerAvailable: options.dockerAvailable ?? defaultDockerAvailable }, opts.timeoutMs);

  const findings = [...probeFindings(endpoints), ...docker.findings];
  let verdict = verdictOf(endpoints, findings);
  for (const v of docker.vantages) {
    const bad = docker.findings.filter((f) => f.data?.vantage === v.vantage && f.severity === 'error');
    verdict += bad.length === 0
      ? ` From network ${v.network}, containers reach the brokers (${v.endpoints.filter((e) => !e.failure).map((e) => e.endpoint).join(', ')}).`
      : ` From network ${v.network}: ${bad.map((f) => `${f.data?.endpoint} [${f.id}]`).join(', ')} fail.`;
  }
  const ports = docker.findings.filter((f) => f.data?.vantage === 'docker-ports');
  if (ports.length > 0) verdict += ` Published ports: ${ports.map((f) => `${f.data?.endpoint} is not published [${f.id}]`).join(', ')}.`;
  return { vantage: 'host', endpoints, skippedVantages: docker.skipped, dockerVantages: docker.vantages, publishedPorts: docker.published, findings, verdict };
}

/** Names the cause of each failure with the rule ids of the static doctor. */
export function probeFindings(endpoints: readonly EndpointProbe[]): Finding[] {
  const out: Finding[] = [];
  for (const e of endpoints) {
    const f = e.failure;
    const via = e.advertisedVia ? ` (advertised by the broker answering ${e.advertisedVia.join(', ')} for node ${e.nodeId})` : '';
    const detail = e.steps.find((s) => s.status === 'failed')?.detail ?? '';
    const data = { endpoint: e.endpoint, role: e.role, step: f?.step, ...(e.nodeId !== undefined ? { nodeId: e.nodeId } : {}) };
    if (!f) {
      // A loopback advertised address is right for clients on this machine only; say so without crying wolf.
      const loopNote = e.role === 'advertised' && isLoopbackHost(e.host) ? ' (a loopback address: clients in containers or on other machines would be sent to themselves — M1)' : '';
      out.push({ id: e.role === 'bootstrap' ? 'bootstrap' : 'advertised', severity: 'ok', message: `${e.endpoint}${via}: ${e.role === 'bootstrap' ? 'DNS, TCP, ApiVersions and Metadata work' : 'reachable, and the right node answers on the right listener'}${loopNote}`, fix: null, data: { ...data, loopback: loopNote !== '' } });
      continue;
    }
    if (f.guess === 'sasl') {
      out.push({ id: 'M11', severity: 'error', message: `${e.role === 'bootstrap' ? 'bootstrap ' : 'bootstrap works, but '}${e.endpoint}${via} requires SASL authentication: a client without SASL settings is disconnected after ApiVersions.`, fix: 'security.protocol=SASL_PLAINTEXT (or SASL_SSL) and sasl.mechanism=… on the client, or advertise a PLAINTEXT listener', data });
      continue;
    }
    if (e.role === 'bootstrap') {
      const what = f.reason === 'refused' ? 'nothing listens there' : f.reason === 'dns' ? 'the name does not resolve' : detail;
      out.push({ id: f.guess === 'tls' ? 'M11' : 'bootstrap', severity: 'error', message: `bootstrap ${e.endpoint} fails at ${f.step}: ${what}${f.guess ? ` — ${describeGuess(f.guess as never)}` : ''}`, fix: f.guess === 'tls' ? 'security.protocol=SSL (client side), or bootstrap on the PLAINTEXT listener\'s port' : f.reason === 'refused' ? `check the port: is the broker running, and does listeners= contain a listener on ${e.port}?` : 'use the host:port of a listener that clients on this machine can reach', data });
      continue;
    }
    const concrete = concreteFix(e, endpoints);
    const advFix = concrete ?? `advertised.listeners=<LISTENER>://<a host this client resolves>:<a port that reaches that listener>`;
    if (f.reason === 'dns') {
      const containerish = CONTAINER_ID.test(e.host);
      out.push({ id: containerish ? 'M3' : 'M2', severity: 'error', message: `bootstrap works, but the broker advertises ${e.endpoint}${via}, which from here does not resolve${containerish ? ' (it looks like a Docker container id: the advertised host was left blank)' : ''}: clients fail with "Failed to resolve '${e.endpoint}'".`, fix: concrete ?? (isLoopbackHost(e.host) ? advFix : `advertised.listeners=<LISTENER>://localhost:<published port> for clients on this machine (keep ${e.host} on a second listener for containers)`), data });
    } else if (f.reason === 'refused' || f.reason === 'connect-timeout' || f.reason === 'unreachable') {
      const word = f.reason === 'refused' ? 'nothing listens on that port' : f.reason === 'connect-timeout' ? 'connections time out (firewall, or an address of another network)' : 'there is no route to it';
      out.push({ id: 'M4', severity: 'error', message: `bootstrap works, but the broker advertises ${e.endpoint}${via}, where from here ${word}: clients bootstrap, then fail with "Connection to node ${e.nodeId} (${e.endpoint}) could not be established".`, fix: concrete ?? `advertised.listeners=<LISTENER>://${e.host}:<the port that listener is bound or published on>`, data });
    } else if (f.reason === 'wrong-listener' || f.reason === 'wrong-node') {
      out.push({ id: 'M6', severity: 'error', message: `bootstrap works, but ${e.endpoint}${via} is not where that listener is: ${detail}.`, fix: concrete ?? `advertised.listeners: give each listener its own port, equal to its port in listeners (or the host port published for it)`, data });
    } else if (f.guess === 'tls' || f.reason === 'not-kafka') {
      out.push({ id: f.guess === 'tls' ? 'M11' : 'M6', severity: 'error', message: `bootstrap works, but ${e.endpoint}${via} answers with ${describeGuess((f.guess ?? 'unknown') as never)}.`, fix: concrete ?? `advertised.listeners: point each listener at its own port; a PLAINTEXT listener must not advertise an SSL listener's port`, data });
    } else {
      out.push({ id: 'advertised', severity: 'error', message: `bootstrap works, but ${e.endpoint}${via} fails at ${f.step}: ${detail}`, fix: advFix, data });
    }
  }
  return out;
}

export function verdictOf(endpoints: readonly EndpointProbe[], findings: readonly Finding[]): string {
  const boot = endpoints.filter((e) => e.role === 'bootstrap');
  const bootOk = boot.filter((e) => !e.failure);
  if (bootOk.length === 0) {
    const first = boot[0];
    const d = first?.steps.find((s) => s.status === 'failed')?.detail ?? 'unknown failure';
    return `No bootstrap endpoint works from here: ${boot.map((e) => e.endpoint).join(', ')} — ${d}.`;
  }
  const bad = endpoints.filter((e) => e.role === 'advertised' && e.failure);
  if (bad.length === 0) {
    const adv = endpoints.filter((e) => e.role === 'advertised');
    const loop = adv.length > 0 && adv.every((e) => isLoopbackHost(e.host));
    return `Bootstrap works and every advertised endpoint (${adv.map((e) => `node ${e.nodeId} at ${e.endpoint}`).join(', ')}) answers as the node it claims to be: clients on this machine can use ${bootOk.map((e) => e.endpoint).join(',')}.${loop ? ' Those addresses are loopback, so they work only on this machine.' : ''}`;
  }
  const parts = bad.map((e) => {
    const f = findings.find((x) => x.data?.endpoint === e.endpoint && x.severity === 'error');
    const detail = e.steps.find((s) => s.status === 'failed')?.detail ?? '';
    return `node ${e.nodeId} advertises ${e.endpoint}, which from here ${e.failure!.reason === 'dns' ? 'does not resolve' : e.failure!.reason === 'refused' ? 'refuses connections (nothing listens there)' : e.failure!.step === 'identity' ? `is a different listener or node (${detail})` : `fails at ${e.failure!.step} (${detail})`}${f ? ` [${f.id}]` : ''}`;
  });
  return `Bootstrap works, but ${parts.join('; and ')}.`;
}
