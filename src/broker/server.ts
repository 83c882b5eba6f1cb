/**
 * The native broker process: validates listeners, opens the log dirs (meta.properties, topics, partition logs,
 * recovery after an unclean stop), rebuilds idempotent-producer state from the logs, starts the group
 * coordinator when it exists, binds every listener and serves requests through the handler table.
 *
 *   const broker = await startBroker({ config, out: (line) => process.stdout.write(line + '\n') });
 *   // prints: kstack-broker listening PLAINTEXT=127.0.0.1:45678
 *   await broker.stop();   // flush, close segments, clean-shutdown marker (the log manager writes it)
 *
 * Modes:
 * - process.roles set (KRaft): a node with the controller role is a voter of controller.quorum.voters' Raft quorum
 *   over __cluster_metadata (raft/runtime/controller.ts), its controller listener serving the quorum APIs and, in
 *   a cluster, the active controller's (kraft/controller-service.ts); a broker-only node follows the log as an
 *   observer. A single combined node (a quorum of one) keeps the standalone metadata path; anything larger is a
 *   cluster: the metadata image from the log answers clients, brokers register and heartbeat (kraft/attach.ts).
 *   A dedicated controller, process.roles=controller, has no client listener.
 * - zookeeper.connect set: registers in ZooKeeper as a Kafka 2.x/3.x broker does (zookeeper/broker-zk.ts).
 * - neither: standalone.
 * In a cluster (zk or KRaft) partitions are replicated (replication/replica-manager.ts).
 * Only PLAINTEXT listeners are served; SSL / SASL listeners are refused at start with a clear error.
 */
import type { ZkMembership } from './zookeeper/registration.js';
import type { RaftController, VoterEndpoint } from './raft/runtime/controller.js';
import type { MetadataImage } from './kraft/metadata-image.js';
import type { KraftControllerService } from './kraft/controller-service.js';
import type { KraftMembership } from './kraft/attach.js';
import { createServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KstackError } from '../errors.js';
import { getLogger, type Logger } from '../logging/index.js';
import { parseListeners, parseProtocolMap, checkAdvertisedRoutable, ListenerConfigError, type Endpoint } from '../listeners/endpoints.js';
import type { BrokerConfig } from './config.js';
import { ignoredKeys } from './config.js';
import { partitionKey, type BrokerContext, type InternalRecord, type ListenerEndpoints } from './context.js';
import { joiningCluster } from './cluster/cluster-view.js';
import { Connection } from './connection.js';
import { buildHandlerTable, createRequestProcessor, type HandlerTable } from './dispatch.js';
import { createHandlerTable } from './handlers/index.js';
import { handler as apiVersionsHandler } from './handlers/18-api-versions.js';
import { TopicRegistry } from './metadata/topic-registry.js';
import { effectiveTopicConfig, ensureOffsetsTopic, logConfigOf } from './metadata/topic-admin.js';
import { ProducerStateManager } from './producers/producer-state.js';
import { LogManager } from './log/log-manager.js';
import { isOffsetOutOfRange } from './log/log-config.js';
import { readMetaProperties } from './log/meta-properties.js';
import { GroupCoordinator } from './groups/coordinator.js';
import type { OffsetStore } from './groups/offset-store.js';
import { RecordBatchBuilder, forEachBatch, readRecords } from '../protocol/records/batch.js';

export interface StartBrokerOptions {
  config: BrokerConfig;
  /** Where the `kstack-broker listening …` line goes (default: process.stdout). */
  out?: (line: string) => void;
  clock?: () => number;
  /** Bytes of unanswered requests per connection before reading pauses (default 16 MiB). */
  maxInFlightBytesPerConnection?: number;
}

export interface RunningBroker {
  readonly context: BrokerContext;
  readonly nodeId: number;
  readonly clusterId: string;
  /** Bound endpoints by listener name (ports resolved). */
  readonly bound: Map<string, { host: string; port: number }>;
  /** `host:port` of the first client listener (advertised host, bound port). */
  readonly bootstrap: string;
  stop(): Promise<void>;
}

