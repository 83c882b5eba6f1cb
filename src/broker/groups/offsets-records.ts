/**
 * Records of the internal `__consumer_offsets` topic, in Apache Kafka's own layouts (so Kafka's
 * `kafka-dump-log.sh --offsets-decoder` can read our segments). Every key and value starts with an int16 version.
 *
 *   OffsetCommitKey  (key version 0/1):  group string, topic string, partition int32
 *   GroupMetadataKey (key version 2):    group string
 *
 *   OffsetCommitValue v0: offset int64, metadata string, commitTimestamp int64
 *                     v1: offset int64, metadata string, commitTimestamp int64, expireTimestamp int64
 *                     v2: offset int64, metadata string, commitTimestamp int64
 *                     v3: offset int64, leaderEpoch int32, metadata string, commitTimestamp int64
 * We write v3, or v1 when a commit carries its own expiry (as Kafka does).
 *
 *   GroupMetadataValue v0..v3: protocolType string, generation int32, protocol nullable string,
 *                     leader nullable string, [v2+] currentStateTimestamp int64,
 *                     members array of { memberId string, [v3+] groupInstanceId nullable string, clientId string,
 *                     clientHost string, [v1+] rebalanceTimeout int32, sessionTimeout int32, subscription bytes,
 *                     assignment bytes }                                                          ← we write v3
 *
 * A null value (tombstone) deletes the key: an offset that expired or was deleted, or a group that was deleted.
 * Strings are classic (int16 length); versions 4+ (flexible) are not written or read here.
 */
import { Reader } from '../../protocol/reader.js';
import { Writer } from '../../protocol/writer.js';

export interface OffsetKey {
  type: 'offset';
  groupId: string;
  topic: string;
  partition: number;
}

export interface GroupKey {
  type: 'group';
  groupId: string;
}

export type ConsumerOffsetsKey = OffsetKey | GroupKey;

export interface OffsetValue {
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** -1 = none (only value v1 stores one). */
  expireTimestamp: number;
}

export interface StoredMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  subscription: Buffer;
  assignment: Buffer;
}

export interface GroupValue {
  protocolType: string;
  generationId: number;
  protocolName: string | null;
  leaderId: string | null;
  currentStateTimestamp: number;
  members: StoredMember[];
}

export class OffsetsRecordError extends Error {}

export function encodeKey(key: ConsumerOffsetsKey): Buffer {
  const w = new Writer(64);
  if (key.type === 'offset') {
    w.writeInt16(1);
    w.writeString(key.groupId);
    w.writeString(key.topic);
    w.writeInt32(key.partition);
  } else {
    w.writeInt16(2);
    w.writeString(key.groupId);
  }
  return Buffer.from(w.finish());
}

export function decodeKey(buf: Buffer): ConsumerOffsetsKey {
  const r = new Reader(buf);
  const version = r.int16();
  let key: ConsumerOffsetsKey;
  if (version === 0 || version === 1) {
    key = { type: 'offset', groupId: r.string(), topic: r.string(), partition: r.int32() };
  } else if (version === 2) {
    key = { type: 'group', groupId: r.string() };
  } else {
    throw new OffsetsRecordError(`unknown __consumer_offsets key version ${version}`);
  }
  if (!r.ok) throw new OffsetsRecordError(`bad __consumer_offsets key: ${r.error}`);
  return key;
}

/** Writes v3, or v1 when the commit carries its own expiry (OffsetCommit v1 timestamps / v2-v4 retention), as Kafka does. */
export function encodeOffsetValue(v: OffsetValue): Buffer {
  const w = new Writer(64 + v.metadata.length);
  if (v.expireTimestamp >= 0) {
    w.writeInt16(1);
    w.writeInt64(v.offset);
    w.writeString(v.metadata);
    w.writeInt64(BigInt(v.commitTimestamp));
    w.writeInt64(BigInt(v.expireTimestamp));
  } else {
    w.writeInt16(3);
    w.writeInt64(v.offset);
    w.writeInt32(v.leaderEpoch);
    w.writeString(v.metadata);
    w.writeInt64(BigInt(v.commitTimestamp));
  }
  return Buffer.from(w.finish());
}

export function decodeOffsetValue(buf: Buffer): OffsetValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0 || version > 3) throw new OffsetsRecordError(`unsupported OffsetCommitValue version ${version}`);
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = r.string();
  const commitTimestamp = Number(r.int64());
  const expireTimestamp = version === 1 ? Number(r.int64()) : -1;
  if (!r.ok) throw new OffsetsRecordError(`bad OffsetCommitValue: ${r.error}`);
  return { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
}

export function encodeGroupValue(v: GroupValue): Buffer {
  const w = new Writer(256);
  w.writeInt16(3);
  w.writeString(v.protocolType);
  w.writeInt32(v.generationId);
  w.writeNullableString(v.protocolName);
  w.writeNullableString(v.leaderId);
  w.writeInt64(BigInt(v.currentStateTimestamp));
  w.writeArrayLength(v.members.length);
  for (const m of v.members) {
    w.writeString(m.memberId);
    w.writeNullableString(m.groupInstanceId);
    w.writeString(m.clientId);
    w.writeString(m.clientHost);
    w.writeInt32(m.rebalanceTimeoutMs);
    w.writeInt32(m.sessionTimeoutMs);
    w.writeBytes(m.subscription);
    w.writeBytes(m.assignment);
  }
  return Buffer.from(w.finish());
}

export function decodeGroupValue(buf: Buffer): GroupValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0 || version > 3) throw new OffsetsRecordError(`unsupported GroupMetadataValue version ${version}`);
  const protocolType = r.string();
  const generationId = r.int32();
  const protocolName = r.nullableString();
  const leaderId = r.nullableString();
  const currentStateTimestamp = version >= 2 ? Number(r.int64()) : -1;
  const n = r.arrayLength();
  const members: StoredMember[] = [];
  for (let i = 0; i < n && r.ok; i++) {
    const memberId = r.string();
    const groupInstanceId = version >= 3 ? r.nullableString() : null;
    const clientId = r.string();
    const clientHost = r.string();
    const rebalanceTimeoutMs = version >= 1 ? r.int32() : -1;
    const sessionTimeoutMs = r.int32();
    const subscription = Buffer.from(r.bytes());
    const assignment = Buffer.from(r.bytes());
    members.push({
      memberId,
      groupInstanceId,
      clientId,
      clientHost,
      rebalanceTimeoutMs: rebalanceTimeoutMs < 0 ? sessionTimeoutMs : rebalanceTimeoutMs,
      sessionTimeoutMs,
      subscription,
      assignment,
    });
  }
  if (!r.ok) throw new OffsetsRecordError(`bad GroupMetadataValue: ${r.error}`);
  return { protocolType, generationId, protocolName, leaderId, currentStateTimestamp, members };
}

/** Java's String.hashCode over UTF-16 code units, as a signed 32-bit int. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's `Utils.abs(groupId.hashCode) % offsets.topic.num.partitions` (Utils.abs maps MIN_VALUE to 0). */
export function partitionForGroup(groupId: string, numPartitions: number): number {
  const h = javaStringHashCode(groupId);
  const abs = h === -2147483648 ? 0 : Math.abs(h);
  return abs % numPartitions;
}
