import { describe, expect, it } from 'vitest';
import { decodeEntries, decodeLeaderChange, encodeEntries, encodeLeaderChange, RaftRecordsError } from '../../../../src/broker/raft/records.js';
import { batches } from '../../../../src/protocol/records/batch.js';
import type { RaftEntry } from '../../../../src/broker/raft/types.js';

const entries: RaftEntry[] = [
  { offset: 10, epoch: 2, control: true, timestamp: 1000, value: encodeLeaderChange(1, [1, 2, 3], [1, 3]) },
  { offset: 11, epoch: 2, control: false, timestamp: 1001, value: Buffer.from('a') },
  { offset: 12, epoch: 2, control: false, timestamp: 1002, value: Buffer.from('b') },
  { offset: 13, epoch: 3, control: false, timestamp: 1003, value: Buffer.from('c') },
];

describe('raft records', () => {
  it('encodes runs of entries as v2 batches carrying the epoch, and decodes them back', () => {
    const buf = encodeEntries(entries);
    const views = batches(buf);
    expect(views.map((b) => [Number(b.baseOffset), b.partitionLeaderEpoch, b.isControl, b.recordsCount])).toEqual([
      [10, 2, true, 1],
      [11, 2, false, 2],
      [13, 3, false, 1],
    ]);
    expect(views.every((b) => b.computeCrc() === b.crc)).toBe(true);
    expect(decodeEntries(buf)).toEqual(entries);
  });

  it('writes the LeaderChange control record as KRaft does', () => {
    const m = decodeLeaderChange(decodeEntries(encodeEntries(entries.slice(0, 1)))[0].value);
    expect(m.leaderId).toBe(1);
    expect(m.voters.map((v) => v.voterId)).toEqual([1, 2, 3]);
    expect(m.grantingVoters.map((v) => v.voterId)).toEqual([1, 3]);
    const key = batches(encodeEntries(entries.slice(0, 1)))[0].records()[0].key!;
    expect([key.readInt16BE(0), key.readInt16BE(2)]).toEqual([0, 2]);
  });

  it('rejects corrupt, truncated and non-contiguous data with a RaftRecordsError', () => {
    const buf = encodeEntries(entries);
    const corrupt = Buffer.from(buf);
    corrupt[corrupt.length - 1] ^= 0xff;
    expect(() => decodeEntries(corrupt)).toThrow(/CRC/);
    expect(() => decodeEntries(buf.subarray(0, buf.length - 3))).toThrow(/trailing bytes/);
    const gap = Buffer.concat([encodeEntries(entries.slice(0, 1)), encodeEntries(entries.slice(2))]);
    expect(() => decodeEntries(gap)).toThrow(RaftRecordsError);
    expect(() => decodeEntries(Buffer.from('garbage that is long enough to look like a header!'))).toThrow(RaftRecordsError);
    expect(() => decodeLeaderChange(Buffer.from([0, 0]))).toThrow(RaftRecordsError);
  });
});
