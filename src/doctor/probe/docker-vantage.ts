/**
 * The listener probe's Docker vantage (issue #7): when a Docker-API engine answers, the advertised endpoints are
 * also tried from inside each network the brokers' clients live in — the compose project's networks (--compose),
 * or else the networks of the running containers that publish a bootstrap port. From each network a short-lived
 * container (an image already present locally: the compose file's Kafka image, a broker container's image, busybox,
 * or kstack's test image) resolves every advertised host (getent, else /etc/hosts then nslookup, as getaddrinfo
 * would) and opens TCP to every advertised host:port, printing one machine-readable line per step:
 *
 *   KSTACK-PROBE dns <host:port> ok <address>…   |   KSTACK-PROBE dns <host:port> failed
 *   KSTACK-PROBE tcp <host:port> ok              |   KSTACK-PROBE tcp <host:port> failed
 *
 * Those become an endpoint × step matrix with vantage `docker:<network>`; the container is removed afterwards,
 * also when anything fails. The containers' published ports (HostConfig.PortBindings) are compared with what the
 * brokers advertise to this machine (M4: advertised port ≠ published host port).
 *
 * The endpoints tried are every listener's advertised endpoints, learned from the brokers themselves
 * (DescribeConfigs advertised.listeners through the host probe), plus what Metadata advertised to this machine.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type Docker from 'dockerode';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_PROTOCOL_MAP, formatListeners, parseListeners, parseProtocolMap, type Endpoint } from '../../listeners/endpoints.js';
import { isLoopbackHost } from '../../listeners/rules.js';
import type { Finding } from '../finding.js';
import { imagePresent } from '../checks/docker.js';
import type { EndpointProbe, StepResult } from '../probe.js';

export const PROBE_LINE = 'KSTACK-PROBE';
const LABEL = 'dev.kstack.doctor-probe';

export interface VantageEndpoint extends EndpointProbe {
  /** The listener that advertises this endpoint, when the broker said (DescribeConfigs advertised.listeners). */
  listener?: string;
}

export interface DockerVantage {
  vantage: string;
  network: string;
  image: string;
  endpoints: VantageEndpoint[];
}

export interface PublishedPort {
  container: string;
  containerPort: number;
  hostIp: string;
  hostPort: number;
}

export interface DockerVantageResult {
  vantages: DockerVantage[];
  skipped: { vantage: string; reason: string }[];
  published: PublishedPort[];
  findings: Finding[];
}

/** What probing from inside needs to know about a broker's listeners. */
interface Target {
  endpoint: string;
  host: string;
  port: number;
  nodeId?: number;
  listener?: string;
}

interface ContainerFacts {
  name: string;
  image: string;
  networks: Record<string, { aliases: string[] }>;
  published: PublishedPort[];
}

const hp = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The shell script run inside the probe container (POSIX sh; busybox applets when the tools are missing). */
export function probeScript(targets: readonly { host: string; port: number }[]): string {
  const lines = [
    'if command -v busybox >/dev/null 2>&1; then for t in awk grep tr nc nslookup; do command -v $t >/dev/null 2>&1 || eval "$t() { busybox $t \\"\\$@\\"; }"; done; fi',
    'res() {',
    '  if command -v getent >/dev/null 2>&1; then getent ahosts "$1" | awk \'{print $1}\' | awk \'!s[$0]++\' | tr "\\n" " "; return; fi',
    '  a=$(grep -v "^#" /etc/hosts 2>/dev/null | awk -v h="$1" \'{for(i=2;i<=NF;i++) if($i==h) print $1}\' | tr "\\n" " ")',
    '  if [ -n "$a" ]; then echo "$a"; return; fi',
    '  nslookup "$1" 2>/dev/null | awk \'/^Name:/{n=1;next} n&&/^Address/{sub(/^Address:?[ \\t]*(#?[0-9]+:)?/,""); sub(/#53$/,""); print $1}\' | tr "\\n" " "',
    '}',
    // -z where nc has it; else busybox nc with nothing to send (it returns once the peer closes): timeout caps both.
    'T=; if command -v timeout >/dev/null 2>&1; then T="timeout 5"; fi',
    // Images without nc (e.g. UBI-based ones) usually have bash and its /dev/tcp.
    'tcp() {',
    '  if command -v nc >/dev/null 2>&1; then $T nc -z -w 2 "$1" "$2" </dev/null >/dev/null 2>&1 || $T nc -w 2 "$1" "$2" </dev/null >/dev/null 2>&1; return; fi',
    '  if command -v bash >/dev/null 2>&1; then $T bash -c \'exec 3<>"/dev/tcp/$0/$1"\' "$1" "$2" >/dev/null 2>&1; return; fi',
    '  return 2',
    '}',
    'probe() {',
    '  case "$1" in *:*) a="$1" ;; *[!0-9.]*) a=$(res "$1") ;; *) a="$1" ;; esac',
    `  if [ -z "$a" ]; then echo "${PROBE_LINE} dns $3 failed"; echo "${PROBE_LINE} tcp $3 skipped"; return; fi`,
    `  echo "${PROBE_LINE} dns $3 ok $a"`,
    `  tcp "$1" "$2"; r=$?; if [ $r = 0 ]; then echo "${PROBE_LINE} tcp $3 ok"; elif [ $r = 2 ]; then echo "${PROBE_LINE} tcp $3 untried"; else echo "${PROBE_LINE} tcp $3 failed"; fi`,
    '}',
  ];
  for (const t of targets) lines.push(`probe ${shellQuote(t.host)} ${t.port} ${shellQuote(hp(t.host, t.port))}`);
  lines.push(`echo "${PROBE_LINE} done"`);
  return lines.join('\n');
}

