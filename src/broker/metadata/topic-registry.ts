/**
 * Standalone single-node metadata: topics, partition counts, topic ids, leader epochs and per-topic config
 * overrides. This node leads every partition.
 *
 * On disk: `<first log dir>/kstack-topics.json`, rewritten atomically (temp file + fsync + rename) on every
 * change, so topics survive restarts and a crash leaves either the old or the new file:
 *   { "version": 1, "topics": [ { "name": "t", "topicId": "<22-char base64>", "partitions": 3,
 *     "leaderEpochs": [0, 0, 0], "configs": { "retention.ms": "1000" } } ] }
 * Topic ids use Kafka's Uuid text form (URL-safe base64 of 16 random bytes, no padding, never the zero or
 * the metadata-topic uuid).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, fsyncSync, closeSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TopicInfo {
  name: string;
  topicId: string;
  /** Partition i has leader epoch leaderEpochs[i] (0 on a fresh single node). */
  leaderEpochs: number[];
  /** Per-topic overrides only (not defaults). */
  configs: Map<string, string>;
  internal: boolean;
}

const LEGAL = /^[a-zA-Z0-9._-]+$/;
const MAX_NAME_LENGTH = 249;

/** Kafka's Topic.validate: returns Kafka's message or null. */
export function validateTopicName(name: string): string | null {
  if (name.length === 0) return 'Topic name is illegal, it can\'t be empty';
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > MAX_NAME_LENGTH) return `Topic name is illegal, it can't be longer than ${MAX_NAME_LENGTH} characters, topic name: ${name}`;
  if (!LEGAL.test(name)) return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  return null;
}

export function isInternalTopic(name: string): boolean {
  return name === '__consumer_offsets' || name === '__transaction_state';
}

export function newTopicId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    // Kafka reserves the zero uuid and ONE_UUID (AAAAAAAAAAAAAAAAAAAAAQ); ids starting with '-' confuse CLIs.
    if (id !== 'AAAAAAAAAAAAAAAAAAAAAA' && id !== 'AAAAAAAAAAAAAAAAAAAAAQ' && !id.startsWith('-')) return id;
  }
}

interface StoredTopic {
  name: string;
  topicId: string;
  partitions: number;
  leaderEpochs: number[];
  configs: Record<string, string>;
}

export class TopicRegistryError extends Error {}

/** A committed change, for whoever mirrors topics elsewhere (ZooKeeper's /brokers/topics in zk mode). */
export type TopicChange = { kind: 'created' | 'changed'; topic: TopicInfo } | { kind: 'deleted'; topic: TopicInfo };

export class TopicRegistry {
  private readonly topics = new Map<string, TopicInfo>();
  private readonly byId = new Map<string, TopicInfo>();
  private readonly file: string | null;
  private readonly observers: ((change: TopicChange) => void)[] = [];

  /** Calls `observer` after every persisted change. */
  onChange(observer: (change: TopicChange) => void): void {
    this.observers.push(observer);
  }

  private changed(change: TopicChange): void {
    for (const o of this.observers) o(change);
  }

  /** `dir` null = memory only (tests of pure logic). */
  constructor(dir: string | null) {
    this.file = dir === null ? null : join(dir, 'kstack-topics.json');
    if (dir !== null) mkdirSync(dir, { recursive: true });
  }

  /** Loads the persisted topics; a missing file is an empty registry, a corrupt one an error. */
  load(): void {
    if (this.file === null) return;
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    let parsed: { version?: number; topics?: StoredTopic[] };
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new TopicRegistryError(`${this.file} is not valid JSON (${(err as Error).message})`);
    }
    if (parsed.version !== 1 || !Array.isArray(parsed.topics)) throw new TopicRegistryError(`${this.file}: unsupported format`);
    for (const t of parsed.topics) {
      const epochs = Array.isArray(t.leaderEpochs) && t.leaderEpochs.length === t.partitions ? t.leaderEpochs : new Array<number>(t.partitions).fill(0);
      const info: TopicInfo = { name: t.name, topicId: t.topicId, leaderEpochs: epochs, configs: new Map(Object.entries(t.configs ?? {})), internal: isInternalTopic(t.name) };
      this.topics.set(info.name, info);
      this.byId.set(info.topicId, info);
    }
  }

  private persist(): void {
    if (this.file === null) return;
    const body: { version: 1; topics: StoredTopic[] } = {
      version: 1,
      topics: [...this.topics.values()].map((t) => ({ name: t.name, topicId: t.topicId, partitions: t.leaderEpochs.length, leaderEpochs: t.leaderEpochs, configs: Object.fromEntries(t.configs) })),
    };
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(body, null, 1) + '\n');
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }

  get(name: string): TopicInfo | undefined {
    return this.topics.get(name);
  }

  getById(topicId: string): TopicInfo | undefined {
    return this.byId.get(topicId);
  }

  list(): TopicInfo[] {
    return [...this.topics.values()];
  }

  partitionCount(name: string): number {
    return this.topics.get(name)?.leaderEpochs.length ?? 0;
  }

  /** `topicId` given = a topic the cluster already named (zk mode mirrors ZooKeeper's topics). */
  create(name: string, partitions: number, configs: Map<string, string> = new Map(), topicId?: string): TopicInfo {
    if (this.topics.has(name)) throw new TopicRegistryError(`Topic '${name}' already exists.`);
    if (!(partitions >= 1)) throw new TopicRegistryError(`Number of partitions must be larger than 0.`);
    const info: TopicInfo = { name, topicId: topicId ?? newTopicId(), leaderEpochs: new Array<number>(partitions).fill(0), configs: new Map(configs), internal: isInternalTopic(name) };
    this.topics.set(name, info);
    this.byId.set(info.topicId, info);
    this.persist();
    this.changed({ kind: 'created', topic: info });
    return info;
  }

  delete(name: string): TopicInfo | undefined {
    const info = this.topics.get(name);
    if (!info) return undefined;
    this.topics.delete(name);
    this.byId.delete(info.topicId);
    this.persist();
    this.changed({ kind: 'deleted', topic: info });
    return info;
  }

  addPartitions(name: string, newTotal: number): TopicInfo {
    const info = this.topics.get(name);
    if (!info) throw new TopicRegistryError(`Topic '${name}' does not exist.`);
    if (newTotal <= info.leaderEpochs.length) throw new TopicRegistryError(`Topic currently has ${info.leaderEpochs.length} partitions, which is higher than the requested ${newTotal}.`);
    while (info.leaderEpochs.length < newTotal) info.leaderEpochs.push(0);
    this.persist();
    this.changed({ kind: 'changed', topic: info });
    return info;
  }

  /** Records a partition's leader epoch as the cluster's controller set it (zk mode). */
  setLeaderEpoch(name: string, partition: number, epoch: number): void {
    const info = this.topics.get(name);
    if (!info || partition < 0 || partition >= info.leaderEpochs.length || info.leaderEpochs[partition] === epoch) return;
    info.leaderEpochs[partition] = epoch;
    this.persist();
  }

  setConfigs(name: string, configs: Map<string, string>): void {
    const info = this.topics.get(name);
    if (!info) throw new TopicRegistryError(`Topic '${name}' does not exist.`);
    info.configs = new Map(configs);
    this.persist();
    this.changed({ kind: 'changed', topic: info });
  }
}
