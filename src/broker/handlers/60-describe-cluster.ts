/**
 * DescribeCluster (key 60), version 0 (flexible). This node is the whole cluster and its controller; the
 * broker endpoint is the advertised one of the listener the client used. Authorized operations are not
 * computed (-2147483648).
 */
import type { HandlerEntry } from '../dispatch.js';
import type { DescribeClusterRequest, DescribeClusterResponse } from '../../protocol/generated/describe-cluster.js';
import { brokerEndpoint } from './03-metadata.js';

export const handler: HandlerEntry<DescribeClusterRequest, DescribeClusterResponse> = {
  apiKey: 60,
  minVersion: 0,
  maxVersion: 0,
  handle(_req, ctx) {
    const b = ctx.broker;
    const ep = brokerEndpoint(ctx);
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      endpointType: 1,
      clusterId: b.clusterId,
      controllerId: b.nodeId,
      brokers: [{ brokerId: b.nodeId, host: ep.host, port: ep.port, rack: b.config.get('broker.rack') ?? null }],
      clusterAuthorizedOperations: -2147483648,
    };
  },
};
