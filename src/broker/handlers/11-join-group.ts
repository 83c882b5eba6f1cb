/**
 * JoinGroup (key 11), versions 0-5. The response is a promise that settles when the rebalance round completes
 * (see src/broker/groups/group-state.ts for the state machine). v0 has no rebalance timeout: the session timeout
 * serves as both, as in Kafka. v4+: an empty member id gets MEMBER_ID_REQUIRED with a fresh id (KIP-394);
 * v5+: static membership (group.instance.id, KIP-345).
 * Not implemented: v6+ (flexible, reason, skipAssignment).
 */
import type { HandlerEntry } from '../dispatch.js';
import type { JoinGroupRequest, JoinGroupResponse } from '../../protocol/generated/join-group.js';
import { clientHostOf, coordinatorOf } from '../groups/handler-support.js';
import { GroupErrorCode as E } from '../groups/error-codes.js';

export const handler: HandlerEntry<JoinGroupRequest, JoinGroupResponse> = {
  apiKey: 11,
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    const c = coordinatorOf(ctx, req.groupId);
    if (!c) return { throttleTimeMs: 0, errorCode: E.COORDINATOR_NOT_AVAILABLE, generationId: -1, protocolName: '', leader: '', memberId: req.memberId, members: [] };
    const r = await c.joinGroup({
      groupId: req.groupId,
      version: ctx.apiVersion,
      memberId: req.memberId,
      groupInstanceId: ctx.apiVersion >= 5 ? req.groupInstanceId : null,
      clientId: ctx.clientId ?? '',
      clientHost: clientHostOf(ctx),
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: ctx.apiVersion >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
    });
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      generationId: r.generationId,
      protocolName: r.protocolName ?? '',
      leader: r.leader,
      memberId: r.memberId,
      members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
    };
  },
};
