/**
 * ListGroups (key 16), versions 0-2: every group this coordinator knows (including Empty groups that only hold
 * committed offsets; their protocol type is "").
 * Not implemented: v3+ (flexible; v4 state filter, v5 type filter).
 */
import type { HandlerEntry } from '../dispatch.js';
import type { ListGroupsRequest, ListGroupsResponse } from '../../protocol/generated/list-groups.js';
import { coordinatorOf } from '../groups/handler-support.js';
import { GroupErrorCode as E } from '../groups/error-codes.js';

export const handler: HandlerEntry<ListGroupsRequest, ListGroupsResponse> = {
  apiKey: 16,
  minVersion: 0,
  maxVersion: 2,
  handle(_req, ctx) {
    const c = coordinatorOf(ctx);
    if (!c) return { throttleTimeMs: 0, errorCode: E.COORDINATOR_NOT_AVAILABLE, groups: [] };
    return { throttleTimeMs: 0, errorCode: E.NONE, groups: c.listGroups().map((g) => ({ groupId: g.groupId, protocolType: g.protocolType })) };
  },
};
