/**
 * A follower's log: batches appended as the leader stored them (offsets and leader epochs kept, CRCs checked),
 * the epoch cache learning from them, the high watermark left to the replica manager, and truncation back to
 * where the follower agrees with its leader.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LOG_CONFIG, isOffsetOutOfRange, LogAppendError, PartitionLog } from '../../../../src/broker/log/partition-log.js';
import { parseBatches, valuesBatch } from './batches.js';

const TOPIC_ID = 'AAECAwQFBgcICQoLDA0ODw';
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kstack-follower-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const open = (name: string) => PartitionLog.open(join(root, name), 't', 0, TOPIC_ID, DEFAULT_LOG_CONFIG, { recover: false, clock: () => 1_700_000_000_000 });

/** Everything the leader has from `from`, as a fetch would return it. */
function fetchAll(leader: PartitionLog, from: number): Buffer {
  const r = leader.read(from, 1 << 24);
  if (isOffsetOutOfRange(r)) throw new Error('out of range');
  return r.data;
}

describe('PartitionLog as a follower', () => {
  it('keeps the leader offsets and epochs, learns the epochs, and leaves the high watermark alone when replicated', () => {
    const leader = open('leader');
    leader.append(valuesBatch('a', 3), 0, 0);
    leader.append(valuesBatch('b', 2), 4, 0);
    const follower = open('follower');
    follower.setReplicated(true);
    const r = follower.appendAsFollower(fetchAll(leader, 0), 0);
    expect(r).toEqual({ baseOffset: 0, lastOffset: 4 });
    expect(follower.logEndOffset).toBe(5);
    expect(follower.highWatermark).toBe(0);
    expect(follower.leaderEpochCache.list()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 4, startOffset: 3 },
    ]);
    const got = parseBatches(fetchAll(follower, 0));
    expect(got.map((b) => [b.baseOffset, b.leaderEpoch, b.crcValid])).toEqual([
      [0, 0, true],
      [3, 4, true],
    ]);
    follower.highWatermark = 3;
    expect(follower.highWatermark).toBe(3);
    // A repeated fetch from an older offset appends nothing new.
    expect(follower.appendAsFollower(fetchAll(leader, 0), 0).lastOffset).toBeLessThan(5);
    expect(follower.logEndOffset).toBe(5);
  });

  it('refuses a corrupted batch and a batch that overlaps the log end', () => {
    const leader = open('leader');
    leader.append(valuesBatch('a', 3), 0, 0);
    const data = Buffer.from(fetchAll(leader, 0));
    const follower = open('follower');
    const bad = Buffer.from(data);
    bad[bad.length - 1] ^= 0xff;
    expect(() => follower.appendAsFollower(bad, 0)).toThrow(LogAppendError);
    expect(follower.logEndOffset).toBe(0);
    follower.appendAsFollower(data, 0);
    leader.append(valuesBatch('b', 2), 0, 0);
    const overlapping = Buffer.from(fetchAll(leader, 3));
    overlapping.writeBigInt64BE(2n, 0); // claims to start inside what the follower has
    expect(() => follower.appendAsFollower(overlapping, 0)).toThrow(/overlaps/);
  });

  it('truncates back to an offset (epoch cache too) and can start over at the leader log start', () => {
    const leader = open('leader');
    leader.append(valuesBatch('a', 3), 1, 0);
    leader.append(valuesBatch('b', 3), 2, 0);
    const follower = open('follower');
    follower.appendAsFollower(fetchAll(leader, 0), 0);
    follower.truncateTo(3);
    expect(follower.logEndOffset).toBe(3);
    expect(follower.leaderEpochCache.latestEpoch()).toBe(1);
    follower.truncateFullyAndStartAt(100);
    expect([follower.logStartOffset, follower.logEndOffset, follower.highWatermark]).toEqual([100, 100, 100]);
    expect(follower.leaderEpochCache.list()).toEqual([]);
  });
});
