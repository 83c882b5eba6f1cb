/**
 * OffsetCommit (key 8), versions 0-7. v0 has no generation or member id (a standalone commit, generation -1);
 * v1 carries a commit timestamp per partition (the offset then expires offsets.retention.minutes after it);
 * v2-v4 a retention time (-1 = broker default); v6+ a leader epoch; v7 group.instance.id. Commits are answered
 * only after they are written to `__consumer_offsets`. Partitions the broker does not host get
 * UNKNOWN_TOPIC_OR_PARTITION, as in Kafka.
 * Not implemented: v8+ (flexible).
 */
import type { HandlerEntry } from '../dispatch.js';
import type { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/generated/offset-commit.js';
import { coordinatorOf, hostsPartition } from '../groups/handler-support.js';
import { GroupErrorCode as E } from '../groups/error-codes.js';

export const handler: HandlerEntry<OffsetCommitRequest, OffsetCommitResponse> = {
  apiKey: 8,
  minVersion: 0,
  maxVersion: 7,
  async handle(req, ctx) {
    const v = ctx.apiVersion;
    const c = coordinatorOf(ctx, req.groupId);
    const allWith = (errorCode: number): OffsetCommitResponse => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
    });
    if (!c) return allWith(E.COORDINATOR_NOT_AVAILABLE);
    const unknown = new Set<string>();
    const known = req.topics
      .map((t) => ({
        name: t.name,
        partitions: t.partitions
          .filter((p) => {
            if (hostsPartition(ctx, t.name, p.partitionIndex)) return true;
            unknown.add(`${t.name}\u0000${p.partitionIndex}`);
            return false;
          })
          .map((p) => ({
            partition: p.partitionIndex,
            offset: p.committedOffset,
            leaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1,
            metadata: p.committedMetadata,
            commitTimestamp: v === 1 ? Number(p.commitTimestamp) : -1,
          })),
      }))
      .filter((t) => t.partitions.length > 0);
    const r = await c.commitOffsets({
      groupId: req.groupId,
      generationId: v >= 1 ? req.generationIdOrMemberEpoch : -1,
      memberId: v >= 1 ? req.memberId : '',
      groupInstanceId: v >= 7 ? req.groupInstanceId : null,
      retentionTimeMs: v >= 2 && v <= 4 ? Number(req.retentionTimeMs) : -1,
      topics: known,
    });
    const codes = new Map<string, number>();
    for (const t of r.topics) for (const p of t.partitions) codes.set(`${t.name}\u0000${p.partition}`, p.errorCode);
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const k = `${t.name}\u0000${p.partitionIndex}`;
          return { partitionIndex: p.partitionIndex, errorCode: unknown.has(k) ? E.UNKNOWN_TOPIC_OR_PARTITION : (codes.get(k) ?? E.UNKNOWN_SERVER_ERROR) };
        }),
      })),
    };
  },
};
