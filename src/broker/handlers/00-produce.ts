/**
 * Produce (key 0), versions 0-9 (v9 flexible).
 * Hot path: the records arrive as a view into the request frame; each v2 batch is checked once (framing, magic,
 * CRC-32C, counts: validateBatch), then appended as raw bytes — the log rewrites BaseOffset and
 * PartitionLeaderEpoch outside the CRC. No decompression, no per-record work, no copies.
 * - acks must be -1, 0 or 1 (else INVALID_REQUIRED_ACKS); acks=0 gets no response at all (P7).
 * - Legacy magic 0/1 message sets (Produce v0-2, e.g. sarama's default) are up-converted to one v2 batch.
 * - v3+ must carry exactly one batch (INVALID_RECORD otherwise, as Kafka).
 * - max.message.bytes → MESSAGE_TOO_LARGE; CRC mismatch → CORRUPT_MESSAGE; zstd below v7 →
 *   UNSUPPORTED_COMPRESSION_TYPE; keyless records on a compacted topic → INVALID_RECORD (this one does look at
 *   the records, decompressing if needed, only for compacted topics).
 * - Idempotent batches (producer id ≥ 0): sequence checks (producers/producer-state.ts); duplicates are dropped
 *   and acknowledged with the original base offset.
 * - LogAppendTime topics: the log stamps MaxTimestamp (CRC recomputed) and the response carries the time.
 * - message.timestamp.difference.max.ms (when set) → INVALID_TIMESTAMP, checked on the batch's first and largest
 *   timestamps (Kafka checks every record).
 * - In a cluster (BrokerContext.replication): acks=-1 is refused before appending with NOT_ENOUGH_REPLICAS when the
 *   ISR has fewer than min.insync.replicas members; after appending (or for a duplicate) the answer waits in the
 *   delayed-produce purgatory until the high watermark covers the batch — NOT_ENOUGH_REPLICAS_AFTER_APPEND when
 *   the ISR shrank below min.insync.replicas by then, REQUEST_TIMED_OUT after timeout_ms, NOT_LEADER_OR_FOLLOWER
 *   when leadership moved. acks=1 answers after the local append. Standalone: acks=-1 is acks=1 (one replica).
 * Differs from Kafka: record-level validation (timestamps vs message.timestamp.difference.max.ms, compressed
 * record deltas) is not done on the hot path; broker-side recompression (compression.type other than producer)
 * is not implemented (batches are stored as produced). Not implemented: transactional batches (refused with
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED, matching InitProducerId).
 */
import type { HandlerEntry, RequestContext } from '../dispatch.js';
import type { BrokerContext } from '../context.js';
import { partitionKey } from '../context.js';
import type { PartitionProduceResponse, ProduceRequest, ProduceResponse } from '../../protocol/generated/produce.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { readRecords, validateBatch, validateRecords, RecordBatchView } from '../../protocol/records/batch.js';
import { isLegacyMessageSet, legacyToBatch } from '../../protocol/records/legacy.js';
import { RecordFormatError } from '../../protocol/records/errors.js';
import { LogAppendError } from '../log/log-config.js';
import { effectiveTopicConfig } from '../metadata/topic-admin.js';
import { leaderError } from '../cluster/cluster-view.js';

const MAGIC_OFFSET = 16;

interface PartitionOutcome {
  errorCode: number;
  errorMessage: string | null;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  /** acks=-1 in a cluster: the high watermark this answer waits for (last offset + 1). */
  requiredOffset?: number;
}

function failure(errorCode: number, errorMessage: string | null = null): PartitionOutcome {
  return { errorCode, errorMessage, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n };
}

