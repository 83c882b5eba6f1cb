import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileQuorumStateStore, FileRaftLog, FileSnapshotStore, metadataDir, RaftStorageError, scanSegment } from '../../../../../src/broker/raft/runtime/storage.js';
import { RaftLogError } from '../../../../../src/broker/raft/log.js';
import { RaftNode } from '../../../../../src/broker/raft/node.js';
import { DEFAULT_RAFT_CONFIG, type NewRaftEntry } from '../../../../../src/broker/raft/types.js';
import { decodeEntries } from '../../../../../src/broker/raft/records.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'kstack-raft-storage-'));
  dirs.push(d);
  return metadataDir(d);
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const entry = (epoch: number, value: string, control = false): NewRaftEntry => ({ epoch, control, timestamp: 1_700_000_000_000, value: Buffer.from(value) });
const values = (log: FileRaftLog) => log.read(log.logStartOffset, 1000).map((e) => `${e.offset}:${e.epoch}:${e.value.toString()}`);
const SEGMENT0 = '00000000000000000000.log';

describe('FileRaftLog', () => {
  it('keeps appended entries, epochs and control flags across a reopen, in Kafka batch format', () => {
    const dir = tmp();
    const log = new FileRaftLog(dir);
    expect(log.append([entry(1, 'lc', true), entry(1, 'a'), entry(1, 'b')])).toEqual({ firstOffset: 0, lastOffset: 2 });
    log.append([entry(3, 'c')]);
    log.close();
    // The segment is v2 record batches that the generic decoder reads back.
    const onDisk = decodeEntries(readFileSync(join(dir, SEGMENT0)));
    expect(onDisk.map((e) => [e.offset, e.epoch, e.control])).toEqual([[0, 1, true], [1, 1, false], [2, 1, false], [3, 3, false]]);

    const again = new FileRaftLog(dir);
    expect(values(again)).toEqual(['0:1:lc', '1:1:a', '2:1:b', '3:3:c']);
    expect(again.read(0, 1)[0].control).toBe(true);
    expect(again.lastEpoch).toBe(3);
    expect(again.endOffsetForEpoch(2)).toEqual({ epoch: 1, offset: 3 });
    again.append([entry(3, 'd')]);
    again.close();
    expect(values(new FileRaftLog(dir))).toEqual(['0:1:lc', '1:1:a', '2:1:b', '3:3:c', '4:3:d']);
  });

  it('refuses an epoch going down without writing anything', () => {
    const dir = tmp();
    const log = new FileRaftLog(dir);
    log.append([entry(2, 'a')]);
    const size = statSync(join(dir, SEGMENT0)).size;
    expect(() => log.append([entry(1, 'b')])).toThrow(RaftLogError);
    expect(statSync(join(dir, SEGMENT0)).size).toBe(size);
    expect(log.endOffset).toBe(1);
  });

  it('truncation survives a reopen (mid-batch too)', () => {
    const dir = tmp();
    const log = new FileRaftLog(dir);
    log.append([entry(1, 'a'), entry(1, 'b'), entry(1, 'c')]);
    log.truncateTo(1);
    log.append([entry(2, 'x')]);
    log.close();
    const again = new FileRaftLog(dir);
    expect(values(again)).toEqual(['0:1:a', '1:2:x']);
  });

  it('cuts a torn tail (a half-written batch after a crash) and keeps the whole batches', () => {
    const dir = tmp();
    const log = new FileRaftLog(dir);
    log.append([entry(1, 'a')]);
    log.append([entry(1, 'b')]);
    log.close();
    const whole = readFileSync(join(dir, SEGMENT0));
    // A third batch cut short, then garbage after a valid-looking length.
    appendFileSync(join(dir, SEGMENT0), whole.subarray(0, whole.length / 2 - 3));
    const again = new FileRaftLog(dir);
    expect(again.recoveredBytes).toBeGreaterThan(0);
    expect(values(again)).toEqual(['0:1:a', '1:1:b']);
    expect(statSync(join(dir, SEGMENT0)).size).toBe(whole.length);
    again.append([entry(1, 'c')]);
    again.close();
    expect(values(new FileRaftLog(dir))).toEqual(['0:1:a', '1:1:b', '2:1:c']);
  });

  it('a batch failing its CRC ends the valid log', () => {
    const dir = tmp();
    const log = new FileRaftLog(dir);
    log.append([entry(1, 'a')]);
    log.append([entry(1, 'b')]);
    log.close();
    const bytes = readFileSync(join(dir, SEGMENT0));
    bytes[bytes.length - 1] ^= 0xff; // last byte of the second batch's record
    writeFileSync(join(dir, SEGMENT0), bytes);
    expect(scanSegment(bytes).entries.map((e) => e.value.toString())).toEqual(['a']);
    expect(values(new FileRaftLog(dir))).toEqual(['0:1:a']);
  });

  it('prefix deletion after a snapshot renames the segment to the new log start and survives a reopen', () => {
    const dir = tmp();
    const snapshots = new FileSnapshotStore(dir);
    const log = new FileRaftLog(dir);
    log.append([entry(1, 'a'), entry(1, 'b'), entry(2, 'c'), entry(2, 'd')]);
    snapshots.save({ id: { offset: 3, epoch: 2 }, data: Buffer.from('state@3') });
    log.deleteBefore({ offset: 3, epoch: 2 });
    log.close();
    expect(readdirSync(dir).sort()).toEqual(['00000000000000000003-0000000002.checkpoint', '00000000000000000003.log']);
    const reopenedSnapshots = new FileSnapshotStore(dir);
    expect(reopenedSnapshots.latest()).toEqual({ id: { offset: 3, epoch: 2 }, data: Buffer.from('state@3') });
    const again = new FileRaftLog(dir, reopenedSnapshots.latest()!.id);
    expect(again.logStartOffset).toBe(3);
    expect(values(again)).toEqual(['3:2:d']);
    expect(again.endOffsetForEpoch(1)).toEqual({ epoch: 2, offset: 3 });
  });

  it('after resetTo (an installed snapshot) the empty log starts at the snapshot on reopen', () => {
    const dir = tmp();
    const snapshots = new FileSnapshotStore(dir);
    const log = new FileRaftLog(dir);
    log.append([entry(1, 'a')]);
    snapshots.save({ id: { offset: 10, epoch: 4 }, data: Buffer.from('s') });
    log.resetTo({ offset: 10, epoch: 4 });
    log.close();
    const again = new FileRaftLog(dir, new FileSnapshotStore(dir).latest()!.id);
    expect([again.logStartOffset, again.endOffset, again.lastEpoch]).toEqual([10, 10, 4]);
    again.append([entry(5, 'x')]);
    again.close();
    const third = new FileRaftLog(dir, { offset: 10, epoch: 4 });
    expect(values(third)).toEqual(['10:5:x']);
  });
});

