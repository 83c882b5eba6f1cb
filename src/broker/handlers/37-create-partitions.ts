/**
 * CreatePartitions (key 37), versions 0-1.
 * Raises a topic's partition count (INVALID_PARTITIONS when not higher; UNKNOWN_TOPIC_OR_PARTITION; an
 * assignment must name only this node, else INVALID_REPLICA_ASSIGNMENT); validate_only checks without changing.
 * A topic named twice in one request → INVALID_REQUEST for both, as Kafka.
 * In a cluster (zk mode) only the controller adds partitions (NOT_CONTROLLER elsewhere, as Kafka); the new
 * partitions continue the round-robin over the live brokers (zookeeper/broker-zk.ts); manual assignments are
 * refused there.
 */
import type { HandlerEntry } from '../dispatch.js';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from '../../protocol/generated/create-partitions.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { addPartitions } from '../metadata/topic-admin.js';

export const handler: HandlerEntry<CreatePartitionsRequest, CreatePartitionsResponse> = {
  apiKey: 37,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const b = ctx.broker;
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    return {
      throttleTimeMs: 0,
      results: req.topics.map((t) => {
        if (counts.get(t.name)! > 1) return { name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic in request.' };
        if (b.cluster) {
          if (b.cluster.controllerId() !== b.nodeId) return { name: t.name, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: 'This is not the correct controller for this cluster.' };
          if (t.assignments !== null) return { name: t.name, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'Manual replica assignments are not supported by the kstack native cluster' };
        }
        if (t.assignments !== null && t.assignments.some((a) => a.brokerIds.some((id) => id !== b.nodeId))) {
          return { name: t.name, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `Unknown broker in the assignment; the only broker is ${b.nodeId}` };
        }
        const r = addPartitions(b, t.name, t.count, req.validateOnly);
        return { name: t.name, errorCode: r.errorCode, errorMessage: r.errorMessage };
      }),
    };
  },
};
