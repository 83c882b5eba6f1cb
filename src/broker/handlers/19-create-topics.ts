/**
 * CreateTopics (key 19), versions 0-7 (v5+ flexible: the response carries the partition count, replication
 * factor and every config of the new topic with its source; v7 its topic id).
 * Kafka's checks and codes: INVALID_TOPIC_EXCEPTION (name), TOPIC_ALREADY_EXISTS (36), INVALID_PARTITIONS (37),
 * INVALID_REPLICATION_FACTOR (38), INVALID_CONFIG (40), INVALID_REQUEST for a topic named twice
 * in one request or for manual assignments together with partitions/replication factor; validate_only checks
 * everything and creates nothing. -1 partitions / replication factor (v4+) = the broker defaults.
 * Differs from Kafka: manual replica assignments must name only this node; topics are created at once (no
 * timeout wait needed).
 * In a cluster (zk mode): only the controller creates topics — any other broker answers NOT_CONTROLLER (41) so
 * admin clients retry at the controller from Metadata, as with Kafka; the assignment spreads partitions over the
 * live brokers and the answer waits (up to the request's timeout_ms) for their partition state. Replication
 * factor -1 means default.replication.factor; more than the live brokers is INVALID_REPLICATION_FACTOR with
 * Kafka's message; manual assignments are refused. Standalone: replication factor 1 only.
 */
import type { HandlerEntry, RequestContext } from '../dispatch.js';
import type { CreatableTopicResult, CreateTopicsRequest, CreateTopicsResponse } from '../../protocol/generated/create-topics.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { checkCreateTopic, createTopic } from '../metadata/topic-admin.js';
import { topicConfigEntries } from './support/configs.js';
import type { CreatableTopic } from '../../protocol/generated/create-topics.js';
import type { ClusterView } from '../cluster/cluster-view.js';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

async function createInCluster(ctx: RequestContext, cluster: ClusterView, t: CreatableTopic, validateOnly: boolean, timeoutMs: number): Promise<CreatableTopicResult> {
  const b = ctx.broker;
  const res = (errorCode: number, errorMessage: string | null): CreatableTopicResult => ({ name: t.name, errorCode, errorMessage, topicId: ZERO_UUID, numPartitions: -1, replicationFactor: -1, configs: [], topicConfigErrorCode: 0 });
  if (cluster.controllerId() !== b.nodeId) return res(ErrorCode.NOT_CONTROLLER, 'This is not the correct controller for this cluster.');
  if (t.assignments.length > 0) return res(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Manual replica assignments are not supported by the kstack native cluster; give numPartitions instead');
  const rf = t.replicationFactor === -1 ? b.config.defaultReplicationFactor : t.replicationFactor;
  const live = cluster.liveBrokers(ctx.connection.listenerName).length;
  if (rf > live) return res(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${rf} larger than available brokers: ${live}.`);
  const partitions = t.numPartitions === -1 ? b.config.numPartitions : t.numPartitions;
  const configs = new Map(t.configs.map((c) => [c.name, c.value] as [string, string | null]));
  const check = checkCreateTopic(b, t.name, partitions, rf, configs);
  if (check.errorCode !== ErrorCode.NONE) return res(check.errorCode, check.errorMessage);
  const overrides = new Map<string, string>();
  for (const [k, v] of configs) if (v !== null) overrides.set(k, v.trim());
  if (!validateOnly) {
    const r = await cluster.createTopic({ name: t.name, partitions, replicationFactor: rf, configs: overrides }, Math.max(timeoutMs, 1000));
    if (r.errorCode !== ErrorCode.NONE) return res(r.errorCode, r.errorMessage);
  }
  return { name: t.name, errorCode: 0, errorMessage: null, topicId: b.topics.get(t.name)?.topicId ?? ZERO_UUID, numPartitions: partitions, replicationFactor: rf, configs: topicConfigEntries(b, configs), topicConfigErrorCode: 0 };
}

export const handler: HandlerEntry<CreateTopicsRequest, CreateTopicsResponse> = {
  apiKey: 19,
  minVersion: 0,
  maxVersion: 7,
  handle(req, ctx) {
    const b = ctx.broker;
    const seen = new Map<string, number>();
    for (const t of req.topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
    const cluster = b.cluster;
    if (cluster) {
      return Promise.all(
        req.topics.map((t) =>
          seen.get(t.name)! > 1
            ? { name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Create topics request from client \`${ctx.clientId}\` contains multiple entries for the following topics: ${t.name}`, topicId: ZERO_UUID, numPartitions: -1, replicationFactor: -1, configs: [], topicConfigErrorCode: 0 }
            : createInCluster(ctx, cluster, t, req.validateOnly, req.timeoutMs),
        ),
      ).then((topics) => ({ throttleTimeMs: 0, topics }));
    }
    const results: CreatableTopicResult[] = req.topics.map((t) => {
      const res = (errorCode: number, errorMessage: string | null): CreatableTopicResult => ({ name: t.name, errorCode, errorMessage, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', numPartitions: -1, replicationFactor: -1, configs: [], topicConfigErrorCode: 0 });
      if (seen.get(t.name)! > 1) return res(ErrorCode.INVALID_REQUEST, `Create topics request from client \`${ctx.clientId}\` contains multiple entries for the following topics: ${t.name}`);
      let partitions = t.numPartitions;
      let rf = t.replicationFactor;
      if (t.assignments.length > 0) {
        if (partitions !== -1 || rf !== -1) return res(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
        const sorted = [...t.assignments].sort((a, c) => a.partitionIndex - c.partitionIndex);
        if (sorted.some((a, i) => a.partitionIndex !== i)) return res(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions should be a consecutive 0-based integer sequence');
        if (sorted.some((a) => a.brokerIds.length === 0 || a.brokerIds.some((id) => id !== b.nodeId))) {
          return res(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Unknown broker in the replica assignment; the only broker is ${b.nodeId}`);
        }
        partitions = sorted.length;
        rf = Math.max(...sorted.map((a) => a.brokerIds.length));
      }
      if (partitions === -1) partitions = b.config.numPartitions;
      if (rf === -1) rf = b.config.defaultReplicationFactor;
      const configs = new Map(t.configs.map((c) => [c.name, c.value] as [string, string | null]));
      const r = req.validateOnly ? checkCreateTopic(b, t.name, partitions, rf, configs) : createTopic(b, t.name, partitions, rf, configs);
      if (r.errorCode !== ErrorCode.NONE) return res(r.errorCode, r.errorMessage);
      return { name: t.name, errorCode: 0, errorMessage: null, topicId: r.topic?.topicId ?? 'AAAAAAAAAAAAAAAAAAAAAA', numPartitions: partitions, replicationFactor: rf, configs: topicConfigEntries(b, configs), topicConfigErrorCode: 0 };
    });
    return { throttleTimeMs: 0, topics: results };
  },
};
