/**
 * One follower-side fetcher per leader broker (Kafka's ReplicaFetcherThread, one per source broker): a single
 * connection to the leader's inter-broker listener, and a loop that
 *   1. for partitions that just got this leader (or a new leader epoch), asks OffsetForLeaderEpoch (v3, with our
 *      replica id) for the end of our latest epoch and truncates our log there (isr-policy.truncationOffset), so
 *      a former leader drops what never became committed;
 *   2. fetches every other partition in one Fetch (v12, replica_id = our node id, long-poll max_wait_ms ~500),
 *      appends the batches as they are (PartitionLog.appendAsFollower), records their producer state, and moves
 *      our high watermark to min(leader's high watermark, our log end).
 * Errors back off per partition (metadata changes bring the fix); a broken connection is re-opened.
 * Versions are fixed on both sides of kstack (Fetch v12, OffsetForLeaderEpoch v3, ListOffsets v2).
 */
import type { BrokerContext } from '../context.js';
import type { ClusterView } from '../cluster/cluster-view.js';
import { WireConnection } from '../../client/wire.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { FetchRequest, FetchResponse } from '../../protocol/generated/fetch.js';
import type { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../../protocol/generated/offset-for-leader-epoch.js';
import type { ListOffsetsRequest, ListOffsetsResponse } from '../../protocol/generated/list-offsets.js';
import { LogAppendError } from '../log/log-config.js';
import { truncationOffset } from './isr-policy.js';
import { rebuildProducerState, recordProducerBatches } from './producer-replay.js';

export const FOLLOWER_FETCH_VERSION = 12;
export const OFFSET_FOR_LEADER_EPOCH_VERSION = 3;
const LIST_OFFSETS_VERSION = 2;

export interface FollowedPartition {
  topic: string;
  partition: number;
  leaderEpoch: number;
  /** Ask the leader where our log diverges before fetching. */
  needsTruncation: boolean;
  /** No fetch before this time (ms) — after an error. */
  delayUntil: number;
}

export interface FetcherSettings {
  listenerName: string;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  partitionMaxBytes: number;
  backoffMs: number;
}

export class LeaderFetcher {
  readonly partitions = new Map<string, FollowedPartition>();
  private conn: WireConnection | undefined;
  private running = false;
  private idleWake: (() => void) | undefined;
  private lastWarning = '';

  constructor(
    private readonly ctx: BrokerContext,
    private readonly cluster: ClusterView,
    readonly leaderId: number,
    private readonly settings: FetcherSettings,
  ) {}

  add(key: string, p: FollowedPartition): void {
    this.partitions.set(key, p);
    this.idleWake?.();
    if (!this.running) {
      this.running = true;
      void this.run();
    }
  }

  remove(key: string): void {
    this.partitions.delete(key);
  }

  stop(): void {
    this.running = false;
    this.idleWake?.();
    this.conn?.close();
    this.conn = undefined;
  }

  private async run(): Promise<void> {
    const log = this.ctx.logger;
    while (this.running) {
      if (this.partitions.size === 0) {
        await this.idle(1000);
        continue;
      }
      try {
        const conn = await this.connection();
        if (!conn) {
          await this.idle(this.settings.backoffMs);
          continue;
        }
        await this.truncatePending(conn);
        const fetched = await this.fetchOnce(conn);
        if (!fetched) await this.idle(Math.min(this.settings.backoffMs, 200));
        this.lastWarning = '';
      } catch (err) {
        if (!this.running) break; // stopped: the closed connection is why the request failed
        const msg = `[ReplicaFetcher replicaId=${this.ctx.nodeId}, leaderId=${this.leaderId}] Error fetching from the leader: ${(err as Error).message}`;
        if (msg !== this.lastWarning) log.warn(msg);
        this.lastWarning = msg;
        this.conn?.close();
        this.conn = undefined;
        await this.idle(this.settings.backoffMs);
      }
    }
    this.conn?.close();
    this.conn = undefined;
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.idleWake = () => {
        this.idleWake = undefined;
        done();
      };
    });
  }

  private async connection(): Promise<WireConnection | undefined> {
    if (this.conn && !this.conn.closed) return this.conn;
    const ep = this.cluster.liveBrokers(this.settings.listenerName).find((b) => b.nodeId === this.leaderId);
    if (!ep) return undefined;
    this.conn = await WireConnection.connect({
      host: ep.host,
      port: ep.port,
      connectTimeoutMs: 3000,
      requestTimeoutMs: this.settings.maxWaitMs + 10_000,
      clientId: `broker-${this.ctx.nodeId}-fetcher-${this.leaderId}`,
    });
    return this.conn;
  }

  /** Step 1: OffsetForLeaderEpoch for the partitions that need it, then truncate. */
  private async truncatePending(conn: WireConnection): Promise<void> {
    const now = this.ctx.clock();
    const pending = [...this.partitions.entries()].filter(([, p]) => p.needsTruncation && p.delayUntil <= now);
    if (pending.length === 0) return;
    const asks: { key: string; p: FollowedPartition; epoch: number }[] = [];
    for (const [key, p] of pending) {
      const log = this.ctx.logs.get(p.topic, p.partition);
      if (!log) continue;
      const epoch = log.leaderEpochCache.latestEpoch();
      if (epoch < 0) {
        p.needsTruncation = false; // nothing written under any epoch: nothing to check
        continue;
      }
      asks.push({ key, p, epoch });
    }
    if (asks.length === 0) return;
    const byTopic = new Map<string, { partition: number; currentLeaderEpoch: number; leaderEpoch: number }[]>();
    for (const a of asks) {
      const list = byTopic.get(a.p.topic) ?? [];
      list.push({ partition: a.p.partition, currentLeaderEpoch: a.p.leaderEpoch, leaderEpoch: a.epoch });
      byTopic.set(a.p.topic, list);
    }
    const req: OffsetForLeaderEpochRequest = { replicaId: this.ctx.nodeId, topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) };
    const res = await conn.request<OffsetForLeaderEpochResponse>(23, OFFSET_FOR_LEADER_EPOCH_VERSION, req);
    for (const t of res.topics) {
      for (const r of t.partitions) {
        const a = asks.find((x) => x.p.topic === t.topic && x.p.partition === r.partition);
        if (!a || this.partitions.get(a.key) !== a.p) continue; // changed meanwhile
        if (r.errorCode !== ErrorCode.NONE) {
          a.p.delayUntil = this.ctx.clock() + this.settings.backoffMs;
          continue;
        }
        const log = this.ctx.logs.get(a.p.topic, a.p.partition);
        if (!log) continue;
        const cut = truncationOffset(
          { logEndOffset: log.logEndOffset, highWatermark: log.highWatermark, latestEpoch: a.epoch, endOffsetFor: (e) => log.leaderEpochCache.endOffsetFor(e, log.logEndOffset) },
          { leaderEpoch: r.leaderEpoch ?? -1, endOffset: Number(r.endOffset) },
        );
        if (cut < log.logEndOffset) {
          this.ctx.logger.info(`[ReplicaFetcher replicaId=${this.ctx.nodeId}, leaderId=${this.leaderId}] Truncating ${a.p.topic}-${a.p.partition} to offset ${cut} (log end was ${log.logEndOffset}; the leader's end of epoch ${a.epoch} is ${r.endOffset} at epoch ${r.leaderEpoch})`);
          log.truncateTo(cut);
          rebuildProducerState(this.ctx, a.p.topic, a.p.partition, log);
        }
        a.p.needsTruncation = false;
      }
    }
  }

  /** Step 2: one Fetch for every partition that is ready. Returns false when there was nothing to fetch. */
  private async fetchOnce(conn: WireConnection): Promise<boolean> {
    const now = this.ctx.clock();
    const ready = [...this.partitions.entries()].filter(([, p]) => !p.needsTruncation && p.delayUntil <= now);
    if (ready.length === 0) return false;
    const byTopic = new Map<string, FetchRequest['topics'][number]['partitions']>();
    for (const [, p] of ready) {
      const log = this.ctx.logs.get(p.topic, p.partition);
      if (!log) continue;
      const list = byTopic.get(p.topic) ?? [];
      list.push({
        partition: p.partition,
        currentLeaderEpoch: p.leaderEpoch,
        fetchOffset: BigInt(log.logEndOffset),
        lastFetchedEpoch: log.leaderEpochCache.latestEpoch(),
        logStartOffset: BigInt(log.logStartOffset),
        partitionMaxBytes: this.settings.partitionMaxBytes,
        replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA',
      });
      byTopic.set(p.topic, list);
    }
    if (byTopic.size === 0) return false;
    const req: FetchRequest = {
      clusterId: null,
      replicaId: this.ctx.nodeId,
      replicaState: { replicaId: this.ctx.nodeId, replicaEpoch: -1n },
      maxWaitMs: this.settings.maxWaitMs,
      minBytes: this.settings.minBytes,
      maxBytes: this.settings.maxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...byTopic].map(([topic, partitions]) => ({ topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions })),
      forgottenTopicsData: [],
      rackId: '',
    };
    const sent = new Map(ready);
    const res = await conn.request<FetchResponse>(1, FOLLOWER_FETCH_VERSION, req);
    if (res.errorCode !== ErrorCode.NONE) throw new Error(`Fetch answered error ${res.errorCode}`);
    for (const t of res.responses) {
      for (const r of t.partitions) {
        const key = `${t.topic}\u0000${r.partitionIndex}`;
        const p = this.partitions.get(key);
        if (!p || sent.get(key) !== p) continue; // removed or re-assigned while the fetch was out
        await this.handlePartition(conn, p, r);
      }
    }
    return true;
  }

  private async handlePartition(conn: WireConnection, p: FollowedPartition, r: FetchResponse['responses'][number]['partitions'][number]): Promise<void> {
    const log = this.ctx.logs.get(p.topic, p.partition);
    if (!log) return;
    const name = `${p.topic}-${p.partition}`;
    if (r.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      await this.handleOutOfRange(conn, p, log);
      return;
    }
    if (r.errorCode !== ErrorCode.NONE) {
      // NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH, UNKNOWN_TOPIC_OR_PARTITION: the metadata will move on.
      p.delayUntil = this.ctx.clock() + this.settings.backoffMs;
      return;
    }
    const records = r.records;
    if (records && records.length > 0) {
      try {
        const appended = log.appendAsFollower(records, this.ctx.clock());
        if (appended.lastOffset >= appended.baseOffset) recordProducerBatches(this.ctx, p.topic, p.partition, records, appended.baseOffset, appended.lastOffset);
      } catch (err) {
        if (!(err instanceof LogAppendError)) throw err;
        this.ctx.logger.error(`[ReplicaFetcher replicaId=${this.ctx.nodeId}, leaderId=${this.leaderId}] Cannot append to ${name}: ${err.message}; checking where the log diverges`);
        p.needsTruncation = true;
        p.delayUntil = this.ctx.clock() + this.settings.backoffMs;
        return;
      }
    }
    const leaderHw = Number(r.highWatermark);
    const hw = Math.min(leaderHw, log.logEndOffset);
    if (hw > log.highWatermark) log.highWatermark = hw;
    // The leader's log start moved (DeleteRecords, retention): follow it as far as our committed data allows.
    const leaderStart = Math.min(Number(r.logStartOffset), log.highWatermark);
    if (leaderStart > log.logStartOffset) log.deleteRecordsBefore(leaderStart);
  }

  /**
   * Our fetch offset is outside the leader's log: behind its start (retention or DeleteRecords there) → start
   * empty at the leader's log start; otherwise past its end → find where we diverge again.
   */
  private async handleOutOfRange(conn: WireConnection, p: FollowedPartition, log: NonNullable<ReturnType<BrokerContext['logs']['get']>>): Promise<void> {
    const req: ListOffsetsRequest = {
      replicaId: this.ctx.nodeId,
      isolationLevel: 0,
      topics: [{ name: p.topic, partitions: [{ partitionIndex: p.partition, currentLeaderEpoch: p.leaderEpoch, timestamp: -2n, maxNumOffsets: 1 }] }],
    };
    const res = await conn.request<ListOffsetsResponse>(2, LIST_OFFSETS_VERSION, req);
    const r = res.topics[0]?.partitions[0];
    if (!r || r.errorCode !== ErrorCode.NONE) {
      p.delayUntil = this.ctx.clock() + this.settings.backoffMs;
      return;
    }
    const leaderStart = Number(r.offset);
    if (leaderStart > log.logEndOffset) {
      this.ctx.logger.info(`[ReplicaFetcher replicaId=${this.ctx.nodeId}, leaderId=${this.leaderId}] ${p.topic}-${p.partition}: the leader's log starts at ${leaderStart}, past our end ${log.logEndOffset}; starting over there`);
      log.truncateFullyAndStartAt(leaderStart);
      rebuildProducerState(this.ctx, p.topic, p.partition, log);
    } else {
      // Past the leader's end: cut back to what was committed, then let the epochs decide.
      if (log.highWatermark < log.logEndOffset) {
        log.truncateTo(log.highWatermark);
        rebuildProducerState(this.ctx, p.topic, p.partition, log);
      }
      p.needsTruncation = true;
      p.delayUntil = this.ctx.clock() + this.settings.backoffMs;
    }
  }
}
