/**
 * OffsetDelete (key 47), version 0 (KIP-496). Deletes committed offsets of a group, except for topics that an
 * active consumer-protocol member subscribes to (GROUP_SUBSCRIBED_TO_TOPIC per partition); a non-empty group of
 * another protocol type gets NON_EMPTY_GROUP, an unknown group GROUP_ID_NOT_FOUND.
 */
import type { HandlerEntry } from '../dispatch.js';
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../../protocol/generated/offset-delete.js';
import { coordinatorOf, hostsPartition } from '../groups/handler-support.js';
import { GroupErrorCode as E } from '../groups/error-codes.js';

export const handler: HandlerEntry<OffsetDeleteRequest, OffsetDeleteResponse> = {
  apiKey: 47,
  minVersion: 0,
  maxVersion: 0,
  async handle(req, ctx) {
    const c = coordinatorOf(ctx);
    if (!c) return { errorCode: E.COORDINATOR_NOT_AVAILABLE, throttleTimeMs: 0, topics: [] };
    // Kafka answers UNKNOWN_TOPIC_OR_PARTITION for partitions it does not host, and deletes nothing for them.
    const r = await c.deleteOffsets(
      req.groupId,
      req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex).filter((p) => hostsPartition(ctx, t.name, p)) })),
    );
    if (r.errorCode !== E.NONE) return { errorCode: r.errorCode, throttleTimeMs: 0, topics: [] };
    return {
      errorCode: E.NONE,
      throttleTimeMs: 0,
      topics: req.topics.map((t, i) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: r.topics[i].partitions.find((x) => x.partition === p.partitionIndex)?.errorCode ?? E.UNKNOWN_TOPIC_OR_PARTITION,
        })),
      })),
    };
  },
};