/** Parses the probe container's output into dns/tcp steps per endpoint. Endpoints without a line were not reached. */
export function parseProbeOutput(text: string, targets: readonly Target[], network: string): VantageEndpoint[] {
  const seen = new Map<string, { dns?: { ok: boolean; addresses: string[] }; tcp?: 'ok' | 'failed' | 'skipped' | 'untried' }>();
  let done = false;
  for (const raw of text.split('\n')) {
    const parts = raw.trim().split(/\s+/);
    if (parts[0] !== PROBE_LINE) continue;
    if (parts[1] === 'done') { done = true; continue; }
    const [, step, endpoint, status, ...rest] = parts;
    if (!endpoint || !status) continue;
    const entry = seen.get(endpoint) ?? {};
    if (step === 'dns') entry.dns = { ok: status === 'ok', addresses: rest };
    else if (step === 'tcp' && (status === 'ok' || status === 'failed' || status === 'skipped' || status === 'untried')) entry.tcp = status;
    seen.set(endpoint, entry);
  }
  return targets.map((t) => {
    const e = seen.get(t.endpoint);
    const steps: StepResult[] = [];
    const rest = (why: string): void => {
      for (const step of ['api-versions', 'metadata', 'identity'] as const) steps.push({ step, status: 'skipped', detail: why });
    };
    const out: VantageEndpoint = { endpoint: t.endpoint, host: t.host, port: t.port, role: 'advertised', ...(t.nodeId !== undefined ? { nodeId: t.nodeId } : {}), ...(t.listener ? { listener: t.listener } : {}), steps };
    if (!e?.dns) {
      const why = done ? 'no answer for this endpoint' : 'the probe container stopped before this endpoint';
      steps.push({ step: 'dns', status: 'failed', detail: why }, { step: 'tcp', status: 'skipped', detail: 'dns failed' });
      out.failure = { step: 'dns', reason: 'probe' };
      rest('not tried from inside a container (DNS and TCP only)');
      return out;
    }
    if (!e.dns.ok) {
      steps.push({ step: 'dns', status: 'failed', detail: `${t.host} does not resolve inside network ${network}` }, { step: 'tcp', status: 'skipped', detail: 'dns failed' });
      out.failure = { step: 'dns', reason: 'dns' };
    } else {
      out.addresses = e.dns.addresses;
      steps.push({ step: 'dns', status: 'ok', detail: e.dns.addresses.join(', ') });
      if (e.tcp === 'ok') steps.push({ step: 'tcp', status: 'ok', detail: `connected to ${t.endpoint} from network ${network}` });
      else if (e.tcp === 'untried') steps.push({ step: 'tcp', status: 'skipped', detail: 'the probe image has neither nc, busybox nor bash to open a connection' });
      else {
        const loop = isLoopbackHost(t.host) || e.dns.addresses.some((a) => isLoopbackHost(a));
        steps.push({ step: 'tcp', status: 'failed', detail: `no connection to ${t.endpoint} from network ${network}${loop ? ' (a loopback address: inside a container it is the container itself)' : ''}` });
        out.failure = { step: 'tcp', reason: loop ? 'loopback' : 'refused' };
      }
    }
    rest('not tried from inside a container (DNS and TCP only)');
    return out;
  });
}

