/**
 * `kstack compose`: options → a typed compose model for Apache Kafka in containers. Pure (the cluster id comes
 * in as an option), so every combination is testable without Docker.
 *
 * Topology (same shapes as the native plan): kraft with N combined broker+controller nodes (kafka-1..N, all
 * voters) or N brokers + M dedicated controllers (controller-<N+1>..); zk with N brokers and a ZooKeeper
 * ensemble of 1, 3 or 5 (zookeeper-1..Z).
 *
 * Listeners of broker kafka-<i> (the three vantages of research/devenv-facts.md §2–§3):
 *   INTERNAL   0.0.0.0:19092  advertised kafka-<i>:19092             containers on the compose network; inter-broker
 *   EXTERNAL   0.0.0.0:<p>    advertised <host>:<p>, published on the host as <p>   clients on the host (p = 9092+i-1)
 *   DOCKER     0.0.0.0:<d>    advertised host.docker.internal:<d>, published as <d> containers outside this compose
 *                                                                   network that reach the host's ports (d = 29092+i-1)
 *   CONTROLLER 0.0.0.0:19093  (KRaft voters only; never advertised) voters kafka-<i>:19093
 * The container port of EXTERNAL/DOCKER equals the published host port, so what Kafka advertises is what Docker
 * publishes (M4). Every node gets `extra_hosts: host.docker.internal:host-gateway` (Linux's Docker needs it;
 * Docker Desktop has the name built in, and the line is harmless there).
 */
import { KstackError } from '../errors.js';
import { propertyToEnv } from '../listeners/env-names.js';
import { isValidClusterId, MAX_BROKERS, MAX_CONTROLLERS, ZOOKEEPER_ENSEMBLE_SIZES } from '../stack/plan.js';
import { imageRef, resolveImage, type ImageFamily, type KafkaImage } from './images.js';
import { composeToYaml, type ComposeComments, type ComposeFile, type ComposeService } from './model.js';

export const INTERNAL_PORT = 19092;
export const CONTROLLER_PORT = 19093;
export const HOST_GATEWAY = 'host.docker.internal:host-gateway';

export interface ComposeOptions {
  mode: 'kraft' | 'zk';
  brokers: number;
  controllers?: number;
  zookeepers?: number;
  image: ImageFamily;
  version?: string;
  /** Host clients on this machine use (advertised by EXTERNAL). Default 127.0.0.1. */
  host?: string;
  /** First EXTERNAL port (default 9092). */
  basePort?: number;
  /** First DOCKER port (default 29092). */
  dockerBasePort?: number;
  clusterId: string;
}

export type NodeRole = 'broker' | 'controller' | 'zookeeper';

export interface ComposeNode {
  service: string;
  role: NodeRole;
  /** node.id / broker.id / myid. */
  id: number;
  /** The server.properties this node's environment spells (empty for ZooKeeper). */
  properties: Record<string, string>;
  /** Published EXTERNAL port (brokers). */
  externalPort: number | null;
  dockerPort: number | null;
}

export interface ComposeResult {
  image: KafkaImage;
  file: ComposeFile;
  comments: ComposeComments;
  nodes: ComposeNode[];
  /** Bootstrap for clients on the host, for containers in the compose network, and for other containers. */
  bootstrap: { host: string; network: string; otherContainers: string };
  clusterId: string | null;
}

function bad(message: string, fix?: string): KstackError {
  return new KstackError('KSTACK_BAD_OPTION', message, { exitCode: 2, fix });
}

const HOST = /^[0-9a-zA-Z\-%._:]+$/;

function validate(o: ComposeOptions): { host: string; basePort: number; dockerBasePort: number } {
  if (o.mode !== 'kraft' && o.mode !== 'zk') throw bad(`--mode must be kraft or zk, not "${String(o.mode)}"`);
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
  const host = o.host ?? '127.0.0.1';
  if (host === '0.0.0.0' || host === '::' || host === '[::]') {
    throw bad(`--host ${host} cannot be advertised: advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.`, '--host 127.0.0.1');
  }
  if (!HOST.test(host)) throw bad(`--host "${host}" is not a host name or IP address Kafka accepts in a listener`);
  const basePort = o.basePort ?? 9092;
  const dockerBasePort = o.dockerBasePort ?? 29092;
  const ranges: [string, number, number][] = [
    ['--base-port', basePort, basePort + o.brokers - 1],
    ['--docker-base-port', dockerBasePort, dockerBasePort + o.brokers - 1],
  ];
  for (const [flag, lo, hi] of ranges) {
    if (!Number.isInteger(lo) || lo < 1 || hi > 65535) throw bad(`${flag} ${lo} does not leave ${o.brokers} ports below 65536`);
    for (const fixed of [INTERNAL_PORT, CONTROLLER_PORT]) {
      if (fixed >= lo && fixed <= hi) throw bad(`${flag} ${lo}: ports ${lo}-${hi} overlap the container-internal port ${fixed}`, `${flag} ${flag === '--base-port' ? 9092 : 29092}`);
    }
  }
  if (!(ranges[0][2] < ranges[1][1] || ranges[1][2] < ranges[0][1])) throw bad(`--base-port ${basePort} and --docker-base-port ${dockerBasePort} overlap for ${o.brokers} brokers`);
  if (o.mode === 'kraft' && !isValidClusterId(o.clusterId)) throw bad(`"${o.clusterId}" is not a Kafka cluster id (22 characters of URL-safe base64)`);
  return { host, basePort, dockerBasePort };
}

