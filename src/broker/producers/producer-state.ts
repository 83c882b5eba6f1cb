/**
 * Idempotent-producer state (Kafka's ProducerStateManager, per partition): producer id allocation for
 * InitProducerId and the sequence checks Produce runs on every batch that carries a producer id.
 *
 * Per (partition, producerId) we keep the current epoch and the last 5 batches' (firstSeq, lastSeq, firstOffset)
 * — Kafka keeps 5 because that is the most in-flight requests an idempotent producer may have.
 * Rules (Kafka 2.5+ ProducerAppendInfo.checkProducerEpoch / checkSequence):
 * - epoch below the current one → INVALID_PRODUCER_EPOCH (47);
 * - a new epoch (or a producer id this partition has not seen) must start at sequence 0, else
 *   OUT_OF_ORDER_SEQUENCE_NUMBER (45);
 * - same epoch: a batch equal to one of the cached 5 is a duplicate — dropped and acknowledged with the
 *   original base offset; otherwise firstSeq must be lastSeq + 1 (wrapping at 2^31-1 to 0), else 45.
 * Differences from Kafka: no transactional state (transactions are not implemented); state is rebuilt from the
 * log's batch headers at start-up (`record`) instead of from .snapshot files; producer ids come from blocks of
 * 1000 reserved through the caller (server.ts persists them in the log dir), not from a controller.
 */
import { ErrorCode } from '../../protocol/generated/error-codes.js';

const CACHED_BATCHES = 5;
const INT32_MAX = 2147483647;

interface CachedBatch {
  firstSeq: number;
  lastSeq: number;
  firstOffset: bigint;
}

interface ProducerEntry {
  epoch: number;
  batches: CachedBatch[];
  lastTimestamp: number;
}

export interface BatchProducerInfo {
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  /** Records in the batch minus one (LastOffsetDelta). */
  lastOffsetDelta: number;
}

export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; firstOffset: bigint }
  | { kind: 'error'; errorCode: number; message: string };

function nextSeq(seq: number, delta: number): number {
  const n = seq + delta;
  return n > INT32_MAX ? n - INT32_MAX - 1 : n;
}

/** Producer ids are reserved in blocks (as Kafka's controller hands out blocks of 1000) so each block costs one write. */
export const PRODUCER_ID_BLOCK_SIZE = 1000n;

export class ProducerStateManager {
  private readonly partitions = new Map<string, Map<bigint, ProducerEntry>>();
  private nextProducerId: bigint;
  private reservedUpTo: bigint;
  private readonly reserve: ((end: bigint) => void) | undefined;

  /**
   * `firstProducerId`: the first id to hand out (the end of the block reserved before a restart).
   * `reserve(end)`: persists "ids below `end` are taken" before any of them is handed out.
   */
  constructor(firstProducerId = 0n, reserve?: (end: bigint) => void) {
    this.nextProducerId = firstProducerId;
    this.reservedUpTo = reserve ? firstProducerId : -1n;
    this.reserve = reserve;
  }

  /** InitProducerId without a transactional id: a fresh id at epoch 0. */
  allocateProducerId(): { producerId: bigint; producerEpoch: number } {
    const producerId = this.nextProducerId;
    if (this.reserve && producerId >= this.reservedUpTo) {
      this.reservedUpTo = producerId + PRODUCER_ID_BLOCK_SIZE;
      this.reserve(this.reservedUpTo);
    }
    this.nextProducerId += 1n;
    return { producerId, producerEpoch: 0 };
  }

  /** The next id that would be handed out (persisted by the caller so ids are not reused after restart). */
  peekNextProducerId(): bigint {
    return this.nextProducerId;
  }

  /** Raise the id counter (after a restart, past every id seen in the logs). */
  ensureNextProducerIdAbove(id: bigint): void {
    if (id >= this.nextProducerId) this.nextProducerId = id + 1n;
  }

  private entries(partitionKey: string): Map<bigint, ProducerEntry> {
    let m = this.partitions.get(partitionKey);
    if (!m) this.partitions.set(partitionKey, (m = new Map()));
    return m;
  }

  /** Validate a batch before append. Pure with respect to state: call `record` after the append succeeded. */
  check(partitionKey: string, b: BatchProducerInfo): SequenceCheck {
    const entry = this.partitions.get(partitionKey)?.get(b.producerId);
    const lastSeq = nextSeq(b.baseSequence, b.lastOffsetDelta);
    if (b.baseSequence < 0) return { kind: 'error', errorCode: ErrorCode.INVALID_RECORD, message: `Invalid base sequence ${b.baseSequence} for producer ${b.producerId}` };
    if (!entry) {
      if (b.baseSequence !== 0) {
        return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `Out of order sequence number for producer ${b.producerId} at epoch ${b.producerEpoch}: ${b.baseSequence} (expected 0 for a new producer)` };
      }
      return { kind: 'append' };
    }
    if (b.producerEpoch < entry.epoch) {
      return { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `Epoch of producer ${b.producerId} is ${b.producerEpoch}, which is smaller than the last seen epoch ${entry.epoch}` };
    }
    if (b.producerEpoch > entry.epoch) {
      if (b.baseSequence !== 0) {
        return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `Invalid sequence number for new epoch of producer ${b.producerId}: ${b.producerEpoch} (request epoch), ${b.baseSequence} (seq. number), ${entry.epoch} (current producer epoch)` };
      }
      return { kind: 'append' };
    }
    for (const c of entry.batches) {
      if (c.firstSeq === b.baseSequence && c.lastSeq === lastSeq) return { kind: 'duplicate', firstOffset: c.firstOffset };
    }
    const last = entry.batches[entry.batches.length - 1];
    const expected = last ? nextSeq(last.lastSeq, 1) : 0;
    if (b.baseSequence !== expected) {
      return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `Out of order sequence number for producer ${b.producerId} at offset ? in partition: ${b.baseSequence} (incoming seq. number), ${last ? last.lastSeq : -1} (current end sequence number)` };
    }
    return { kind: 'append' };
  }

  /** Record an appended batch (after `check` said append, or while rebuilding from the log). */
  record(partitionKey: string, b: BatchProducerInfo, firstOffset: bigint, timestamp: number): void {
    const m = this.entries(partitionKey);
    let entry = m.get(b.producerId);
    if (!entry || b.producerEpoch > entry.epoch) {
      entry = { epoch: b.producerEpoch, batches: [], lastTimestamp: timestamp };
      m.set(b.producerId, entry);
    } else if (b.producerEpoch < entry.epoch) {
      return;
    }
    entry.batches.push({ firstSeq: b.baseSequence, lastSeq: nextSeq(b.baseSequence, b.lastOffsetDelta), firstOffset });
    if (entry.batches.length > CACHED_BATCHES) entry.batches.shift();
    entry.lastTimestamp = timestamp;
    this.ensureNextProducerIdAbove(b.producerId);
  }

  /** Forget a partition (topic deleted) or everything. */
  dropPartition(partitionKey: string): void {
    this.partitions.delete(partitionKey);
  }

  /** Remove producers idle for longer than `producer.id.expiration.ms`. */
  expire(now: number, expirationMs: number): void {
    for (const m of this.partitions.values()) for (const [pid, e] of m) if (now - e.lastTimestamp > expirationMs) m.delete(pid);
  }
}
