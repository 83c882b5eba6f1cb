/**
 * Metadata (key 3), versions 0-12 (v9+ flexible; tested with the Java client 3.9, which sends v12).
 * - Brokers: this node only, at the advertised endpoint of the listener the client connected on.
 * - Topics: all (v0 empty list / v1+ null) or the named ones; unknown names are auto-created when
 *   auto.create.topics.enable=true and (v4+) allow_auto_topic_creation, with num.partitions partitions.
 *   Kafka answers LEADER_NOT_AVAILABLE for a topic it just created; a single node has the leader at once, so
 *   the topic comes back complete (clients accept both).
 * - Leader epochs are the partitions' real (persisted) epochs; controller = this node; cluster id from
 *   meta.properties.
 * Topics can be named by id (v10+, name null): UNKNOWN_TOPIC_ID when the id is unknown.
 * Not implemented: authorized operations (always -2147483648, "not requested").
 */
import type { HandlerEntry, RequestContext } from '../dispatch.js';
import type { MetadataRequest, MetadataResponse, MetadataResponseTopic } from '../../protocol/generated/metadata.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { createTopic } from '../metadata/topic-admin.js';
import { isInternalTopic, validateTopicName, type TopicInfo } from '../metadata/topic-registry.js';

const NO_OPS = -2147483648;

function describeTopic(t: TopicInfo, nodeId: number): MetadataResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.topicId,
    isInternal: t.internal,
    partitions: t.leaderEpochs.map((epoch, i) => ({
      errorCode: ErrorCode.NONE,
      partitionIndex: i,
      leaderId: nodeId,
      leaderEpoch: epoch,
      replicaNodes: [nodeId],
      isrNodes: [nodeId],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: NO_OPS,
  };
}

function errorTopic(name: string | null, errorCode: number, topicId = 'AAAAAAAAAAAAAAAAAAAAAA'): MetadataResponseTopic {
  return { errorCode, name, topicId, isInternal: name !== null && isInternalTopic(name), partitions: [], topicAuthorizedOperations: NO_OPS };
}

export function brokerEndpoint(ctx: RequestContext): { host: string; port: number } {
  const l = ctx.broker.listeners.get(ctx.connection.listenerName) ?? [...ctx.broker.listeners.values()][0];
  return l.advertised;
}

export const handler: HandlerEntry<MetadataRequest, MetadataResponse> = {
  apiKey: 3,
  minVersion: 0,
  maxVersion: 12,
  handle(req, ctx) {
    const b = ctx.broker;
    const ep = brokerEndpoint(ctx);
    const all = req.topics === null || (ctx.apiVersion === 0 && req.topics.length === 0);
    const topics: MetadataResponseTopic[] = [];
    if (all) {
      for (const t of b.topics.list()) topics.push(describeTopic(t, b.nodeId));
    } else {
      const allowAuto = b.config.autoCreateTopicsEnable && (ctx.apiVersion < 4 || req.allowAutoTopicCreation);
      for (const rt of req.topics!) {
        if (rt.name === null) {
          const t = b.topics.getById(rt.topicId);
          topics.push(t ? describeTopic(t, b.nodeId) : errorTopic(null, ErrorCode.UNKNOWN_TOPIC_ID, rt.topicId));
          continue;
        }
        const existing = b.topics.get(rt.name);
        if (existing) {
          topics.push(describeTopic(existing, b.nodeId));
        } else if (validateTopicName(rt.name) !== null) {
          topics.push(errorTopic(rt.name, ErrorCode.INVALID_TOPIC_EXCEPTION));
        } else if (allowAuto && !isInternalTopic(rt.name)) {
          const r = createTopic(b, rt.name, -1, -1, new Map());
          topics.push(r.topic ? describeTopic(r.topic, b.nodeId) : errorTopic(rt.name, r.errorCode));
        } else {
          topics.push(errorTopic(rt.name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        }
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: b.nodeId, host: ep.host, port: ep.port, rack: b.config.get('broker.rack') ?? null }],
      clusterId: b.clusterId,
      controllerId: b.nodeId,
      topics,
      clusterAuthorizedOperations: NO_OPS,
    };
  },
};
