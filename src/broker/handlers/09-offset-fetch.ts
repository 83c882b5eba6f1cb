/**
 * OffsetFetch (key 9), versions 0-7. A partition with no committed offset answers offset -1, metadata "" and no
 * error, as Kafka does. v2+: a null topic list fetches every committed offset of the group, and a top-level
 * error code exists (v0-1 put a group-level error on each partition instead). v5: leader epoch. v6+: flexible.
 * v7 requireStable: there are never pending transactional offsets here (no TxnOffsetCommit), so every offset is
 * stable and UNSTABLE_OFFSET_COMMIT never happens. librdkafka 2.0.2 uses v7.
 * Not implemented: v8+ (batched groups).
 */
import type { HandlerEntry } from '../dispatch.js';
import type { OffsetFetchRequest, OffsetFetchResponse } from '../../protocol/generated/offset-fetch.js';
import { coordinatorOf } from '../groups/handler-support.js';
import { GroupErrorCode as E } from '../groups/error-codes.js';

export const handler: HandlerEntry<OffsetFetchRequest, OffsetFetchResponse> = {
  apiKey: 9,
  minVersion: 0,
  maxVersion: 7,
  handle(req, ctx) {
    const v = ctx.apiVersion;
    const c = coordinatorOf(ctx, req.groupId);
    const wanted = req.topics === null ? null : req.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes }));
    const r = c ? c.fetchOffsets(req.groupId, wanted) : { errorCode: E.COORDINATOR_NOT_AVAILABLE, topics: [] };
    if (r.errorCode !== E.NONE) {
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        topics:
          v >= 2
            ? []
            : (wanted ?? []).map((t) => ({
                name: t.name,
                partitions: t.partitions.map((p) => ({ partitionIndex: p, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: r.errorCode })),
              })),
      };
    }
    return {
      throttleTimeMs: 0,
      errorCode: E.NONE,
      topics: r.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partition,
          committedOffset: p.offset,
          committedLeaderEpoch: p.leaderEpoch,
          metadata: p.metadata,
          errorCode: p.errorCode,
        })),
      })),
    };
  },
};
