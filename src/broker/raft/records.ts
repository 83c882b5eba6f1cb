/**
 * Log entries on the wire: Fetch responses carry them as real v2 record batches, one batch per run of
 * entries with the same epoch and kind (PartitionLeaderEpoch = the entry epoch, base offset = the first
 * entry's offset). A LeaderChange entry is a control batch with one control record whose key is
 * (version 0, type 2 = LEADER_CHANGE) and whose value is a LeaderChangeMessage v0 — as in KRaft.
 */
import { Reader } from '../../protocol/reader.js';
import { Writer } from '../../protocol/writer.js';
import { readLeaderChangeMessage, writeLeaderChangeMessage, type LeaderChangeMessage } from '../../protocol/generated/leader-change-message.js';
import { ZERO_UUID } from '../../protocol/reader.js';
import { forEachBatch, RecordBatchBuilder } from '../../protocol/records/batch.js';
import type { RaftEntry } from './types.js';

export const LEADER_CHANGE_CONTROL_TYPE = 2;

export function encodeLeaderChange(leaderId: number, voters: number[], grantingVoters: number[]): Buffer {
  const w = new Writer(64);
  const msg: LeaderChangeMessage = {
    version: 0,
    leaderId,
    voters: voters.map((voterId) => ({ voterId, voterDirectoryId: ZERO_UUID })),
    grantingVoters: grantingVoters.map((voterId) => ({ voterId, voterDirectoryId: ZERO_UUID })),
  };
  writeLeaderChangeMessage(w, 0, msg);
  return w.finish();
}

export function decodeLeaderChange(value: Buffer): LeaderChangeMessage {
  const r = new Reader(value);
  const m = readLeaderChangeMessage(r, 0);
  if (!r.ok) throw new RaftRecordsError(`bad LeaderChangeMessage: ${r.error}`);
  return m;
}

export class RaftRecordsError extends Error {
  readonly code = 'KSTACK_RAFT_RECORDS';
  constructor(message: string) {
    super(message);
    this.name = 'RaftRecordsError';
  }
}

const CONTROL_KEY = (() => {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(LEADER_CHANGE_CONTROL_TYPE, 2);
  return key;
})();

export function encodeEntries(entries: RaftEntry[]): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  while (i < entries.length) {
    const first = entries[i];
    const builder = new RecordBatchBuilder({
      baseOffset: first.offset,
      partitionLeaderEpoch: first.epoch,
      control: first.control,
      baseTimestamp: first.timestamp,
    });
    let j = i;
    while (j < entries.length && entries[j].epoch === first.epoch && entries[j].control === first.control) {
      const e = entries[j];
      builder.append({ key: first.control ? CONTROL_KEY : null, value: e.value, timestamp: e.timestamp, offsetDelta: e.offset - first.offset });
      j++;
    }
    parts.push(builder.build());
    i = j;
  }
  return Buffer.concat(parts);
}

/** Decodes batches back into entries; throws RaftRecordsError on malformed or non-contiguous data. */
export function decodeEntries(buf: Buffer): RaftEntry[] {
  const out: RaftEntry[] = [];
  try {
    const end = forEachBatch(buf, (batch) => {
      if (batch.magic !== 2) throw new RaftRecordsError(`record batch magic ${batch.magic} (KRaft uses 2)`);
      if (batch.computeCrc() !== batch.crc) throw new RaftRecordsError(`record batch at offset ${batch.baseOffset} fails its CRC`);
      const epoch = batch.partitionLeaderEpoch;
      const control = batch.isControl;
      for (const rec of batch.records()) {
        const offset = Number(rec.offset);
        if (out.length > 0 && offset !== out[out.length - 1].offset + 1) {
          throw new RaftRecordsError(`offset ${offset} does not follow ${out[out.length - 1].offset}`);
        }
        out.push({ offset, epoch, control, timestamp: rec.timestamp, value: rec.value ?? Buffer.alloc(0) });
      }
    });
    if (end !== buf.length) throw new RaftRecordsError(`${buf.length - end} trailing bytes after the last whole batch`);
  } catch (err) {
    if (err instanceof RaftRecordsError) throw err;
    throw new RaftRecordsError(`malformed records: ${(err as Error).message}`);
  }
  return out;
}
