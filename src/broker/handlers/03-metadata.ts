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
 * In a cluster (zk mode, BrokerContext.cluster): the live brokers that have the client's listener, the real
 * controller, each partition's leader/replicas/ISR/offline replicas and leader epoch from the cluster; a
 * partition without a leader answers leader -1 with LEADER_NOT_AVAILABLE. Auto-creation writes the topic to the
 * cluster and waits (up to 5 s) for its partition state, so the answer usually comes back complete.
 * Not implemented: authorized operations (always -2147483648, "not requested").
 */
import type { HandlerEntry, RequestContext } from '../dispatch.js';
import type { MetadataRequest, MetadataResponse, MetadataResponseTopic } from '../../protocol/generated/metadata.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { createTopic } from '../metadata/topic-admin.js';
import { isInternalTopic, validateTopicName, type TopicInfo } from '../metadata/topic-registry.js';
import type { ClusterView } from '../cluster/cluster-view.js';
import type { BrokerContext } from '../context.js';

const AUTO_CREATE_WAIT_MS = 5000;

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

function describeClusterTopic(t: TopicInfo, cluster: ClusterView): MetadataResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.topicId,
    isInternal: t.internal,
    partitions: t.leaderEpochs.map((_, i) => {
      const route = cluster.partition(t.name, i);
      const leaderId = route?.leader ?? -1;
      return {
        errorCode: leaderId < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
        partitionIndex: i,
        leaderId,
        leaderEpoch: route?.leaderEpoch ?? -1,
        replicaNodes: route?.replicas ?? [],
        isrNodes: route?.isr ?? [],
        offlineReplicas: route?.offlineReplicas ?? [],
      };
    }),
    topicAuthorizedOperations: NO_OPS,
  };
}

function describe(b: BrokerContext, t: TopicInfo): MetadataResponseTopic {
  return b.cluster ? describeClusterTopic(t, b.cluster) : describeTopic(t, b.nodeId);
}

/** Auto-creation in a cluster: written to the cluster, answered once the partitions have state (or not yet). */
async function autoCreateInCluster(b: BrokerContext, cluster: ClusterView, name: string): Promise<MetadataResponseTopic> {
  const r = await cluster.createTopic({ name, partitions: b.config.numPartitions, replicationFactor: b.config.defaultReplicationFactor, configs: new Map() }, AUTO_CREATE_WAIT_MS);
  const t = b.topics.get(name);
  if (t) return describeClusterTopic(t, cluster);
  if (r.errorCode === ErrorCode.NONE || r.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS || r.errorCode === ErrorCode.REQUEST_TIMED_OUT) return errorTopic(name, ErrorCode.LEADER_NOT_AVAILABLE);
  return errorTopic(name, r.errorCode);
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
    const pending: Promise<void>[] = [];
    if (all) {
      for (const t of b.topics.list()) topics.push(describe(b, t));
    } else {
      const allowAuto = b.config.autoCreateTopicsEnable && (ctx.apiVersion < 4 || req.allowAutoTopicCreation);
      for (const rt of req.topics!) {
        if (rt.name === null) {
          const t = b.topics.getById(rt.topicId);
          topics.push(t ? describe(b, t) : errorTopic(null, ErrorCode.UNKNOWN_TOPIC_ID, rt.topicId));
          continue;
        }
        const existing = b.topics.get(rt.name);
        if (existing) {
          topics.push(describe(b, existing));
        } else if (validateTopicName(rt.name) !== null) {
          topics.push(errorTopic(rt.name, ErrorCode.INVALID_TOPIC_EXCEPTION));
        } else if (allowAuto && !isInternalTopic(rt.name) && b.cluster) {
          const index = topics.length;
          topics.push(errorTopic(rt.name, ErrorCode.LEADER_NOT_AVAILABLE));
          pending.push(autoCreateInCluster(b, b.cluster, rt.name).then((t) => void (topics[index] = t)));
        } else if (allowAuto && !isInternalTopic(rt.name)) {
          const r = createTopic(b, rt.name, -1, -1, new Map());
          topics.push(r.topic ? describeTopic(r.topic, b.nodeId) : errorTopic(rt.name, r.errorCode));
        } else {
          topics.push(errorTopic(rt.name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        }
      }
    }
    const answer = (): MetadataResponse => ({
      throttleTimeMs: 0,
      brokers: b.cluster ? b.cluster.liveBrokers(ctx.connection.listenerName) : [{ nodeId: b.nodeId, host: ep.host, port: ep.port, rack: b.config.get('broker.rack') ?? null }],
      clusterId: b.clusterId,
      controllerId: b.cluster ? b.cluster.controllerId() : b.nodeId,
      topics,
      clusterAuthorizedOperations: NO_OPS,
    });
    // Brokers and controller are read after the creations settle, so the answer is one consistent view.
    return pending.length > 0 ? Promise.all(pending).then(answer) : answer();
  },
};
