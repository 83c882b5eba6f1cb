/**
 * FindCoordinator (key 10), versions 0-4. This single broker coordinates every group (key type 0) and every
 * transactional id (key type 1); the endpoint is the advertised one of the listener the client connected on.
 * Like Kafka, a group lookup creates `__consumer_offsets` on first use. v3+ is flexible; v4 batches keys
 * (KIP-699) and answers per key in `coordinators` (the Java client 3.x uses it).
 */
import type { HandlerEntry, RequestContext } from '../dispatch.js';
import type { Coordinator, FindCoordinatorRequest, FindCoordinatorResponse } from '../../protocol/generated/find-coordinator.js';
import { brokerEndpoint } from './03-metadata.js';
import { ensureOffsetsTopic } from '../metadata/topic-admin.js';
import { GroupErrorCode as E } from '../groups/error-codes.js';

/** The coordinator for one key, or the error Kafka gives. */
function lookup(keyType: number, key: string, ctx: RequestContext): Coordinator {
  const fail = (errorCode: number, errorMessage: string): Coordinator => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage });
  if (keyType !== 0 && keyType !== 1) return fail(E.INVALID_REQUEST, `Unknown coordinator type ${keyType}`);
  if (keyType === 0) {
    if (!ctx.broker.groups) return fail(E.COORDINATOR_NOT_AVAILABLE, 'The group coordinator is not available.');
    try {
      ensureOffsetsTopic(ctx.broker);
    } catch (err) {
      ctx.broker.logger.error(`cannot create __consumer_offsets: ${(err as Error).message}`);
      return fail(E.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
    }
  }
  const ep = brokerEndpoint(ctx);
  return { key, nodeId: ctx.broker.nodeId, host: ep.host, port: ep.port, errorCode: E.NONE, errorMessage: null };
}

export const handler: HandlerEntry<FindCoordinatorRequest, FindCoordinatorResponse> = {
  apiKey: 10,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    if (ctx.apiVersion >= 4) {
      return { throttleTimeMs: 0, coordinators: req.coordinatorKeys.map((key) => lookup(req.keyType, key, ctx)) };
    }
    const c = lookup(ctx.apiVersion >= 1 ? req.keyType : 0, req.key, ctx);
    return { throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port };
  },
};
