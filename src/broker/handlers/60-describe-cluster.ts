/**
 * DescribeCluster (key 60), versions 0-1 (flexible). This node is the whole cluster and its controller; the
 * broker endpoint is the advertised one of the listener the client used. v1: endpoint type 1 (brokers) only —
 * asking a broker listener for controllers (2) is MISMATCHED_ENDPOINT_TYPE, as Kafka answers.
 * Authorized operations are not computed (-2147483648).
 */
import type { HandlerEntry } from '../dispatch.js';
import type { DescribeClusterRequest, DescribeClusterResponse } from '../../protocol/generated/describe-cluster.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { brokerEndpoint } from './03-metadata.js';

const BROKERS = 1;

export const handler: HandlerEntry<DescribeClusterRequest, DescribeClusterResponse> = {
  apiKey: 60,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const b = ctx.broker;
    const base = { throttleTimeMs: 0, endpointType: BROKERS, clusterId: b.clusterId, controllerId: b.nodeId, clusterAuthorizedOperations: -2147483648 };
    if (ctx.apiVersion >= 1 && req.endpointType !== BROKERS) {
      return { ...base, errorCode: ErrorCode.MISMATCHED_ENDPOINT_TYPE, errorMessage: 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER', controllerId: -1, brokers: [] };
    }
    const ep = brokerEndpoint(ctx);
    return { ...base, errorCode: 0, errorMessage: null, brokers: [{ brokerId: b.nodeId, host: ep.host, port: ep.port, rack: b.config.get('broker.rack') ?? null }] };
  },
};
