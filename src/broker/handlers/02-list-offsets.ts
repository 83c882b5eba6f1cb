/**
 * ListOffsets (key 2), versions 0-7 (v6+ flexible).
 * timestamp -2 = earliest (log start offset), -1 = latest (high watermark; the last stable offset is the same
 * without transactions), otherwise the first offset whose timestamp is ≥ the one asked, through the time index
 * (offset -1 / timestamp -1 when there is none). v0 answers in the old offsets array (at most max_num_offsets:
 * the one offset found). Leader epoch (v4+) is the partition's; current_leader_epoch checks as Fetch.
 * -3 (v7+, KIP-734) = the largest timestamp in the log and its offset (as the storage engine tracks it per
 * segment). Not implemented: -4 / -5 (tiered storage, v8+; not advertised).
 */
import type { HandlerEntry } from '../dispatch.js';
import type { ListOffsetsPartitionResponse, ListOffsetsRequest, ListOffsetsResponse } from '../../protocol/generated/list-offsets.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { leaderError } from '../cluster/cluster-view.js';

export const handler: HandlerEntry<ListOffsetsRequest, ListOffsetsResponse> = {
  apiKey: 2,
  minVersion: 0,
  maxVersion: 7,
  handle(req, ctx) {
    const b = ctx.broker;
    const v = ctx.apiVersion;
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p): ListOffsetsPartitionResponse => {
          const out: ListOffsetsPartitionResponse = { partitionIndex: p.partitionIndex, errorCode: 0, oldStyleOffsets: [], timestamp: -1n, offset: -1n, leaderEpoch: -1 };
          const topic = b.topics.get(t.name);
          if (b.cluster && topic) {
            out.errorCode = leaderError(b, t.name, p.partitionIndex);
            if (out.errorCode !== ErrorCode.NONE) return out;
          }
          const log = topic && p.partitionIndex >= 0 && p.partitionIndex < topic.leaderEpochs.length ? b.logs.get(t.name, p.partitionIndex) : undefined;
          if (!topic || !log) {
            out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
            return out;
          }
          const epoch = topic.leaderEpochs[p.partitionIndex];
          if (v >= 4 && p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== epoch) {
            out.errorCode = p.currentLeaderEpoch < epoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
            return out;
          }
          let offset: number;
          let timestamp = -1;
          if (p.timestamp === -2n) offset = log.logStartOffset;
          else if (p.timestamp === -1n) offset = log.highWatermark;
          else if (p.timestamp === -3n && v >= 7) {
            const max = log.maxTimestampAndOffset();
            if (max === null) return out;
            offset = max.offset;
            timestamp = max.timestamp;
          } else if (p.timestamp < 0n) {
            out.errorCode = ErrorCode.UNSUPPORTED_VERSION;
            return out;
          } else {
            const found = log.offsetForTimestamp(Number(p.timestamp));
            if (found === null) {
              if (v === 0) out.oldStyleOffsets = [];
              return out;
            }
            offset = found.offset;
            timestamp = found.timestamp;
          }
          if (v === 0) {
            out.oldStyleOffsets = p.maxNumOffsets > 0 ? [BigInt(offset)] : [];
          } else {
            out.offset = BigInt(offset);
            out.timestamp = BigInt(timestamp);
            out.leaderEpoch = epoch;
          }
          return out;
        }),
      })),
    };
  },
};
