/**
 * A node's whole listener configuration, resolved and checked as Apache Kafka 3.x does at start-up
 * (KafkaConfig.validateValues and friends), with Kafka's own messages and the rule ids of
 * research/devenv-facts.md §3a (L1–L20). Unlike Kafka, which stops at the first problem, every problem that
 * can be found is collected, so the doctor can report them all and a broker can refuse with the first.
 *
 * Resolution (what a broker binds and advertises):
 * - listener.security.protocol.map: explicit, else every protocol to itself; in KRaft, when the map is not set
 *   and only PLAINTEXT is in use, controller listeners are implicitly PLAINTEXT;
 * - listeners: default PLAINTEXT://:9092;
 * - advertised.listeners: explicit, else the listeners minus the KRaft controller listeners;
 * - inter-broker listener: inter.broker.listener.name, else the listener named after
 *   security.inter.broker.protocol (default PLAINTEXT).
 * Version note: rule L18 (no controller listener in a broker's advertised.listeners, none at all on a
 * controller-only node) is Kafka 3.x; Kafka 4.0 (KIP-853) relaxed it. Problems carry the rule id so a caller
 * can tell.
 */
import {
  DEFAULT_PROTOCOL_MAP,
  ListenerConfigError,
  isSecurityProtocol,
  normaliseListenerName,
  parseCsvList,
  parseListeners,
  parseProtocolMap,
  type Endpoint,
  type SecurityProtocol,
} from './endpoints.js';
import { parseVoters, VOTERS_PROPERTY, type Voter } from './voters.js';

export interface ListenerProblem {
  /** L1…L20 from research/devenv-facts.md §3a, or the property name for Kafka checks outside that table. */
  rule: string;
  property: string;
  message: string;
}

export type KafkaProcessRole = 'broker' | 'controller';

export interface ResolvedListeners {
  kraft: boolean;
  processRoles: KafkaProcessRole[];
  /** node.id (KRaft) or broker.id (ZooKeeper mode); null when unset. */
  nodeId: number | null;
  protocolMap: Map<string, SecurityProtocol>;
  protocolMapExplicit: boolean;
  listeners: Endpoint[];
  /** Effective advertised endpoints (explicit, or the fallback). */
  advertised: Endpoint[];
  advertisedExplicit: boolean;
  interBrokerListenerName: string;
  controllerListenerNames: string[];
  /** Static voters (controller.quorum.voters); empty when unset. */
  voters: Voter[];
}

export interface ListenerConfigResult {
  resolved: ResolvedListeners;
  problems: ListenerProblem[];
}

/** Anything that answers `get(key)`: a PropertiesFile, a Map's get bound to it, a plain lookup. */
export interface PropertySource {
  get(key: string): string | undefined;
}

const DEFAULT_LISTENERS = 'PLAINTEXT://:9092';

function intOrNull(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  return /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
}

