/**
 * MetadataImage: the cluster as the committed KRaft metadata log describes it — registered brokers (fenced or
 * not), topics with their partitions' replicas, ISR, leader and epochs, topic config overrides. Every node
 * (controllers and brokers alike) builds the same image by applying the same committed records in log order;
 * it is the Raft state machine (raft/types.ts RaftStateMachine), so snapshots are its JSON.
 *
 * A malformed or unknown record is logged by the caller and skipped — never applied half-way — so one bad
 * record cannot wedge a node; records are written only by kstack's controller.
 */
import type { RaftEntry, RaftSnapshot, RaftStateMachine } from '../raft/types.js';
import { decodeMetadataRecord, type MetadataEndpoint, type MetadataRecord } from './metadata-records.js';

export interface BrokerRegistration {
  brokerId: number;
  brokerEpoch: number;
  incarnationId: string;
  endpoints: MetadataEndpoint[];
  rack: string | null;
  fenced: boolean;
}

export interface PartitionState {
  replicas: number[];
  isr: number[];
  /** -1 = no leader (every ISR member is fenced or gone). */
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
}

export interface TopicImage {
  name: string;
  topicId: string;
  partitions: Map<number, PartitionState>;
  configs: Map<string, string>;
}

interface SnapshotJson {
  version: 1;
  lastAppliedOffset: number;
  nextProducerId?: string;
  brokers: BrokerRegistration[];
  topics: { name: string; topicId: string; partitions: [number, PartitionState][]; configs: [string, string][] }[];
}

export class MetadataImage implements RaftStateMachine {
  readonly brokers = new Map<number, BrokerRegistration>();
  readonly topics = new Map<string, TopicImage>();
  private readonly byId = new Map<string, TopicImage>();
  /** The first producer id no broker has been given yet (AllocateProducerIds hands out blocks from here). */
  nextProducerId = 0n;
  /** Offset of the last applied record (-1 before any). */
  lastAppliedOffset = -1;
  private readonly listeners = new Set<(records: readonly MetadataRecord[]) => void>();
  private batch: MetadataRecord[] = [];

  constructor(private readonly onBadRecord: (offset: number, err: Error) => void = () => {}) {}

  /** Called after each applied record batch (one Raft commit step) with the records applied. */
  onChange(listener: (records: readonly MetadataRecord[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  apply(entry: RaftEntry): void {
    this.lastAppliedOffset = entry.offset;
    let record: MetadataRecord;
    try {
      record = decodeMetadataRecord(entry.value);
    } catch (err) {
      this.onBadRecord(entry.offset, err as Error);
      return;
    }
    this.applyRecord(record);
    this.batch.push(record);
  }

  /** Tells the listeners about the records applied since the last call (the runtime calls it after a commit step). */
  flushChanges(): void {
    if (this.batch.length === 0) return;
    const records = this.batch;
    this.batch = [];
    for (const l of [...this.listeners]) l(records);
  }

  applyRecord(r: MetadataRecord): void {
    switch (r.type) {
      case 'RegisterBroker':
        this.brokers.set(r.brokerId, { brokerId: r.brokerId, brokerEpoch: r.brokerEpoch, incarnationId: r.incarnationId, endpoints: r.endpoints.map((e) => ({ ...e })), rack: r.rack, fenced: true });
        break;
      case 'FenceBroker':
      case 'UnfenceBroker': {
        const b = this.brokers.get(r.brokerId);
        if (b && b.brokerEpoch === r.brokerEpoch) b.fenced = r.type === 'FenceBroker';
        break;
      }
      case 'UnregisterBroker': {
        const b = this.brokers.get(r.brokerId);
        if (b && b.brokerEpoch === r.brokerEpoch) this.brokers.delete(r.brokerId);
        break;
      }
      case 'Topic': {
        if (this.topics.has(r.name)) break;
        const t: TopicImage = { name: r.name, topicId: r.topicId, partitions: new Map(), configs: new Map() };
        this.topics.set(r.name, t);
        this.byId.set(r.topicId, t);
        break;
      }
      case 'Partition': {
        const t = this.byId.get(r.topicId);
        if (t) t.partitions.set(r.partition, { replicas: [...r.replicas], isr: [...r.isr], leader: r.leader, leaderEpoch: r.leaderEpoch, partitionEpoch: r.partitionEpoch });
        break;
      }
      case 'Config': {
        const t = this.topics.get(r.topic);
        if (!t) break;
        if (r.value === null) t.configs.delete(r.name);
        else t.configs.set(r.name, r.value);
        break;
      }
      case 'ProducerIds': {
        const next = BigInt(r.nextProducerId);
        if (next > this.nextProducerId) this.nextProducerId = next;
        break;
      }
      case 'RemoveTopic': {
        const t = this.byId.get(r.topicId);
        if (!t) break;
        this.byId.delete(r.topicId);
        this.topics.delete(t.name);
        break;
      }
    }
  }

  topicById(topicId: string): TopicImage | undefined {
    return this.byId.get(topicId);
  }

  /** Registered, unfenced brokers: the ones clients are sent to and partitions may be led by. */
  activeBrokerIds(): number[] {
    return [...this.brokers.values()].filter((b) => !b.fenced).map((b) => b.brokerId).sort((a, b) => a - b);
  }

  snapshot(): Buffer {
    const json: SnapshotJson = {
      version: 1,
      lastAppliedOffset: this.lastAppliedOffset,
      nextProducerId: String(this.nextProducerId),
      brokers: [...this.brokers.values()],
      topics: [...this.topics.values()].map((t) => ({ name: t.name, topicId: t.topicId, partitions: [...t.partitions], configs: [...t.configs] })),
    };
    return Buffer.from(JSON.stringify(json), 'utf8');
  }

  restore(snapshot: RaftSnapshot): void {
    const json = JSON.parse(snapshot.data.toString('utf8')) as SnapshotJson;
    if (json.version !== 1) throw new Error(`metadata snapshot version ${String(json.version)} is not supported`);
    this.brokers.clear();
    this.topics.clear();
    this.byId.clear();
    this.nextProducerId = BigInt(json.nextProducerId ?? '0');
    for (const b of json.brokers) this.brokers.set(b.brokerId, { ...b });
    for (const t of json.topics) {
      const topic: TopicImage = { name: t.name, topicId: t.topicId, partitions: new Map(t.partitions), configs: new Map(t.configs) };
      this.topics.set(t.name, topic);
      this.byId.set(t.topicId, topic);
    }
    this.lastAppliedOffset = snapshot.id.offset - 1;
    for (const l of [...this.listeners]) l([]);
  }
}
