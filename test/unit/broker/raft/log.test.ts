import { describe, expect, it } from 'vitest';
import { MemoryRaftLog, RaftLogError } from '../../../../src/broker/raft/log.js';

const entry = (epoch: number, value = `e${epoch}`) => ({ epoch, control: false, timestamp: 0, value: Buffer.from(value) });

function logWith(epochs: number[]): MemoryRaftLog {
  const log = new MemoryRaftLog();
  log.append(epochs.map((e, i) => entry(e, `v${i}`)));
  return log;
}

describe('MemoryRaftLog', () => {
  it('starts empty at offset 0, epoch 0', () => {
    const log = new MemoryRaftLog();
    expect([log.logStartOffset, log.endOffset, log.lastEpoch]).toEqual([0, 0, 0]);
    expect(log.endOffsetForEpoch(5)).toEqual({ epoch: 0, offset: 0 });
    expect(log.read(0, 10)).toEqual([]);
  });

  it('assigns offsets in order and tracks where each epoch ends', () => {
    const log = logWith([1, 1, 2, 2, 2, 4]);
    expect(log.endOffset).toBe(6);
    expect(log.lastEpoch).toBe(4);
    expect(log.endOffsetForEpoch(1)).toEqual({ epoch: 1, offset: 2 });
    expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 2, offset: 5 });
    // Epoch 3 never happened here: the largest smaller epoch (2) and its end.
    expect(log.endOffsetForEpoch(3)).toEqual({ epoch: 2, offset: 5 });
    expect(log.endOffsetForEpoch(4)).toEqual({ epoch: 4, offset: 6 });
    expect(log.endOffsetForEpoch(9)).toEqual({ epoch: 4, offset: 6 });
    expect(log.endOffsetForEpoch(0)).toEqual({ epoch: 0, offset: 0 });
    expect(log.read(2, 2).map((e) => [e.offset, e.epoch, e.value.toString()])).toEqual([[2, 2, 'v2'], [3, 2, 'v3']]);
    expect(log.epochAt(5)).toBe(4);
    expect(log.epochAt(6)).toBeUndefined();
  });

  it('refuses epochs that go down', () => {
    const log = logWith([1, 3]);
    expect(() => log.append([entry(2)])).toThrow(RaftLogError);
    expect(log.endOffset).toBe(2); // nothing of the refused batch was appended
  });

  it('truncates and forgets epochs that started past the truncation point', () => {
    const log = logWith([1, 1, 2, 2, 3]);
    log.truncateTo(3);
    expect(log.endOffset).toBe(3);
    expect(log.lastEpoch).toBe(2);
    expect(log.endOffsetForEpoch(3)).toEqual({ epoch: 2, offset: 3 });
    log.truncateTo(2);
    expect(log.lastEpoch).toBe(1);
    log.append([entry(5)]);
    expect(log.endOffsetForEpoch(4)).toEqual({ epoch: 1, offset: 2 });
    expect(() => log.truncateTo(10)).toThrow(/the log holds \[0, 3\)/);
    expect(() => log.read(-1, 1)).toThrow(RaftLogError);
  });

  it('keeps the snapshot epoch as the baseline after deleting the prefix', () => {
    const log = logWith([1, 1, 2, 2, 2, 3]);
    log.deleteBefore({ offset: 4, epoch: 2 });
    expect(log.logStartOffset).toBe(4);
    expect(log.endOffset).toBe(6);
    expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 2, offset: 5 });
    expect(log.endOffsetForEpoch(1)).toEqual({ epoch: 2, offset: 4 }); // nothing known below the start
    expect(() => log.read(3, 1)).toThrow(RaftLogError);
    expect(() => log.truncateTo(3)).toThrow(RaftLogError);
    // A snapshot that does not match the log is refused.
    expect(() => log.deleteBefore({ offset: 6, epoch: 2 })).toThrow(/does not match/);
    log.deleteBefore({ offset: 6, epoch: 3 });
    expect([log.logStartOffset, log.endOffset, log.lastEpoch]).toEqual([6, 6, 3]);
    expect(log.endOffsetForEpoch(3)).toEqual({ epoch: 3, offset: 6 });
    log.append([entry(3), entry(4)]);
    expect(log.endOffsetForEpoch(3)).toEqual({ epoch: 3, offset: 7 });
  });

  it('resets to an installed snapshot', () => {
    const log = logWith([1, 1, 1]);
    log.resetTo({ offset: 40, epoch: 7 });
    expect([log.logStartOffset, log.endOffset, log.lastEpoch]).toEqual([40, 40, 7]);
    expect(log.endOffsetForEpoch(7)).toEqual({ epoch: 7, offset: 40 });
    log.append([entry(8)]);
    expect(log.read(40, 5).map((e) => e.offset)).toEqual([40]);
  });
});
