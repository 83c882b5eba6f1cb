/**
 * FindCoordinator (key 10), versions 0-2. This single broker coordinates every group (key type 0) and every
 * transactional id (key type 1); the endpoint is the advertised one of the listener the client connected on.
 * Like Kafka, a group lookup creates `__consumer_offsets` on first use.
 * Not implemented: v3 (flexible) and v4 (batched coordinator keys) — no default client here needs them.
 */
import type { HandlerEntry } from '../dispatch.js';
import type { FindCoordinatorRequest, FindCoordinatorResponse } from '../../protocol/generated/find-coordinator.js';
import { brokerEndpoint } from './03-metadata.js';
import { ensureOffsetsTopic } from '../metadata/topic-admin.js';
import { GroupErrorCode as E } from '../groups/error-codes.js';

export const handler: HandlerEntry<FindCoordinatorRequest, FindCoordinatorResponse> = {
  apiKey: 10,
  minVersion: 0,
  maxVersion: 2,
  handle(req, ctx) {
    const fail = (errorCode: number, errorMessage: string): FindCoordinatorResponse => ({
      throttleTimeMs: 0,
      errorCode,
      errorMessage,
      nodeId: -1,
      host: '',
      port: -1,
    });
    if (req.keyType !== 0 && req.keyType !== 1) return fail(E.INVALID_REQUEST, `Unknown coordinator type ${req.keyType}`);
    if (req.keyType === 0) {
      if (!ctx.broker.groups) return fail(E.COORDINATOR_NOT_AVAILABLE, 'The group coordinator is not available.');
      try {
        ensureOffsetsTopic(ctx.broker);
      } catch (err) {
        ctx.broker.logger.error(`cannot create __consumer_offsets: ${(err as Error).message}`);
        return fail(E.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
      }
    }
    const ep = brokerEndpoint(ctx);
    return { throttleTimeMs: 0, errorCode: E.NONE, errorMessage: null, nodeId: ctx.broker.nodeId, host: ep.host, port: ep.port };
  },
};