const NAME = 'kafka.server.KafkaServer';
/** Kafka's offsets.commit.timeout.ms default: how long an internal-topic write waits for the ISR. */
const OFFSETS_COMMIT_TIMEOUT_MS = 5000;

function brokerError(message: string, fix: string): KstackError {
  return new KstackError('KSTACK_BROKER_CONFIG', message, { fix, exitCode: 2 });
}

interface ListenerPlan {
  endpoints: Endpoint[];
  advertised: Map<string, Endpoint>;
  controllerNames: Set<string>;
}

/** Kafka's listener rules at start-up (KafkaConfig validation), with Kafka's wording where it has one. */
export function planListeners(config: BrokerConfig): ListenerPlan {
  try {
    const protocolMap = parseProtocolMap(config.get('listener.security.protocol.map') ?? '');
    const endpoints = parseListeners(config.get('listeners') ?? 'PLAINTEXT://:9092', protocolMap, { property: 'listeners' });
    const advText = config.get('advertised.listeners');
    const controllerNames = new Set(
      (config.get('controller.listener.names') ?? '')
        .split(',')
        .map((s) => s.trim().toUpperCase())
        .filter(Boolean),
    );
    if (config.mode === 'kraft') {
      if (controllerNames.size === 0) throw brokerError('requirement failed: controller.listener.names must contain at least one value when running KRaft with just the broker role', 'set controller.listener.names=CONTROLLER');
      if (config.processRoles.includes('controller')) {
        for (const n of controllerNames) {
          if (!endpoints.some((e) => e.listenerName === n)) {
            throw brokerError(`requirement failed: controller.listener.names must contain at least one value appearing in the 'listeners' configuration when running the KRaft controller role`, `add ${n}://127.0.0.1:<port> to listeners`);
          }
        }
      }
    }
    const clientEndpoints = endpoints.filter((e) => !controllerNames.has(e.listenerName));
    let advertisedList: Endpoint[];
    if (advText) {
      advertisedList = parseListeners(advText, protocolMap, { property: 'advertised.listeners', requireDistinctPorts: false });
      for (const a of advertisedList) {
        if (controllerNames.has(a.listenerName)) {
          throw brokerError(`requirement failed: The advertised.listeners config must not contain KRaft controller listeners from controller.listener.names when process.roles contains the broker role because Kafka clients that send requests via advertised listeners do not send requests to KRaft controllers -- they only send requests to KRaft brokers.`, `remove ${a.listenerName} from advertised.listeners`);
        }
        if (!endpoints.some((e) => e.listenerName === a.listenerName)) {
          throw brokerError(`requirement failed: advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found ${advertisedList.map((x) => x.listenerName).join(',')}. The valid options based on the current configuration are ${endpoints.map((x) => x.listenerName).join(',')}`, `define ${a.listenerName} in listeners as well`);
        }
      }
    } else {
      advertisedList = clientEndpoints;
    }
    const routable = checkAdvertisedRoutable(advertisedList);
    if (routable) throw brokerError(`requirement failed: ${routable}`, 'set advertised.listeners to an address clients can reach, e.g. PLAINTEXT://127.0.0.1:9092');
    const ibl = config.get('inter.broker.listener.name');
    if (ibl && !endpoints.some((e) => e.listenerName === ibl.toUpperCase())) {
      throw brokerError(`requirement failed: inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are ${endpoints.map((e) => e.listenerName).join(',')}`, `set inter.broker.listener.name to one of ${endpoints.map((e) => e.listenerName).join(', ')}`);
    }
    if (clientEndpoints.length === 0 && (config.mode !== 'kraft' || config.processRoles.includes('broker'))) throw brokerError('no client listener: every listener is a controller listener', 'add PLAINTEXT://127.0.0.1:9092 to listeners');
    for (const e of endpoints) {
      if (e.securityProtocol !== 'PLAINTEXT') {
        throw brokerError(`listener ${e.listenerName} uses ${e.securityProtocol}; the kstack native broker serves PLAINTEXT listeners only`, `map ${e.listenerName} to PLAINTEXT in listener.security.protocol.map, or use --engine kafka for ${e.securityProtocol}`);
      }
    }
    return { endpoints, advertised: new Map(advertisedList.map((a) => [a.listenerName, a])), controllerNames };
  } catch (err) {
    if (err instanceof ListenerConfigError) throw brokerError(err.message, `correct ${err.property} in server.properties`);
    throw err;
  }
}

