/**
 * FindCoordinator (key 10), versions 0-4. This single broker coordinates every group (key type 0) and every
 * transactional id (key type 1); the endpoint is the advertised one of the listener the client connected on.
 * Like Kafka, a group lookup creates `__consumer_offsets` on first use. v3+ is flexible; v4 batches keys
 * (KIP-699) and answers per key in `coordinators` (the Java client 3.x uses it).
 * In a cluster (zk mode) a group's coordinator is the leader of its `__consumer_offsets` partition (created
 * through the cluster on first use, with offsets.topic.replication.factor replicas — as Kafka, fewer live brokers
 * than that leave it uncreated and the answer is COORDINATOR_NOT_AVAILABLE until enough brokers are up); no
 * leader → COORDINATOR_NOT_AVAILABLE, and clients retry. Transactional ids
 * still answer this broker (transactions are not implemented).
 */
import type { HandlerEntry, RequestContext } from '../dispatch.js';
import type { Coordinator, FindCoordinatorRequest, FindCoordinatorResponse } from '../../protocol/generated/find-coordinator.js';
import { brokerEndpoint } from './03-metadata.js';
import { ensureOffsetsTopic, offsetsTopicConfigs } from '../metadata/topic-admin.js';
import type { ClusterView } from '../cluster/cluster-view.js';

const OFFSETS_TOPIC = '__consumer_offsets';

/** A group's coordinator in a cluster: the leader of the group's offsets partition. */
async function lookupInCluster(key: string, ctx: RequestContext, cluster: ClusterView): Promise<Coordinator> {
  const b = ctx.broker;
  const fail = (errorCode: number, errorMessage: string): Coordinator => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage });
  if (!b.groups) return fail(E.COORDINATOR_NOT_AVAILABLE, 'The group coordinator is not available.');
  if (!b.topics.get(OFFSETS_TOPIC)) {
    const r = await cluster.createTopic({ name: OFFSETS_TOPIC, partitions: b.config.offsetsTopicNumPartitions, replicationFactor: b.config.getInt('offsets.topic.replication.factor'), configs: offsetsTopicConfigs(b), internal: true }, 5000);
    if (r.errorCode !== E.NONE && !b.topics.get(OFFSETS_TOPIC)) b.logger.info(`__consumer_offsets not ready yet: ${r.errorMessage ?? r.errorCode}`);
  }
  const route = cluster.partition(OFFSETS_TOPIC, b.groups.partitionFor(key));
  const leader = route && route.leader >= 0 ? cluster.liveBrokers(ctx.connection.listenerName).find((x) => x.nodeId === route.leader) : undefined;
  if (!leader) return fail(E.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
  return { key, nodeId: leader.nodeId, host: leader.host, port: leader.port, errorCode: E.NONE, errorMessage: null };
}
import { GroupErrorCode as E } from '../groups/error-codes.js';

/** The coordinator for one key, or the error Kafka gives. */
function lookup(keyType: number, key: string, ctx: RequestContext): Coordinator {
  const fail = (errorCode: number, errorMessage: string): Coordinator => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage });
  if (keyType !== 0 && keyType !== 1) return fail(E.INVALID_REQUEST, `Unknown coordinator type ${keyType}`);
  if (keyType === 0) {
    if (!ctx.broker.groups) return fail(E.COORDINATOR_NOT_AVAILABLE, 'The group coordinator is not available.');
    try {
      ensureOffsetsTopic(ctx.broker);
    } catch (err) {
      ctx.broker.logger.error(`cannot create __consumer_offsets: ${(err as Error).message}`);
      return fail(E.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
    }
  }
  const ep = brokerEndpoint(ctx);
  return { key, nodeId: ctx.broker.nodeId, host: ep.host, port: ep.port, errorCode: E.NONE, errorMessage: null };
}

export const handler: HandlerEntry<FindCoordinatorRequest, FindCoordinatorResponse> = {
  apiKey: 10,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const cluster = ctx.broker.cluster;
    const keyType = ctx.apiVersion >= 1 ? req.keyType : 0;
    if (cluster && keyType === 0) {
      if (ctx.apiVersion >= 4) {
        return Promise.all(req.coordinatorKeys.map((key) => lookupInCluster(key, ctx, cluster))).then((coordinators) => ({ throttleTimeMs: 0, coordinators }));
      }
      return lookupInCluster(req.key, ctx, cluster).then((c) => ({ throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port }));
    }
    if (ctx.apiVersion >= 4) {
      return { throttleTimeMs: 0, coordinators: req.coordinatorKeys.map((key) => lookup(req.keyType, key, ctx)) };
    }
    const c = lookup(ctx.apiVersion >= 1 ? req.keyType : 0, req.key, ctx);
    return { throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port };
  },
};
