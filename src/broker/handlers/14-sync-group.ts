/**
 * SyncGroup (key 14), versions 0-3. Followers wait (a promise) until the leader's SyncGroup brings the
 * assignments; in a Stable group the stored assignment comes back at once.
 * Not implemented: v4+ (flexible; v5 adds protocol type/name checks, which the coordinator already supports).
 */
import type { HandlerEntry } from '../dispatch.js';
import type { SyncGroupRequest, SyncGroupResponse } from '../../protocol/generated/sync-group.js';
import { coordinatorOf } from '../groups/handler-support.js';
import { GroupErrorCode as E } from '../groups/error-codes.js';

export const handler: HandlerEntry<SyncGroupRequest, SyncGroupResponse> = {
  apiKey: 14,
  minVersion: 0,
  maxVersion: 3,
  async handle(req, ctx) {
    const c = coordinatorOf(ctx, req.groupId);
    if (!c) return { throttleTimeMs: 0, errorCode: E.COORDINATOR_NOT_AVAILABLE, assignment: Buffer.alloc(0) };
    const r = await c.syncGroup({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: ctx.apiVersion >= 3 ? req.groupInstanceId : null,
      generationId: req.generationId,
      protocolType: ctx.apiVersion >= 5 ? req.protocolType : null,
      protocolName: ctx.apiVersion >= 5 ? req.protocolName : null,
      // Copies: the request buffer is reused once the handler returns, the group keeps these.
      assignments: req.assignments.map((a) => ({ memberId: a.memberId, assignment: Buffer.from(a.assignment) })),
    });
    return { throttleTimeMs: 0, errorCode: r.errorCode, protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment };
  },
};
