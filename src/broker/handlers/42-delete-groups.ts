/**
 * DeleteGroups (key 42), versions 0-1. Only Empty groups can go (NON_EMPTY_GROUP otherwise; GROUP_ID_NOT_FOUND
 * for unknown ones); their offsets and metadata get tombstones in `__consumer_offsets`.
 * Not implemented: v2 (flexible).
 */
import type { HandlerEntry } from '../dispatch.js';
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/generated/delete-groups.js';
import { coordinatorOf } from '../groups/handler-support.js';
import { GroupErrorCode as E } from '../groups/error-codes.js';

export const handler: HandlerEntry<DeleteGroupsRequest, DeleteGroupsResponse> = {
  apiKey: 42,
  minVersion: 0,
  maxVersion: 1,
  async handle(req, ctx) {
    const c = coordinatorOf(ctx);
    if (!c) return { throttleTimeMs: 0, results: req.groupsNames.map((groupId) => ({ groupId, errorCode: E.COORDINATOR_NOT_AVAILABLE })) };
    return { throttleTimeMs: 0, results: await c.deleteGroups(req.groupsNames) };
  },
};
