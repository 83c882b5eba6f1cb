/**
 * Small pieces the group handlers (08, 09, 10-16, 42, 47) share.
 */
import type { RequestContext } from '../dispatch.js';
import type { GroupCoordinator } from './coordinator.js';

/**
 * The coordinator, or undefined while the broker has none (the handler answers COORDINATOR_NOT_AVAILABLE).
 * In a cluster, given the group id: undefined as well when this broker does not lead the group's
 * `__consumer_offsets` partition, so clients look their coordinator up again (Kafka answers NOT_COORDINATOR;
 * clients rediscover on either code).
 */
export function coordinatorOf(ctx: RequestContext, groupId?: string): GroupCoordinator | undefined {
  const c = ctx.broker.groups;
  const cluster = ctx.broker.cluster;
  if (!c || !cluster || groupId === undefined) return c;
  return cluster.partition('__consumer_offsets', c.partitionFor(groupId))?.leader === ctx.broker.nodeId ? c : undefined;
}

/** Kafka shows a member's host as InetAddress.toString(): "/127.0.0.1". */
export function clientHostOf(ctx: RequestContext): string {
  return `/${ctx.connection.remoteAddress.replace(/^::ffff:/, '')}`;
}

/** True when the broker hosts this topic partition (OffsetCommit answers UNKNOWN_TOPIC_OR_PARTITION otherwise). */
export function hostsPartition(ctx: RequestContext, topic: string, partition: number): boolean {
  const t = ctx.broker.topics.get(topic);
  return t !== undefined && partition >= 0 && partition < t.leaderEpochs.length;
}

/** DescribeGroups v3+ authorized operations with no authorizer: READ, DELETE and DESCRIBE (AclOperation bits 3, 6, 8). */
export const ALL_GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;
