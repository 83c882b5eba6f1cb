/**
 * The listener rules of one broker's configuration, as data: `checkBrokerConfig(input) → Finding[]`.
 *
 * L-rules are what Kafka itself enforces at start-up (KafkaConfig.validateValues, EndPoint, QuorumConfig; Kafka
 * 3.x wording so users can search for it; ids from research/devenv-facts.md §3a). M-rules are mistakes Kafka
 * accepts but clients trip over that one configuration alone shows (§3b: M3 blank advertised host, M5 loopback
 * bind with a routable advertised host, M6 an advertised endpoint that lands on another listener's port, M8
 * voters on localhost sharing a port, M11 a listener named after one protocol but mapped to another). Rules that
 * need several nodes or a compose file (M1, M2, M4, M7, M9, M10) live in src/doctor/listeners/.
 *
 * Pure: no files, no DNS. Used by `kstack doctor listeners`, and meant for `kstack init`/`up` before anything
 * starts and for the native broker at start-up. A config with no problems yields one `ok` finding (id `listeners`).
 *
 * Kafka 4.x differences honoured with `kafkaMajor: 4`: ZooKeeper mode is gone (process.roles is required) and a
 * broker may advertise a controller listener (KIP-853), which is then only a warning.
 */
import type { Finding, FindingSource } from '../doctor/finding.js';
import {
  DEFAULT_PROTOCOL_MAP,
  type Endpoint,
  formatEndpoint,
  formatListeners,
  formatProtocolMap,
  isSecurityProtocol,
  ListenerConfigError,
  normaliseListenerName,
  parseCsvList,
  parseListeners,
  parseProtocolMap,
  type SecurityProtocol,
} from './endpoints.js';
import type { PropertiesFile } from './properties.js';
import { parseVoters, type Voter } from './voters.js';

export interface BrokerConfigInput {
  /** Effective server.properties key → value (image defaults and derivations already applied). */
  values: ReadonlyMap<string, string>;
  /** Where a key was set, for the finding's `source`; falls back to `defaultSource`. */
  sourceOf?: (key: string) => FindingSource | undefined;
  defaultSource?: FindingSource;
  /**
   * How to write `key=value` as a line the user pastes (a properties line, a compose environment line…);
   * value null means "remove this setting". Default: a server.properties line.
   */
  fixLine?: (key: string, value: string | null) => string;
  /** Kafka major version whose rules apply (default 3). */
  kafkaMajor?: number;
  /**
   * Whether the broker runs in a container (a compose service): loopback binds are then unreachable from
   * outside it (M5 becomes an error).
   */
  inContainer?: boolean;
  /** The name other containers reach this broker by (compose service), used in suggested fixes. */
  containerName?: string;
  /**
   * The kstack native broker also runs with neither process.roles nor zookeeper.connect (standalone, a single
   * node). Apache Kafka 3.x refuses that (L0); pass true when checking a native broker's config.
   */
  allowStandalone?: boolean;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '0:0:0:0:0:0:0:1']);

export function isLoopbackHost(host: string | null): boolean {
  return host !== null && (LOOPBACK.has(host.toLowerCase()) || /^127\./.test(host));
}

export function propertiesLine(key: string, value: string | null): string {
  return value === null ? `# remove: ${key}` : `${key}=${value}`;
}

/** Facts derived from a configuration, shared with the multi-node rules. */
export interface ListenerModel {
  /** standalone: neither process.roles nor zookeeper.connect (kstack native broker only). */
  mode: 'kraft' | 'zk' | 'standalone' | 'unknown';
  roles: Set<'broker' | 'controller'>;
  nodeId: number | null;
  protocolMap: Map<string, SecurityProtocol>;
  listeners: Endpoint[];
  /** advertised.listeners, or the listeners they fall back to (controller listeners excluded in KRaft). */
  advertised: Endpoint[];
  advertisedExplicit: boolean;
  controllerListenerNames: string[];
  interBrokerListenerName: string;
  voters: Voter[] | null;
}

interface Ctx {
  input: BrokerConfigInput;
  findings: Finding[];
  line(key: string, value: string | null): string;
}

