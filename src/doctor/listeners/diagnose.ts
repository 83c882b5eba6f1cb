/**
 * Static listener diagnosis: broker sources (server.properties, env files, compose services) → findings.
 * Every source goes through checkBrokerConfig (Kafka's own rules + single-node mistakes); then the rules that
 * need the whole picture: compose port maps, other containers, several nodes (M1, M2, M4, M6, M7, M8, M9, M10).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KstackError } from '../../errors.js';
import { formatEndpoint, formatListeners, type Endpoint } from '../../listeners/endpoints.js';
import { buildListenerModel, checkBrokerConfig, isLoopbackHost, type ListenerModel } from '../../listeners/rules.js';
import { formatVoters } from '../../listeners/voters.js';
import type { Finding } from '../finding.js';
import { parseCompose } from './compose.js';
import { envSource, guessScheme, parseEnvFile, propertiesSource, type BrokerSource, type PortMapping } from './sources.js';
import type { EnvScheme } from '../../listeners/env-names.js';

export interface DiagnoseInput {
  configs?: string[];
  composes?: string[];
  /** With composes: variables for interpolation (as `docker compose --env-file`); alone: a broker container's environment. */
  envFiles?: string[];
  /** Naming convention for env files given alone (default: guessed from the names). */
  image?: EnvScheme;
  kafkaMajor?: number;
  /** Check for the kstack native broker: standalone mode (no process.roles, no zookeeper.connect) is valid. */
  native?: boolean;
  /** OS the containers' Docker engine runs on (M7 is an error on Linux). Default: this machine's. */
  platform?: NodeJS.Platform;
  /** Shell variables for compose interpolation (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  readText?: (path: string) => string;
}

export interface Diagnosis {
  sources: { label: string; kind: BrokerSource['kind']; service?: string }[];
  findings: Finding[];
}

function readOrThrow(path: string, read: (p: string) => string): string {
  try {
    return read(path);
  } catch (err) {
    throw new KstackError('KSTACK_FILE_UNREADABLE', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { exitCode: 2, fix: 'check the path' });
  }
}

export function loadSources(input: DiagnoseInput): { sources: BrokerSource[]; notes: Finding[]; services: Map<string, string[]> } {
  const read = input.readText ?? ((p: string) => readFileSync(p, 'latin1'));
  const sources: BrokerSource[] = [];
  const notes: Finding[] = [];
  const services = new Map<string, string[]>();
  for (const file of input.configs ?? []) {
    const s = propertiesSource(readOrThrow(file, read), file);
    sources.push(s);
  }
  const envFiles = input.envFiles ?? [];
  if ((input.composes ?? []).length > 0) {
    const vars: Record<string, string | undefined> = {};
    for (const ef of envFiles) for (const v of parseEnvFile(readOrThrow(ef, read), ef).vars) vars[v.name] = v.value;
    for (const compose of input.composes ?? []) {
      const text = readOrThrow(compose, read);
      const dotEnv = join(dirname(compose), '.env');
      const fileVars: Record<string, string | undefined> = {};
      if (envFiles.length === 0) {
        try {
          for (const v of parseEnvFile(read(dotEnv), dotEnv).vars) fileVars[v.name] = v.value;
        } catch {
          // no .env next to the compose file
        }
      }
      const parsed = parseCompose(text, compose, { variables: { ...fileVars, ...vars, ...(input.env ?? process.env) }, readText: (p) => readOrThrow(p, read) });
      services.set(compose, parsed.services);
      sources.push(...parsed.brokers);
      for (const p of parsed.problems) notes.push({ id: 'source', severity: 'warn', message: p.message, fix: null, source: { file: compose, ...(p.line !== undefined ? { line: p.line } : {}) } });
      if (parsed.brokers.length === 0) notes.push({ id: 'source', severity: 'warn', message: `no Kafka broker service found in ${compose} (looked for apache/kafka, confluentinc/cp-kafka, bitnami/kafka images or KAFKA_*LISTENERS variables)`, fix: null, source: { file: compose } });
    }
  } else {
    for (const ef of envFiles) {
      const parsed = parseEnvFile(readOrThrow(ef, read), ef);
      const scheme = input.image ?? guessScheme(parsed.vars.map((v) => v.name));
      sources.push(envSource(parsed.vars, { scheme, file: ef, fixStyle: 'env', extraProblems: parsed.problems }));
    }
  }
  for (const s of sources) for (const p of s.readProblems) notes.push({ id: 'source', severity: 'warn', message: p.message, fix: null, source: { file: s.file, ...(p.line !== undefined ? { line: p.line } : {}), ...(s.service ? { service: s.service } : {}) } });
  return { sources, notes, services };
}

export function diagnoseListeners(input: DiagnoseInput): Diagnosis {
  const { sources, notes } = loadSources(input);
  if (sources.length === 0 && notes.length === 0) {
    throw new KstackError('KSTACK_NOTHING_TO_CHECK', 'no broker settings given', { exitCode: 2, fix: 'kstack doctor listeners --config server.properties | --compose docker-compose.yml | --env-file kafka.env | --bootstrap host:port' });
  }
  return { sources: sources.map((s) => ({ label: s.label, kind: s.kind, ...(s.service ? { service: s.service } : {}) })), findings: [...notes, ...diagnoseSources(sources, { ...(input.kafkaMajor !== undefined ? { kafkaMajor: input.kafkaMajor } : {}), ...(input.platform ? { platform: input.platform } : {}), ...(input.native ? { native: true } : {}) })] };
}

/** Rules over already-loaded sources (exported for tests and for `kstack init`, which has its settings in memory). */
export function diagnoseSources(sources: readonly BrokerSource[], opts: { kafkaMajor?: number; platform?: NodeJS.Platform; native?: boolean } = {}): Finding[] {
  const findings: Finding[] = [];
  const models = new Map<BrokerSource, ListenerModel>();
  for (const s of sources) {
    const own = checkBrokerConfig({ values: s.values, sourceOf: s.sourceOf, defaultSource: s.sourceOf('$none'), fixLine: s.fixLine, kafkaMajor: opts.kafkaMajor ?? 3, inContainer: s.inContainer, allowStandalone: Boolean(opts.native && s.kind === 'properties'), ...(s.service ? { containerName: s.service } : {}) });
    findings.push(...own);
    const m = buildListenerModel(s.values, undefined, opts.kafkaMajor ?? 3, Boolean(opts.native && s.kind === 'properties'));
    if (m) models.set(s, m);
  }
  const composeGroups = new Map<string, BrokerSource[]>();
  for (const s of sources) if (s.kind === 'compose') composeGroups.set(s.file, [...(composeGroups.get(s.file) ?? []), s]);
  for (const group of composeGroups.values()) findings.push(...composeRules(group, models, opts.platform ?? process.platform));
  findings.push(...clusterRules([...models.keys()].filter((s) => s.kind !== 'compose'), models));
  for (const group of composeGroups.values()) findings.push(...clusterRules(group, models));
  // A source whose only findings are ok keeps its ok; drop ok findings of sources that also have problems.
  const bad = new Set(findings.filter((f) => f.severity !== 'ok').map((f) => srcKey(f)));
  return findings.filter((f) => f.severity !== 'ok' || !bad.has(srcKey(f)));
}

