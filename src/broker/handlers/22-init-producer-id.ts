/**
 * InitProducerId (key 22), versions 0-4 (v2+ flexible).
 * Idempotent producers (transactional id null) get a fresh producer id at epoch 0 — as Kafka does, the v3+
 * producer id / epoch fields are ignored without a transactional id (KIP-360: idempotent producers bump their
 * epoch locally; the sequence checks accept a higher epoch starting at sequence 0). Ids are never reused: they
 * come from blocks reserved in the log dir (server.ts) — in a cluster, from blocks the cluster reserves for this
 * broker (ZooKeeper's /latest_producer_id_block, or the KRaft controller's AllocateProducerIds).
 * Not implemented: transactions. A transactional id is refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED (a
 * fatal, clearly worded client error) rather than pretending; v5 (KIP-890) is not advertised.
 */
import type { HandlerEntry } from '../dispatch.js';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/generated/init-producer-id.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';

export const handler: HandlerEntry<InitProducerIdRequest, InitProducerIdResponse> = {
  apiKey: 22,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    if (req.transactionalId !== null) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 };
    }
    const cluster = ctx.broker.cluster;
    if (cluster) {
      // A cluster: ids come from blocks the cluster reserves per broker, so no two brokers hand out the same.
      return cluster.nextProducerId().then(
        (producerId) => ({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 }),
        (err: Error) => {
          ctx.broker.logger.warn(`InitProducerId: no producer id block from the cluster: ${err.message}`);
          return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, producerId: -1n, producerEpoch: -1 };
        },
      );
    }
    const { producerId, producerEpoch } = ctx.broker.producers.allocateProducerId();
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch };
  },
};