function add(ctx: Ctx, id: string, severity: 'warn' | 'error', message: string, fix: string, key: string | null, data?: Record<string, unknown>): void {
  const source = (key !== null ? ctx.input.sourceOf?.(key) : undefined) ?? ctx.input.defaultSource;
  const f: Finding = { id, severity, message, fix, ...(data ? { data } : {}) };
  if (source) f.source = source;
  ctx.findings.push(f);
}

function get(values: ReadonlyMap<string, string>, key: string): string | undefined {
  const v = values.get(key);
  return v === undefined ? undefined : v.trim();
}

function nextFreePort(used: Set<number>, from: number): number {
  let p = from + 1;
  while (used.has(p) || p > 65535) p = p > 65535 ? 1024 : p + 1;
  return p;
}

/** Builds the listener model; returns null (after recording findings) when the listeners cannot be parsed. */
export function buildListenerModel(values: ReadonlyMap<string, string>, ctx?: Ctx, kafkaMajor = 3, allowStandalone = false): ListenerModel | null {
  const rolesText = get(values, 'process.roles');
  const roles = new Set<'broker' | 'controller'>();
  for (const r of parseCsvList(rolesText ?? '')) if (r === 'broker' || r === 'controller') roles.add(r);
  const mode = rolesText !== undefined && rolesText !== '' ? 'kraft' : get(values, 'zookeeper.connect') ? 'zk' : allowStandalone ? 'standalone' : kafkaMajor >= 4 ? 'kraft' : 'unknown';
  const nodeIdText = get(values, 'node.id') ?? (mode === 'zk' || mode === 'standalone' ? get(values, 'broker.id') : undefined);
  const nodeId = nodeIdText !== undefined && /^-?\d+$/.test(nodeIdText) ? Number(nodeIdText) : null;
  const controllerListenerNames = parseCsvList(get(values, 'controller.listener.names') ?? '').map(normaliseListenerName);

  // listener.security.protocol.map (L3), with KRaft's implicit PLAINTEXT for controller listeners when unset.
  const mapText = get(values, 'listener.security.protocol.map');
  let protocolMap: Map<string, SecurityProtocol>;
  try {
    protocolMap = mapText === undefined ? new Map(DEFAULT_PROTOCOL_MAP) : parseProtocolMap(mapText);
  } catch (err) {
    if (ctx && err instanceof ListenerConfigError) {
      const fixed = parseCsvList(mapText ?? '')
        .map((item) => {
          const c = item.lastIndexOf(':');
          const name = c < 0 ? item : item.slice(0, c);
          const p = c < 0 ? '' : item.slice(c + 1).trim().toUpperCase();
          return `${name.trim().toUpperCase()}:${isSecurityProtocol(p) ? p : 'PLAINTEXT'}`;
        })
        .join(',');
      add(ctx, 'L3', 'error', err.message, ctx.line('listener.security.protocol.map', fixed), 'listener.security.protocol.map');
    }
    return null;
  }
  if (mapText === undefined && mode === 'kraft') {
    for (const name of controllerListenerNames) if (!protocolMap.has(name)) protocolMap.set(name, 'PLAINTEXT');
  }

  const listenersText = get(values, 'listeners') ?? 'PLAINTEXT://:9092';
  let listeners: Endpoint[];
  try {
    listeners = parseListeners(listenersText, protocolMap, { property: 'listeners' });
  } catch (err) {
    if (ctx && err instanceof ListenerConfigError) reportListenerError(ctx, err, 'listeners', listenersText, protocolMap);
    return null;
  }
  const advertisedText = get(values, 'advertised.listeners');
  let advertised: Endpoint[];
  if (advertisedText !== undefined && advertisedText !== '') {
    try {
      advertised = parseListeners(advertisedText, protocolMap, { property: 'advertised.listeners', requireDistinctPorts: false });
    } catch (err) {
      if (ctx && err instanceof ListenerConfigError) reportListenerError(ctx, err, 'advertised.listeners', advertisedText, protocolMap);
      return null;
    }
  } else {
    advertised = mode === 'kraft' ? listeners.filter((l) => !controllerListenerNames.includes(l.listenerName)) : listeners;
  }
  const ibName = get(values, 'inter.broker.listener.name');
  const ibProtocol = get(values, 'security.inter.broker.protocol');
  const interBrokerListenerName = ibName ? normaliseListenerName(ibName) : (ibProtocol ?? 'PLAINTEXT').toUpperCase();
  let voters: Voter[] | null = null;
  const votersText = get(values, 'controller.quorum.voters');
  if (votersText !== undefined && votersText !== '') {
    try {
      voters = parseVoters(votersText);
    } catch (err) {
      if (ctx && err instanceof ListenerConfigError) {
        add(ctx, 'L14', 'error', err.message, ctx.line('controller.quorum.voters', `${nodeId ?? 1}@<controller-host>:9093`), 'controller.quorum.voters');
      }
      voters = [];
    }
  }
  return { mode, roles, nodeId, protocolMap, listeners, advertised, advertisedExplicit: advertisedText !== undefined && advertisedText !== '', controllerListenerNames, interBrokerListenerName, voters };
}

