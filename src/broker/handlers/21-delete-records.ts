/**
 * DeleteRecords (key 21), versions 0-1.
 * Moves each partition's log start offset forward to the given offset (-1 = the high watermark); segments wholly
 * below it are deleted by the log. An offset above the high watermark → OFFSET_OUT_OF_RANGE. The result is the
 * new low watermark (log start offset).
 */
import type { HandlerEntry } from '../dispatch.js';
import type { DeleteRecordsRequest, DeleteRecordsResponse } from '../../protocol/generated/delete-records.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { leaderError } from '../cluster/cluster-view.js';

export const handler: HandlerEntry<DeleteRecordsRequest, DeleteRecordsResponse> = {
  apiKey: 21,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const b = ctx.broker;
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const notLeader = b.cluster && b.topics.get(t.name) ? leaderError(b, t.name, p.partitionIndex) : ErrorCode.NONE;
          if (notLeader !== ErrorCode.NONE) return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: notLeader };
          const log = b.topics.get(t.name) ? b.logs.get(t.name, p.partitionIndex) : undefined;
          if (!log) return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
          const target = p.offset === -1n ? log.highWatermark : Number(p.offset);
          if (target < 0 || target > log.highWatermark) return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
          if (target > log.logStartOffset) log.deleteRecordsBefore(target);
          return { partitionIndex: p.partitionIndex, lowWatermark: BigInt(log.logStartOffset), errorCode: ErrorCode.NONE };
        }),
      })),
    };
  },
};
