/**
 * ZkMetadataCache: the cluster as ZooKeeper holds it, kept current by watches, on every broker of a zk-mode
 * cluster. It watches /controller, /brokers/ids (live brokers and their endpoints per listener),
 * /brokers/topics (assignments), each topic's /config/topics entry at creation, and every partition's state
 * znode, and answers ClusterView's questions from memory (no ZooKeeper round trip on a request path).
 *
 * Kafka's own brokers learn partition state from the controller's UpdateMetadata requests; the native brokers
 * watch the state znodes the controller writes instead (there is no broker-to-broker RPC), which gives the same
 * view a little later than the znode write.
 *
 * ZooKeeper watches fire once: every read re-arms its watch, at most one outstanding per path and session. A new
 * session (after expiry) starts from scratch with `attach(client)`.
 */
import type { ZkClient } from './zk-client.js';
import {
  BROKER_IDS_PATH,
  CONTROLLER_PATH,
  TOPICS_PATH,
  brokerIdPath,
  parseBrokerRegistration,
  parseControllerId,
  parsePartitionState,
  parseTopicAssignment,
  partitionStatePath,
  topicConfigPath,
  topicPath,
  type ParsedBrokerRegistration,
  type PartitionState,
} from './znodes.js';

export interface CachedTopic {
  name: string;
  topicId: string | null;
  /** Partition → replicas (first = preferred leader). */
  assignment: Map<number, number[]>;
  configs: Map<string, string>;
}

type Logger = { warn(message: string): void; error(message: string): void };

export class ZkMetadataCache {
  readonly brokers = new Map<number, ParsedBrokerRegistration>();
  readonly topics = new Map<string, CachedTopic>();
  /** `${topic}/${partition}` → state. */
  readonly states = new Map<string, PartitionState>();
  controllerId = -1;
  private client: ZkClient | undefined;
  private readonly armed = new Set<string>();
  private readonly listeners: (() => void)[] = [];
  private notifyScheduled = false;

  constructor(private readonly logger?: Logger) {}

  /** Called after every batch of changes (coalesced). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Starts (or restarts, on a new session) watching; resolves once the whole tree has been read once. */
  async attach(client: ZkClient): Promise<void> {
    this.client = client;
    this.armed.clear();
    await this.readController(client);
    await this.readBrokers(client);
    await this.readTopics(client);
    this.changed();
  }

  detach(): void {
    this.client = undefined;
  }

  state(topic: string, partition: number): PartitionState | undefined {
    return this.states.get(`${topic}/${partition}`);
  }

  private changed(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    setImmediate(() => {
      this.notifyScheduled = false;
      for (const l of this.listeners) {
        try {
          l();
        } catch (err) {
          this.logger?.error(`metadata change listener failed: ${String(err)}`);
        }
      }
    });
  }

  /** A one-shot watcher that re-reads `path` through `read`, armed at most once per path and session. */
  private watcher(client: ZkClient, key: string, read: (c: ZkClient) => Promise<void>): (() => void) | undefined {
    if (this.armed.has(key)) return undefined;
    this.armed.add(key);
    return () => {
      this.armed.delete(key);
      if (this.client !== client) return;
      read(client).catch((err) => this.logger?.warn(`ZooKeeper read of ${key} failed: ${String(err)}`));
    };
  }

  private async readController(client: ZkClient): Promise<void> {
    const key = `data:${CONTROLLER_PATH}`;
    const w = this.watcher(client, key, (c) => this.readController(c));
    const node = await client.getData(CONTROLLER_PATH, w);
    if (!node) {
      // getData leaves no watch on a missing znode; exists does.
      if (w) {
        this.armed.delete(key);
        const ew = this.watcher(client, key, (c) => this.readController(c));
        if (await client.exists(CONTROLLER_PATH, ew)) {
          // Created between the two reads: the exists watch is armed; read its data without a second watch.
          const again = await client.getData(CONTROLLER_PATH);
          this.setController(again ? parseControllerId(again.data) : -1);
          return;
        }
      }
      this.setController(-1);
      return;
    }
    this.setController(parseControllerId(node.data));
  }

  private setController(id: number): void {
    if (id === this.controllerId) return;
    this.controllerId = id;
    this.changed();
  }

  private async readBrokers(client: ZkClient): Promise<void> {
    const ids = (await client.getChildren(BROKER_IDS_PATH, this.watcher(client, `children:${BROKER_IDS_PATH}`, (c) => this.readBrokers(c)))).map(Number).filter((n) => Number.isInteger(n));
    const seen = new Set(ids);
    let changed = false;
    for (const id of [...this.brokers.keys()]) {
      if (!seen.has(id)) {
        this.brokers.delete(id);
        changed = true;
      }
    }
    for (const id of ids) {
      const node = await client.getData(brokerIdPath(id));
      if (!node) {
        if (this.brokers.delete(id)) changed = true;
        continue;
      }
      try {
        const reg = parseBrokerRegistration(id, node.data);
        const old = this.brokers.get(id);
        if (!old || old.timestamp !== reg.timestamp || JSON.stringify(old.endpoints) !== JSON.stringify(reg.endpoints)) changed = true;
        this.brokers.set(id, reg);
      } catch (err) {
        this.logger?.warn(`ignoring broker ${id}: unreadable registration in ZooKeeper (${String(err)})`);
      }
    }
    if (changed) this.changed();
  }

