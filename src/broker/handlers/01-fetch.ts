/**
 * Fetch (key 1), versions 0-12 (v12 flexible; topics by name — v13+ topic ids are not advertised).
 * - Returns whole batches from the segment files, starting with the batch that CONTAINS fetch_offset (P8);
 *   clients skip the records before their offset.
 * - partition_max_bytes per partition and max_bytes (v3+) overall; the first partition with data always gets at
 *   least one whole batch even when it is larger than the limits (Kafka's KIP-74 rule), so consumers never stall.
 * - min_bytes / max_wait_ms long-poll: if fewer than min_bytes are ready, the request waits until an append to
 *   one of its partitions or the timeout, then reads again.
 * - high watermark: the log end offset on a single node; in a cluster the replicated high watermark, and consumers
 *   (replica_id -1) read only below it; last stable offset = high watermark (no transactions, so
 *   read_committed consumers see everything); log start offset (v5+); aborted transactions: none;
 *   preferred read replica -1 (v11).
 * - Follower fetches (replica_id ≥ 0, in a cluster): only at the leader, only from a replica of the partition
 *   (else NOT_LEADER_OR_FOLLOWER); the fetch offset is the follower's log end, reported to the replica manager
 *   (high watermark, ISR); followers read up to the log end. No diverging-epoch answers: followers truncate with
 *   OffsetForLeaderEpoch first.
 * - Fetch sessions (v7+): every request is answered as a full fetch with session id 0 (no session created),
 *   which clients accept; a request naming a session id ≠ 0 gets FETCH_SESSION_ID_NOT_FOUND.
 * - fetch_offset outside [log start, log end] → OFFSET_OUT_OF_RANGE; current_leader_epoch (v9+) older than
 *   ours → FENCED_LEADER_EPOCH, newer → UNKNOWN_LEADER_EPOCH.
 * - v0-v1 get magic 0 message sets, v2-v3 magic 1 (down-converted); v4+ get the stored v2 batches.
 * Not implemented: rack-aware replica selection (fetch from followers); standalone, replica_id ≥ 0 is served like a
 * consumer.
 */
import type { HandlerEntry } from '../dispatch.js';
import type { BrokerContext } from '../context.js';
import { partitionKey } from '../context.js';
import type { FetchRequest, FetchResponse, PartitionData } from '../../protocol/generated/fetch.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { isOffsetOutOfRange } from '../log/log-config.js';
import { batchesToLegacy } from '../../protocol/records/legacy.js';
import { leaderError } from '../cluster/cluster-view.js';

const EMPTY = Buffer.alloc(0);

interface Collected {
  response: FetchResponse;
  bytes: number;
  /** True when some partition returned an error (Kafka answers at once then). */
  errors: boolean;
}

function collect(b: BrokerContext, req: FetchRequest, version: number): Collected {
  let remaining = version >= 3 ? req.maxBytes : Number.MAX_SAFE_INTEGER;
  let bytes = 0;
  let errors = false;
  let firstWithData = true;
  const replicaId = version <= 14 ? req.replicaId : req.replicaState.replicaId;
  const follower = replicaId >= 0 && b.replication !== undefined ? b.replication : undefined;
  const responses = req.topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p): PartitionData => {
      const out: PartitionData = {
        partitionIndex: p.partition,
        errorCode: ErrorCode.NONE,
        highWatermark: -1n,
        lastStableOffset: -1n,
        logStartOffset: -1n,
        abortedTransactions: version >= 4 ? (req.isolationLevel === 1 ? [] : null) : [],
        preferredReadReplica: -1,
        records: EMPTY,
      };
      const topic = b.topics.get(t.topic);
      if (b.cluster && topic) {
        const notLeader = leaderError(b, t.topic, p.partition);
        if (notLeader !== ErrorCode.NONE) {
          out.errorCode = notLeader;
          errors = true;
          return out;
        }
      }
      const log = topic && p.partition >= 0 && p.partition < topic.leaderEpochs.length ? b.logs.get(t.topic, p.partition) : undefined;
      if (!topic || !log) {
        out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        errors = true;
        return out;
      }
      const epoch = topic.leaderEpochs[p.partition];
      if (version >= 9 && p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== epoch) {
        out.errorCode = p.currentLeaderEpoch < epoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
        errors = true;
        return out;
      }
      const offset = Number(p.fetchOffset);
      if (follower) {
        const refused = follower.followerFetch(t.topic, p.partition, replicaId, offset);
        if (refused !== ErrorCode.NONE) {
          out.errorCode = refused;
          errors = true;
          return out;
        }
      }
      const hw = BigInt(log.highWatermark);
      out.highWatermark = hw;
      out.lastStableOffset = hw;
      out.logStartOffset = BigInt(log.logStartOffset);
      if (offset === log.logEndOffset) return out;
      const limit = Math.min(p.partitionMaxBytes, remaining);
      if (limit <= 0 && !firstWithData) return out;
      const read = log.read(offset, Math.max(limit, 1), follower ? log.logEndOffset : log.highWatermark);
      if (isOffsetOutOfRange(read)) {
        out.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
        errors = true;
        return out;
      }
      let data = read.data;
      if (data.length === 0) return out;
      if (!firstWithData && data.length > limit) return out;
      if (version < 4) data = batchesToLegacy(data, version < 2 ? 0 : 1);
      firstWithData = false;
      out.records = data;
      bytes += data.length;
      remaining -= data.length;
      return out;
    }),
  }));
  return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses }, bytes, errors };
}

export const handler: HandlerEntry<FetchRequest, FetchResponse> = {
  apiKey: 1,
  minVersion: 0,
  maxVersion: 12,
  handle(req, ctx) {
    const b = ctx.broker;
    if (ctx.apiVersion >= 7 && req.sessionId !== 0) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const first = collect(b, req, ctx.apiVersion);
    if (first.bytes >= req.minBytes || first.errors || req.maxWaitMs <= 0 || req.topics.length === 0) return first.response;
    const keys: string[] = [];
    for (const t of req.topics) for (const p of t.partitions) keys.push(partitionKey(t.topic, p.partition));
    return new Promise<FetchResponse>((resolve) => {
      let settled = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unsubscribe();
        resolve(collect(b, req, ctx.apiVersion).response);
      };
      const timer = setTimeout(finish, Math.min(req.maxWaitMs, 2_147_483_647));
      timer.unref();
      // Re-check after appends (coalesced: a burst of appends costs one re-read); answer once min_bytes are ready
      // or at the timeout.
      let scheduled = false;
      const unsubscribe = b.waitForAppend(keys, () => {
        if (settled || scheduled) return;
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          if (settled) return;
          const now = collect(b, req, ctx.apiVersion);
          if (now.bytes >= req.minBytes || now.errors) {
            settled = true;
            clearTimeout(timer);
            unsubscribe();
            resolve(now.response);
          }
        });
      });
    });
  },
};
