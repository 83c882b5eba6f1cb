/**
 * LeaveGroup (key 13), versions 0-3. v0-2: one member id, its error in the top-level error code. v3: a batch of
 * members (by member id and/or group.instance.id, KIP-345) with an error per member.
 * Not implemented: v4+ (flexible, reason).
 */
import type { HandlerEntry } from '../dispatch.js';
import type { LeaveGroupRequest, LeaveGroupResponse } from '../../protocol/generated/leave-group.js';
import { coordinatorOf } from '../groups/handler-support.js';
import { GroupErrorCode as E } from '../groups/error-codes.js';

export const handler: HandlerEntry<LeaveGroupRequest, LeaveGroupResponse> = {
  apiKey: 13,
  minVersion: 0,
  maxVersion: 3,
  async handle(req, ctx) {
    const c = coordinatorOf(ctx, req.groupId);
    if (!c) return { throttleTimeMs: 0, errorCode: E.COORDINATOR_NOT_AVAILABLE, members: [] };
    if (ctx.apiVersion < 3) {
      const r = await c.leaveGroup(req.groupId, [{ memberId: req.memberId, groupInstanceId: null }]);
      const errorCode = r.errorCode !== E.NONE ? r.errorCode : (r.members[0]?.errorCode ?? E.NONE);
      return { throttleTimeMs: 0, errorCode };
    }
    const r = await c.leaveGroup(
      req.groupId,
      req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })),
    );
    return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members };
  },
};
