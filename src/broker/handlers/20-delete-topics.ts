/**
 * DeleteTopics (key 20), versions 0-4.
 * Deletes the topic from the registry and removes its partition directories at once.
 * Codes: UNKNOWN_TOPIC_OR_PARTITION, TOPIC_DELETION_DISABLED (delete.topic.enable=false),
 * INVALID_TOPIC_EXCEPTION for internal topics. Differs from Kafka: deletion is synchronous (no
 * `-delete` directory renamed and removed later). v6 topic ids are not advertised.
 */
import type { HandlerEntry } from '../dispatch.js';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../protocol/generated/delete-topics.js';
import { deleteTopic } from '../metadata/topic-admin.js';

export const handler: HandlerEntry<DeleteTopicsRequest, DeleteTopicsResponse> = {
  apiKey: 20,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    return {
      throttleTimeMs: 0,
      responses: req.topicNames.map((name) => {
        const r = deleteTopic(ctx.broker, name);
        return { name, topicId: r.topic?.topicId ?? 'AAAAAAAAAAAAAAAAAAAAAA', errorCode: r.errorCode, errorMessage: r.errorMessage };
      }),
    };
  },
};