/** Every advertised endpoint of every listener the brokers told us about, plus Metadata's answers to this host. */
export function targetsOf(hostEndpoints: readonly EndpointProbe[]): { targets: Target[]; hostListeners: Set<string>; configs: Map<number, { listeners: Endpoint[]; line: string | null }> } {
  const targets = new Map<string, Target>();
  const hostListeners = new Set<string>();
  const configs = new Map<number, { listeners: Endpoint[]; line: string | null }>();
  for (const e of hostEndpoints) {
    const cfg = e.brokerConfig;
    if (!cfg) continue;
    if (cfg.listenerName) hostListeners.add(cfg.listenerName);
    try {
      const map = cfg.protocolMap ? parseProtocolMap(cfg.protocolMap) : DEFAULT_PROTOCOL_MAP;
      const adv = parseListeners(cfg.advertisedListeners ?? cfg.listeners ?? '', map, { requireDistinctPorts: false });
      configs.set(cfg.nodeId, { listeners: adv, line: cfg.advertisedListeners });
      for (const l of adv) {
        if (!l.host) continue;
        const endpoint = hp(l.host, l.port);
        targets.set(`${cfg.nodeId}@${endpoint}`, { endpoint, host: l.host, port: l.port, nodeId: cfg.nodeId, listener: l.listenerName });
      }
    } catch {
      // an unparsable setting: Metadata's endpoints below still get probed
    }
  }
  for (const e of hostEndpoints) {
    if (e.role !== 'advertised') continue;
    const key = `${e.nodeId}@${e.endpoint}`;
    const known = targets.get(key);
    if (known?.listener) hostListeners.add(known.listener);
    if (!known) targets.set(key, { endpoint: e.endpoint, host: e.host, port: e.port, ...(e.nodeId !== undefined ? { nodeId: e.nodeId } : {}) });
  }
  return { targets: [...targets.values()], hostListeners, configs };
}

/** docker compose's project name and the engine names of its networks. */
export function composeNetworks(file: string, env: Readonly<Record<string, string | undefined>> = process.env): { project: string; networks: string[]; images: string[] } {
  const doc = (parseYaml(readFileSync(file, 'utf8')) ?? {}) as { name?: unknown; services?: Record<string, { image?: unknown; networks?: unknown; network_mode?: unknown }>; networks?: Record<string, { name?: unknown; external?: unknown } | null> };
  const raw = typeof doc.name === 'string' ? doc.name : env.COMPOSE_PROJECT_NAME ?? basename(dirname(resolve(file)));
  const project = raw.toLowerCase().replace(/[^a-z0-9_-]/g, '');
  const names = new Set<string>();
  const nameOf = (key: string): string => {
    const n = doc.networks?.[key];
    if (n && typeof n.name === 'string') return n.name;
    if (n && n.external === true) return key;
    return `${project}_${key}`;
  };
  const images: string[] = [];
  for (const svc of Object.values(doc.services ?? {})) {
    if (typeof svc?.image === 'string') images.push(svc.image);
    if (typeof svc?.network_mode === 'string') continue;
    const nets = Array.isArray(svc?.networks) ? (svc.networks as unknown[]).filter((x): x is string => typeof x === 'string') : svc?.networks && typeof svc.networks === 'object' ? Object.keys(svc.networks) : ['default'];
    for (const n of nets) names.add(nameOf(n));
  }
  return { project, networks: [...names], images };
}