/**
 * The cluster id: from the first log dir's meta.properties that has one (kstack init renders it; the log
 * manager checks every dir agrees and node ids match), else a new one the log manager writes.
 */
function clusterIdFor(config: BrokerConfig): string {
  for (const d of config.logDirs) {
    const meta = readMetaProperties(d);
    if (meta) return meta.clusterId;
  }
  return randomBytes(16).toString('base64url');
}

function listenOn(server: Server, host: string | undefined, port: number): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      const addr = server.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('listener has no address'));
      resolve({ host: addr.address, port: addr.port });
    });
  });
}

/** An OffsetStore over the `__consumer_offsets` partition logs, for the group coordinator. */
function internalOffsetStore(ctx: BrokerContext): OffsetStore {
  return {
    append: (partition, records) => ctx.appendToInternalTopic('__consumer_offsets', partition, records),
    replay: (onRecord) => ctx.replayInternalTopic('__consumer_offsets', (p, r) => onRecord(p, { key: r.key ?? Buffer.alloc(0), value: r.value, timestamp: r.timestamp })),
  };
}

export async function startBroker(opts: StartBrokerOptions): Promise<RunningBroker> {
  const config = opts.config;
  const logger: Logger = getLogger(NAME);
  const socketLogger = getLogger('kafka.network.SocketServer');
  const clock = opts.clock ?? Date.now;
  const plan = planListeners(config);
  if (config.nodeId < 0) throw brokerError('broker.id (or node.id) must be set to a non-negative id: the native broker does not generate broker ids', 'add broker.id=1 (or node.id=1 with process.roles) to server.properties');

  logger.info(`[KafkaServer id=${config.nodeId}] starting`);
  const ignored = ignoredKeys(config);
  if (ignored.length > 0) logger.info(`[KafkaServer id=${config.nodeId}] Settings with no effect on a single native broker: ${ignored.join(', ')}`);

  for (const d of config.logDirs) mkdirSync(d, { recursive: true });
  const clusterId = clusterIdFor(config);
  const topics = new TopicRegistry(config.logDirs[0]);
  try {
    topics.load();
  } catch (err) {
    throw new KstackError('KSTACK_BROKER_METADATA', `cannot read the topic metadata of ${config.logDirs[0]}: ${(err as Error).message}`, {
      fix: `restore ${join(config.logDirs[0], 'kstack-topics.json')} from a backup, or remove the log dir to start empty`,
      cause: err,
    });
  }

  const logs = LogManager.open({
    logDirs: [...config.logDirs],
    nodeId: config.nodeId,
    clusterId,
    defaults: logConfigOf(config, new Map()),
    topicConfig: (t) => {
      const info = topics.get(t);
      return info ? logConfigOf(config, info.configs) : undefined;
    },
    clock,
    logger: getLogger('kafka.log.LogManager'),
    retentionCheckIntervalMs: config.getInt('log.retention.check.interval.ms'),
  });
  if (!logs.cleanShutdown) logger.info(`[KafkaServer id=${config.nodeId}] The previous shutdown was not clean: partitions were recovered`);

  const producers = new ProducerStateManager(readProducerIdBlock(config.logDirs[0]), (end) => writeProducerIdBlock(config.logDirs[0], end));
  const waiters = new Map<string, Set<() => void>>();
  // KRaft: the Raft quorum over __cluster_metadata (raft/runtime/controller.ts), started once listeners are bound.
  // A node with the controller role is a voter; a broker-only node of a cluster follows the log as an observer.
  // Beyond a single combined node, the log carries the cluster's metadata (kraft/: the image every node applies,
  // the active controller's service, the brokers' registration and heartbeats).
  const kraft = config.mode === 'kraft' ? await openKraft(config, clusterId, plan, logs) : undefined;
  const raft = kraft?.raft;
  const table: HandlerTable = createHandlerTable(raft ? [raft.describeQuorumHandler()] : []);

  const ctx: BrokerContext = {
    config,
    nodeId: config.nodeId,
    clusterId,
    logs,
    logConfigFor: (t) => logConfigOf(config, topics.get(t)?.configs ?? new Map()),
    handlers: table,
    topics,
    producers,
    clock,
    logger,
    requestLogger: getLogger('kafka.request.logger'),
    listeners: new Map(),
    async appendToInternalTopic(topic: string, partition: number, records: InternalRecord[]) {
      if (topic === '__consumer_offsets') ensureOffsetsTopic(ctx);
      const info = topics.get(topic);
      const log = info ? logs.get(topic, partition) : undefined;
      if (!info || !log) throw new Error(`internal topic partition ${topic}-${partition} does not exist`);
      if (records.length === 0) return;
      const builder = new RecordBatchBuilder({ baseTimestamp: records[0].timestamp });
      for (const r of records) builder.append({ key: r.key, value: r.value, timestamp: r.timestamp });
      const appended = log.append(builder.build(), info.leaderEpochs[partition], clock());
      ctx.notifyAppend(topic, partition);
      // In a cluster the write counts once the ISR has it (Kafka writes group metadata and offsets with acks=all
      // and offsets.commit.timeout.ms); a failure here is the caller's COORDINATOR_NOT_AVAILABLE.
      if (ctx.replication) {
        const code = await ctx.replication.waitForHighWatermark(topic, partition, appended.lastOffset + 1, OFFSETS_COMMIT_TIMEOUT_MS);
        if (code !== 0) throw new Error(`the in-sync replicas of ${topic}-${partition} did not take the write (error ${code})`);
      }
    },
    async replayInternalTopic(topic: string, onRecord: (partition: number, record: InternalRecord) => void) {
      const info = topics.get(topic);
      if (!info) return;
      for (let p = 0; p < info.leaderEpochs.length; p++) {
        const log = logs.get(topic, p);
        if (!log) continue;
        let offset = log.logStartOffset;
        while (offset < log.logEndOffset) {
          const read = log.read(offset, 1024 * 1024);
          if (isOffsetOutOfRange(read) || read.data.length === 0) break;
          let next = offset;
          forEachBatch(read.data, (view) => {
            next = Number(view.nextOffset);
            if (view.isControl) return;
            for (const rec of readRecords(read.data, view.start)) {
              if (rec.offset < BigInt(offset)) continue;
              onRecord(p, { key: rec.key, value: rec.value, timestamp: Number(rec.timestamp) });
            }
          });
          if (next <= offset) break;
          offset = next;
        }
      }
    },
    notifyAppend(topic: string, partition: number) {
      ctx.replication?.onAppend(topic, partition);
      const set = waiters.get(partitionKey(topic, partition));
      if (!set) return;
      for (const wake of [...set]) wake();
    },
    waitForAppend(keys: readonly string[], wake: () => void) {
      for (const k of keys) {
        let set = waiters.get(k);
        if (!set) waiters.set(k, (set = new Set()));
        set.add(wake);
      }
      return () => {
        for (const k of keys) {
          const set = waiters.get(k);
          if (!set) continue;
          set.delete(wake);
          if (set.size === 0) waiters.delete(k);
        }
      };
    },
  };

  // Open every known partition (creates missing directories) and rebuild producer state from batch headers.
  for (const t of topics.list()) {
    const lc = logConfigOf(config, t.configs);
    for (let p = 0; p < t.leaderEpochs.length; p++) {
      const log = logs.getOrCreate(t.name, p, t.topicId, lc);
      rebuildProducerState(ctx, t.name, p, log);
    }
  }

  const groups = new GroupCoordinator({
    clock,
    nodeId: config.nodeId,
    config: {
      groupInitialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
      groupMinSessionTimeoutMs: config.groupMinSessionTimeoutMs,
      groupMaxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
      offsetsRetentionMinutes: config.offsetsRetentionMinutes,
      offsetsTopicNumPartitions: config.offsetsTopicNumPartitions,
      offsetMetadataMaxBytes: config.offsetMetadataMaxBytes,
      offsetsRetentionCheckIntervalMs: config.offsetsRetentionCheckIntervalMs,
    },
    persist: internalOffsetStore(ctx),
    logger: getLogger('kafka.coordinator.group.GroupCoordinator'),
  });
  await groups.load();
  ctx.groups = groups;
  // zk mode / KRaft cluster: until registration completes (after binding), answer as a broker joining a cluster.
  if (config.mode === 'zk' || (kraft?.image && config.processRoles.includes('broker'))) ctx.cluster = joiningCluster();

  const processor = createRequestProcessor(table, ctx);
  const controllerTable = buildHandlerTable([apiVersionsHandler, ...(raft?.controllerHandlers() ?? []), ...(kraft?.service?.handlers() ?? [])]);
  const controllerProcessor = createRequestProcessor(controllerTable, { ...ctx, handlers: controllerTable });
  const servers: Server[] = [];
  const connections = new Set<Connection>();
  let nextConnectionId = 0;
  const bound = new Map<string, { host: string; port: number }>();
  const maxInFlight = opts.maxInFlightBytesPerConnection ?? 16 * 1024 * 1024;

  try {
    for (const e of plan.endpoints) {
      const isController = plan.controllerNames.has(e.listenerName);
      const server = createServer({ noDelay: true }, (socket: Socket) => {
        const conn = new Connection(socket, {
          id: nextConnectionId++,
          listenerName: e.listenerName,
          maxRequestBytes: config.socketRequestMaxBytes,
          maxInFlightBytes: maxInFlight,
          process: (frame, c) => (isController ? controllerProcessor : processor)(frame, c),
          logger: socketLogger,
          idleTimeoutMs: config.getInt('connections.max.idle.ms'),
          onClose: (c) => connections.delete(c),
        });
        connections.add(conn);
      });
      server.on('error', (err) => socketLogger.error(`Listener ${e.listenerName} failed: ${err.message}`, err));
      const addr = await listenOn(server, e.host ?? undefined, e.port).catch((err: NodeJS.ErrnoException) => {
        throw new KstackError('KSTACK_BROKER_BIND', `cannot bind listener ${e.listenerName} to ${e.host ?? '*'}:${e.port}: ${err.message}`, {
          fix: err.code === 'EADDRINUSE' ? `another process uses port ${e.port}; stop it or change listeners in server.properties` : 'check the host in listeners',
          exitCode: 1,
        });
      });
      servers.push(server);
      bound.set(e.listenerName, addr);
      socketLogger.info(`[SocketServer listenerType=${isController ? 'CONTROLLER' : 'BROKER'}, nodeId=${config.nodeId}] Created data-plane acceptor and processors for endpoint : ListenerName(${e.listenerName})`);
      if (!isController) {
        const adv = plan.advertised.get(e.listenerName);
        const advHost = adv?.host ?? e.host ?? hostname();
        const advPort = adv && adv.port !== 0 ? adv.port : addr.port;
        const entry: ListenerEndpoints = { listenerName: e.listenerName, securityProtocol: e.securityProtocol, bound: addr, advertised: { host: advHost === '0.0.0.0' || advHost === '::' ? hostname() : advHost, port: advPort } };
        ctx.listeners.set(e.listenerName, entry);
      }
    }
  } catch (err) {
    for (const s of servers) s.close();
    await raft?.stop();
    await groups.close();
    logs.close();
    throw err;
  }
  // The service listens before the first tick: a quorum of one elects itself in that very tick.
  kraft?.service?.start();
  raft?.start();

  // KRaft cluster, broker role: register with the active controller and wait to be unfenced (caught up with the
  // metadata log); a refusal (duplicate node id, foreign cluster id) stops the start-up with Kafka's message.
  let kraftMembership: KraftMembership | null = null;
  if (kraft?.image && config.processRoles.includes('broker')) {
    try {
      const { attachKraft } = await import('./kraft/attach.js');
      kraftMembership = await attachKraft(ctx, {
        raft: kraft.raft,
        image: kraft.image,
        voters: kraft.voters,
        heartbeatIntervalMs: config.getInt('broker.heartbeat.interval.ms'),
        sessionTimeoutMs: config.getInt('broker.session.timeout.ms'),
        registrationTimeoutMs: config.getInt('initial.broker.registration.timeout.ms'),
      });
    } catch (err) {
      for (const s of servers) s.close();
      for (const c of connections) c.close();
      kraft.service?.stop();
      await raft?.stop();
      await groups.close();
      logs.close();
      if ((err as { code?: string }).code === 'KSTACK_BROKER_REGISTRATION') throw new KstackError('KSTACK_BROKER_REGISTRATION', (err as Error).message, { fix: `give every node its own node.id, or stop the other process registered as node ${config.nodeId}`, exitCode: 1, cause: err });
      throw err;
    }
  }

  // zk mode: register in ZooKeeper once the advertised endpoints are known; a refusal (duplicate broker id,
  // foreign cluster id, no ensemble) stops the start-up with Kafka's message.
  let zk: ZkMembership | null = null;
  if (config.mode === 'zk') {
    try {
      // Loaded only in zk mode: the ZooKeeper client is not worth its start-up time to a KRaft or standalone broker.
      const { attachZooKeeper } = await import('./zookeeper/broker-zk.js');
      zk = await attachZooKeeper(ctx, {
        zookeeperConnect: config.get('zookeeper.connect')!,
        sessionTimeoutMs: config.getInt('zookeeper.session.timeout.ms'),
        connectionTimeoutMs: config.get('zookeeper.connection.timeout.ms') ? config.getInt('zookeeper.connection.timeout.ms') : config.getInt('zookeeper.session.timeout.ms'),
      });
    } catch (err) {
      for (const s of servers) s.close();
      await groups.close();
      logs.close();
      throw err;
    }
  }

  // In a cluster (zk or KRaft): followers fetch, leaders track them (replication/replica-manager.ts).
  let replication: { stop(): void } | undefined;
  if (ctx.cluster) {
    const { startReplication } = await import('./replication/replica-manager.js');
    replication = startReplication(ctx, ctx.cluster);
  }

  logs.startBackgroundTasks();
  const parts = [...bound].map(([name, a]) => {
    const l = ctx.listeners.get(name);
    return `${name}=${l ? l.advertised.host : a.host}:${a.port}`;
  });
  const line = `kstack-broker listening ${parts.join(' ')}`;
  (opts.out ?? ((s: string) => process.stdout.write(s + '\n')))(line);
  logger.info(`[KafkaServer id=${config.nodeId}] started (cluster id ${clusterId}, ${config.mode} mode)`);

  let stopping: Promise<void> | null = null;
  const first = [...ctx.listeners.values()][0] as ListenerEndpoints | undefined;
  // A dedicated controller has no client listener: its first (controller) listener stands in.
  const firstBound = [...bound.values()][0];
  return {
    context: ctx,
    nodeId: config.nodeId,
    clusterId,
    bound,
    bootstrap: first ? `${first.advertised.host}:${first.bound.port}` : `${firstBound.host}:${firstBound.port}`,
    stop() {
      if (stopping) return stopping;
      stopping = (async () => {
        logger.info(`[KafkaServer id=${config.nodeId}] shutting down`);
        // Deregister first (as Kafka's controlled shutdown does), so ZooKeeper stops routing clients here.
        replication?.stop();
        await zk?.close();
        await kraftMembership?.close();
        kraft?.service?.stop();
        await raft?.stop();
        await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))).concat([...connections].map(async (c) => c.close())));
        await groups.close();
        logs.close();
        logger.info(`[KafkaServer id=${config.nodeId}] shut down completed`);
      })();
      return stopping;
    },
  };
}

