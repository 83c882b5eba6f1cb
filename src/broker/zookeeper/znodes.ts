/**
 * The znodes a Kafka 2.x/3.x broker keeps in ZooKeeper, with Kafka's own JSON payloads, so that ZooKeeper's CLI,
 * Kafka's tools and anyone reading the tree see what they would see with Apache Kafka (ZkData.scala is the model).
 * Pure functions: paths and payloads only, no client.
 *
 *   /cluster/id                                   {"version":"1","id":"<cluster id>"}                persistent
 *   /controller                                   {"version":1,"brokerid":N,"timestamp":"<ms>"}       ephemeral
 *   /controller_epoch                             "<epoch>"                                           persistent
 *   /brokers/ids/<id>                             broker registration JSON (version 5)                ephemeral
 *   /brokers/topics/<topic>                       {"version":3,"topic_id":…,"partitions":{"0":[1]},…} persistent
 *   /brokers/topics/<topic>/partitions/<p>/state  {"controller_epoch":E,"leader":N,"version":1,"leader_epoch":L,"isr":[…]}
 *   /config/topics/<topic>                        {"version":1,"config":{…}}                           persistent
 */

/** Persistent paths Kafka creates at start-up (KafkaZkClient.createTopLevelPaths). */
export const TOP_LEVEL_PATHS = [
  '/consumers',
  '/admin/delete_topics',
  '/brokers/ids',
  '/brokers/topics',
  '/brokers/seqid',
  '/config/changes',
  '/config/clients',
  '/config/brokers',
  '/config/topics',
  '/config/users',
  '/isr_change_notification',
  '/latest_producer_id_block',
  '/log_dir_event_notification',
] as const;

export const CLUSTER_ID_PATH = '/cluster/id';
export const CONTROLLER_PATH = '/controller';
export const CONTROLLER_EPOCH_PATH = '/controller_epoch';
export const BROKER_IDS_PATH = '/brokers/ids';
export const TOPICS_PATH = '/brokers/topics';

export const brokerIdPath = (brokerId: number): string => `${BROKER_IDS_PATH}/${brokerId}`;
export const topicPath = (topic: string): string => `${TOPICS_PATH}/${topic}`;
export const partitionStatePath = (topic: string, partition: number): string =>
  `${TOPICS_PATH}/${topic}/partitions/${partition}/state`;
export const topicConfigPath = (topic: string): string => `/config/topics/${topic}`;

export interface RegisteredEndpoint {
  listenerName: string;
  securityProtocol: string;
  host: string;
  port: number;
}

export interface BrokerRegistration {
  brokerId: number;
  endpoints: RegisteredEndpoint[];
  rack?: string | null;
  /** Milliseconds since the epoch; Kafka writes it as a string. */
  timestamp: number;
}

/**
 * Kafka's broker registration JSON (BrokerIdZNode, version 5). `host`/`port` carry the first PLAINTEXT endpoint
 * for pre-0.10 clients, or null/-1 when there is none, as Kafka does.
 */
export function brokerRegistrationJson(reg: BrokerRegistration): string {
  const plaintext = reg.endpoints.find((e) => e.securityProtocol === 'PLAINTEXT');
  const protocolMap: Record<string, string> = {};
  for (const e of reg.endpoints) protocolMap[e.listenerName] = e.securityProtocol;
  const body: Record<string, unknown> = {
    features: {},
    listener_security_protocol_map: protocolMap,
    endpoints: reg.endpoints.map((e) => `${e.listenerName}://${e.host}:${e.port}`),
    jmx_port: -1,
    port: plaintext ? plaintext.port : -1,
    host: plaintext ? plaintext.host : null,
    version: 5,
    timestamp: String(reg.timestamp),
  };
  if (reg.rack) body.rack = reg.rack;
  return JSON.stringify(body);
}

export interface ParsedBrokerRegistration {
  brokerId: number;
  endpoints: RegisteredEndpoint[];
  rack: string | null;
  timestamp: number;
}