function reportListenerError(ctx: Ctx, err: ListenerConfigError, property: string, text: string, map: ReadonlyMap<string, SecurityProtocol>): void {
  const items = parseCsvList(text);
  let fix: string;
  if (err.rule === 'L2') {
    const missing = items.map((i) => normaliseListenerName(i.split('://')[0])).filter((n) => !map.has(n));
    const merged = new Map(map);
    for (const n of missing) merged.set(n, 'PLAINTEXT');
    fix = ctx.line('listener.security.protocol.map', formatProtocolMap(merged));
  } else if (err.rule === 'L4') {
    const seen = new Map<string, number>();
    const renamed = items.map((i) => {
      const [name, rest] = [i.split('://')[0], i.split('://').slice(1).join('://')];
      const n = (seen.get(name.toUpperCase()) ?? 0) + 1;
      seen.set(name.toUpperCase(), n);
      return n === 1 ? i : `${name.toUpperCase()}_${n}://${rest}`;
    });
    fix = ctx.line(property, renamed.join(','));
  } else if (err.rule === 'L5') {
    const parsed = items.map((i) => /^(.*:\/\/.*):(-?\d+)$/.exec(i));
    const used = new Set(parsed.map((m) => (m ? Number(m[2]) : -1)));
    const seen = new Set<number>();
    const fixed = items.map((i, k) => {
      const m = parsed[k];
      if (!m) return i;
      const port = Number(m[2]);
      if (port !== 0 && seen.has(port)) {
        const p = nextFreePort(used, port);
        used.add(p);
        return `${m[1]}:${p}`;
      }
      seen.add(port);
      return i;
    });
    fix = ctx.line(property, fixed.join(','));
  } else {
    fix = ctx.line(property, items.map((i) => (/^[A-Za-z0-9_]+:\/\/[^/]*:\d+$/.test(i) ? i : 'PLAINTEXT://:9092')).join(',') || 'PLAINTEXT://:9092');
  }
  add(ctx, err.rule, 'error', err.message, fix, property === 'listeners' && err.rule === 'L2' ? 'listeners' : property);
}

/**
 * The rules for a parsed server.properties (what the native broker and `kstack init` hold): findings point at the
 * file's lines, fixes are properties lines.
 */
export function checkBrokerProperties(props: PropertiesFile, options: { kafkaMajor?: number; allowStandalone?: boolean } = {}): Finding[] {
  return checkBrokerConfig({
    values: props.toMap(),
    sourceOf: (key) => {
      const e = props.entry(key);
      return e ? { file: props.source, line: e.line } : { file: props.source };
    },
    defaultSource: { file: props.source },
    kafkaMajor: options.kafkaMajor ?? 3,
    allowStandalone: options.allowStandalone ?? false,
  });
}

/** Every listener rule for one broker's effective configuration. */
export function checkBrokerConfig(input: BrokerConfigInput): Finding[] {
  const ctx: Ctx = { input, findings: [], line: input.fixLine ?? propertiesLine };
  const major = input.kafkaMajor ?? 3;
  const values = input.values;
  const m = buildListenerModel(values, ctx, major, input.allowStandalone ?? false);
  if (m) checkModel(ctx, m, major);
  if (ctx.findings.length === 0) {
    const f: Finding = { id: 'listeners', severity: 'ok', message: 'listener settings pass every rule Kafka enforces and every single-node check', fix: null };
    if (input.defaultSource) f.source = input.defaultSource;
    ctx.findings.push(f);
  }
  return ctx.findings;
}

