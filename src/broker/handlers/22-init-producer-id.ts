/**
 * InitProducerId (key 22), versions 0-1.
 * Idempotent producers (transactional id null) get a fresh producer id at epoch 0. Ids are never reused: the
 * counter starts past every producer id found in the logs at start-up.
 * Not implemented: transactions. A transactional id is refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED (a
 * fatal, clearly worded client error) rather than pretending; v2+ (flexible; epoch bump for KIP-360) is not
 * advertised.
 */
import type { HandlerEntry } from '../dispatch.js';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/generated/init-producer-id.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';

export const handler: HandlerEntry<InitProducerIdRequest, InitProducerIdResponse> = {
  apiKey: 22,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    if (req.transactionalId !== null) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 };
    }
    const { producerId, producerEpoch } = ctx.broker.producers.allocateProducerId();
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch };
  },
};
