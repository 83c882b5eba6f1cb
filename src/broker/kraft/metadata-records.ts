/**
 * The records of kstack's KRaft metadata log (`__cluster_metadata`): every broker registration, fence and
 * unfence, topic, partition state and config change is one record, appended by the active controller through
 * the Raft quorum and applied in log order by every node (metadata-image.ts), as in Kafka's KRaft.
 *
 * Kafka's own record types are named here (RegisterBrokerRecord, FenceBrokerRecord, UnfenceBrokerRecord,
 * TopicRecord, PartitionRecord / PartitionChangeRecord, ConfigRecord, RemoveTopicRecord, ProducerIdsRecord), but the value
 * encoding is kstack's: one JSON object per record value, `{"type": …, "v": 0, …}`, so Kafka's
 * kafka-metadata-shell cannot read a kstack metadata log (the batches around them are Kafka's v2 format).
 * A partition record always carries the whole state (not a delta), which keeps apply() trivially idempotent.
 */

export interface MetadataEndpoint {
  /** Upper-cased listener name. */
  name: string;
  host: string;
  port: number;
  securityProtocol: string;
}

export type MetadataRecord =
  | { type: 'RegisterBroker'; brokerId: number; brokerEpoch: number; incarnationId: string; endpoints: MetadataEndpoint[]; rack: string | null }
  | { type: 'FenceBroker'; brokerId: number; brokerEpoch: number }
  | { type: 'UnfenceBroker'; brokerId: number; brokerEpoch: number }
  | { type: 'UnregisterBroker'; brokerId: number; brokerEpoch: number }
  | { type: 'Topic'; name: string; topicId: string }
  | { type: 'Partition'; topicId: string; partition: number; replicas: number[]; isr: number[]; leader: number; leaderEpoch: number; partitionEpoch: number }
  | { type: 'Config'; topic: string; name: string; value: string | null }
  | { type: 'RemoveTopic'; topicId: string }
  /** The next producer id not yet handed out (a decimal string: ids are 64-bit). */
  | { type: 'ProducerIds'; brokerId: number; brokerEpoch: number; nextProducerId: string };

export type MetadataRecordType = MetadataRecord['type'];

export class MetadataRecordError extends Error {
  readonly code = 'KSTACK_METADATA_RECORD';
}

const RECORD_VERSION = 0;

export function encodeMetadataRecord(record: MetadataRecord): Buffer {
  return Buffer.from(JSON.stringify({ v: RECORD_VERSION, ...record }), 'utf8');
}

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);
const isIntArray = (x: unknown): x is number[] => Array.isArray(x) && x.every(isInt);
const isStr = (x: unknown): x is string => typeof x === 'string';

/** Decodes and checks one record value; throws MetadataRecordError on anything malformed or unknown. */
export function decodeMetadataRecord(value: Buffer): MetadataRecord {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(value.toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new MetadataRecordError(`metadata record is not JSON: ${(err as Error).message}`);
  }
  if (o === null || typeof o !== 'object') throw new MetadataRecordError('metadata record is not an object');
  if (o.v !== RECORD_VERSION) throw new MetadataRecordError(`metadata record version ${String(o.v)} is not supported (this kstack reads ${RECORD_VERSION})`);
  const bad = (what: string): never => {
    throw new MetadataRecordError(`${String(o.type)} record: ${what}`);
  };
  switch (o.type) {
    case 'RegisterBroker': {
      if (!isInt(o.brokerId) || !isInt(o.brokerEpoch) || !isStr(o.incarnationId)) bad('brokerId, brokerEpoch and incarnationId are required');
      if (!Array.isArray(o.endpoints)) bad('endpoints must be a list');
      const endpoints = (o.endpoints as unknown[]).map((e) => {
        const x = e as Record<string, unknown>;
        if (!x || !isStr(x.name) || !isStr(x.host) || !isInt(x.port) || !isStr(x.securityProtocol)) bad('malformed endpoint');
        return { name: x.name as string, host: x.host as string, port: x.port as number, securityProtocol: x.securityProtocol as string };
      });
      if (o.rack !== null && !isStr(o.rack)) bad('rack must be a string or null');
      return { type: 'RegisterBroker', brokerId: o.brokerId as number, brokerEpoch: o.brokerEpoch as number, incarnationId: o.incarnationId as string, endpoints, rack: (o.rack as string | null) ?? null };
    }
    case 'FenceBroker':
    case 'UnfenceBroker':
    case 'UnregisterBroker':
      if (!isInt(o.brokerId) || !isInt(o.brokerEpoch)) bad('brokerId and brokerEpoch are required');
      return { type: o.type, brokerId: o.brokerId as number, brokerEpoch: o.brokerEpoch as number };
    case 'Topic':
      if (!isStr(o.name) || !isStr(o.topicId)) bad('name and topicId are required');
      return { type: 'Topic', name: o.name as string, topicId: o.topicId as string };
    case 'Partition':
      if (!isStr(o.topicId) || !isInt(o.partition) || !isIntArray(o.replicas) || !isIntArray(o.isr) || !isInt(o.leader) || !isInt(o.leaderEpoch) || !isInt(o.partitionEpoch)) {
        bad('topicId, partition, replicas, isr, leader, leaderEpoch and partitionEpoch are required');
      }
      return { type: 'Partition', topicId: o.topicId as string, partition: o.partition as number, replicas: o.replicas as number[], isr: o.isr as number[], leader: o.leader as number, leaderEpoch: o.leaderEpoch as number, partitionEpoch: o.partitionEpoch as number };
    case 'Config':
      if (!isStr(o.topic) || !isStr(o.name) || (o.value !== null && !isStr(o.value))) bad('topic, name and value are required');
      return { type: 'Config', topic: o.topic as string, name: o.name as string, value: o.value as string | null };
    case 'RemoveTopic':
      if (!isStr(o.topicId)) bad('topicId is required');
      return { type: 'RemoveTopic', topicId: o.topicId as string };
    case 'ProducerIds':
      if (!isInt(o.brokerId) || !isInt(o.brokerEpoch) || !isStr(o.nextProducerId) || !/^\d+$/.test(o.nextProducerId)) bad('brokerId, brokerEpoch and a decimal nextProducerId are required');
      return { type: 'ProducerIds', brokerId: o.brokerId as number, brokerEpoch: o.brokerEpoch as number, nextProducerId: o.nextProducerId as string };
    default:
      throw new MetadataRecordError(`unknown metadata record type ${JSON.stringify(o.type)}`);
  }
}
