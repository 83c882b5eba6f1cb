/**
 * DescribeGroups (key 15), versions 0-4. As Kafka: an unknown group is described as state "Dead" with no error;
 * member metadata, assignments and the protocol name are shown only while the group is Stable. v3+: authorized
 * operations (no authorizer here: every group operation, when asked for); v4: group.instance.id.
 * Not implemented: v5+ (flexible; v6 GROUP_ID_NOT_FOUND for unknown groups).
 */
import type { HandlerEntry } from '../dispatch.js';
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/generated/describe-groups.js';
import { ALL_GROUP_OPERATIONS, AUTHORIZED_OPERATIONS_OMITTED, coordinatorOf } from '../groups/handler-support.js';
import { GroupErrorCode as E } from '../groups/error-codes.js';

export const handler: HandlerEntry<DescribeGroupsRequest, DescribeGroupsResponse> = {
  apiKey: 15,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const c = coordinatorOf(ctx);
    const ops = req.includeAuthorizedOperations ? ALL_GROUP_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED;
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((groupId) => {
        if (!c) return { errorCode: E.COORDINATOR_NOT_AVAILABLE, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: ops };
        const d = c.describeGroup(groupId);
        return {
          errorCode: d.errorCode,
          groupId,
          groupState: d.groupState,
          protocolType: d.protocolType,
          protocolData: d.protocolData,
          members: d.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: m.metadata,
            memberAssignment: m.assignment,
          })),
          authorizedOperations: ops,
        };
      }),
    };
  },
};