async function inspectContainers(docker: Docker, filter: (c: Docker.ContainerInfo) => boolean): Promise<ContainerFacts[]> {
  const list = await docker.listContainers();
  const out: ContainerFacts[] = [];
  for (const c of list.filter(filter)) {
    const info = await docker.getContainer(c.Id).inspect();
    const published: PublishedPort[] = [];
    const name = info.Name.replace(/^\//, '');
    for (const [key, binds] of Object.entries(info.HostConfig.PortBindings ?? {})) {
      const containerPort = Number(key.split('/')[0]);
      for (const b of (binds as { HostIp?: string; HostPort?: string }[] | null) ?? []) {
        if (b.HostPort) published.push({ container: name, containerPort, hostIp: b.HostIp ?? '', hostPort: Number(b.HostPort) });
      }
    }
    const networks: ContainerFacts['networks'] = {};
    for (const [n, v] of Object.entries(info.NetworkSettings.Networks ?? {})) networks[n] = { aliases: (v as { Aliases?: string[] | null }).Aliases ?? [] };
    out.push({ name, image: info.Config.Image, networks, published });
  }
  return out;
}

/** An image with a shell that is already here (nothing is pulled). */
async function pickImage(docker: Docker, preferred: readonly string[]): Promise<string | null> {
  const kafkaFirst = [...preferred.filter((i) => /kafka/i.test(i)), ...preferred.filter((i) => !/kafka/i.test(i))];
  for (const ref of [...new Set(kafkaFirst)]) if (await imagePresent(docker, ref)) return ref;
  if (await imagePresent(docker, 'busybox:latest')) return 'busybox:latest';
  const images = await docker.listImages();
  const test = images.flatMap((i) => i.RepoTags ?? []).find((t) => /kstack-test-kafka:/.test(t));
  return test ?? null;
}

function demux(buf: Buffer): string {
  // Docker's multiplexed log stream (8-byte frame headers) when there is no TTY; plain text otherwise.
  if (buf.length >= 8 && buf[0] <= 2 && buf[1] === 0 && buf[2] === 0 && buf[3] === 0) {
    const parts: string[] = [];
    let off = 0;
    while (off + 8 <= buf.length) {
      const len = buf.readUInt32BE(off + 4);
      parts.push(buf.subarray(off + 8, off + 8 + len).toString('utf8'));
      off += 8 + len;
    }
    return parts.join('');
  }
  return buf.toString('utf8');
}

/** Runs the probe script in a short-lived container on `network`; the container is removed in every case. */
async function runInNetwork(docker: Docker, network: string, image: string, script: string, timeoutMs: number): Promise<string> {
  let gateway: string | undefined;
  try {
    const info = (await docker.getNetwork(network).inspect()) as { IPAM?: { Config?: { Gateway?: string }[] }; subnets?: { gateway?: string }[] };
    gateway = info.IPAM?.Config?.find((c) => c.Gateway)?.Gateway ?? info.subnets?.find((s) => s.gateway)?.gateway;
  } catch {
    // no gateway known: host.docker.internal stays whatever the image says
  }
  const container = await docker.createContainer({
    Image: image,
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: [script],
    Labels: { [LABEL]: 'true' },
    // A client container as the fixes advise (M7): host.docker.internal mapped to the host.
    HostConfig: { NetworkMode: network, ...(gateway ? { ExtraHosts: [`host.docker.internal:${gateway}`] } : {}) },
  });
  try {
    await container.start();
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      container.wait().then(() => true),
      new Promise<boolean>((r) => { timer = setTimeout(() => r(false), timeoutMs); }),
    ]);
    clearTimeout(timer);
    if (!finished) await container.kill().catch(() => undefined);
    const out = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
    return demux(Buffer.from(out));
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

export interface DockerVantageOptions {
  docker: Docker;
  hostEndpoints: readonly EndpointProbe[];
  compose?: readonly string[];
  timeoutMs: number;
}

export async function probeDockerVantages(opts: DockerVantageOptions): Promise<DockerVantageResult> {
  const { docker } = opts;
  const result: DockerVantageResult = { vantages: [], skipped: [], published: [], findings: [] };
  const bootPorts = new Set(opts.hostEndpoints.filter((e) => e.role === 'bootstrap').map((e) => e.port));
  const networks = new Set<string>();
  const images: string[] = [];
  let containers: ContainerFacts[];
  if (opts.compose && opts.compose.length > 0) {
    const projects = new Set<string>();
    for (const f of opts.compose) {
      const c = composeNetworks(f);
      projects.add(c.project);
      c.networks.forEach((n) => networks.add(n));
      images.push(...c.images);
    }
    containers = await inspectContainers(docker, (c) => projects.has(c.Labels?.['com.docker.compose.project'] ?? ''));
  } else {
    containers = await inspectContainers(docker, (c) => (c.Ports ?? []).some((p) => p.PublicPort !== undefined && bootPorts.has(p.PublicPort)));
    for (const c of containers) Object.keys(c.networks).forEach((n) => networks.add(n));
  }
  images.push(...containers.map((c) => c.image));
  result.published = containers.flatMap((c) => c.published);
  result.findings.push(...publishedPortFindings(opts.hostEndpoints, result.published));

  const wanted = [...networks].filter((n) => !['host', 'none'].includes(n));
  if (wanted.length === 0) {
    result.skipped.push({ vantage: 'docker networks', reason: opts.compose?.length ? `none of the compose project's containers run, and its networks are unknown` : `no running container publishes a bootstrap port (${[...bootPorts].join(', ')}); give --compose FILE to probe from its networks` });
    return result;
  }
  const { targets, hostListeners, configs } = targetsOf(opts.hostEndpoints);
  if (targets.length === 0) {
    result.skipped.push({ vantage: 'docker networks', reason: 'the brokers advertised nothing to probe (no bootstrap answered Metadata)' });
    return result;
  }
  const image = await pickImage(docker, images);
  if (!image) {
    for (const n of wanted) result.skipped.push({ vantage: `docker:${n}`, reason: 'no image with a shell is present locally (nothing is pulled): docker pull busybox' });
    return result;
  }
  const script = probeScript(targets);
  for (const network of wanted) {
    try {
      await docker.getNetwork(network).inspect();
    } catch {
      result.skipped.push({ vantage: `docker:${network}`, reason: `network ${network} does not exist (is the compose project up?)` });
      continue;
    }
    try {
      const text = await runInNetwork(docker, network, image, script, Math.max(10_000, targets.length * 2 * (opts.timeoutMs + 2000)));
      const endpoints = parseProbeOutput(text, targets, network);
      const vantage = { vantage: `docker:${network}`, network, image, endpoints };
      result.vantages.push(vantage);
      result.findings.push(...vantageFindings(vantage, hostListeners, configs, containers));
    } catch (err) {
      result.skipped.push({ vantage: `docker:${network}`, reason: `the probe container could not run: ${(err as Error).message}` });
    }
  }
  return result;
}

/** The broker container's name on `network` (a network alias when it has one), to advertise to that network. */
function nameOnNetwork(containers: readonly ContainerFacts[], network: string, nodeId: number | undefined, port: number): string | null {
  const on = containers.filter((c) => c.networks[network]);
  const c = on.length === 1 ? on[0] : on.find((x) => x.published.some((p) => p.containerPort === port)) ?? (nodeId !== undefined ? on.find((x) => x.name.endsWith(`-${nodeId}`)) : undefined);
  if (!c) return null;
  return c.networks[network].aliases.find((a) => !/^[0-9a-f]{12}$/.test(a)) ?? c.name;
}

export function vantageFindings(v: DockerVantage, hostListeners: ReadonlySet<string>, configs: ReadonlyMap<number, { listeners: Endpoint[]; line: string | null }>, containers: readonly ContainerFacts[] = []): Finding[] {
  const out: Finding[] = [];
  const byListener = new Map<string, VantageEndpoint[]>();
  for (const e of v.endpoints) {
    const key = e.listener ?? '(metadata)';
    byListener.set(key, [...(byListener.get(key) ?? []), e]);
  }
  const working = [...byListener.entries()].filter(([, es]) => es.every((e) => !e.failure && !isLoopbackHost(e.host))).map(([l]) => l);
  for (const e of v.endpoints) {
    const data = { vantage: v.vantage, endpoint: e.endpoint, listener: e.listener ?? null, ...(e.nodeId !== undefined ? { nodeId: e.nodeId } : {}), step: e.failure?.step };
    const who = `node ${e.nodeId ?? '?'}${e.listener ? ` listener ${e.listener}` : ''}`;
    const hostOnly = e.listener ? hostListeners.has(e.listener) : true;
    const loop = isLoopbackHost(e.host) || (e.addresses ?? []).some((a) => isLoopbackHost(a));
    if (!e.failure && !loop) {
      const untried = e.steps.some((s) => s.step === 'tcp' && s.status === 'skipped');
      out.push({ id: 'advertised', severity: 'ok', message: `from network ${v.network}: ${who} advertises ${e.endpoint}, which resolves ${untried ? `there (connection not tried: the ${v.image} image has no nc, busybox or bash)` : 'and accepts connections there'}`, fix: null, data: { ...data, ...(untried ? { tcp: 'untried' } : {}) } });
      continue;
    }
    // The listener meant for this machine may be host-only, as long as containers have a listener of their own
    // (when that one fails too, it gets its own finding).
    const others = [...byListener.keys()].filter((l) => l !== '(metadata)' && !hostListeners.has(l));
    const severity = hostOnly && (working.length > 0 || others.length > 0) ? 'ok' : 'error';
    const forContainers = working.length > 0 ? working : others;
    const cfg = e.nodeId !== undefined ? configs.get(e.nodeId) : undefined;
    const fixFor = (host: string | null): string => {
      if (cfg && e.listener && host) {
        const fixed = cfg.listeners.map((l) => (l.listenerName === e.listener ? { ...l, host } : l));
        return `advertised.listeners=${formatListeners(fixed)}   # node ${e.nodeId}: ${e.listener} advertises a name containers on ${v.network} reach`;
      }
      return `advertised.listeners=${e.listener ?? '<LISTENER>'}://${host ?? '<the broker\'s service name>'}:${e.port}   # a name containers on ${v.network} resolve and reach`;
    };
    if (loop) {
      const name = nameOnNetwork(containers, v.network, e.nodeId, e.port);
      out.push({
        id: 'M1',
        severity,
        message: severity === 'ok'
          ? `from network ${v.network}: ${who} advertises ${e.endpoint}, a loopback address — right for clients on this machine only; containers on ${v.network} use listener ${forContainers.join(', ')}`
          : `from network ${v.network}: ${who} advertises ${e.endpoint}, a loopback address: a client container on ${v.network} that bootstraps there is sent to itself and fails with "Connection to node ${e.nodeId ?? -1} (${e.endpoint}) could not be established"`,
        fix: severity === 'ok' ? null : hostOnly
          ? `add a listener for containers (a free port inside the container, e.g. 19092):\nlisteners=<current>,DOCKER://:19092\nadvertised.listeners=${cfg?.line ?? '<current>'},DOCKER://${name ?? '<the broker\'s service name>'}:19092\nlistener.security.protocol.map=<current>,DOCKER:PLAINTEXT`
          : fixFor(name),
        data: { ...data, loopback: true },
      });
    } else if (e.failure?.step === 'dns') {
      out.push({ id: 'M2', severity, message: `from network ${v.network}: ${who} advertises ${e.endpoint}, which does not resolve there${e.failure.reason === 'probe' ? ' (the probe container gave no answer for it)' : ''}`, fix: severity === 'ok' ? null : fixFor(nameOnNetwork(containers, v.network, e.nodeId, e.port)), data });
    } else {
      out.push({ id: 'M4', severity, message: `from network ${v.network}: ${who} advertises ${e.endpoint}, which resolves (${(e.addresses ?? []).join(', ')}) but does not accept connections there`, fix: severity === 'ok' ? null : `check that ${e.listener ?? 'the listener'} is bound on port ${e.port} (listeners=) and that ${e.host} is the broker on ${v.network}`, data });
    }
  }
  return out;
}

/** M4 from the engine's own records: a port advertised to this machine that no container publishes as that host port. */
export function publishedPortFindings(hostEndpoints: readonly EndpointProbe[], published: readonly PublishedPort[]): Finding[] {
  if (published.length === 0) return [];
  const { configs } = targetsOf(hostEndpoints);
  const out: Finding[] = [];
  for (const e of hostEndpoints) {
    if (e.role !== 'advertised' || !isLoopbackHost(e.host)) continue;
    if (published.some((p) => p.hostPort === e.port)) continue;
    const inner = published.filter((p) => p.containerPort === e.port);
    const data = { vantage: 'docker-ports', endpoint: e.endpoint, nodeId: e.nodeId, published: published.map((p) => `${p.container} ${p.hostIp ? `${p.hostIp}:` : ''}${p.hostPort}->${p.containerPort}`) };
    if (inner.length > 0) {
      const p = inner[0];
      const cfg = e.nodeId !== undefined ? configs.get(e.nodeId) : undefined;
      const own = cfg?.listeners.find((l) => l.host === e.host && l.port === e.port);
      const line = cfg && own ? formatListeners(cfg.listeners.map((l) => (l === own ? { ...l, port: p.hostPort } : l))) : `<LISTENER>://${e.host}:${p.hostPort}`;
      out.push({ id: 'M4', severity: 'error', message: `node ${e.nodeId} advertises ${e.endpoint} to this machine, but ${p.container} publishes its port ${p.containerPort} as host port ${p.hostPort}: the advertised port is the container's, not the published one`, fix: `advertised.listeners=${line}   (or publish "${e.port}:${e.port}")`, data });
    } else {
      out.push({ id: 'M4', severity: 'error', message: `node ${e.nodeId} advertises ${e.endpoint} to this machine, but no container publishes host port ${e.port} (published: ${data.published.join(', ')})`, fix: `ports: ["${e.port}:${e.port}"] on the broker's service, or advertise the published port`, data });
    }
  }
  return out;
}