/** Reads a /brokers/ids/<id> payload written by Kafka (versions 1–5) or by kstack. */
export function parseBrokerRegistration(brokerId: number, json: string): ParsedBrokerRegistration {
  const body = JSON.parse(json) as {
    endpoints?: string[];
    listener_security_protocol_map?: Record<string, string>;
    host?: string | null;
    port?: number;
    rack?: string | null;
    timestamp?: string;
  };
  const protocolMap = body.listener_security_protocol_map ?? {};
  const endpoints: RegisteredEndpoint[] = [];
  for (const url of body.endpoints ?? []) {
    const match = /^([A-Za-z0-9_.-]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(url);
    if (!match) continue;
    const listenerName = match[1];
    endpoints.push({
      listenerName,
      securityProtocol: protocolMap[listenerName] ?? listenerName,
      host: match[2].replace(/^\[|\]$/g, ''),
      port: Number(match[3]),
    });
  }
  if (endpoints.length === 0 && body.host && body.port !== undefined && body.port >= 0) {
    endpoints.push({ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: body.host, port: body.port });
  }
  return { brokerId, endpoints, rack: body.rack ?? null, timestamp: Number(body.timestamp ?? 0) };
}

export function clusterIdJson(clusterId: string): string {
  return JSON.stringify({ version: '1', id: clusterId });
}

export function parseClusterId(json: string): string {
  const body = JSON.parse(json) as { id?: unknown };
  if (typeof body.id !== 'string' || body.id === '') throw new Error(`/cluster/id holds no cluster id: ${json}`);
  return body.id;
}

export function controllerJson(brokerId: number, timestamp: number): string {
  return JSON.stringify({ version: 1, brokerid: brokerId, timestamp: String(timestamp) });
}

export function parseControllerId(json: string): number {
  const body = JSON.parse(json) as { brokerid?: unknown };
  return typeof body.brokerid === 'number' ? body.brokerid : -1;
}

/** Partition → replica list; the first replica is the preferred leader. */
export type ReplicaAssignment = ReadonlyMap<number, readonly number[]>;

/** /brokers/topics/<topic> (TopicZNode version 3, with the topic id). */
export function topicAssignmentJson(topicId: string, assignment: ReplicaAssignment): string {
  const partitions: Record<string, number[]> = {};
  for (const [partition, replicas] of [...assignment].sort((a, b) => a[0] - b[0])) partitions[String(partition)] = [...replicas];
  return JSON.stringify({ version: 3, topic_id: topicId, partitions, adding_replicas: {}, removing_replicas: {} });
}

export function parseTopicAssignment(json: string): { topicId: string | null; assignment: Map<number, number[]> } {
  const body = JSON.parse(json) as { topic_id?: string; partitions?: Record<string, number[]> };
  const assignment = new Map<number, number[]>();
  for (const [partition, replicas] of Object.entries(body.partitions ?? {})) assignment.set(Number(partition), replicas);
  return { topicId: body.topic_id ?? null, assignment };
}

export interface PartitionState {
  controllerEpoch: number;
  leader: number;
  leaderEpoch: number;
  isr: number[];
  /** The state znode's version (Kafka's zkVersion, the partition epoch); not part of the JSON. */
  zkVersion?: number;
}

export function partitionStateJson(state: PartitionState): string {
  return JSON.stringify({
    controller_epoch: state.controllerEpoch,
    leader: state.leader,
    version: 1,
    leader_epoch: state.leaderEpoch,
    isr: state.isr,
  });
}

export function parsePartitionState(json: string): PartitionState {
  const body = JSON.parse(json) as { controller_epoch: number; leader: number; leader_epoch: number; isr: number[] };
  return { controllerEpoch: body.controller_epoch, leader: body.leader, leaderEpoch: body.leader_epoch, isr: body.isr };
}

export function topicConfigJson(config: Record<string, string>): string {
  return JSON.stringify({ version: 1, config });
}

/**
 * Splits `zookeeper.connect` ("h1:2181,h2:2181/kafka") into the host list and the chroot ("/kafka" or "").
 * Kafka's rule: the chroot is everything from the first '/' on.
 */
export const PRODUCER_ID_BLOCK_PATH = '/latest_producer_id_block';

/** Kafka's `/latest_producer_id_block`: the last block handed out, bounds inclusive, as decimal strings. */
export function producerIdBlockJson(brokerId: number, start: bigint, end: bigint): string {
  return JSON.stringify({ version: 1, broker: brokerId, block_start: String(start), block_end: String(end) });
}

export function parseProducerIdBlock(json: string): { start: bigint; end: bigint } {
  const o = JSON.parse(json) as { block_start?: unknown; block_end?: unknown };
  const num = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? BigInt(v) : NaN);
  const start = num(o.block_start);
  const end = num(o.block_end);
  if (typeof start !== 'bigint' || typeof end !== 'bigint' || end < start) throw new Error(`malformed ${PRODUCER_ID_BLOCK_PATH}: ${json}`);
  return { start, end };
}

export function splitZookeeperConnect(connect: string): { hosts: string; chroot: string } {
  const slash = connect.indexOf('/');
  if (slash < 0) return { hosts: connect, chroot: '' };
  const chroot = connect.slice(slash).replace(/\/+$/, '');
  return { hosts: connect.slice(0, slash), chroot };
}