const health = (cmd: string, startPeriod: string) => ({ test: ['CMD-SHELL', cmd], interval: '5s', timeout: '10s', retries: 30, start_period: startPeriod });

export function generateCompose(options: ComposeOptions): ComposeResult {
  const { host, basePort, dockerBasePort } = validate(options);
  const image = resolveImage(options.image, options.version, options.mode);
  const { mode, brokers } = options;
  const controllers = mode === 'kraft' ? (options.controllers ?? 0) : 0;
  const combined = mode === 'kraft' && controllers === 0;
  const zkCount = mode === 'zk' ? (options.zookeepers ?? 1) : 0;

  const brokerIds = Array.from({ length: brokers }, (_, i) => i + 1);
  const controllerIds = Array.from({ length: controllers }, (_, i) => brokers + i + 1);
  const voterIds = mode !== 'kraft' ? [] : combined ? brokerIds : controllerIds;
  const serviceOf = (id: number) => (controllerIds.includes(id) ? `controller-${id}` : `kafka-${id}`);
  const zkNames = Array.from({ length: zkCount }, (_, i) => `zookeeper-${i + 1}`);
  const voters = voterIds.map((id) => `${id}@${serviceOf(id)}:${CONTROLLER_PORT}`).join(',');
  const rf = Math.min(3, brokers);
  const minIsr = Math.min(2, rf);

  const nodes: ComposeNode[] = [];
  const services: Record<string, ComposeService> = {};
  const fieldComments: Record<string, Record<string, string[]>> = {};
  const serviceComments: Record<string, string[]> = {};

  zkNames.forEach((name, i) => {
    const zk = image.zookeeper!;
    services[name] = {
      image: `${zk.repository}:${zk.tag}`,
      hostname: name,
      environment: zk.environment(i + 1, zkNames),
      // Not for ZooKeeper itself: every container of the file can then reach the DOCKER listener too (M7).
      extra_hosts: [HOST_GATEWAY],
      healthcheck: health(zk.health, '10s'),
      restart: 'on-failure',
    };
    nodes.push({ service: name, role: 'zookeeper', id: i + 1, properties: {}, externalPort: null, dockerPort: null });
  });

  for (const id of [...brokerIds, ...controllerIds]) {
    const service = serviceOf(id);
    const isBroker = brokerIds.includes(id);
    const isVoter = voterIds.includes(id);
    const i = id - 1;
    const external = isBroker ? basePort + i : null;
    const docker = isBroker ? dockerBasePort + i : null;
    const listeners: string[] = [];
    const advertised: string[] = [];
    const protocolMap: string[] = [];
    if (isBroker) {
      listeners.push(`INTERNAL://0.0.0.0:${INTERNAL_PORT}`, `EXTERNAL://0.0.0.0:${external}`, `DOCKER://0.0.0.0:${docker}`);
      advertised.push(`INTERNAL://${service}:${INTERNAL_PORT}`, `EXTERNAL://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${external}`, `DOCKER://host.docker.internal:${docker}`);
      protocolMap.push('INTERNAL:PLAINTEXT', 'EXTERNAL:PLAINTEXT', 'DOCKER:PLAINTEXT');
    }
    if (isVoter) listeners.push(`CONTROLLER://0.0.0.0:${CONTROLLER_PORT}`);
    if (mode === 'kraft') protocolMap.push('CONTROLLER:PLAINTEXT');

    const props: Record<string, string> = {};
    if (mode === 'kraft') {
      props['process.roles'] = combined ? 'broker,controller' : isBroker ? 'broker' : 'controller';
      props['node.id'] = String(id);
      props['controller.quorum.voters'] = voters;
      props['controller.listener.names'] = 'CONTROLLER';
    } else {
      props['broker.id'] = String(id);
      props['zookeeper.connect'] = zkNames.map((n) => `${n}:2181`).join(',');
    }
    props.listeners = listeners.join(',');
    if (isBroker) props['advertised.listeners'] = advertised.join(',');
    props['listener.security.protocol.map'] = protocolMap.join(',');
    if (isBroker) props['inter.broker.listener.name'] = 'INTERNAL';
    props['log.dirs'] = image.dataDir;
    if (isBroker || combined) {
      props['num.partitions'] = '1';
      props['default.replication.factor'] = String(rf);
      props['min.insync.replicas'] = '1';
      props['offsets.topic.replication.factor'] = String(rf);
      props['transaction.state.log.replication.factor'] = String(rf);
      props['transaction.state.log.min.isr'] = String(minIsr);
      if (image.kafkaMajor >= 4) {
        props['share.coordinator.state.topic.replication.factor'] = String(rf);
        props['share.coordinator.state.topic.min.isr'] = String(minIsr);
      }
      props['group.initial.rebalance.delay.ms'] = '0';
    }

    const environment: Record<string, string> = {};
    if (mode === 'kraft') environment[image.clusterIdEnv] = options.clusterId;
    for (const [key, value] of Object.entries(props)) {
      const name = propertyToEnv(image.envScheme, key);
      if (name === null) throw new KstackError('KSTACK_COMPOSE_ENV', `the ${image.repository} image cannot express the property ${key} as an environment variable`);
      environment[name] = value;
    }
    Object.assign(environment, image.extraEnv);

    const dependsOn: ComposeService['depends_on'] = {};
    for (const z of zkNames) dependsOn[z] = { condition: 'service_healthy' };
    if (isBroker && !combined) for (const c of controllerIds) dependsOn[serviceOf(c)] = { condition: 'service_healthy' };

    services[service] = {
      image: imageRef(image),
      hostname: service,
      ...(isBroker ? { ports: [`${isLoopbackHost(host) ? '127.0.0.1:' : ''}${external}:${external}`, `${docker}:${docker}`] } : {}),
      environment,
      extra_hosts: [HOST_GATEWAY],
      ...(Object.keys(dependsOn).length ? { depends_on: dependsOn } : {}),
      healthcheck: health(isBroker ? image.brokerHealth(INTERNAL_PORT) : image.controllerHealth(CONTROLLER_PORT), '20s'),
      restart: 'on-failure',
    };
    serviceComments[service] = [
      isBroker
        ? `${mode === 'kraft' ? (combined ? 'broker + controller' : 'broker') : 'broker'} ${id}: host clients ${host}:${external}, this network ${service}:${INTERNAL_PORT}, other containers host.docker.internal:${docker}`
        : `controller ${id} of the KRaft quorum (voters: ${voters})`,
    ];
    fieldComments[service] = { extra_hosts: ['Linux needs this for host.docker.internal (Docker Desktop has it built in).'] };
    nodes.push({ service, role: isBroker ? 'broker' : 'controller', id, properties: props, externalPort: external, dockerPort: docker });
  }

  const brokerNodes = nodes.filter((n) => n.role === 'broker');
  const bootstrap = {
    host: brokerNodes.map((n) => `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${n.externalPort}`).join(','),
    network: brokerNodes.map((n) => `${n.service}:${INTERNAL_PORT}`).join(','),
    otherContainers: brokerNodes.map((n) => `host.docker.internal:${n.dockerPort}`).join(','),
  };
  const topology =
    mode === 'zk'
      ? `ZooKeeper mode: ${brokers} broker${brokers === 1 ? '' : 's'}, a ZooKeeper ensemble of ${zkCount}`
      : combined
        ? `KRaft: ${brokers} combined broker+controller node${brokers === 1 ? '' : 's'}, cluster id ${options.clusterId}`
        : `KRaft: ${brokers} broker${brokers === 1 ? '' : 's'} and ${controllers} dedicated controller${controllers === 1 ? '' : 's'}, cluster id ${options.clusterId}`;
  const header = [
    `Apache Kafka ${imageRef(image)} — ${topology}.`,
    `Written by \`kstack compose\`; environment names follow the ${image.repository} convention (${image.envScheme}).`,
    'Start: docker compose up -d   (or docker-compose up -d);  check: kstack doctor',
    'Bootstrap servers:',
    `  clients on this machine:                   ${bootstrap.host}`,
    `  containers in this compose network:        ${bootstrap.network}`,
    `  containers elsewhere on this machine:      ${bootstrap.otherContainers}   (add --add-host host.docker.internal:host-gateway on Linux)`,
  ];
  const file: ComposeFile = { services };
  const comments: ComposeComments = { header, services: serviceComments, fields: fieldComments };
  return { image, file, comments, nodes, bootstrap, clusterId: mode === 'kraft' ? options.clusterId : null };
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || /^127\./.test(host) || host === '::1' || host === '[::1]';
}

export function renderCompose(result: ComposeResult): string {
  return composeToYaml(result.file, result.comments);
}
