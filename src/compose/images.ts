/**
 * The three Kafka image families a compose file can use, and what differs between them (research/devenv-facts.md
 * §1b): the environment-variable spelling of server.properties keys, the variable holding the KRaft cluster id,
 * where data lives, the tool that answers a healthcheck, which versions still have ZooKeeper mode, and which
 * ZooKeeper image goes with them.
 *
 * - apache/kafka (3.7+): KRaft only — the image has no ZooKeeper mode at all (KAFKA-16453), and Kafka 4.0
 *   removed it from Kafka itself. Any KAFKA_* variable replaces the image's whole default config.
 * - confluentinc/cp-kafka: CP 7.x is Kafka 3.x (ZooKeeper or KRaft); CP 8.0 (Kafka 4.0) is KRaft only.
 * - bitnami/kafka: the docker.io/bitnami tags were withdrawn in 2025; the frozen copies live in
 *   bitnamilegacy/kafka. ZooKeeper mode only below 4.0.
 */
import { KstackError } from '../errors.js';
import type { EnvScheme } from '../listeners/env-names.js';

export type ImageFamily = 'apache' | 'confluent' | 'bitnami';
export const IMAGE_FAMILIES: readonly ImageFamily[] = ['apache', 'confluent', 'bitnami'];

export interface ZooKeeperImage {
  repository: string;
  tag: string;
  clientPort: number;
  /** Environment of ZooKeeper server `id` in an ensemble of `names` (service names, ids 1..n). */
  environment(id: number, names: readonly string[]): Record<string, string>;
  /** Healthcheck shell command. */
  health: string;
}

export interface KafkaImage {
  family: ImageFamily;
  repository: string;
  version: string;
  /** Kafka's own major version inside the image (CP 7 → 3, CP 8 → 4). */
  kafkaMajor: number;
  kafkaMinor: number;
  envScheme: EnvScheme;
  /** Variable holding the KRaft cluster id. */
  clusterIdEnv: string;
  /** log.dirs inside the container. */
  dataDir: string;
  /** Image-specific variables every Kafka service gets (not server.properties keys). */
  extraEnv: Record<string, string>;
  /** Healthcheck of a node that has the broker role, against its INTERNAL listener port. */
  brokerHealth(port: number): string;
  /** Healthcheck of a controller-only node, against its CONTROLLER listener port. */
  controllerHealth(port: number): string;
  zookeeper: ZooKeeperImage | null;
}

function bad(message: string, fix?: string): KstackError {
  return new KstackError('KSTACK_BAD_OPTION', message, { exitCode: 2, fix });
}

const VERSION = /^(\d+)\.(\d+)(?:\.(\d+))?$/;

function parseVersion(v: string): [number, number] {
  const m = VERSION.exec(v);
  if (!m) throw bad(`--version must look like 4.1.0 or 7.9, not "${v}"`);
  return [Number(m[1]), Number(m[2])];
}

/** Default image versions: KRaft, and the newest that still has ZooKeeper mode. */
export const DEFAULT_VERSIONS: Record<ImageFamily, { kraft: string; zk: string | null }> = {
  apache: { kraft: '4.1.0', zk: null },
  confluent: { kraft: '8.0.0', zk: '7.9.0' },
  bitnami: { kraft: '4.0', zk: '3.9' },
};

/** A shell check that needs only bash: can a TCP connection to the port be opened? */
const bashTcp = (port: number) => `bash -c '</dev/tcp/127.0.0.1/${port}'`;

function confluentZooKeeper(tag: string): ZooKeeperImage {
  return {
    repository: 'confluentinc/cp-zookeeper',
    tag,
    clientPort: 2181,
    environment: (id, names) => ({
      ZOOKEEPER_CLIENT_PORT: '2181',
      ZOOKEEPER_TICK_TIME: '2000',
      ZOOKEEPER_SERVER_ID: String(id),
      ...(names.length > 1 ? { ZOOKEEPER_SERVERS: names.map((n) => `${n}:2888:3888`).join(';'), ZOOKEEPER_INIT_LIMIT: '10', ZOOKEEPER_SYNC_LIMIT: '5' } : {}),
    }),
    // `srvr` is the one four-letter word ZooKeeper 3.5+ allows by default; it prints "Mode:" once serving.
    health: "bash -c 'exec 3<>/dev/tcp/127.0.0.1/2181 && echo srvr >&3 && grep -q Mode <&3'",
  };
}

function bitnamiZooKeeper(tag: string): ZooKeeperImage {
  return {
    repository: 'bitnamilegacy/zookeeper',
    tag,
    clientPort: 2181,
    environment: (id, names) => ({
      ALLOW_ANONYMOUS_LOGIN: 'yes',
      ZOO_SERVER_ID: String(id),
      ...(names.length > 1 ? { ZOO_SERVERS: names.map((n) => `${n}:2888:3888`).join(',') } : {}),
    }),
    health: 'zkServer.sh status',
  };
}