function srcKey(f: Finding): string {
  return `${f.source?.file ?? ''}#${f.source?.service ?? ''}`;
}

function at(s: BrokerSource, key: string): Finding['source'] {
  return s.sourceOf(key);
}

function push(out: Finding[], s: BrokerSource, id: string, severity: 'warn' | 'error', key: string, message: string, fix: string, data?: Record<string, unknown>): void {
  out.push({ id, severity, message, fix, source: at(s, key), ...(data ? { data } : {}) });
}

const HOST_GATEWAY = 'host.docker.internal';

function bindFor(m: ListenerModel, name: string): Endpoint | undefined {
  return m.listeners.find((l) => l.listenerName === name);
}

function publishedFor(ports: readonly PortMapping[], target: number): PortMapping | undefined {
  return ports.find((p) => p.target === target && p.protocol === 'tcp');
}

function composeRules(group: BrokerSource[], models: Map<BrokerSource, ListenerModel>, platform: NodeJS.Platform): Finding[] {
  const out: Finding[] = [];
  const allServices = group[0].compose?.services ?? [];
  const brokerNames = new Set(group.flatMap((s) => s.compose?.names ?? []));
  for (const s of group) {
    const m = models.get(s);
    const c = s.compose;
    if (!m || !c || !(m.roles.has('broker') || m.mode === 'zk')) continue;
    const adKey = m.advertisedExplicit ? 'advertised.listeners' : 'listeners';
    // Containers that may be Kafka clients: not this broker, not ZooKeeper.
    const images = s.compose?.serviceImages ?? {};
    const others = allServices.filter((n) => n !== s.service && !/zookeeper/i.test(images[n] ?? '') && !/^(zk|zoo|zookeeper)\d*$/i.test(n));
    for (const a of m.advertised) {
      if (m.controllerListenerNames.includes(a.listenerName)) continue;
      const bind = bindFor(m, a.listenerName);
      const hostFacing = a.host !== null && a.host !== '0.0.0.0' && (isLoopbackHost(a.host) || a.host === HOST_GATEWAY || /^\d+\.\d+\.\d+\.\d+$/.test(a.host));
      // M1: localhost handed to other containers.
      if (a.host !== null && isLoopbackHost(a.host)) {
        const isInterBroker = a.listenerName === m.interBrokerListenerName;
        const otherBrokers = group.filter((g) => g !== s).map((g) => g.service);
        if (isInterBroker && otherBrokers.length > 0) {
          push(out, s, 'M1', 'error', adKey, `service ${s.service} advertises ${formatEndpoint(a)} on its inter-broker listener: brokers ${otherBrokers.join(', ')} are sent to their own localhost and cannot replicate from it.`, s.fixLine('advertised.listeners', formatListeners(m.advertised.map((x) => (x === a ? { ...x, host: s.service! } : x)))), { listener: a.listenerName });
        } else if (others.length > 0 && !hasContainerListener(m, s)) {
          push(out, s, 'M1', 'warn', adKey, `service ${s.service} advertises only ${a.host}:${a.port} (${a.listenerName}); clients in other containers (${others.join(', ')}) bootstrap, then are sent to their own localhost: "Connection to node ${m.nodeId ?? 1} (localhost/127.0.0.1:${a.port}) could not be established".`, dualListenerFix(s, m, a), { listener: a.listenerName });
        }
      }
      // M2: a container-only name behind a published port.
      if (a.host !== null && brokerNames.has(a.host) && bind) {
        const pub = publishedFor(c.ports, bind.port);
        if (pub && !hasHostListener(m, s)) {
          push(out, s, 'M2', 'warn', adKey, `service ${s.service} publishes port ${pub.published ?? '(random)'}→${bind.port} but listener ${a.listenerName} advertises ${a.host}:${a.port}, a name only containers on the compose network resolve; clients on the host bootstrap, then fail with "Failed to resolve '${a.host}:${a.port}'".`, dualListenerFix(s, m, a), { listener: a.listenerName });
        }
      }
      // M7: host.docker.internal on Linux needs host-gateway in every container that uses it.
      if (a.host === HOST_GATEWAY) {
        const missing = [s.service!, ...others].filter((name) => !(name === s.service ? c.extraHosts : group.find((g) => g.service === name)?.compose?.extraHosts ?? null)?.some((h) => /^host\.docker\.internal[:=]host-gateway$/.test(h.replace(/\s+/g, ''))));
        const serviceMissing = !c.extraHosts.some((h) => /^host\.docker\.internal[:=]host-gateway$/.test(h.replace(/\s+/g, '')));
        if (serviceMissing || missing.length > 0) {
          push(out, s, 'M7', platform === 'linux' ? 'error' : 'warn', adKey, `service ${s.service} advertises ${HOST_GATEWAY}:${a.port}; on Linux that name only resolves in containers given extra_hosts "${HOST_GATEWAY}:host-gateway" (Docker 20.10+)${platform === 'linux' ? '' : ' — fine on Docker Desktop, broken on Linux engines'}.`, `extra_hosts:\n  - "${HOST_GATEWAY}:host-gateway"`, { listener: a.listenerName, services: missing });
        }
      }
      // M4 / M6: the advertised host port must be published to this listener's container port.
      if (hostFacing && bind) {
        const pub = publishedFor(c.ports, bind.port);
        const onAdvertised = c.ports.find((p) => p.published === a.port && p.protocol === 'tcp');
        if (onAdvertised && onAdvertised.target !== bind.port) {
          const other = m.listeners.find((l) => l.port === onAdvertised.target);
          if (other) {
            push(out, s, 'M6', 'error', adKey, `listener ${a.listenerName} advertises ${a.host}:${a.port}, but host port ${a.port} is published to container port ${onAdvertised.target}, listener ${other.listenerName}; clients are sent to the wrong listener${other.securityProtocol !== bind.securityProtocol ? ` (${other.securityProtocol} instead of ${bind.securityProtocol})` : ''}.`, portFix(bind.port, a.port, pub), { listener: a.listenerName, landsOn: other.listenerName });
          } else {
            push(out, s, 'M4', 'error', adKey, `listener ${a.listenerName} advertises ${a.host}:${a.port}, but host port ${a.port} is published to container port ${onAdvertised.target}, where no listener is bound.`, portFix(bind.port, a.port, pub), { listener: a.listenerName });
          }
        } else if (!onAdvertised && pub && pub.published !== null && pub.published !== a.port) {
          push(out, s, 'M4', 'error', adKey, `service ${s.service} publishes host port ${pub.published} for listener ${a.listenerName} (container port ${bind.port}) but advertises port ${a.port}: clients bootstrap on ${pub.published}, then connect to ${a.host}:${a.port}, which is not published.`, `${s.fixLine('advertised.listeners', formatListeners(m.advertised.map((x) => (x === a ? { ...x, port: pub.published! } : x))))}\n# or, in ports:\n  - "${a.port}:${bind.port}"`, { listener: a.listenerName, published: pub.published, advertisedPort: a.port });
        } else if (!onAdvertised && pub && pub.published === null) {
          push(out, s, 'M4', 'warn', adKey, `service ${s.service} publishes container port ${bind.port} (listener ${a.listenerName}) on a random host port, but advertises ${a.host}:${a.port}: clients on the host are sent to a port that is not published.`, `ports:\n  - "${a.port}:${bind.port}"`, { listener: a.listenerName });
        } else if (!onAdvertised && !pub && a.host !== HOST_GATEWAY) {
          push(out, s, 'M4', 'warn', adKey, `listener ${a.listenerName} advertises ${a.host}:${a.port} for clients on the host, but service ${s.service} does not publish container port ${bind.port}: nothing outside the container reaches it.`, `ports:\n  - "${a.port}:${bind.port}"`, { listener: a.listenerName });
        }
      }
    }
    // M8: loopback voters across several nodes.
    if (m.voters && m.voters.length > 1 && m.voters.some((v) => isLoopbackHost(v.host))) {
      push(out, s, 'M8', 'error', 'controller.quorum.voters', `service ${s.service} lists voters on localhost (${formatVoters(m.voters)}); inside a container localhost is that container, so the controllers never reach each other and the quorum never forms.`, s.fixLine('controller.quorum.voters', formatVoters(m.voters.map((v) => (isLoopbackHost(v.host) ? { ...v, host: serviceForNode(group, models, v.id) ?? `<service-of-node-${v.id}>` } : v)))));
    }
  }
  return out;
}