  private async readTopics(client: ZkClient): Promise<void> {
    const names = await client.getChildren(TOPICS_PATH, this.watcher(client, `children:${TOPICS_PATH}`, (c) => this.readTopics(c)));
    const seen = new Set(names);
    for (const name of [...this.topics.keys()]) if (!seen.has(name)) this.dropTopic(name);
    for (const name of names) if (!this.topics.has(name) || !this.armed.has(`data:${topicPath(name)}`)) await this.readTopic(client, name);
  }

  private dropTopic(name: string): void {
    const t = this.topics.get(name);
    if (!t) return;
    this.topics.delete(name);
    for (const p of t.assignment.keys()) this.states.delete(`${name}/${p}`);
    this.changed();
  }

  private async readTopic(client: ZkClient, name: string): Promise<void> {
    const node = await client.getData(topicPath(name), this.watcher(client, `data:${topicPath(name)}`, (c) => this.readTopic(c, name)));
    if (!node) {
      this.armed.delete(`data:${topicPath(name)}`);
      this.dropTopic(name);
      return;
    }
    let parsed: ReturnType<typeof parseTopicAssignment>;
    try {
      parsed = parseTopicAssignment(node.data);
    } catch (err) {
      this.logger?.warn(`ignoring topic ${name}: unreadable assignment in ZooKeeper (${String(err)})`);
      return;
    }
    const old = this.topics.get(name);
    this.topics.set(name, { name, topicId: parsed.topicId, assignment: parsed.assignment, configs: old?.configs ?? new Map() });
    if (!old) await this.readConfig(client, name);
    this.changed();
    for (const p of parsed.assignment.keys()) {
      if (!this.armed.has(`data:${partitionStatePath(name, p)}`)) await this.readState(client, name, p);
    }
  }

  /**
   * Reads a znode with a data watch; when it does not exist yet (a partition state the controller has not written,
   * a topic without config overrides) the watch goes on its creation instead.
   */
  private async getWatched(client: ZkClient, path: string, key: string, read: (c: ZkClient) => Promise<void>): Promise<Awaited<ReturnType<ZkClient['getData']>>> {
    const w = this.watcher(client, key, read);
    const node = await client.getData(path, w);
    if (node || !w) return node;
    this.armed.delete(key);
    const ew = this.watcher(client, key, read);
    return (await client.exists(path, ew)) ? client.getData(path) : null;
  }

  /** /config/topics/<t>, watched: configs altered through any broker reach every broker. */
  private async readConfig(client: ZkClient, name: string): Promise<void> {
    const path = topicConfigPath(name);
    const key = `data:${path}`;
    const node = await this.getWatched(client, path, key, (c) => this.readConfig(c, name));
    const topic = this.topics.get(name);
    if (!topic) return;
    const configs = new Map<string, string>();
    if (node) {
      try {
        const body = JSON.parse(node.data) as { config?: Record<string, unknown> };
        for (const [k, v] of Object.entries(body.config ?? {})) if (typeof v === 'string') configs.set(k, v);
      } catch {
        this.logger?.warn(`ignoring unreadable config of topic ${name} in ZooKeeper`);
        return;
      }
    }
    const same = configs.size === topic.configs.size && [...configs].every(([k, v]) => topic.configs.get(k) === v);
    if (!same) {
      topic.configs = configs;
      this.changed();
    }
  }

  private async readState(client: ZkClient, topic: string, partition: number): Promise<void> {
    const path = partitionStatePath(topic, partition);
    const key = `data:${path}`;
    const node = await this.getWatched(client, path, key, (c) => this.readState(c, topic, partition));
    const k = `${topic}/${partition}`;
    if (!node) {
      if (this.states.delete(k)) this.changed();
      return;
    }
    try {
      const state = { ...parsePartitionState(node.data), zkVersion: node.version };
      const old = this.states.get(k);
      if (!old || old.zkVersion !== state.zkVersion || old.leader !== state.leader || old.leaderEpoch !== state.leaderEpoch || old.isr.join() !== state.isr.join()) {
        this.states.set(k, state);
        this.changed();
      }
    } catch (err) {
      this.logger?.warn(`ignoring unreadable state of ${topic}-${partition} in ZooKeeper (${String(err)})`);
    }
  }
}
