/**
 * ZooKeeper-mode membership for the native broker, done the way a Kafka 2.x/3.x broker does it:
 * - the cluster id lives in /cluster/id; the first broker writes the id from its meta.properties, every later
 *   broker must find the same id (Kafka's InconsistentClusterIdException otherwise);
 * - the broker registers an EPHEMERAL /brokers/ids/<id> with its endpoints, so the znode disappears when the
 *   broker's session ends (clean stop, crash, or a pause longer than zookeeper.session.timeout.ms);
 * - one broker wins the EPHEMERAL /controller znode; the others watch it and run for election when it goes;
 * - topics are published under /brokers/topics/<topic> with their replica assignment and partition state.
 * On session expiry everything ephemeral is re-created on a new session.
 */
import { KstackError } from '../../errors.js';
import { ZkClient } from './zk-client.js';
import {
  PRODUCER_ID_BLOCK_PATH,
  producerIdBlockJson,
  parseProducerIdBlock,
  TOP_LEVEL_PATHS,
  CLUSTER_ID_PATH,
  CONTROLLER_PATH,
  CONTROLLER_EPOCH_PATH,
  BROKER_IDS_PATH,
  brokerIdPath,
  brokerRegistrationJson,
  clusterIdJson,
  controllerJson,
  parseBrokerRegistration,
  parseClusterId,
  parseControllerId,
  parseTopicAssignment,
  partitionStateJson,
  partitionStatePath,
  splitZookeeperConnect,
  topicAssignmentJson,
  topicConfigJson,
  topicConfigPath,
  topicPath,
  type ParsedBrokerRegistration,
  type RegisteredEndpoint,
  type ReplicaAssignment,
} from './znodes.js';

export interface ZkMembershipOptions {
  zookeeperConnect: string;
  sessionTimeoutMs: number;
  connectTimeoutMs: number;
  brokerId: number;
  clusterId: string;
  endpoints: RegisteredEndpoint[];
  rack?: string | null;
  clock?: () => number;
  logger?: { info(message: string): void; warn(message: string): void; error(message: string): void };
  /** Called whenever this broker becomes or stops being the controller. */
  onControllerChange?: (controllerId: number) => void;
  /** Called on every new session, once the broker is registered (the metadata cache re-arms its watches here). */
  onSession?: (client: ZkClient) => Promise<void>;
  /** Called when close() begins (watch readers stop before the session goes). */
  onClosed?: () => void;
}

export class ZkMembership {
  private client: ZkClient | undefined;
  private closed = false;
  private controllerId = -1;
  private controllerEpoch = 0;
  private readonly clock: () => number;

  constructor(private readonly opts: ZkMembershipOptions) {
    this.clock = opts.clock ?? Date.now;
  }

  get activeControllerId(): number {
    return this.controllerId;
  }

  get isController(): boolean {
    return this.controllerId === this.opts.brokerId;
  }

  get brokerId(): number {
    return this.opts.brokerId;
  }

  /** Rewrites an existing topic's assignment and config (partitions added, configs altered). */
  async updateTopic(topic: string, topicId: string, assignment: ReplicaAssignment, config: Record<string, string>): Promise<void> {
    const client = this.requireClient();
    await client.setData(topicConfigPath(topic), topicConfigJson(config)).catch(() => client.create(topicConfigPath(topic), topicConfigJson(config), 'persistent'));
    await client.setData(topicPath(topic), topicAssignmentJson(topicId, assignment));
  }

  /** The epoch this broker won the controller role with (0 when it never did). */
  get epoch(): number {
    return this.controllerEpoch;
  }

  /** The current session's client (undefined while re-registering after an expiry, or once closed). */
  get session(): ZkClient | undefined {
    return this.client;
  }

  /** Connects, checks the cluster id, registers the broker and runs for controller. */
  async start(): Promise<void> {
    const { hosts, chroot } = splitZookeeperConnect(this.opts.zookeeperConnect);
    await ZkClient.ensureChroot(hosts, chroot, this.opts.connectTimeoutMs);
    await this.openSession();
  }

  private async openSession(): Promise<void> {
    const client = await ZkClient.connect(this.opts.zookeeperConnect, {
      sessionTimeoutMs: this.opts.sessionTimeoutMs,
      connectTimeoutMs: this.opts.connectTimeoutMs,
      onExpired: () => void this.recoverFromExpiry(client),
    });
    this.client = client;
    for (const path of TOP_LEVEL_PATHS) await client.mkdirp(path);
    await this.checkClusterId(client);
    await this.registerBroker(client);
    await this.opts.onSession?.(client);
    await this.runForController(client);
  }