function produceToPartition(b: BrokerContext, version: number, acks: number, topicName: string, partition: number, records: Buffer | null): PartitionOutcome {
  const topic = b.topics.get(topicName);
  if (!topic || partition < 0 || partition >= topic.leaderEpochs.length) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (b.cluster) {
    const notLeader = leaderError(b, topicName, partition);
    if (notLeader !== ErrorCode.NONE) return failure(notLeader);
  }
  const log = b.logs.get(topicName, partition);
  if (!log) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (records === null || records.length === 0) return failure(ErrorCode.INVALID_RECORD, 'Produce request without records');

  let batch = records;
  if (records.length > MAGIC_OFFSET && records[MAGIC_OFFSET] < 2 && isLegacyMessageSet(records)) {
    try {
      batch = legacyToBatch(records);
    } catch (err) {
      if (err instanceof RecordFormatError) return failure(err.kafkaErrorCode, err.message);
      throw err;
    }
  } else if (version < 3 && records.length > MAGIC_OFFSET && records[MAGIC_OFFSET] === 2) {
    return failure(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, 'Magic 2 record batches need Produce v3 or later');
  }

  const v = validateBatch(batch, 0, batch.length, { produce: true, allowZstd: version >= 7 });
  if (!v.ok) return failure(v.errorCode, v.message);
  if (v.end !== batch.length) return failure(ErrorCode.INVALID_RECORD, 'Produce requests with version 3 and above must contain exactly one record batch');

  const maxMessageBytes = Number(effectiveTopicConfig(b.config, topic.configs, 'max.message.bytes'));
  if (batch.length > maxMessageBytes) {
    return failure(ErrorCode.MESSAGE_TOO_LARGE, `The record batch size (${batch.length} bytes) exceeds max.message.bytes (${maxMessageBytes}) of ${topicName}`);
  }
  if (effectiveTopicConfig(b.config, topic.configs, 'cleanup.policy').includes('compact')) {
    const rv = validateRecords(batch, 0, { produce: true });
    if (!rv.ok) return failure(rv.errorCode, rv.message);
    if (readRecords(batch, 0).some((r) => r.key === null)) {
      return failure(ErrorCode.INVALID_RECORD, `Compacted topic cannot accept message without key in topic partition ${topicName}-${partition}.`);
    }
  }

  const view = new RecordBatchView(batch, 0);
  const maxDiff = Number(effectiveTopicConfig(b.config, topic.configs, 'message.timestamp.difference.max.ms'));
  if (maxDiff < Number.MAX_SAFE_INTEGER && effectiveTopicConfig(b.config, topic.configs, 'message.timestamp.type') === 'CreateTime') {
    // Header-level check (first and largest timestamp), so no record is decoded on the hot path.
    const now = b.clock();
    for (const ts of [view.baseTimestamp, view.maxTimestamp]) {
      if (Math.abs(now - ts) > maxDiff) {
        return failure(ErrorCode.INVALID_TIMESTAMP, `Timestamp ${ts} of message is out of range. The timestamp should be within [${now - maxDiff}, ${now + maxDiff}]`);
      }
    }
  }
  if (view.isTransactional) return failure(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'Transactions are not supported by the kstack native broker');
  const waitForIsr = acks === -1 && b.replication !== undefined;
  if (waitForIsr) {
    const notEnough = b.replication!.checkMinInSync(topicName, partition);
    if (notEnough !== ErrorCode.NONE) {
      const isr = b.cluster?.partition(topicName, partition)?.isr ?? [];
      return failure(notEnough, `The size of the current ISR Set(${isr.join(', ')}) is insufficient to satisfy the min.isr requirement of ${effectiveTopicConfig(b.config, topic.configs, 'min.insync.replicas')} for partition ${topicName}-${partition}`);
    }
  }
  const key = partitionKey(topicName, partition);
  const producerId = view.producerId;
  let producerInfo = null;
  if (producerId >= 0n) {
    producerInfo = { producerId, producerEpoch: view.producerEpoch, baseSequence: view.baseSequence, lastOffsetDelta: view.lastOffsetDelta };
    const check = b.producers.check(key, producerInfo);
    if (check.kind === 'error') return failure(check.errorCode, check.message);
    if (check.kind === 'duplicate') {
      const requiredOffset = waitForIsr ? Number(check.firstOffset) + view.lastOffsetDelta + 1 : undefined;
      return { errorCode: ErrorCode.NONE, errorMessage: null, baseOffset: check.firstOffset, logAppendTimeMs: -1n, logStartOffset: BigInt(log.logStartOffset), requiredOffset };
    }
  }
  const now = b.clock();
  let result;
  try {
    result = log.append(batch, topic.leaderEpochs[partition], now);
  } catch (err) {
    if (err instanceof LogAppendError) return failure(ErrorCode[err.kafkaError], err.message);
    throw err;
  }
  if (producerInfo) b.producers.record(key, producerInfo, BigInt(result.baseOffset), now);
  b.notifyAppend(topicName, partition);
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    baseOffset: BigInt(result.baseOffset),
    logAppendTimeMs: BigInt(result.logAppendTime),
    logStartOffset: BigInt(log.logStartOffset),
    requiredOffset: waitForIsr ? result.lastOffset + 1 : undefined,
  };
}