function hasContainerListener(m: ListenerModel, s: BrokerSource): boolean {
  const names = new Set(s.compose?.names ?? []);
  return m.advertised.some((a) => a.host !== null && names.has(a.host));
}

function hasHostListener(m: ListenerModel, _s: BrokerSource): boolean {
  return m.advertised.some((a) => a.host !== null && (isLoopbackHost(a.host) || a.host === HOST_GATEWAY));
}

function serviceForNode(group: BrokerSource[], models: Map<BrokerSource, ListenerModel>, id: number): string | undefined {
  return group.find((g) => models.get(g)?.nodeId === id)?.service;
}

function portFix(containerPort: number, advertisedPort: number, pub: PortMapping | undefined): string {
  return pub ? `ports:\n  - "${advertisedPort}:${containerPort}"   # instead of "${pub.published}:${containerPort}"` : `ports:\n  - "${advertisedPort}:${containerPort}"`;
}

/** The classic fix: one listener for containers (service name), one for the host (localhost + published port). */
function dualListenerFix(s: BrokerSource, m: ListenerModel, a: Endpoint): string {
  const used = new Set(m.listeners.map((l) => l.port));
  let internal = 19092;
  while (used.has(internal)) internal++;
  const host = s.compose?.ports.find((p) => p.target === bindFor(m, a.listenerName)?.port)?.published ?? a.port;
  const containerPort = bindFor(m, a.listenerName)?.port ?? a.port;
  const controllers = m.listeners.filter((l) => m.controllerListenerNames.includes(l.listenerName));
  const listeners = [`INTERNAL://0.0.0.0:${internal}`, `EXTERNAL://0.0.0.0:${containerPort}`, ...controllers.map((l) => formatEndpoint({ ...l, host: l.host ?? '0.0.0.0' }))].join(',');
  const map = ['INTERNAL:PLAINTEXT', 'EXTERNAL:PLAINTEXT', ...controllers.map((l) => `${l.listenerName}:${l.securityProtocol}`)].join(',');
  return [
    s.fixLine('listeners', listeners),
    s.fixLine('advertised.listeners', `INTERNAL://${s.service}:${internal},EXTERNAL://localhost:${host}`),
    s.fixLine('listener.security.protocol.map', map),
    s.fixLine('inter.broker.listener.name', 'INTERNAL'),
  ].join('\n');
}