export function resolveListenerConfig(props: PropertySource): ListenerConfigResult {
  const problems: ListenerProblem[] = [];
  const problem = (rule: string, property: string, message: string) => problems.push({ rule, property, message });
  const capture = <T>(fallback: T, work: () => T): T => {
    try {
      return work();
    } catch (err) {
      if (err instanceof ListenerConfigError) {
        problem(err.rule, err.property, err.message);
        return fallback;
      }
      throw err;
    }
  };
  const value = (key: string): string | undefined => {
    const v = props.get(key);
    return v === undefined ? undefined : v.trim();
  };

  // process.roles decides KRaft vs ZooKeeper mode.
  const roleItems = parseCsvList(value('process.roles') ?? '');
  const processRoles: KafkaProcessRole[] = [];
  for (const role of roleItems) {
    if (role !== 'broker' && role !== 'controller') problem('process.roles', 'process.roles', `Unknown process role '${role}' (only 'broker' and 'controller' are allowed roles)`);
    else if (processRoles.includes(role)) problem('process.roles', 'process.roles', `Duplicate role names found in process.roles: ${roleItems.join(', ')}`);
    else processRoles.push(role);
  }
  const kraft = roleItems.length > 0;
  const isBroker = !kraft || processRoles.includes('broker');
  const isController = processRoles.includes('controller');

  // Node identity.
  const nodeIdRaw = intOrNull(value('node.id'));
  const brokerIdRaw = intOrNull(value('broker.id'));
  for (const [key, raw] of [['node.id', nodeIdRaw], ['broker.id', brokerIdRaw]] as const) {
    if (Number.isNaN(raw)) problem(key, key, `Invalid value ${value(key)} for configuration ${key}: Not a number of type INT`);
  }
  const nodeId = [nodeIdRaw, brokerIdRaw].find((v) => v !== null && !Number.isNaN(v)) ?? null;
  if (nodeIdRaw !== null && brokerIdRaw !== null && !Number.isNaN(nodeIdRaw) && !Number.isNaN(brokerIdRaw) && nodeIdRaw !== brokerIdRaw) {
    problem('node.id', 'node.id', `You must set \`node.id\` to the same value as \`broker.id\`.`);
  }
  if (kraft && (nodeIdRaw === null || Number.isNaN(nodeIdRaw)) && (brokerIdRaw === null || Number.isNaN(brokerIdRaw))) {
    problem('L12', 'node.id', 'Missing configuration `node.id` which is required when `process.roles` is defined (i.e. when running in KRaft mode).');
  }

  // Security protocol map (L3), with the implicit controller mapping of KRaft.
  const mapText = value('listener.security.protocol.map');
  const protocolMapExplicit = mapText !== undefined && mapText !== '';
  const protocolMap = protocolMapExplicit ? capture(new Map(DEFAULT_PROTOCOL_MAP), () => parseProtocolMap(mapText!)) : new Map(DEFAULT_PROTOCOL_MAP);
  const controllerListenerNames = parseCsvList(value('controller.listener.names') ?? '').map(normaliseListenerName);
  const listenersText = value('listeners') || DEFAULT_LISTENERS;
  if (kraft && !protocolMapExplicit) {
    // Kafka adds PLAINTEXT for controller listeners only when nothing but PLAINTEXT is in use.
    const onlyPlaintext = !/(^|,)\s*(SSL|SASL_PLAINTEXT|SASL_SSL):\/\//i.test(listenersText);
    if (onlyPlaintext) for (const name of controllerListenerNames) if (!protocolMap.has(name)) protocolMap.set(name, 'PLAINTEXT');
  }

  // listeners (L1, L2, L4, L5).
  const listeners = capture<Endpoint[]>([], () => parseListeners(listenersText, protocolMap));
  const listenerNames = listeners.map((l) => l.listenerName);

  // advertised.listeners (L1, L2, L6, L7, L8), falling back to listeners minus controller listeners.
  const advertisedText = value('advertised.listeners');
  const advertisedExplicit = advertisedText !== undefined && advertisedText !== '';
  const advertised = advertisedExplicit
    ? capture<Endpoint[]>([], () => parseListeners(advertisedText!, protocolMap, { property: 'advertised.listeners' }))
    : listeners.filter((l) => !controllerListenerNames.includes(l.listenerName));
  const advertisedNames = advertised.map((l) => l.listenerName);
  if (isBroker && advertised.some((l) => l.host === '0.0.0.0')) {
    problem('L7', advertisedExplicit ? 'advertised.listeners' : 'listeners', 'advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.');
  }
  if (advertisedExplicit && advertisedNames.some((n) => !listenerNames.includes(n))) {
    problem('L8', 'advertised.listeners', `advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found ${advertisedNames.join(',')}. The valid options based on the current configuration are ${listenerNames.join(',')}`);
  }

  // Inter-broker listener (L9, L10).
  const ibln = value('inter.broker.listener.name');
  const sibp = value('security.inter.broker.protocol');
  let interBrokerListenerName = 'PLAINTEXT';
  if (ibln && sibp) problem('L10', 'inter.broker.listener.name', 'Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.');
  if (ibln) {
    interBrokerListenerName = normaliseListenerName(ibln);
    if (!protocolMap.has(interBrokerListenerName)) problem('L10', 'inter.broker.listener.name', `Listener with name ${interBrokerListenerName} defined in inter.broker.listener.name not found in listener.security.protocol.map.`);
  } else if (sibp) {
    const protocol = sibp.toUpperCase();
    if (!isSecurityProtocol(protocol)) problem('L3', 'security.inter.broker.protocol', `Invalid security protocol \`${sibp}\` defined in security.inter.broker.protocol`);
    else interBrokerListenerName = protocol;
  }
  if (isBroker && advertised.length > 0 && !advertisedNames.includes(interBrokerListenerName)) {
    problem('L9', 'inter.broker.listener.name', `inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are ${advertisedNames.join(',')}`);
  }

  // Control-plane listener (L11).
  const controlPlane = value('control.plane.listener.name');
  if (controlPlane) {
    const name = normaliseListenerName(controlPlane);
    if (kraft) problem('L11', 'control.plane.listener.name', 'control.plane.listener.name is not supported in KRaft mode.');
    else {
      if (!advertisedNames.includes(name)) problem('L11', 'control.plane.listener.name', `control.plane.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are ${advertisedNames.join(',')}`);
      if (name === interBrokerListenerName) problem('L11', 'control.plane.listener.name', `control.plane.listener.name, inter.broker.listener.name and security.inter.broker.protocol should have a different value from the inter broker listener name. Currently they both have the value ${name}`);
    }
  }

  let voters: Voter[] = [];
  if (kraft) {
    // Voters (L13, L14, L15).
    const votersText = value(VOTERS_PROPERTY) ?? '';
    const bootstrapServers = value('controller.quorum.bootstrap.servers') ?? '';
    if (votersText !== '') voters = capture<Voter[]>([], () => parseVoters(votersText));
    else if (bootstrapServers === '') problem('L13', VOTERS_PROPERTY, 'If using process.roles, controller.quorum.voters must contain a parseable set of voters.');
    if (voters.length > 0 && nodeId !== null) {
      const ids = `{${voters.map((v) => v.id).join(', ')}}`;
      const inVoters = voters.some((v) => v.id === nodeId);
      if (isController && !inVoters) problem('L15', VOTERS_PROPERTY, `If process.roles contains the 'controller' role, the node id ${nodeId} must be included in the set of voters ${VOTERS_PROPERTY}=${ids}`);
      if (!isController && isBroker && inVoters) problem('L15', VOTERS_PROPERTY, `If process.roles contains just the 'broker' role, the node id ${nodeId} must not be included in the set of voters ${VOTERS_PROPERTY}=${ids}`);
    }
    if (isController) {
      // L16: the controller listener must be bound.
      if (!controllerListenerNames.some((n) => listenerNames.includes(n))) {
        problem('L16', 'controller.listener.names', "controller.listener.names must contain at least one value appearing in the 'listeners' configuration when running the KRaft controller role");
      } else if (!isBroker && controllerListenerNames.some((n) => !listenerNames.includes(n))) {
        problem('L16', 'controller.listener.names', "controller.listener.names must only contain values appearing in the 'listeners' configuration when running the KRaft controller role");
      }
      if (!isBroker && advertisedExplicit) problem('L18', 'advertised.listeners', 'The advertised.listeners config must be empty when process.roles=controller');
    } else if (isBroker) {
      // L17: a broker-only node must reach, not bind, the controller listener.
      if (controllerListenerNames.length === 0) problem('L17', 'controller.listener.names', 'controller.listener.names must contain at least one value when running KRaft with just the broker role');
      if (controllerListenerNames.some((n) => listenerNames.includes(n))) {
        problem('L17', 'controller.listener.names', "controller.listener.names must not contain a value appearing in the 'listeners' configuration when running KRaft with just the broker role");
      }
      for (const name of controllerListenerNames) {
        if (!protocolMap.has(name)) {
          problem('L17', 'controller.listener.names', `Controller listener with name ${name} defined in controller.listener.names not found in listener.security.protocol.map (an explicit security mapping for each controller listener is required if listener.security.protocol.map is non-empty, or if there are security protocols other than PLAINTEXT in use)`);
        }
      }
    }
    if (isBroker) {
      if (advertisedExplicit && advertisedNames.some((n) => controllerListenerNames.includes(n))) {
        problem('L18', 'advertised.listeners', 'The advertised.listeners config must not contain KRaft controller listeners from controller.listener.names when process.roles contains the broker role because Kafka clients that send requests via advertised listeners do not send requests to KRaft controllers -- they only send requests to KRaft brokers.');
      }
      if (advertised.length === 0 && listeners.length > 0) problem('L19', 'advertised.listeners', 'There must be at least one advertised listener. Perhaps all listeners appear in controller.listener.names?');
    }
  } else {
    if (controllerListenerNames.length > 0) problem('L20', 'controller.listener.names', `controller.listener.names must be empty when not running in KRaft mode: ${controllerListenerNames.join(',')}`);
    if (!value('zookeeper.connect')) problem('zookeeper.connect', 'zookeeper.connect', 'Missing required configuration "zookeeper.connect" which has no default value.');
  }

  return {
    resolved: {
      kraft,
      processRoles,
      nodeId,
      protocolMap,
      protocolMapExplicit,
      listeners,
      advertised,
      advertisedExplicit,
      interBrokerListenerName,
      controllerListenerNames,
      voters,
    },
    problems,
  };
}
