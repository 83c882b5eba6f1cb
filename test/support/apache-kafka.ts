/**
 * Apache Kafka itself as a test peer: a single-node KRaft broker+controller started from the jars that
 * `scripts/fetch-apache-kafka.sh` puts in `.peers/apache-kafka-<version>/libs/` (Maven Central; no Docker).
 *
 *   const kafka = await startApacheKafka();            // newest fetched version, PLAINTEXT on an ephemeral port
 *   kafka.bootstrap  // '127.0.0.1:41234'
 *   kafka.startupMs  // process start → first successful Metadata response
 *   readRssKiB(kafka.pid)
 *   await kafka.stop();
 *
 * Steps, as Kafka's own quickstart: render server.properties (process.roles=broker,controller, node.id=1,
 * controller.quorum.bootstrap.servers), `kafka.tools.StorageTool format -t <clusterId> -c server.properties
 * --standalone`, then `java kafka.Kafka server.properties`. Ready = a Metadata v4 request (supported by 3.x and
 * 4.x; 4.0 removed v0–v3) answered with at least one broker. The probe is written here on purpose so this peer
 * does not depend on kstack's own protocol code.
 *
 * Proxy trick (see recording-proxy.ts): Metadata responses carry the advertised address, so a client would
 * leave a proxy after bootstrap. Pass `advertisedPort: proxy.port` and Kafka binds its real port but tells
 * clients to come back through the proxy.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { newClusterId } from '../../src/stack/plan.js';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from './ports.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where fetch-apache-kafka.sh puts the jars; KSTACK_PEERS_DIR overrides (e.g. a shared CI cache). */
export const PEERS_DIR = process.env.KSTACK_PEERS_DIR ?? join(ROOT, '.peers');
export const FETCH_HINT = 'bash scripts/fetch-apache-kafka.sh';

export interface ApacheKafkaInstall {
  version: string;
  dir: string;
  /** Classpath wildcard for `java -cp` (the JVM expands `dir/*`). */
  classpath: string;
  /** 'log4j1' (3.x: reload4j) or 'log4j2' (4.x). */
  logging: 'log4j1' | 'log4j2';
}

export interface ListenerSpec {
  /** Listener name, also the security protocol (PLAINTEXT only here). Default PLAINTEXT. */
  name?: string;
  /** Port Kafka binds. Default: a free ephemeral port. */
  port?: number;
  /** Host advertised to clients. Default 127.0.0.1. */
  advertisedHost?: string;
  /** Port advertised to clients (e.g. a recording proxy's port). Default: the bound port. */
  advertisedPort?: number;
}

export interface StartApacheKafkaOptions {
  /** Kafka version in .peers/ (default: env KSTACK_APACHE_KAFKA_VERSION, else the newest fetched). */
  version?: string;
  /**
   * 'kraft' (default): one combined broker+controller. 'zk': a ZooKeeper-mode broker (Kafka 3.x only; 4.0 removed
   * ZooKeeper) registering in `zookeeperConnect` (e.g. from test/support/zookeeper.ts).
   */
  mode?: 'kraft' | 'zk';
  zookeeperConnect?: string;
  /** Client listeners; the first one is the inter-broker listener and the `bootstrap` one. */
  listeners?: ListenerSpec[];
  /**
   * Shorthand for the recording-proxy trick: a PLAINTEXT listener advertising this port for clients, plus an
   * INTERNAL listener (advertised as itself) for the broker's own traffic, so nothing internal crosses the proxy
   * (e.g. 3.9's AddPartitionsToTxn verification calls the broker makes to itself).
   */
  advertisedPort?: number;
  /** Listener used between brokers (inter.broker.listener.name). Default: the first listener. */
  interBrokerListener?: string;
  /** Extra or replacement server.properties entries (applied last). */
  overrides?: Record<string, string | number | boolean>;
  heapMb?: number;
  jvmArgs?: string[];
  readyTimeoutMs?: number;
  /** Working directory (config, data, logs). Default: a fresh temp dir, removed by stop() unless keepDir. */
  dir?: string;
  keepDir?: boolean;
  clusterId?: string;
}

