/**
 * DeleteTopics (key 20), versions 0-6 (v4+ flexible; v6 names topics by name or by topic id).
 * Deletes the topic from the registry and removes its partition directories at once.
 * Codes: UNKNOWN_TOPIC_OR_PARTITION, TOPIC_DELETION_DISABLED (delete.topic.enable=false),
 * INVALID_TOPIC_EXCEPTION for internal topics. Differs from Kafka: deletion is synchronous (no
 * `-delete` directory renamed and removed later). An unknown topic id → UNKNOWN_TOPIC_ID.
 * In a cluster (zk mode) only the controller deletes (NOT_CONTROLLER elsewhere, as Kafka); the other brokers
 * drop the topic when ZooKeeper no longer lists it.
 */
import type { HandlerEntry } from '../dispatch.js';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../protocol/generated/delete-topics.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { deleteTopic } from '../metadata/topic-admin.js';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export const handler: HandlerEntry<DeleteTopicsRequest, DeleteTopicsResponse> = {
  apiKey: 20,
  minVersion: 0,
  maxVersion: 6,
  handle(req, ctx) {
    const b = ctx.broker;
    const wanted: { name: string | null; topicId: string }[] =
      ctx.apiVersion >= 6 ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId })) : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    return {
      throttleTimeMs: 0,
      responses: wanted.map(({ name, topicId }) => {
        let topicName = name;
        if (topicName === null || topicName === '') {
          const byId = b.topics.getById(topicId);
          if (!byId) return { name: null, topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: 'This server does not host this topic ID.' };
          topicName = byId.name;
        }
        if (b.cluster && b.cluster.controllerId() !== b.nodeId) return { name: topicName, topicId, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: 'This is not the correct controller for this cluster.' };
        const r = deleteTopic(b, topicName);
        return { name: topicName, topicId: r.topic?.topicId ?? topicId, errorCode: r.errorCode, errorMessage: r.errorMessage };
      }),
    };
  },
};