interface OpenKraft {
  raft: RaftController;
  voters: VoterEndpoint[];
  /** Set in cluster mode (more than one combined node, or separate roles): the metadata the log carries. */
  image?: MetadataImage;
  /** Set on a node with the controller role in cluster mode. */
  service?: KraftControllerService;
}

/**
 * Opens the KRaft side of a node: voters from controller.quorum.voters (empty on a single combined node: the
 * quorum is this node alone, on its controller listener), `__cluster_metadata-0/` in metadata.log.dir or the
 * first log dir. A single combined node keeps the standalone metadata path (it leads every partition); any
 * other layout is a cluster: the Raft log carries the metadata image, controllers run the controller service.
 * Loaded on demand so other modes do not pay for it at start-up.
 */
async function openKraft(config: BrokerConfig, clusterId: string, plan: ListenerPlan, logs: LogManager): Promise<OpenKraft> {
  const { RaftController } = await import('./raft/runtime/controller.js');
  const { parseVoters } = await import('../listeners/voters.js');
  const fail = (message: string, fix: string, cause?: unknown, code = 'KSTACK_BROKER_CONFIG'): never => {
    logs.close();
    throw new KstackError(code, message, { fix, exitCode: 2, cause });
  };
  const isController = config.processRoles.includes('controller');
  let voters: { id: number; host: string; port: number }[];
  try {
    voters = parseVoters(config.get('controller.quorum.voters') ?? '');
  } catch (err) {
    return fail((err as Error).message, 'write controller.quorum.voters as id@host:port,… (every controller\'s CONTROLLER listener)', err);
  }
  if (voters.length === 0) {
    if (!isController) return fail('a broker-only KRaft node needs controller.quorum.voters to find the controllers', 'set controller.quorum.voters=<id>@<host>:<controller port>,… (the controllers\' CONTROLLER listeners)');
    const own = plan.endpoints.find((e) => plan.controllerNames.has(e.listenerName));
    voters = [{ id: config.nodeId, host: own?.host || '127.0.0.1', port: own?.port ?? 0 }];
  }
  if (isController && !voters.some((v) => v.id === config.nodeId)) {
    return fail(`node.id ${config.nodeId} has the controller role but is not in controller.quorum.voters (${config.get('controller.quorum.voters')})`, `add ${config.nodeId}@<host>:<controller port> to controller.quorum.voters on every node, or drop controller from process.roles`);
  }
  if (!isController && voters.some((v) => v.id === config.nodeId)) {
    return fail(`node.id ${config.nodeId} is in controller.quorum.voters but process.roles has no controller role`, 'add controller to process.roles, or give this broker a node.id outside controller.quorum.voters');
  }
  const cluster = !(isController && config.processRoles.includes('broker') && voters.length === 1);
  let image: MetadataImage | undefined;
  if (cluster) {
    const { MetadataImage } = await import('./kraft/metadata-image.js');
    const metaLogger = getLogger('kafka.server.metadata.BrokerMetadataListener');
    image = new MetadataImage((offset, err) => metaLogger.error(`Skipped metadata record at offset ${offset}: ${err.message}`));
  }
  let raft: RaftController;
  try {
    raft = RaftController.open({
      nodeId: config.nodeId,
      voters,
      clusterId,
      dir: config.get('metadata.log.dir') ?? config.logDirs[0],
      logger: getLogger('kafka.raft.KafkaRaftClient'),
      stateMachine: image,
      maxEntriesBetweenSnapshots: image ? 20000 : 0,
      timeouts: {
        electionTimeoutMs: config.getInt('controller.quorum.election.timeout.ms'),
        electionBackoffMaxMs: config.getInt('controller.quorum.election.backoff.max.ms'),
        fetchTimeoutMs: config.getInt('controller.quorum.fetch.timeout.ms'),
        requestTimeoutMs: config.getInt('controller.quorum.request.timeout.ms'),
        retryBackoffMs: config.getInt('controller.quorum.retry.backoff.ms'),
      },
    });
  } catch (err) {
    return fail(`cannot open the KRaft metadata log: ${(err as Error).message}`, 'restore __cluster_metadata-0 from a backup, or remove it to rejoin the quorum empty', err, 'KSTACK_BROKER_METADATA');
  }
  if (!image) return { raft, voters };
  const img = image;
  // Listeners of the image (the broker's mirror, the controller's waiters) run once per committed step.
  raft.onStep((events) => {
    if (events.some((e) => e.type === 'committed' || e.type === 'snapshot-installed')) img.flushChanges();
  });
  let service: KraftControllerService | undefined;
  if (isController) {
    const { KraftControllerService } = await import('./kraft/controller-service.js');
    service = new KraftControllerService({
      raft,
      image,
      clusterId,
      nodeId: config.nodeId,
      sessionTimeoutMs: config.getInt('broker.session.timeout.ms'),
      uncleanLeaderElection: (configs) => effectiveTopicConfig(config, configs, 'unclean.leader.election.enable') === 'true',
      logger: getLogger('kafka.controller.QuorumController'),
    });
  }
  return { raft, voters, image, service };
}

