/**
 * Heartbeat (key 12), versions 0-3 (v3 adds group.instance.id for static members). Answers REBALANCE_IN_PROGRESS
 * while the group prepares a rebalance, so the member rejoins.
 * Not implemented: v4+ (flexible).
 */
import type { HandlerEntry } from '../dispatch.js';
import type { HeartbeatRequest, HeartbeatResponse } from '../../protocol/generated/heartbeat.js';
import { coordinatorOf } from '../groups/handler-support.js';
import { GroupErrorCode as E } from '../groups/error-codes.js';

export const handler: HandlerEntry<HeartbeatRequest, HeartbeatResponse> = {
  apiKey: 12,
  minVersion: 0,
  maxVersion: 3,
  async handle(req, ctx) {
    const c = coordinatorOf(ctx, req.groupId);
    if (!c) return { throttleTimeMs: 0, errorCode: E.COORDINATOR_NOT_AVAILABLE };
    const errorCode = await c.heartbeat({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: ctx.apiVersion >= 3 ? req.groupInstanceId : null,
      generationId: req.generationId,
    });
    return { throttleTimeMs: 0, errorCode };
  },
};
