/**
 * The stack plan: options → every node, port, listener and id of a workspace, as one typed value. Pure (no disk,
 * no clock, no randomness: the cluster id comes in as an option), so it is tested without touching anything, and
 * every later step (render, apply, `up`, the doctor) reads the same plan.
 *
 * Shape of a stack:
 * - kraft, no --controllers: N combined nodes (process.roles=broker,controller), all of them voters;
 * - kraft, --controllers M: N broker-only nodes (ids 1..N) and M controller-only nodes (ids N+1..N+M);
 * - zk: N brokers (ids 1..N) and a ZooKeeper ensemble of 1, 3 or 5 servers (myid 1..Z).
 * Listeners: PLAINTEXT for clients (bound to and advertised on --host), INTERNAL for broker-to-broker traffic
 * when there is more than one broker, CONTROLLER for the KRaft quorum; INTERNAL, CONTROLLER and ZooKeeper bind
 * to 127.0.0.1 because every node runs on this machine.
 * Ports are allocated contiguously from --base-port, in this order: client ports of the brokers, CONTROLLER ports
 * of the voters, INTERNAL ports, then ZooKeeper client, quorum and election ports. So the defaults give Kafka's
 * familiar 9092 (client) and 9093 (controller) for a one-node KRaft stack.
 */
import { isAbsolute, join } from 'node:path';
import { KstackError } from '../errors.js';
import { formatListeners, type SecurityProtocol } from '../listeners/endpoints.js';
import { formatVoters, type Voter } from '../listeners/voters.js';

export type StackMode = 'kraft' | 'zk';
export type ProcessRole = 'broker' | 'controller';
export type ListenerName = 'PLAINTEXT' | 'INTERNAL' | 'CONTROLLER';

export const STACK_MODES: readonly StackMode[] = ['kraft', 'zk'];
export const ZOOKEEPER_ENSEMBLE_SIZES = [1, 3, 5] as const;
export const MAX_BROKERS = 16;
export const MAX_CONTROLLERS = 9;
/** Where a loopback-only listener binds. */
export const LOOPBACK = '127.0.0.1';
/** The chroot every broker's zookeeper.connect uses, so the ensemble can hold other things too. */
export const ZK_CHROOT = '/kstack';

export const PLAN_DEFAULTS = {
  mode: 'kraft' as StackMode,
  brokers: 1,
  zookeepers: 1,
  dir: '.kstack',
  host: '127.0.0.1',
  basePort: 9092,
} as const;

export interface PlanOptions {
  mode: StackMode;
  brokers: number;
  /** ZooKeeper ensemble size (zk mode only; default 1). */
  zookeepers?: number;
  /** Dedicated KRaft controller nodes (kraft mode only); absent = combined broker+controller nodes. */
  controllers?: number;
  /** Absolute workspace directory. */
  workspace: string;
  /** Host clients connect to: bound and advertised by the PLAINTEXT listener. */
  host: string;
  basePort: number;
  /** Kafka cluster id (22-character URL-safe base64 UUID), shared by every node. */
  clusterId: string;
}

export interface ListenerPlan {
  name: ListenerName;
  securityProtocol: SecurityProtocol;
  /** Address the listener binds to. */
  bindHost: string;
  port: number;
  /** Host other parties are told to use, or null when the listener is not advertised (CONTROLLER). */
  advertisedHost: string | null;
}

export interface KafkaNodePlan {
  /** broker.id (zk) or node.id (kraft); unique across the stack. */
  id: number;
  roles: ProcessRole[];
  /** Directory name under the workspace: broker-<id> or controller-<id>. */
  name: string;
  /** Absolute paths. */
  dir: string;
  dataDir: string;
  logsDir: string;
  listeners: ListenerPlan[];
  /** Listener brokers use to talk to each other (absent on controller-only nodes). */
  interBrokerListener: ListenerName | null;
  /** CONTROLLER in kraft mode, null in zk mode. */
  controllerListener: ListenerName | null;
}