function respond(
  req: ProduceRequest,
  ctx: RequestContext,
  outcome: (topic: string, p: { index: number; records: Buffer | null }) => PartitionOutcome,
  onWait?: (topic: string, response: PartitionProduceResponse, requiredOffset: number) => void,
): ProduceResponse {
  return {
    throttleTimeMs: 0,
    responses: req.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p): PartitionProduceResponse => {
        const o = outcome(t.name, p);
        const response: PartitionProduceResponse = {
          index: p.index,
          errorCode: o.errorCode,
          baseOffset: o.baseOffset,
          logAppendTimeMs: o.logAppendTimeMs,
          logStartOffset: o.logStartOffset,
          recordErrors: [],
          errorMessage: ctx.apiVersion >= 8 ? o.errorMessage : null,
        };
        if (o.requiredOffset !== undefined && onWait) onWait(t.name, response, o.requiredOffset);
        return response;
      }),
    })),
  };
}

function waitMessage(code: number, topic: string, partition: number, timeoutMs: number): string | null {
  if (code === ErrorCode.REQUEST_TIMED_OUT) return `The in-sync replicas of ${topic}-${partition} did not acknowledge the records within ${timeoutMs} ms`;
  if (code === ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND) return `The records of ${topic}-${partition} were written, but the ISR shrank below min.insync.replicas before they were replicated`;
  if (code === ErrorCode.NOT_LEADER_OR_FOLLOWER) return `This broker stopped leading ${topic}-${partition} before the records were replicated`;
  return null;
}

export const handler: HandlerEntry<ProduceRequest, ProduceResponse> = {
  apiKey: 0,
  minVersion: 0,
  maxVersion: 9,
  handle(req, ctx) {
    const b = ctx.broker;
    if (req.acks !== 0 && req.acks !== 1 && req.acks !== -1) {
      return respond(req, ctx, () => failure(ErrorCode.INVALID_REQUIRED_ACKS));
    }
    if (req.transactionalId !== null) {
      return respond(req, ctx, () => failure(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'Transactions are not supported by the kstack native broker'));
    }
    const waits: Promise<void>[] = [];
    const replication = b.replication;
    const onWait = replication
      ? (topic: string, r: PartitionProduceResponse, requiredOffset: number) => {
          waits.push(
            replication.waitForHighWatermark(topic, r.index, requiredOffset, req.timeoutMs).then((code) => {
              if (code === ErrorCode.NONE) return;
              r.errorCode = code;
              if (code !== ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND) r.baseOffset = -1n;
              if (ctx.apiVersion >= 8) r.errorMessage = waitMessage(code, topic, r.index, req.timeoutMs);
            }),
          );
        }
      : undefined;
    const res = respond(req, ctx, (topic, p) => produceToPartition(b, ctx.apiVersion, req.acks, topic, p.index, p.records), onWait);
    if (waits.length > 0) return Promise.all(waits).then(() => res);
    if (req.acks === 0) {
      // Kafka closes the connection when an acks=0 produce fails, since the client would never learn of it.
      for (const t of res.responses) {
        for (const p of t.partitionResponses) {
          if (p.errorCode !== ErrorCode.NONE) {
            throw new Error(`acks=0 produce to ${t.name}-${p.index} failed with error ${p.errorCode}`);
          }
        }
      }
      return null;
    }
    return res;
  },
};
