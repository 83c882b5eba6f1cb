import { describe, expect, it } from 'vitest';
import {
  decodeGroupValue,
  decodeKey,
  decodeOffsetValue,
  encodeGroupValue,
  encodeKey,
  encodeOffsetValue,
  javaStringHashCode,
  partitionForGroup,
  OffsetsRecordError,
} from '../../../../src/broker/groups/offsets-records.js';

describe('__consumer_offsets record layouts', () => {
  it('writes OffsetCommitKey v1 byte for byte', () => {
    const key = encodeKey({ type: 'offset', groupId: 'g', topic: 'tp', partition: 5 });
    expect(key.toString('hex')).toBe('0001' + '0001' + '67' + '0002' + '7470' + '00000005');
    expect(decodeKey(key)).toEqual({ type: 'offset', groupId: 'g', topic: 'tp', partition: 5 });
  });

  it('writes GroupMetadataKey v2 and reads key v0 as an offset key', () => {
    const key = encodeKey({ type: 'group', groupId: 'grp' });
    expect(key.toString('hex')).toBe('0002' + '0003' + Buffer.from('grp').toString('hex'));
    expect(decodeKey(key)).toEqual({ type: 'group', groupId: 'grp' });
    const v0 = Buffer.from('0000' + '0001' + '61' + '0001' + '62' + '00000000', 'hex');
    expect(decodeKey(v0)).toEqual({ type: 'offset', groupId: 'a', topic: 'b', partition: 0 });
  });

  it('writes OffsetCommitValue v3 (leader epoch before metadata) and round-trips metadata', () => {
    const v = { offset: 42n, leaderEpoch: 7, metadata: 'my-meta ✓', commitTimestamp: 1_700_000_000_000, expireTimestamp: -1 };
    const buf = encodeOffsetValue(v);
    expect(buf.readInt16BE(0)).toBe(3);
    expect(buf.readBigInt64BE(2)).toBe(42n);
    expect(buf.readInt32BE(10)).toBe(7);
    expect(buf.readInt16BE(14)).toBe(Buffer.byteLength('my-meta ✓'));
    expect(decodeOffsetValue(buf)).toEqual(v);
  });

  it('writes v1 (with expireTimestamp) when a commit carries its own expiry, and reads v0 and v2', () => {
    const v = { offset: 1n, leaderEpoch: -1, metadata: '', commitTimestamp: 10, expireTimestamp: 99 };
    const buf = encodeOffsetValue(v);
    expect(buf.readInt16BE(0)).toBe(1);
    expect(decodeOffsetValue(buf)).toEqual(v);
    const v0 = Buffer.alloc(2 + 8 + 2 + 8);
    v0.writeInt16BE(0, 0);
    v0.writeBigInt64BE(5n, 2);
    v0.writeInt16BE(0, 10);
    v0.writeBigInt64BE(123n, 12);
    expect(decodeOffsetValue(v0)).toEqual({ offset: 5n, leaderEpoch: -1, metadata: '', commitTimestamp: 123, expireTimestamp: -1 });
    v0.writeInt16BE(2, 0);
    expect(decodeOffsetValue(v0).offset).toBe(5n);
  });

  it('round-trips GroupMetadataValue v3 with static and dynamic members', () => {
    const v = {
      protocolType: 'consumer',
      generationId: 4,
      protocolName: 'range',
      leaderId: 'm1',
      currentStateTimestamp: 1234,
      members: [
        { memberId: 'm1', groupInstanceId: 'i1', clientId: 'c', clientHost: '/127.0.0.1', rebalanceTimeoutMs: 60000, sessionTimeoutMs: 10000, subscription: Buffer.from([1, 2]), assignment: Buffer.from([3]) },
        { memberId: 'm2', groupInstanceId: null, clientId: 'c2', clientHost: '/127.0.0.1', rebalanceTimeoutMs: 5000, sessionTimeoutMs: 6000, subscription: Buffer.alloc(0), assignment: Buffer.alloc(0) },
      ],
    };
    const buf = encodeGroupValue(v);
    expect(buf.readInt16BE(0)).toBe(3);
    expect(decodeGroupValue(buf)).toEqual(v);
  });

  it('rejects truncated or unknown records with a clear error, never a crash', () => {
    expect(() => decodeKey(Buffer.from('0009', 'hex'))).toThrow(OffsetsRecordError);
    expect(() => decodeKey(Buffer.from('000100', 'hex'))).toThrow(/bad __consumer_offsets key/);
    expect(() => decodeOffsetValue(Buffer.from('0003000000', 'hex'))).toThrow(OffsetsRecordError);
    expect(() => decodeGroupValue(Buffer.from('0007', 'hex'))).toThrow(/unsupported GroupMetadataValue version 7/);
    const good = encodeGroupValue({ protocolType: 'consumer', generationId: 1, protocolName: null, leaderId: null, currentStateTimestamp: 0, members: [] });
    expect(() => decodeGroupValue(good.subarray(0, good.length - 1))).toThrow(OffsetsRecordError);
  });
});

describe('partition for a group (Kafka: abs(String.hashCode) % offsets.topic.num.partitions)', () => {
  it('matches Java String.hashCode', () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('a')).toBe(97);
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
  });

  it('maps Integer.MIN_VALUE to 0 and negative hashes to their absolute value', () => {
    expect(partitionForGroup('polygenelubricants', 50)).toBe(0);
    expect(partitionForGroup('hello', 50)).toBe(99162322 % 50);
    // Find a group whose hash is negative and check the sign is dropped.
    const neg = ['console-consumer-1', 'my-group-xyz', 'zzzzzzzz'].find((g) => javaStringHashCode(g) < 0)!;
    expect(neg).toBeDefined();
    expect(partitionForGroup(neg, 50)).toBe(Math.abs(javaStringHashCode(neg)) % 50);
  });
});
