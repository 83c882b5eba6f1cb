/**
 * OffsetForLeaderEpoch (key 23), versions 0-4 (v4 flexible; v1+ answer the epoch found; v2+ carry
 * current_leader_epoch and throttle time; v3+ the replica id). Answered by the partition leader from the leader
 * epoch cache (leader-epoch-checkpoint), with Kafka's rules (LeaderEpochFileCache.endOffsetFor): the latest
 * epoch ends at the log end; an older epoch ends where the next known epoch starts, answered with the largest
 * known epoch ≤ it; an epoch older than all known ones ends where the first starts; an unknown newer epoch is
 * undefined (epoch -1, offset -1).
 * Followers (replica_id ≥ 0) use it to truncate after a leader change (replication/leader-fetcher.ts); consumers
 * (Java ≥ 2.3, librdkafka ≥ 1.9) use it to detect log truncation after a leader change (KIP-320).
 * Errors: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER (not the leader), FENCED_LEADER_EPOCH /
 * UNKNOWN_LEADER_EPOCH (current_leader_epoch older / newer than ours, v2+).
 */
import type { HandlerEntry } from '../dispatch.js';
import type { EpochEndOffset, OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../../protocol/generated/offset-for-leader-epoch.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { leaderError } from '../cluster/cluster-view.js';

export const handler: HandlerEntry<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse> = {
  apiKey: 23,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const b = ctx.broker;
    const v = ctx.apiVersion;
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p): EpochEndOffset => {
          const fail = (errorCode: number): EpochEndOffset => ({ errorCode, partition: p.partition, leaderEpoch: -1, endOffset: -1n });
          const topic = b.topics.get(t.topic);
          if (!topic || p.partition < 0 || p.partition >= topic.leaderEpochs.length) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          const notLeader = leaderError(b, t.topic, p.partition);
          if (notLeader !== ErrorCode.NONE) return fail(notLeader);
          const log = b.logs.get(t.topic, p.partition);
          if (!log) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          const epoch = topic.leaderEpochs[p.partition];
          if (v >= 2 && p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== epoch) {
            return fail(p.currentLeaderEpoch < epoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH);
          }
          const found = log.leaderEpochCache.endOffsetFor(p.leaderEpoch, log.logEndOffset);
          return { errorCode: ErrorCode.NONE, partition: p.partition, leaderEpoch: found.epoch, endOffset: BigInt(found.endOffset) };
        }),
      })),
    };
  },
};