function checkModel(ctx: Ctx, m: ListenerModel, major: number): void {
  const values = ctx.input.values;
  const listenerNames = new Set(m.listeners.map((l) => l.listenerName));
  const advertisedNames = new Set(m.advertised.map((l) => l.listenerName));
  const isBroker = m.mode !== 'kraft' || m.roles.has('broker');
  const isController = m.mode === 'kraft' && m.roles.has('controller');
  const adProp = 'advertised.listeners';

  if (m.mode === 'unknown') {
    add(ctx, 'L0', 'error', 'Missing required configuration "zookeeper.connect" which has no default value.', `${ctx.line('process.roles', 'broker,controller')}\n${ctx.line('node.id', '1')}`, null, {
      note: 'Kafka 3.x needs either process.roles (KRaft) or zookeeper.connect (ZooKeeper mode)',
    });
    return;
  }
  if (m.mode === 'zk' && major >= 4) {
    add(ctx, 'L0', 'error', 'ZooKeeper mode was removed in Kafka 4.0: process.roles must be set (KRaft).', `${ctx.line('process.roles', 'broker,controller')}\n${ctx.line('zookeeper.connect', null)}`, 'zookeeper.connect');
    return;
  }

  // L10: inter-broker listener name vs protocol
  if (get(values, 'inter.broker.listener.name') && get(values, 'security.inter.broker.protocol')) {
    add(ctx, 'L10', 'error', 'Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.', ctx.line('security.inter.broker.protocol', null), 'security.inter.broker.protocol');
  } else if (isBroker && !m.protocolMap.has(m.interBrokerListenerName)) {
    add(ctx, 'L10', 'error', `Listener with name ${m.interBrokerListenerName} defined in inter.broker.listener.name not found in listener.security.protocol.map.`, ctx.line('listener.security.protocol.map', formatProtocolMap(new Map([...m.protocolMap, [m.interBrokerListenerName, 'PLAINTEXT' as SecurityProtocol]]))), 'inter.broker.listener.name');
  }

  if (m.mode === 'kraft') {
    if (m.nodeId === null) {
      add(ctx, 'L12', 'error', 'Missing configuration `node.id` which is required when `process.roles` is defined (i.e. when running in KRaft mode).', ctx.line('node.id', '1'), 'process.roles');
    }
    const bootstrapServers = get(values, 'controller.quorum.bootstrap.servers');
    // Kafka 3.9+ (KIP-853) also accepts a dynamic quorum found through controller.quorum.bootstrap.servers.
    if (m.voters === null && !bootstrapServers) {
      const controllerPort = m.listeners.find((l) => m.controllerListenerNames.includes(l.listenerName))?.port ?? 9093;
      add(ctx, 'L13', 'error', 'If using process.roles, controller.quorum.voters must contain a parseable set of voters.', ctx.line('controller.quorum.voters', `${m.nodeId ?? 1}@localhost:${controllerPort}`), 'process.roles');
    }
    if (get(values, 'control.plane.listener.name')) {
      add(ctx, 'L11', 'error', 'control.plane.listener.name is not supported in KRaft mode.', ctx.line('control.plane.listener.name', null), 'control.plane.listener.name');
    }
    if (m.voters && m.voters.length > 0 && m.nodeId !== null) {
      const ids = m.voters.map((v) => v.id);
      if (isController && !ids.includes(m.nodeId)) {
        add(ctx, 'L15', 'error', `If process.roles contains the 'controller' role, the node id ${m.nodeId} must be included in the set of voters controller.quorum.voters=[${ids.join(', ')}]`, ctx.line('controller.quorum.voters', `${get(values, 'controller.quorum.voters')},${m.nodeId}@<this-node-host>:${m.listeners.find((l) => m.controllerListenerNames.includes(l.listenerName))?.port ?? 9093}`), 'controller.quorum.voters');
      }
      if (!isController && ids.includes(m.nodeId)) {
        const unused = nextFreePort(new Set(), Math.max(...ids, m.nodeId) + 0);
        add(ctx, 'L15', 'error', `If process.roles contains just the 'broker' role, the node id ${m.nodeId} must not be included in the set of voters controller.quorum.voters=[${ids.join(', ')}]`, ctx.line('node.id', String(unused)), 'node.id');
      }
    }
    if (isController) {
      const controllerListeners = m.listeners.filter((l) => m.controllerListenerNames.includes(l.listenerName));
      if (controllerListeners.length === 0) {
        const name = m.controllerListenerNames[0] ?? 'CONTROLLER';
        const used = new Set(m.listeners.map((l) => l.port));
        const port = used.has(9093) ? nextFreePort(used, 9093) : 9093;
        const fixes = [ctx.line('listeners', [...m.listeners.map(formatEndpoint), `${name}://:${port}`].join(','))];
        if (m.controllerListenerNames.length === 0) fixes.push(ctx.line('controller.listener.names', name));
        add(ctx, 'L16', 'error', "controller.listener.names must contain at least one value appearing in the 'listeners' configuration when running the KRaft controller role", fixes.join('\n'), m.controllerListenerNames.length === 0 ? 'process.roles' : 'controller.listener.names');
      } else if (!m.controllerListenerNames.every((n) => listenerNames.has(n))) {
        add(ctx, 'L16', 'error', "controller.listener.names must only contain values appearing in the 'listeners' configuration when running the KRaft controller role", ctx.line('controller.listener.names', m.controllerListenerNames.filter((n) => listenerNames.has(n)).join(',')), 'controller.listener.names');
      }
    } else {
      // broker-only
      if (m.controllerListenerNames.length === 0) {
        add(ctx, 'L17', 'error', 'controller.listener.names must contain at least one value when running KRaft with just the broker role', ctx.line('controller.listener.names', 'CONTROLLER'), 'process.roles');
      } else {
        if (m.controllerListenerNames.some((n) => listenerNames.has(n))) {
          add(ctx, 'L17', 'error', "controller.listener.names must not contain a value appearing in the 'listeners' configuration when running KRaft with just the broker role", ctx.line('listeners', formatListeners(m.listeners.filter((l) => !m.controllerListenerNames.includes(l.listenerName)))), 'listeners');
        }
        for (const n of m.controllerListenerNames) {
          if (!m.protocolMap.has(n)) {
            add(ctx, 'L17', 'error', `Controller listener with name ${n} defined in controller.listener.names not found in listener.security.protocol.map  (an explicit security mapping for each controller listener is required if listener.security.protocol.map is non-empty, or if there are security protocols other than PLAINTEXT in use)`, ctx.line('listener.security.protocol.map', formatProtocolMap(new Map([...m.protocolMap, [n, 'PLAINTEXT' as SecurityProtocol]]))), 'listener.security.protocol.map');
          }
        }
      }
    }
    if (!isBroker) {
      if (m.advertisedExplicit && major < 4) {
        add(ctx, 'L18', 'error', 'The advertised.listeners config must be empty when process.roles=controller', ctx.line(adProp, null), adProp);
      }
      if (!m.advertisedExplicit && m.advertised.length > 0) {
        add(ctx, 'L18', 'error', 'The listeners config must only contain KRaft controller listeners from controller.listener.names when process.roles=controller', ctx.line('listeners', formatListeners(m.listeners.filter((l) => m.controllerListenerNames.includes(l.listenerName)))), 'listeners');
      }
    } else {
      const advertisedControllers = m.advertised.filter((l) => m.controllerListenerNames.includes(l.listenerName));
      if (m.advertisedExplicit && advertisedControllers.length > 0) {
        const rest = formatListeners(m.advertised.filter((l) => !m.controllerListenerNames.includes(l.listenerName)));
        if (major < 4) {
          add(ctx, 'L18', 'error', 'The advertised.listeners config must not contain KRaft controller listeners from controller.listener.names when process.roles contains the broker role because Kafka clients that send requests via advertised listeners do not send requests to KRaft controllers -- they only send requests to KRaft brokers.', ctx.line(adProp, rest), adProp);
        } else {
          add(ctx, 'L18', 'warn', `advertised.listeners contains the controller listener ${advertisedControllers.map((l) => l.listenerName).join(',')}: Kafka 4 accepts it, but clients given that address reach a controller, not a broker.`, ctx.line(adProp, rest), adProp);
        }
      }
    }
  } else {
    // ZooKeeper mode (and the native broker's standalone mode, which follows the same listener rules)
    if (m.controllerListenerNames.length > 0) {
      add(ctx, 'L20', 'error', `controller.listener.names must be empty when not running in KRaft mode: [${m.controllerListenerNames.join(', ')}]`, ctx.line('controller.listener.names', null), 'controller.listener.names');
    }
    const cp = get(values, 'control.plane.listener.name');
    if (cp) {
      const cpName = normaliseListenerName(cp);
      if (!advertisedNames.has(cpName)) {
        add(ctx, 'L11', 'error', `control.plane.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are ${[...advertisedNames].join(',')}`, ctx.line('control.plane.listener.name', null), 'control.plane.listener.name');
      } else if (cpName === m.interBrokerListenerName) {
        add(ctx, 'L11', 'error', 'control.plane.listener.name, when defined, should have a different value from the inter broker listener name. ' + `Currently they both have the value ${cpName}`, ctx.line('control.plane.listener.name', null), 'control.plane.listener.name');
      }
    }
  }

  if (isBroker) {
    if (m.advertised.length === 0) {
      const used = new Set(m.listeners.map((l) => l.port));
      const port = used.has(9092) ? nextFreePort(used, 9092) : 9092;
      add(ctx, 'L19', 'error', `There must be at least one advertised listener.${m.mode === 'kraft' ? ' Perhaps all listeners appear in controller.listener.names?' : ''}`, ctx.line('listeners', [...m.listeners.map(formatEndpoint), `PLAINTEXT://:${port}`].join(',')), 'listeners');
    } else if (!advertisedNames.has(m.interBrokerListenerName)) {
      const key = get(values, 'inter.broker.listener.name') ? 'inter.broker.listener.name' : adProp;
      add(ctx, 'L9', 'error', `inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are ${[...advertisedNames].join(',')}`, ctx.line('inter.broker.listener.name', m.advertised[0].listenerName), key);
    }
    const notListening = [...advertisedNames].filter((n) => !listenerNames.has(n));
    if (notListening.length > 0) {
      add(ctx, 'L8', 'error', `advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found ${[...advertisedNames].join(',')}. The valid options based on the current configuration are ${[...listenerNames].join(',')}`, ctx.line(adProp, formatListeners(m.advertised.filter((l) => listenerNames.has(l.listenerName)))), adProp);
    }
  }
  if (m.advertised.some((l) => l.host === '0.0.0.0')) {
    const key = m.advertisedExplicit ? adProp : 'listeners';
    const replaced = m.advertised.map((l) => (l.host === '0.0.0.0' ? { ...l, host: ctx.input.inContainer ? ctx.input.containerName ?? '<service-name>' : 'localhost' } : l));
    add(ctx, 'L7', 'error', 'advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.', ctx.line(adProp, formatListeners(replaced)), key);
  }

  if (isBroker) checkSingleNodeMistakes(ctx, m);
}