export interface RunningApacheKafka {
  version: string;
  /** host:port of the first listener as bound (not advertised). */
  bootstrap: string;
  host: string;
  port: number;
  controllerPort: number;
  listeners: { name: string; port: number; advertised: string }[];
  pid: number;
  /** As the broker reports it (KRaft: the one formatted with; ZooKeeper mode: the one ZooKeeper holds). */
  clusterId: string;
  dir: string;
  /** Folder of server.out (stdout+stderr, Kafka's own log lines). */
  logDir: string;
  configPath: string;
  /** StorageTool format duration (JVM start included). */
  formatMs: number;
  /** kafka.Kafka process start → first successful Metadata response. */
  startupMs: number;
  process: ChildProcess;
  /** Resident set size from /proc/<pid>/status, in KiB (null when the process is gone). */
  rssKiB(): number | null;
  /** SIGTERM (controlled shutdown), SIGKILL after `graceMs`; removes the temp dir unless keepDir. */
  stop(graceMs?: number): Promise<void>;
}

/** Versions present in .peers/, newest first. */
export function listApacheKafkaVersions(): string[] {
  if (!existsSync(PEERS_DIR)) return [];
  return readdirSync(PEERS_DIR)
    .filter((d) => d.startsWith('apache-kafka-') && existsSync(join(PEERS_DIR, d, '.complete')))
    .map((d) => d.slice('apache-kafka-'.length))
    .sort(compareVersions)
    .reverse();
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function findApacheKafka(version?: string): ApacheKafkaInstall | null {
  const wanted = version ?? process.env.KSTACK_APACHE_KAFKA_VERSION ?? listApacheKafkaVersions()[0];
  if (!wanted) return null;
  const dir = join(PEERS_DIR, `apache-kafka-${wanted}`);
  if (!existsSync(join(dir, '.complete')) || !existsSync(join(dir, 'libs', `kafka_2.13-${wanted}.jar`))) return null;
  return { version: wanted, dir, classpath: join(dir, 'libs', '*'), logging: Number(wanted.split('.')[0]) >= 4 ? 'log4j2' : 'log4j1' };
}

function hasJava(): boolean {
  const candidates = [process.env.JAVA_HOME && join(process.env.JAVA_HOME, 'bin', 'java'), ...(process.env.PATH ?? '').split(':').map((p) => join(p, 'java'))];
  return candidates.some((c) => c && existsSync(c));
}

export function javaBinary(): string {
  const home = process.env.JAVA_HOME && join(process.env.JAVA_HOME, 'bin', 'java');
  return home && existsSync(home) ? home : 'java';
}

/** Null when the peer can run; otherwise a message saying why not and how to fix it. */
export function apacheKafkaSkipReason(version?: string): string | null {
  if (!hasJava()) return 'Apache Kafka peer: no `java` on PATH (apt-get install -y openjdk-17-jdk-headless)';
  if (!findApacheKafka(version)) {
    const v = version ?? process.env.KSTACK_APACHE_KAFKA_VERSION;
    return `Apache Kafka peer${v ? ` ${v}` : ''}: jars not fetched; run \`${FETCH_HINT}${v ? ` --version ${v}` : ''}\``;
  }
  return null;
}

export function isApacheKafkaAvailable(version?: string): boolean {
  return apacheKafkaSkipReason(version) === null;
}

/** A Kafka cluster id: 16 random bytes in Kafka's URL-safe base64 form (22 chars), never starting with '-'. */
export function randomClusterId(): string {
  // Shares the product's rule (Kafka's Uuid.randomUuid redraws too): `StorageTool format -t -…` would read the
  // id as an option.
  return newClusterId((n) => randomBytes(n));
}

/** Resident set size in KiB: /proc/<pid>/status on Linux, `ps -o rss=` elsewhere (macOS); null if gone. */
export function readRssKiB(pid: number): number | null {
  if (process.platform === 'linux') {
    try {
      const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) : null;
    } catch {
      return null;
    }
  }
  try {
    const out = execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return /^\d+$/.test(out) ? Number(out) : null;
  } catch {
    return null;
  }
}

