/**
 * Idempotent-producer state from batch headers (no decompression): what a follower learns from each replicated
 * batch, so that after a failover the new leader de-duplicates a producer's retries exactly as the old one did;
 * and the rebuild after a truncation removed batches the state had seen.
 */
import type { BrokerContext } from '../context.js';
import { partitionKey } from '../context.js';
import type { PartitionLog } from '../log/partition-log.js';
import { isOffsetOutOfRange } from '../log/log-config.js';
import { forEachBatch } from '../../protocol/records/batch.js';

/** Records the producer batches of `data` whose offsets lie in [fromOffset, toOffset]. */
export function recordProducerBatches(ctx: BrokerContext, topic: string, partition: number, data: Buffer, fromOffset: number, toOffset: number): void {
  const key = partitionKey(topic, partition);
  forEachBatch(data, (view) => {
    const pid = view.producerId;
    if (pid < 0n || view.isControl) return;
    const base = Number(view.baseOffset);
    if (base < fromOffset || base > toOffset) return;
    ctx.producers.record(key, { producerId: pid, producerEpoch: view.producerEpoch, baseSequence: view.baseSequence, lastOffsetDelta: view.lastOffsetDelta }, view.baseOffset, view.maxTimestamp);
  });
}

/** Forgets the partition's producer state and reads it again from the log (after a truncation). */
export function rebuildProducerState(ctx: BrokerContext, topic: string, partition: number, log: PartitionLog): void {
  ctx.producers.dropPartition(partitionKey(topic, partition));
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const read = log.read(offset, 4 * 1024 * 1024);
    if (isOffsetOutOfRange(read) || read.data.length === 0) return;
    let next = offset;
    forEachBatch(read.data, (view) => {
      next = Math.max(next, Number(view.nextOffset));
    });
    recordProducerBatches(ctx, topic, partition, read.data, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    if (next <= offset) return;
    offset = next;
  }
}