describe('FileQuorumStateStore', () => {
  it('writes Kafka quorum-state JSON and reads it back', () => {
    const dir = tmp();
    const store = new FileQuorumStateStore(dir, [1, 2, 3], 'cid');
    expect(store.read()).toBeUndefined();
    store.write({ epoch: 7, votedId: 2, leaderId: -1 });
    expect(JSON.parse(readFileSync(join(dir, 'quorum-state'), 'utf8'))).toEqual({
      clusterId: 'cid', leaderId: -1, leaderEpoch: 7, votedId: 2, appliedOffset: 0, currentVoters: [{ voterId: 1 }, { voterId: 2 }, { voterId: 3 }], data_version: 0,
    });
    expect(new FileQuorumStateStore(dir, [1, 2, 3], 'cid').read()).toEqual({ epoch: 7, votedId: 2, leaderId: -1 });
  });

  it('a corrupt file is an error naming it, not a silent reset', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'quorum-state'), '{"leaderEpoch": "x"');
    expect(() => new FileQuorumStateStore(dir, [1], '').read()).toThrow(RaftStorageError);
    expect(() => new FileQuorumStateStore(dir, [1], '').read()).toThrow(/quorum-state/);
  });
});

describe('RaftNode over file storage', () => {
  it('a sole voter elects itself, and after a restart keeps its epoch and log and leads a higher epoch', () => {
    const dir = tmp();
    const open = (now: number) => {
      const snapshots = new FileSnapshotStore(dir);
      const log = new FileRaftLog(dir, snapshots.latest()?.id);
      const node = new RaftNode({
        config: { ...DEFAULT_RAFT_CONFIG, nodeId: 1, voters: [1], clusterId: 'c' },
        log,
        quorumStore: new FileQuorumStateStore(dir, [1], 'c'),
        snapshots,
        random: () => 0.5,
        now,
      });
      return { node, log };
    };
    let { node, log } = open(0);
    for (let t = 0; t <= 3000 && node.stateName !== 'Leader'; t += 50) node.tick(t);
    expect(node.stateName).toBe('Leader');
    const epoch = node.currentEpoch;
    const r = node.propose([Buffer.from('rec')], 3100);
    expect(r.result.ok).toBe(true);
    const end = log.endOffset;
    log.close();

    ({ node, log } = open(10_000));
    expect(log.endOffset).toBe(end);
    node.tick(10_000);
    expect(node.stateName).toBe('Leader');
    expect(node.currentEpoch).toBe(epoch + 1);
    expect(log.read(0, 100).some((e) => e.value.toString() === 'rec')).toBe(true);
    log.close();
  });
});