/** Renders server.properties for a single combined KRaft node. Pure; exported for tests. */
export function renderServerProperties(p: {
  listeners: { name: string; port: number; advertised: string }[];
  controllerPort: number;
  /** Set for a ZooKeeper-mode broker (no controller listener, no process.roles). */
  zookeeperConnect?: string;
  dataDir: string;
  interBrokerListener?: string;
  overrides?: Record<string, string | number | boolean>;
}): string {
  const names = p.listeners.map((l) => l.name);
  const zk = p.zookeeperConnect !== undefined;
  const clientListeners = p.listeners.map((l) => `${l.name}://127.0.0.1:${l.port}`);
  const props: Record<string, string> = zk
    ? {
        'broker.id': '1',
        'zookeeper.connect': p.zookeeperConnect!,
        'zookeeper.connection.timeout.ms': '30000',
        listeners: clientListeners.join(','),
        'listener.security.protocol.map': names.map((n) => `${n}:PLAINTEXT`).join(','),
      }
    : {
        'process.roles': 'broker,controller',
        'node.id': '1',
        listeners: [...clientListeners, `CONTROLLER://127.0.0.1:${p.controllerPort}`].join(','),
        'controller.listener.names': 'CONTROLLER',
        'listener.security.protocol.map': [...names.map((n) => `${n}:PLAINTEXT`), 'CONTROLLER:PLAINTEXT'].join(','),
        // KIP-853 (3.9+): a dynamic quorum bootstrapped by `StorageTool format --standalone`.
        'controller.quorum.bootstrap.servers': `127.0.0.1:${p.controllerPort}`,
      };
  Object.assign(props, {
    'advertised.listeners': p.listeners.map((l) => `${l.name}://${l.advertised}`).join(','),
    'inter.broker.listener.name': p.interBrokerListener ?? names[0],
    'log.dirs': p.dataDir,
    'num.partitions': '1',
    // One node: internal topics must not ask for 3 replicas; one partition each keeps first group use quick.
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    'group.initial.rebalance.delay.ms': '0',
    'auto.create.topics.enable': 'true',
  });
  for (const [k, v] of Object.entries(p.overrides ?? {})) props[k] = String(v);
  return `${Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
}

function loggingConfig(install: ApacheKafkaInstall): { file: string; text: string; jvmFlag: (path: string) => string } {
  if (install.logging === 'log4j2') {
    return {
      file: 'log4j2.properties',
      text: [
        'status = warn',
        'appender.out.type = Console',
        'appender.out.name = OUT',
        'appender.out.layout.type = PatternLayout',
        'appender.out.layout.pattern = [%d] %p %m (%c)%n',
        'rootLogger.level = INFO',
        'rootLogger.appenderRef.out.ref = OUT',
        'logger.kafka.name = kafka',
        'logger.kafka.level = INFO',
        'logger.kafkaapache.name = org.apache.kafka',
        'logger.kafkaapache.level = INFO',
        '',
      ].join('\n'),
      jvmFlag: (path) => `-Dlog4j2.configurationFile=file:${path}`,
    };
  }
  return {
    file: 'log4j.properties',
    text: [
      'log4j.rootLogger=INFO, out',
      'log4j.appender.out=org.apache.log4j.ConsoleAppender',
      'log4j.appender.out.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n',
      '',
    ].join('\n'),
    jvmFlag: (path) => `-Dlog4j.configuration=file:${path}`,
  };
}

function runToExit(file: string, args: string[], logPath: string, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const fd = openSync(logPath, 'a');
    const child = spawn(file, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function startApacheKafka(opts: StartApacheKafkaOptions = {}): Promise<RunningApacheKafka> {
  const reason = apacheKafkaSkipReason(opts.version);
  if (reason) throw new Error(reason);
  const install = findApacheKafka(opts.version)!;
  const mode = opts.mode ?? 'kraft';
  if (mode !== 'kraft' && mode !== 'zk') throw new Error(`startApacheKafka: unknown mode ${String(mode)} (use 'kraft' or 'zk')`);
  if (mode === 'zk') {
    if (!opts.zookeeperConnect) throw new Error("startApacheKafka: mode 'zk' needs zookeeperConnect (host:port[,host:port][/chroot])");
    if (Number(install.version.split('.')[0]) >= 4) {
      throw new Error(`startApacheKafka: Kafka ${install.version} has no ZooKeeper mode; use 3.9.1 (${FETCH_HINT} --version 3.9.1)`);
    }
  }
  // A port probed free can be taken by another test before Kafka binds it; one retry with new ports covers that.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(install, opts);
    } catch (err) {
      lastError = err;
      if (!(err instanceof PortInUseError)) throw err;
    }
  }
  throw lastError;
}

class PortInUseError extends Error {}

async function startOnce(install: ApacheKafkaInstall, opts: StartApacheKafkaOptions): Promise<RunningApacheKafka> {
  const specs: ListenerSpec[] =
    opts.listeners ??
    (opts.advertisedPort !== undefined ? [{ name: 'PLAINTEXT', advertisedPort: opts.advertisedPort }, { name: 'INTERNAL' }] : [{ name: 'PLAINTEXT' }]);
  const interBroker = (opts.interBrokerListener ?? (opts.listeners || opts.advertisedPort === undefined ? specs[0].name ?? 'PLAINTEXT' : 'INTERNAL')).toUpperCase();
  if (specs.length === 0) throw new Error('startApacheKafka: at least one listener is required');
  const ports = await freePorts(specs.length + 1);
  const listeners = specs.map((s, i) => {
    const name = (s.name ?? 'PLAINTEXT').toUpperCase();
    if (!/^[A-Z][A-Z0-9_]*$/.test(name) || name === 'CONTROLLER') throw new Error(`startApacheKafka: bad listener name ${name}`);
    const port = s.port ?? ports[i];
    return { name, port, advertised: `${s.advertisedHost ?? '127.0.0.1'}:${s.advertisedPort ?? port}` };
  });
  const controllerPort = ports[specs.length];
  const ownDir = !opts.dir;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), `kstack-apache-kafka-${install.version}-`));
  const dataDir = join(dir, 'data');
  const logDir = join(dir, 'logs');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const configPath = join(dir, 'server.properties');
  if (!listeners.some((l) => l.name === interBroker)) throw new Error(`startApacheKafka: inter-broker listener ${interBroker} is not among the listeners`);
  const zookeeperConnect = opts.mode === 'zk' ? opts.zookeeperConnect : undefined;
  writeFileSync(
    configPath,
    renderServerProperties({ listeners, controllerPort, dataDir, zookeeperConnect, interBrokerListener: interBroker, overrides: opts.overrides }),
  );
  const logging = loggingConfig(install);
  const loggingPath = join(dir, logging.file);
  writeFileSync(loggingPath, logging.text);
  const clusterId = opts.clusterId ?? randomClusterId();
  const java = javaBinary();
  const baseJvm = [logging.jvmFlag(loggingPath), `-Dkafka.logs.dir=${logDir}`, '-Djava.awt.headless=true'];
  const outPath = join(logDir, 'server.out');
  const cleanup = () => {
    if (ownDir && !opts.keepDir) rmSync(dir, { recursive: true, force: true });
  };

  // ZooKeeper mode needs no format: the broker creates meta.properties and takes the cluster id from ZooKeeper.
  const f0 = performance.now();
  const formatLog = join(logDir, 'format.out');
  const formatCode = zookeeperConnect
    ? 0
    : await runToExit(
        java,
        ['-Xmx256m', ...baseJvm, '-cp', install.classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', configPath, '--standalone'],
        formatLog,
        60_000,
      );
  const formatMs = zookeeperConnect ? 0 : performance.now() - f0;
  if (formatCode !== 0) {
    const msg = `Apache Kafka ${install.version}: StorageTool format exited with ${formatCode}:\n${tail(formatLog)}`;
    cleanup();
    throw new Error(msg);
  }

  const fd = openSync(outPath, 'a');
  const t0 = performance.now();
  const child = spawn(java, [`-Xmx${opts.heapMb ?? 512}m`, ...baseJvm, ...(opts.jvmArgs ?? []), '-cp', install.classpath, 'kafka.Kafka', configPath], {
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  // Never leave a JVM behind when the test process dies without calling stop().
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let spawnError: Error | undefined;
  child.on('error', (err) => (spawnError = err));
  const exited = () => child.exitCode !== null || child.signalCode !== null;

  const stop = async (graceMs = 15_000): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (!exited() && child.pid !== undefined) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
      });
    }
    cleanup();
  };

  const first = listeners[0];
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 90_000);
  let servedClusterId = clusterId;
  for (;;) {
    if (spawnError || exited()) {
      const log = tail(outPath);
      await stop();
      if (/Address already in use/.test(log)) throw new PortInUseError(`port taken before Kafka bound it:\n${log}`);
      throw new Error(`Apache Kafka ${install.version} exited during start-up (${spawnError?.message ?? `code ${child.exitCode}`}):\n${log}`);
    }
    const md = await probeMetadata('127.0.0.1', first.port, 1000).catch(() => null);
    if (md && md.brokers.length > 0) {
      servedClusterId = md.clusterId ?? clusterId;
      break;
    }
    if (Date.now() > deadline) {
      const log = tail(outPath);
      await stop();
      throw new Error(`Apache Kafka ${install.version} did not answer Metadata on 127.0.0.1:${first.port} in time:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const startupMs = performance.now() - t0;

  return {
    version: install.version,
    bootstrap: `127.0.0.1:${first.port}`,
    host: '127.0.0.1',
    port: first.port,
    controllerPort,
    listeners,
    pid: child.pid!,
    clusterId: servedClusterId,
    dir,
    logDir,
    configPath,
    formatMs,
    startupMs,
    process: child,
    rssKiB: () => (exited() ? null : readRssKiB(child.pid!)),
    stop,
  };
}