/**
 * `<log dir>/kstack-producer-id-block`: one line, the end (exclusive) of the last reserved block of producer ids,
 * written (temp file + rename) before any id of a new block is handed out, so ids are never reused after a
 * restart even when their producers never wrote.
 */
const PRODUCER_ID_BLOCK_FILE = 'kstack-producer-id-block';

function readProducerIdBlock(dir: string): bigint {
  try {
    const text = readFileSync(join(dir, PRODUCER_ID_BLOCK_FILE), 'utf8').trim();
    return /^\d+$/.test(text) ? BigInt(text) : 0n;
  } catch {
    return 0n;
  }
}

function writeProducerIdBlock(dir: string, end: bigint): void {
  const path = join(dir, PRODUCER_ID_BLOCK_FILE);
  writeFileSync(`${path}.tmp`, `${end}\n`);
  renameSync(`${path}.tmp`, path);
}

/** Scans a partition's batch headers (no decompression) and records idempotent producers' last sequences. */
function rebuildProducerState(ctx: BrokerContext, topic: string, partition: number, log: ReturnType<LogManager['getOrCreate']>): void {
  let offset = log.logStartOffset;
  const key = partitionKey(topic, partition);
  while (offset < log.logEndOffset) {
    const read = log.read(offset, 4 * 1024 * 1024);
    if (isOffsetOutOfRange(read) || read.data.length === 0) return;
    let next = offset;
    forEachBatch(read.data, (view) => {
      next = Number(view.nextOffset);
      const pid = view.producerId;
      if (pid >= 0n && !view.isControl) {
        ctx.producers.record(key, { producerId: pid, producerEpoch: view.producerEpoch, baseSequence: view.baseSequence, lastOffsetDelta: view.lastOffsetDelta }, view.baseOffset, view.maxTimestamp);
      }
    });
    if (next <= offset) return;
    offset = next;
  }
}