export interface ZooKeeperNodePlan {
  /** myid, and N of the server.N line. */
  id: number;
  name: string;
  dir: string;
  dataDir: string;
  logsDir: string;
  host: string;
  clientPort: number;
  /** Follower-to-leader and leader-election ports; null for a standalone server. */
  quorumPort: number | null;
  electionPort: number | null;
}

export interface PortAssignment {
  port: number;
  host: string;
  /** Node directory name (broker-1, controller-4, zk-2). */
  owner: string;
  /** PLAINTEXT, INTERNAL, CONTROLLER, or zk-client / zk-quorum / zk-election. */
  purpose: string;
}

export interface KafkaSettings {
  numPartitions: number;
  defaultReplicationFactor: number;
  offsetsTopicReplicationFactor: number;
  transactionStateLogReplicationFactor: number;
  transactionStateLogMinIsr: number;
  minInsyncReplicas: number;
  groupInitialRebalanceDelayMs: number;
}

export interface StackPlan {
  mode: StackMode;
  workspace: string;
  host: string;
  basePort: number;
  clusterId: string;
  /** Every Kafka node: brokers first (ascending id), then dedicated controllers. */
  nodes: KafkaNodePlan[];
  /** ZooKeeper ensemble (zk mode), empty in kraft mode. */
  zookeepers: ZooKeeperNodePlan[];
  /** controller.quorum.voters entries (kraft), empty in zk mode. */
  voters: Voter[];
  /** zookeeper.connect (zk mode), null in kraft mode. */
  zookeeperConnect: string | null;
  /** Client bootstrap list: every broker's PLAINTEXT endpoint, comma-separated. */
  bootstrap: string;
  /** Every port the stack binds, in allocation order (contiguous from basePort). */
  ports: PortAssignment[];
  kafka: KafkaSettings;
}

function bad(message: string, fix?: string): KstackError {
  return new KstackError('KSTACK_BAD_OPTION', message, { exitCode: 2, fix });
}

const CLUSTER_ID = /^[A-Za-z0-9_-]{21}[AQgw]$/;

/** True for Kafka's cluster id form: 16 bytes in URL-safe base64 without padding (22 characters). */
export function isValidClusterId(id: string): boolean {
  return CLUSTER_ID.test(id);
}

/**
 * A new cluster id as Kafka's Uuid.randomUuid makes it: 16 random bytes, URL-safe base64, no padding; ids that
 * would start with '-' are drawn again (they look like command-line options).
 */
export function newClusterId(randomBytes: (n: number) => Uint8Array): string {
  for (;;) {
    const id = Buffer.from(randomBytes(16)).toString('base64url');
    if (!id.startsWith('-') && id !== 'AAAAAAAAAAAAAAAAAAAAAA' && id !== 'AAAAAAAAAAAAAAAAAAAAAQ') return id;
  }
}

// Kafka's own host character set for listeners (EndPoint's regex), without the IPv6 brackets.
const HOST = /^[0-9a-zA-Z\-%._:]+$/;

function validate(o: PlanOptions): void {
  if (!STACK_MODES.includes(o.mode)) throw bad(`--mode must be kraft or zk, not "${o.mode}"`);
  if (!Number.isInteger(o.brokers) || o.brokers < 1 || o.brokers > MAX_BROKERS) throw bad(`--brokers must be a whole number from 1 to ${MAX_BROKERS}, not ${o.brokers}`);
  if (o.mode === 'zk') {
    if (o.controllers !== undefined) throw bad('--controllers applies to kraft mode only; zk mode uses a ZooKeeper ensemble (--zookeepers).');
    const z = o.zookeepers ?? 1;
    if (!(ZOOKEEPER_ENSEMBLE_SIZES as readonly number[]).includes(z)) throw bad(`--zookeepers must be 1, 3 or 5 (a ZooKeeper ensemble needs an odd size), not ${z}`);
  } else {
    if (o.zookeepers !== undefined) throw bad('--zookeepers applies to zk mode only; add --mode zk.');
    if (o.controllers !== undefined && (!Number.isInteger(o.controllers) || o.controllers < 1 || o.controllers > MAX_CONTROLLERS)) {
      throw bad(`--controllers must be a whole number from 1 to ${MAX_CONTROLLERS}, not ${o.controllers}`);
    }
  }
  if (!isAbsolute(o.workspace)) throw bad(`the workspace path must be absolute, not "${o.workspace}"`);
  if (o.host === '0.0.0.0' || o.host === '::' || o.host === '[::]') {
    throw bad(
      `--host ${o.host} cannot be advertised: advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.`,
      '--host 127.0.0.1 (this machine only) or this machine\'s LAN address or name',
    );
  }
  if (!HOST.test(o.host)) throw bad(`--host "${o.host}" is not a host name or IP address Kafka accepts in a listener`);
  if (!Number.isInteger(o.basePort) || o.basePort < 1 || o.basePort > 65535) throw bad(`--base-port must be a port number (1-65535), not ${o.basePort}`);
  if (!isValidClusterId(o.clusterId)) throw bad(`"${o.clusterId}" is not a Kafka cluster id (22 characters of URL-safe base64)`);
}