export interface ProbedMetadata {
  brokers: { nodeId: number; host: string; port: number }[];
  clusterId: string | null;
  controllerId: number;
}

/**
 * One Metadata v4 round trip (all topics: null array; no auto-creation), decoding only the broker list.
 * Hand-written so the peer harness stands on its own; rejects on timeout, socket error or a malformed answer.
 */
export function probeMetadata(host: string, port: number, timeoutMs: number): Promise<ProbedMetadata> {
  const correlationId = 0x6b73;
  const clientId = Buffer.from('kstack-probe');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4 + 1);
  let o = 0;
  o = body.writeInt16BE(3, o); // apiKey Metadata
  o = body.writeInt16BE(4, o); // apiVersion 4 (request header v1)
  o = body.writeInt32BE(correlationId, o);
  o = body.writeInt16BE(clientId.length, o);
  o += clientId.copy(body, o);
  o = body.writeInt32BE(-1, o); // topics: null → all
  body.writeInt8(0, o); // allow_auto_topic_creation
  const frame = Buffer.concat([Buffer.from([0, 0, 0, 0]), body]);
  frame.writeInt32BE(body.length, 0);

  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buf = Buffer.alloc(0);
    const done = (err: Error | null, value?: ProbedMetadata) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(() => done(new Error(`Metadata probe to ${host}:${port} timed out`)), timeoutMs);
    socket.on('error', (err) => done(err));
    socket.on('connect', () => socket.write(frame));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4) return;
      const size = buf.readInt32BE(0);
      if (size < 0 || size > 64 << 20) return done(new Error(`Metadata probe: bad response size ${size}`));
      if (buf.length < 4 + size) return;
      try {
        done(null, decodeMetadataV4(buf.subarray(4, 4 + size), correlationId));
      } catch (err) {
        done(err as Error);
      }
    });
    socket.on('end', () => done(new Error('Metadata probe: connection closed before a response')));
  });
}

function decodeMetadataV4(b: Buffer, correlationId: number): ProbedMetadata {
  let o = 0;
  const need = (n: number) => {
    if (o + n > b.length) throw new Error('Metadata probe: truncated response');
  };
  const i32 = () => (need(4), (o += 4), b.readInt32BE(o - 4));
  const i16 = () => (need(2), (o += 2), b.readInt16BE(o - 2));
  const str = (): string | null => {
    const n = i16();
    if (n < 0) return null;
    need(n);
    o += n;
    return b.toString('utf8', o - n, o);
  };
  if (i32() !== correlationId) throw new Error('Metadata probe: correlation id mismatch');
  i32(); // throttle_time_ms
  const count = i32();
  if (count < 0 || count > 10_000) throw new Error(`Metadata probe: bad broker count ${count}`);
  const brokers = [];
  for (let i = 0; i < count; i++) {
    const nodeId = i32();
    const h = str() ?? '';
    const port = i32();
    str(); // rack
    brokers.push({ nodeId, host: h, port });
  }
  const clusterId = str();
  const controllerId = i32();
  return { brokers, clusterId, controllerId };
}