/** Resolves --image and --version for a mode; refuses ZooKeeper mode where the image or version has none. */
export function resolveImage(family: ImageFamily, version: string | undefined, mode: 'kraft' | 'zk'): KafkaImage {
  if (!IMAGE_FAMILIES.includes(family)) throw bad(`--image must be apache, confluent or bitnami, not "${family}"`);
  const defaults = DEFAULT_VERSIONS[family];
  if (mode === 'zk' && defaults.zk === null) {
    throw bad(
      'the apache/kafka image has no ZooKeeper mode (it runs KRaft only, and Kafka 4.0 removed ZooKeeper altogether)',
      `kstack compose --mode kraft --image apache, or ZooKeeper mode with --image confluent (CP ${DEFAULT_VERSIONS.confluent.zk}) or --image bitnami (${DEFAULT_VERSIONS.bitnami.zk})`,
    );
  }
  const v = version ?? (mode === 'zk' ? defaults.zk! : defaults.kraft);
  const [major, minor] = parseVersion(v);

  if (family === 'apache') {
    if (major < 3 || (major === 3 && minor < 7)) throw bad(`apache/kafka images start at 3.7.0; there is no apache/kafka:${v}`, 'kstack compose --image apache --version 3.9.1 (or --image confluent for older Kafka)');
    const quorumTool = '/opt/kafka/bin/kafka-metadata-quorum.sh';
    return {
      family,
      repository: 'apache/kafka',
      version: v,
      kafkaMajor: major,
      kafkaMinor: minor,
      envScheme: 'apache',
      clusterIdEnv: 'CLUSTER_ID',
      dataDir: '/var/lib/kafka/data',
      extraEnv: {},
      brokerHealth: (port) => `/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server 127.0.0.1:${port} > /dev/null 2>&1`,
      controllerHealth: (port) => `${quorumTool} --bootstrap-controller 127.0.0.1:${port} describe --status > /dev/null 2>&1`,
      zookeeper: null,
    };
  }

  if (family === 'confluent') {
    if (major < 6) throw bad(`confluentinc/cp-kafka ${v} is too old for kstack compose; use CP 6.0 or newer`);
    const kafkaMajor = major >= 8 ? 4 : 3;
    // CP 7.x ships Kafka 3.x with the same minor number (7.9 → 3.9); CP 8.x ships Kafka 4.(minor).
    const kafkaMinor = major === 7 ? minor : major === 6 ? 0 : minor;
    if (mode === 'zk' && major >= 8) {
      throw bad(
        `confluentinc/cp-kafka ${v} has no ZooKeeper mode (CP 8.0 ships Kafka 4.0, which removed ZooKeeper; CP 7.9 was the last with it)`,
        `kstack compose --mode zk --image confluent --version ${defaults.zk}   (or --mode kraft)`,
      );
    }
    const quorumOk = kafkaMajor > 3 || kafkaMinor >= 7;
    return {
      family,
      repository: 'confluentinc/cp-kafka',
      version: v,
      kafkaMajor,
      kafkaMinor,
      envScheme: 'confluent',
      clusterIdEnv: 'CLUSTER_ID',
      dataDir: '/var/lib/kafka/data',
      extraEnv: {},
      brokerHealth: (port) => `kafka-broker-api-versions --bootstrap-server 127.0.0.1:${port} > /dev/null 2>&1`,
      controllerHealth: (port) => (quorumOk ? `kafka-metadata-quorum --bootstrap-controller 127.0.0.1:${port} describe --status > /dev/null 2>&1` : bashTcp(port)),
      zookeeper: mode === 'zk' ? confluentZooKeeper(v) : null,
    };
  }

  // bitnami
  if (major < 3) throw bad(`bitnami/kafka ${v} is too old for kstack compose; use 3.x or 4.0`);
  if (mode === 'zk' && major >= 4) {
    throw bad(`bitnami/kafka ${v} has no ZooKeeper mode (Kafka 4.0 removed it)`, `kstack compose --mode zk --image bitnami --version ${defaults.zk}   (or --mode kraft)`);
  }
  const quorumOk = major > 3 || minor >= 7;
  return {
    family,
    repository: 'bitnamilegacy/kafka',
    version: v,
    kafkaMajor: major,
    kafkaMinor: minor,
    envScheme: 'bitnami',
    // bitnami 4.0 reads KAFKA_CLUSTER_ID; 3.x reads KAFKA_KRAFT_CLUSTER_ID (and makes a random one without it).
    clusterIdEnv: major >= 4 ? 'KAFKA_CLUSTER_ID' : 'KAFKA_KRAFT_CLUSTER_ID',
    dataDir: '/bitnami/kafka/data',
    // bitnami < 3.4 refuses PLAINTEXT listeners unless told this is intended.
    extraEnv: { ALLOW_PLAINTEXT_LISTENER: 'yes' },
    brokerHealth: (port) => `kafka-broker-api-versions.sh --bootstrap-server 127.0.0.1:${port} > /dev/null 2>&1`,
    controllerHealth: (port) => (quorumOk ? `kafka-metadata-quorum.sh --bootstrap-controller 127.0.0.1:${port} describe --status > /dev/null 2>&1` : bashTcp(port)),
    zookeeper: mode === 'zk' ? bitnamiZooKeeper('3.9') : null,
  };
}

export function imageRef(image: Pick<KafkaImage, 'repository' | 'version'>): string {
  return `${image.repository}:${image.version}`;
}