/** Builds the whole plan; throws KSTACK_BAD_OPTION (exit 2) for options that cannot make a working stack. */
export function planStack(options: PlanOptions): StackPlan {
  validate(options);
  const { mode, brokers, workspace, host, basePort, clusterId } = options;
  const controllers = mode === 'kraft' ? (options.controllers ?? 0) : 0;
  const zkCount = mode === 'zk' ? (options.zookeepers ?? 1) : 0;
  const multiBroker = brokers > 1;
  const hostIsIPv6 = host.includes(':');
  const bindClient = hostIsIPv6 ? host.replace(/^\[|\]$/g, '') : host;

  let next = basePort;
  const ports: PortAssignment[] = [];
  const take = (owner: string, purpose: string, bindHost: string): number => {
    const port = next++;
    if (port > 65535) throw bad(`--base-port ${basePort} leaves too few ports: this stack needs ${countPorts(options)} ports from ${basePort}, past 65535`);
    ports.push({ port, host: bindHost, owner, purpose });
    return port;
  };

  const brokerIds = Array.from({ length: brokers }, (_, i) => i + 1);
  const controllerIds = Array.from({ length: controllers }, (_, i) => brokers + i + 1);
  const combined = mode === 'kraft' && controllers === 0;
  const voterIds = mode !== 'kraft' ? [] : combined ? brokerIds : controllerIds;
  const nameOf = (id: number) => (controllerIds.includes(id) ? `controller-${id}` : `broker-${id}`);

  const clientPort = new Map(brokerIds.map((id) => [id, take(nameOf(id), 'PLAINTEXT', bindClient)]));
  const controllerPort = new Map(voterIds.map((id) => [id, take(nameOf(id), 'CONTROLLER', LOOPBACK)]));
  const internalPort = new Map(multiBroker ? brokerIds.map((id) => [id, take(nameOf(id), 'INTERNAL', LOOPBACK)]) : []);

  const zkIds = Array.from({ length: zkCount }, (_, i) => i + 1);
  const zkClient = new Map(zkIds.map((id) => [id, take(`zk-${id}`, 'zk-client', LOOPBACK)]));
  const zkQuorum = new Map(zkCount > 1 ? zkIds.map((id) => [id, take(`zk-${id}`, 'zk-quorum', LOOPBACK)]) : []);
  const zkElection = new Map(zkCount > 1 ? zkIds.map((id) => [id, take(`zk-${id}`, 'zk-election', LOOPBACK)]) : []);

  const node = (id: number): KafkaNodePlan => {
    const isBroker = brokerIds.includes(id);
    const roles: ProcessRole[] = mode === 'zk' ? ['broker'] : combined ? ['broker', 'controller'] : isBroker ? ['broker'] : ['controller'];
    const listeners: ListenerPlan[] = [];
    if (isBroker) listeners.push({ name: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', bindHost: bindClient, port: clientPort.get(id)!, advertisedHost: bindClient });
    if (isBroker && multiBroker) listeners.push({ name: 'INTERNAL', securityProtocol: 'PLAINTEXT', bindHost: LOOPBACK, port: internalPort.get(id)!, advertisedHost: LOOPBACK });
    if (controllerPort.has(id)) listeners.push({ name: 'CONTROLLER', securityProtocol: 'PLAINTEXT', bindHost: LOOPBACK, port: controllerPort.get(id)!, advertisedHost: null });
    const name = nameOf(id);
    const dir = join(workspace, name);
    return {
      id,
      roles,
      name,
      dir,
      dataDir: join(dir, 'data'),
      logsDir: join(dir, 'logs'),
      listeners,
      interBrokerListener: isBroker ? (multiBroker ? 'INTERNAL' : 'PLAINTEXT') : null,
      controllerListener: mode === 'kraft' ? 'CONTROLLER' : null,
    };
  };

  const zookeepers: ZooKeeperNodePlan[] = zkIds.map((id) => {
    const dir = join(workspace, `zk-${id}`);
    return {
      id,
      name: `zk-${id}`,
      dir,
      dataDir: join(dir, 'data'),
      logsDir: join(dir, 'logs'),
      host: LOOPBACK,
      clientPort: zkClient.get(id)!,
      quorumPort: zkQuorum.get(id) ?? null,
      electionPort: zkElection.get(id) ?? null,
    };
  });

  const nodes = [...brokerIds, ...controllerIds].map(node);
  const rf = Math.min(3, brokers);
  return {
    mode,
    workspace,
    host,
    basePort,
    clusterId,
    nodes,
    zookeepers,
    voters: voterIds.map((id) => ({ id, host: LOOPBACK, port: controllerPort.get(id)! })),
    zookeeperConnect: mode === 'zk' ? `${zookeepers.map((z) => `${z.host}:${z.clientPort}`).join(',')}${ZK_CHROOT}` : null,
    bootstrap: brokerIds.map((id) => `${hostIsIPv6 ? `[${bindClient}]` : bindClient}:${clientPort.get(id)}`).join(','),
    ports,
    kafka: {
      numPartitions: 1,
      defaultReplicationFactor: rf,
      offsetsTopicReplicationFactor: rf,
      transactionStateLogReplicationFactor: rf,
      transactionStateLogMinIsr: Math.min(2, rf),
      minInsyncReplicas: 1,
      groupInitialRebalanceDelayMs: 0,
    },
  };
}

/** How many ports a stack with these options binds (also used to probe a free range). */
export function countPorts(o: Pick<PlanOptions, 'mode' | 'brokers' | 'zookeepers' | 'controllers'>): number {
  const internal = o.brokers > 1 ? o.brokers : 0;
  if (o.mode === 'zk') {
    const z = o.zookeepers ?? 1;
    return o.brokers + internal + (z > 1 ? 3 * z : 1);
  }
  const voters = o.controllers ?? o.brokers;
  return o.brokers + voters + internal;
}

/** Small helpers the renderers and the doctor share. */
export function isBroker(node: KafkaNodePlan): boolean {
  return node.roles.includes('broker');
}

export function isController(node: KafkaNodePlan): boolean {
  return node.roles.includes('controller');
}

export function listenersValue(node: KafkaNodePlan): string {
  return formatListeners(node.listeners.map((l) => ({ listenerName: l.name, host: l.bindHost, port: l.port })));
}

/** advertised.listeners: every listener with an advertised host (never CONTROLLER; Kafka 3.x forbids it). */
export function advertisedListenersValue(node: KafkaNodePlan): string {
  return formatListeners(node.listeners.filter((l) => l.advertisedHost !== null).map((l) => ({ listenerName: l.name, host: l.advertisedHost, port: l.port })));
}

/** listener.security.protocol.map: every listener the node has, plus CONTROLLER on broker-only KRaft nodes (L17). */
export function protocolMapValue(node: KafkaNodePlan): string {
  const names = node.listeners.map((l) => l.name as string);
  if (node.controllerListener && !names.includes(node.controllerListener)) names.push(node.controllerListener);
  return names.map((n) => `${n}:PLAINTEXT`).join(',');
}

export function votersValue(plan: StackPlan): string {
  return formatVoters(plan.voters);
}