/** M9 / M10 across the nodes of one cluster (one compose file, or the --config files together). */
function clusterRules(group: BrokerSource[], models: Map<BrokerSource, ListenerModel>): Finding[] {
  const out: Finding[] = [];
  const nodes = group.filter((s) => models.has(s));
  if (nodes.length < 2) return out;
  const label = (s: BrokerSource): string => (s.service ? `service ${s.service}` : s.file);
  // Duplicate node ids.
  const byId = new Map<number, BrokerSource[]>();
  for (const s of nodes) {
    const id = models.get(s)!.nodeId;
    if (id !== null) byId.set(id, [...(byId.get(id) ?? []), s]);
  }
  const usedIds = new Set(byId.keys());
  for (const [id, same] of byId) {
    if (same.length < 2) continue;
    for (const s of same.slice(1)) {
      let next = id + 1;
      while (usedIds.has(next)) next++;
      usedIds.add(next);
      const key = models.get(s)!.mode === 'zk' && !s.values.has('node.id') ? 'broker.id' : 'node.id';
      push(out, s, 'M9', 'error', key, `${label(s)} has node id ${id}, like ${label(same[0])}; the second one to start fails with "Another broker is registered with that broker id." (KRaft) or a broker id conflict in ZooKeeper.`, s.fixLine(key, String(next)), { nodeId: id });
    }
  }
  const kraft = nodes.filter((s) => models.get(s)!.mode === 'kraft');
  if (kraft.length >= 2 && group.every((s) => s.kind !== 'properties')) {
    // Cluster ids (compose / env): every KRaft node must be formatted with the same one.
    const ids = kraft.map((s) => ({ s, id: s.clusterId ?? (s.scheme === 'apache' ? '5L6g3nShT-eMCtK--X86sw' : null) }));
    const missing = ids.filter((x) => x.id === null);
    for (const { s } of missing) {
      const name = s.scheme === 'bitnami' ? 'KAFKA_KRAFT_CLUSTER_ID' : 'CLUSTER_ID';
      push(out, s, 'M9', 'error', '$cluster.id', `${label(s)} sets no cluster id: ${s.scheme === 'bitnami' ? 'the bitnami image formats storage with a random one' : 'the image cannot format its storage'}, so the nodes do not form one cluster.`, `${name}: "${ids.find((x) => x.id !== null)?.id ?? '<kafka-storage random-uuid>'}"`);
    }
    const distinct = [...new Set(ids.filter((x) => x.id !== null).map((x) => x.id))];
    if (distinct.length > 1) {
      const first = ids.find((x) => x.id !== null)!;
      for (const x of ids) {
        if (x.id === null || x.id === first.id) continue;
        push(out, x.s, 'M9', 'error', '$cluster.id', `${label(x.s)} uses cluster id ${x.id}, ${label(first.s)} uses ${first.id}: the controllers reject each other (INCONSISTENT_CLUSTER_ID) and the quorum never forms.`, `${x.s.scheme === 'bitnami' ? 'KAFKA_KRAFT_CLUSTER_ID' : 'CLUSTER_ID'}: "${first.id}"`);
      }
    }
  }
  if (kraft.length >= 2) {
    // Voters must be the same list everywhere.
    const withVoters = kraft.filter((s) => models.get(s)!.voters !== null);
    const first = withVoters[0];
    if (first) {
      const norm = (s: BrokerSource): string => formatVoters([...models.get(s)!.voters!].sort((a, b) => a.id - b.id));
      for (const s of withVoters.slice(1)) {
        if (norm(s) !== norm(first)) {
          push(out, s, 'M9', 'error', 'controller.quorum.voters', `${label(s)} has controller.quorum.voters=${s.values.get('controller.quorum.voters')}, ${label(first)} has ${first.values.get('controller.quorum.voters')}: every node must list the same voters.`, s.fixLine('controller.quorum.voters', first.values.get('controller.quorum.voters')!));
        }
      }
    }
  }
  // M10: brokers offering different listener names: a client on listener X gets LISTENER_NOT_FOUND for leaders without X.
  const brokers = nodes.filter((s) => { const m = models.get(s)!; return m.mode === 'zk' || m.roles.has('broker'); });
  if (brokers.length >= 2) {
    const names = (s: BrokerSource): Set<string> => new Set(models.get(s)!.advertised.filter((l) => !models.get(s)!.controllerListenerNames.includes(l.listenerName)).map((l) => l.listenerName));
    const all = new Set(brokers.flatMap((s) => [...names(s)]));
    for (const s of brokers) {
      const lacking = [...all].filter((n) => !names(s).has(n));
      if (lacking.length === 0) continue;
      const m = models.get(s)!;
      push(out, s, 'M10', 'warn', m.advertisedExplicit ? 'advertised.listeners' : 'listeners', `${label(s)} has no listener ${lacking.join(', ')} that other brokers advertise: clients connected on ${lacking.join(', ')} get LISTENER_NOT_FOUND (Metadata v6+) or LEADER_NOT_AVAILABLE for partitions it leads.`, `${s.fixLine('listeners', [...m.listeners.map(formatEndpoint), ...lacking.map((n) => `${n}://:<port>`)].join(','))}\n${s.fixLine('advertised.listeners', [...m.advertised.map(formatEndpoint), ...lacking.map((n) => `${n}://<host>:<port>`)].join(','))}`, { missing: lacking });
    }
  }
  return out;
}