  private async recoverFromExpiry(expired: ZkClient): Promise<void> {
    if (this.closed || this.client !== expired) return;
    this.opts.logger?.warn(`ZooKeeper session expired; registering broker ${this.opts.brokerId} again on a new session`);
    expired.close();
    this.controllerId = -1;
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        await this.openSession();
        return;
      } catch (err) {
        this.opts.logger?.error(`re-registration in ZooKeeper failed (attempt ${attempt}): ${String(err)}`);
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * attempt)));
      }
    }
  }

  private async checkClusterId(client: ZkClient): Promise<void> {
    await client.mkdirp('/cluster');
    await client.create(CLUSTER_ID_PATH, clusterIdJson(this.opts.clusterId), 'persistent');
    const stored = await client.getData(CLUSTER_ID_PATH);
    const storedId = stored ? parseClusterId(stored.data) : this.opts.clusterId;
    if (storedId !== this.opts.clusterId) {
      // Kafka's own wording (InconsistentClusterIdException), so users can search it.
      throw new KstackError(
        'KSTACK_INCONSISTENT_CLUSTER_ID',
        `The Cluster ID ${storedId} doesn't match stored clusterId Some(${this.opts.clusterId}) in meta.properties. ` +
          'The broker is trying to join the wrong cluster. Configured zookeeper.connect may be wrong.',
        { fix: 'point zookeeper.connect at this stack\'s ensemble (with its chroot), or re-create the workspace with `kstack init --force`' },
      );
    }
  }

  private async registerBroker(client: ZkClient): Promise<void> {
    const path = brokerIdPath(this.opts.brokerId);
    const payload = brokerRegistrationJson({ brokerId: this.opts.brokerId, endpoints: this.opts.endpoints, rack: this.opts.rack, timestamp: this.clock() });
    if (await client.create(path, payload, 'ephemeral')) return;
    const existing = await client.getData(path);
    if (existing && existing.ephemeralOwner !== client.sessionId()) {
      throw new KstackError(
        'KSTACK_BROKER_ID_IN_USE',
        `Error while creating ephemeral at ${path}, node already exists and owner '0x${existing.ephemeralOwner}' does not match current session '0x${client.sessionId()}'`,
        { fix: `another live broker already uses broker.id=${this.opts.brokerId}; give each broker its own id (or wait ${this.opts.sessionTimeoutMs} ms for a crashed one's session to expire)` },
      );
    }
  }

  private async runForController(client: ZkClient): Promise<void> {
    if (this.closed || this.client !== client) return;
    const won = await client.create(CONTROLLER_PATH, controllerJson(this.opts.brokerId, this.clock()), 'ephemeral');
    if (won) {
      const epoch = await client.getData(CONTROLLER_EPOCH_PATH);
      this.controllerEpoch = epoch ? Number(epoch.data) + 1 : 1;
      if (epoch) await client.setData(CONTROLLER_EPOCH_PATH, String(this.controllerEpoch));
      else await client.create(CONTROLLER_EPOCH_PATH, String(this.controllerEpoch), 'persistent');
      this.opts.logger?.info(`${this.opts.brokerId} successfully elected as the controller. Epoch incremented to ${this.controllerEpoch}`);
    }
    // Watch /controller either way: a winner learns if its znode is removed by hand, a loser runs again.
    const current = await client.getData(CONTROLLER_PATH, () => void this.runForController(client).catch((err) => this.opts.logger?.error(`controller election failed: ${String(err)}`)));
    const previous = this.controllerId;
    this.controllerId = current ? parseControllerId(current.data) : -1;
    if (!current) {
      // Deleted between our create and read: run again now.
      await this.runForController(client);
      return;
    }
    if (previous !== this.controllerId) this.opts.onControllerChange?.(this.controllerId);
  }

  /** Publishes (or updates) a topic's replica assignment, config and partition leader state. */
  async publishTopic(topic: string, topicId: string, assignment: ReplicaAssignment, config: Record<string, string> = {}, leaderEpochs?: ReadonlyMap<number, number>): Promise<void> {
    const client = this.requireClient();
    const json = topicAssignmentJson(topicId, assignment);
    if (!(await client.create(topicPath(topic), json, 'persistent'))) await client.setData(topicPath(topic), json);
    const configJson = topicConfigJson(config);
    if (!(await client.create(topicConfigPath(topic), configJson, 'persistent'))) await client.setData(topicConfigPath(topic), configJson);
    for (const [partition, replicas] of assignment) {
      const statePath = partitionStatePath(topic, partition);
      await client.mkdirp(statePath.slice(0, statePath.lastIndexOf('/')));
      const state = partitionStateJson({
        controllerEpoch: Math.max(this.controllerEpoch, 1),
        leader: replicas[0] ?? -1,
        leaderEpoch: leaderEpochs?.get(partition) ?? 0,
        isr: [...replicas],
      });
      if (!(await client.create(statePath, state, 'persistent'))) await client.setData(statePath, state);
    }
  }

  /**
   * Writes a new topic's config and assignment (what Kafka's AdminZkClient.createTopic does; the controller then
   * writes each partition's state). Returns false when the topic exists already.
   */
  async createTopicZnodes(topic: string, topicId: string, assignment: ReplicaAssignment, config: Record<string, string>): Promise<boolean> {
    const client = this.requireClient();
    if (await client.exists(topicPath(topic))) return false;
    const configJson = topicConfigJson(config);
    if (!(await client.create(topicConfigPath(topic), configJson, 'persistent'))) await client.setData(topicConfigPath(topic), configJson);
    return client.create(topicPath(topic), topicAssignmentJson(topicId, assignment), 'persistent');
  }

  /**
   * Writes a partition's leader state: the controller's job, and a leader's for its ISR (as a Kafka 2.x leader
   * did). `expectedVersion` undefined creates the znode (version 0; null when it exists already), otherwise the
   * write is conditional on the znode's version (zkVersion): resolves the new version, or null when someone wrote
   * in between (the caller re-reads and decides again).
   */
  async writePartitionState(topic: string, partition: number, state: { leader: number; leaderEpoch: number; isr: number[] }, expectedVersion?: number): Promise<number | null> {
    const client = this.requireClient();
    const statePath = partitionStatePath(topic, partition);
    const json = partitionStateJson({ controllerEpoch: Math.max(this.controllerEpoch, 1), ...state });
    if (expectedVersion !== undefined) return client.setDataIfVersion(statePath, json, expectedVersion);
    await client.mkdirp(statePath.slice(0, statePath.lastIndexOf('/')));
    return (await client.create(statePath, json, 'persistent')) ? 0 : null;
  }

  /** The partition state znode as it is now (with its version), or null when it does not exist. */
  async readPartitionState(topic: string, partition: number): Promise<{ data: string; version: number } | null> {
    const node = await this.requireClient().getData(partitionStatePath(topic, partition));
    return node ? { data: node.data, version: node.version } : null;
  }

  /** Removes a deleted topic's znodes (what Kafka's controller does once deletion completes). */
  async removeTopic(topic: string): Promise<void> {
    const client = this.requireClient();
    // First empty the assignment: a controller watching the state znodes must not re-create them as "new".
    const current = await client.getData(topicPath(topic));
    if (current) {
      let topicId = '';
      try {
        topicId = parseTopicAssignment(current.data).topicId ?? '';
      } catch {
        // unreadable: the topic goes anyway
      }
      await client.setData(topicPath(topic), topicAssignmentJson(topicId, new Map()));
    }
    const partitions = await client.getChildren(`${topicPath(topic)}/partitions`);
    for (const p of partitions) {
      await client.remove(`${topicPath(topic)}/partitions/${p}/state`);
      await client.remove(`${topicPath(topic)}/partitions/${p}`);
    }
    await client.remove(`${topicPath(topic)}/partitions`);
    await client.remove(topicPath(topic));
    await client.remove(topicConfigPath(topic));
  }

  /**
   * Reserves the next block of producer ids for this broker, as Kafka's ZkProducerIdManager does: read
   * `/latest_producer_id_block`, write the block after it conditionally on the znode's version (or create it),
   * and try again when another broker won the race.
   */
  async allocateProducerIdBlock(size: number): Promise<{ start: bigint; length: number }> {
    const client = this.requireClient();
    for (let attempt = 0; attempt < 20; attempt++) {
      const node = await client.getData(PRODUCER_ID_BLOCK_PATH);
      const start = node && node.data ? parseProducerIdBlock(node.data).end + 1n : 0n;
      const json = producerIdBlockJson(this.opts.brokerId, start, start + BigInt(size) - 1n);
      const won = node ? (await client.setDataIfVersion(PRODUCER_ID_BLOCK_PATH, json, node.version)) !== null : await client.create(PRODUCER_ID_BLOCK_PATH, json, 'persistent');
      if (won) return { start, length: size };
    }
    throw new Error(`could not reserve a producer id block in ${PRODUCER_ID_BLOCK_PATH}: every attempt lost to another broker`);
  }

  /** The ids registered right now, read from ZooKeeper (not from a watch that may not have fired yet). */
  async liveBrokerIds(): Promise<number[]> {
    const ids = await this.requireClient().getChildren(BROKER_IDS_PATH);
    return ids.map(Number).filter((n) => Number.isInteger(n)).sort((a, b) => a - b);
  }

  /** The brokers registered right now (the live view a NameServer would give). */
  async liveBrokers(): Promise<ParsedBrokerRegistration[]> {
    const client = this.requireClient();
    const ids = await client.getChildren(BROKER_IDS_PATH);
    const brokers: ParsedBrokerRegistration[] = [];
    for (const id of ids) {
      const node = await client.getData(brokerIdPath(Number(id)));
      if (node) brokers.push(parseBrokerRegistration(Number(id), node.data));
    }
    return brokers.sort((a, b) => a.brokerId - b.brokerId);
  }

  /** Deregisters (closing the session removes the ephemeral znodes at once) and stops. */
  async close(): Promise<void> {
    this.closed = true;
    this.opts.onClosed?.();
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (this.isController) await client.remove(CONTROLLER_PATH).catch(() => undefined);
    client.close();
  }

  private requireClient(): ZkClient {
    if (!this.client) throw new KstackError('KSTACK_ZK_NOT_CONNECTED', 'the broker is not connected to ZooKeeper');
    return this.client;
  }
}