/** M3, M5, M6, M8, M11: mistakes one configuration shows on its own. */
function checkSingleNodeMistakes(ctx: Ctx, m: ListenerModel): void {
  const adProp = 'advertised.listeners';
  const key = m.advertisedExplicit ? adProp : 'listeners';
  const byName = new Map(m.listeners.map((l) => [l.listenerName, l]));
  // M3: a blank advertised host becomes the machine's canonical host name (a container id in Docker).
  const blank = m.advertised.filter((l) => l.host === null);
  if (blank.length > 0) {
    const fixed = m.advertised.map((l) => (l.host === null ? { ...l, host: ctx.input.inContainer ? ctx.input.containerName ?? '<service-name>' : 'localhost' } : l));
    add(ctx, 'M3', ctx.input.inContainer ? 'error' : 'warn', `${blank.map(formatEndpoint).join(', ')} advertises no host, so Kafka advertises this machine's canonical host name${ctx.input.inContainer ? ' (inside a container: its random container id, which nothing else resolves)' : ', which clients elsewhere may not resolve'}.`, ctx.line(adProp, formatListeners(fixed)), key, { endpoints: blank.map(formatEndpoint) });
  }
  // M5: bound to loopback while the advertised host is something else: nobody else can connect.
  for (const l of m.listeners) {
    if (!isLoopbackHost(l.host) || m.controllerListenerNames.includes(l.listenerName)) continue;
    const ad = m.advertised.find((a) => a.listenerName === l.listenerName);
    if (ctx.input.inContainer || (ad && ad.host !== null && ad.host !== '0.0.0.0' && !isLoopbackHost(ad.host))) {
      const fixed = m.listeners.map((x) => (x === l ? { ...x, host: null } : x));
      add(ctx, 'M5', ctx.input.inContainer ? 'error' : 'warn', `listener ${formatEndpoint(l)} binds to loopback${ctx.input.inContainer ? ' inside the container, so a published port reaches nothing' : ''}${ad && !ctx.input.inContainer ? `, but clients are told to connect to ${ad.host}:${ad.port}` : ''}; only processes on the same ${ctx.input.inContainer ? 'container' : 'machine'} can connect.`, ctx.line('listeners', formatListeners(fixed)), 'listeners', { listener: l.listenerName });
    }
  }
  // M6: two advertised listeners with one host:port, or an advertised port that is another listener's bind port.
  const seen = new Map<string, Endpoint>();
  for (const a of m.advertised) {
    const hp = `${(a.host ?? '').toLowerCase()}:${a.port}`;
    const twin = seen.get(hp);
    if (twin) {
      add(ctx, 'M6', 'error', `${formatEndpoint(twin)} and ${formatEndpoint(a)} advertise the same address ${hp}: clients of one listener are sent to the other.`, ctx.line(adProp, formatListeners(m.advertised.map((x) => (x === a ? { ...x, port: byName.get(a.listenerName)?.port ?? a.port } : x)))), key, { endpoints: [formatEndpoint(twin), formatEndpoint(a)] });
      continue;
    }
    seen.set(hp, a);
    if (ctx.input.inContainer) continue; // ports are translated by Docker; the compose rules compare published ports.
    const own = byName.get(a.listenerName);
    if (!own || own.port === a.port || own.port === 0) continue;
    const localish = a.host === null || isLoopbackHost(a.host) || (own.host !== null && own.host === a.host);
    const other = m.listeners.find((l) => l !== own && l.port === a.port && (l.host === null || isLoopbackHost(l.host) || l.host === a.host || l.host === '0.0.0.0'));
    if (localish && other) {
      add(ctx, 'M6', 'error', `listener ${a.listenerName} advertises ${a.host ?? ''}:${a.port}, which is the port of listener ${other.listenerName} (${other.securityProtocol}); clients that bootstrap on ${a.listenerName} are sent to ${other.listenerName}${other.securityProtocol !== own.securityProtocol ? ` and fail the ${own.securityProtocol}/${other.securityProtocol} handshake` : ' and get that listener\'s addresses'}.`, ctx.line(adProp, formatListeners(m.advertised.map((x) => (x === a ? { ...x, port: own.port } : x)))), key, { listener: a.listenerName, landsOn: other.listenerName });
    }
  }
  // M8: several voters on one loopback host:port cannot all be this node.
  if (m.voters && m.voters.length > 1) {
    const loop = m.voters.filter((v) => isLoopbackHost(v.host));
    const ports = new Set(loop.map((v) => v.port));
    if (loop.length > 1 && ports.size < loop.length) {
      add(ctx, 'M8', 'error', `controller.quorum.voters lists ${loop.length} voters on loopback sharing a port (${loop.map((v) => `${v.id}@${v.host}:${v.port}`).join(',')}): each node reaches only itself there, so the quorum never forms.`, ctx.line('controller.quorum.voters', m.voters.map((v) => `${v.id}@<host-of-node-${v.id}>:${v.port}`).join(',')), 'controller.quorum.voters');
    }
  }
  // M11: a listener called SSL that speaks PLAINTEXT (or the reverse) misleads every client configuration.
  for (const l of m.listeners) {
    if (isSecurityProtocol(l.listenerName) && l.listenerName !== l.securityProtocol) {
      add(ctx, 'M11', 'warn', `listener ${l.listenerName} is mapped to ${l.securityProtocol}: clients configured by the name (security.protocol=${l.listenerName}) will fail the handshake.`, ctx.line('listener.security.protocol.map', formatProtocolMap(new Map([...m.protocolMap].map(([n, p]) => [n, n === l.listenerName ? l.listenerName as SecurityProtocol : p])))), 'listener.security.protocol.map', { listener: l.listenerName });
    }
  }
}
