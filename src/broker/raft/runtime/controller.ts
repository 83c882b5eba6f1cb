/**
 * A KRaft controller's Raft runtime: the pure RaftNode (../node.ts) driven by one timer, its log, quorum-state
 * and snapshots on disk (storage.ts, in `__cluster_metadata-0/`), and the network:
 *
 * - outbound: the node's requests go as real Kafka requests (Vote 52, BeginQuorumEpoch 53, EndQuorumEpoch 54,
 *   Fetch 1, FetchSnapshot 59) to the other voters' CONTROLLER endpoints from `controller.quorum.voters`, one
 *   WireConnection per peer (reconnected on the next message after a failure; the core re-sends on its own
 *   timers, so a lost request is only late). Answers are fed back to the node.
 * - inbound: `controllerHandlers()` are handler-table entries for the CONTROLLER listener. Each turns the
 *   request into a RaftMessage, feeds it to the node and answers with the node's response (a Fetch with nothing
 *   new is parked by the node and answered from a later tick). `describeQuorumHandler` (API 55) is served on the
 *   broker listeners too, as Kafka's brokers forward it for admin clients.
 *
 *   const raft = RaftController.open({ nodeId: 1, voters, clusterId, dir: logDir, logger });
 *   raft.start();            // ticks every 20 ms
 *   raft.describeQuorum();   // DescribeQuorumResponse
 *   await raft.stop();       // resigns if leader (EndQuorumEpoch), closes connections and files
 *
 * The state machine (the KRaft metadata image, kraft/metadata-image.ts) is injected; `propose` appends records as
 * the leader and `onStep` tells the layers above what each step did (commits, elections). A node outside the
 * voters is an observer: it fetches the log from the voters and applies it too (KRaft brokers).
 */
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import type { DescribeQuorumRequest, DescribeQuorumResponse } from '../../../protocol/generated/describe-quorum.js';
import type { FetchRequest, FetchResponse } from '../../../protocol/generated/fetch.js';
import type { VoteRequest } from '../../../protocol/generated/vote.js';
import type { BeginQuorumEpochRequest } from '../../../protocol/generated/begin-quorum-epoch.js';
import type { EndQuorumEpochRequest } from '../../../protocol/generated/end-quorum-epoch.js';
import type { FetchSnapshotRequest } from '../../../protocol/generated/fetch-snapshot.js';
import { WireConnection } from '../../../client/wire.js';
import type { HandlerEntry } from '../../dispatch.js';
import type { Logger } from '../../../logging/index.js';
import { RaftNode, type ProposeResult } from '../node.js';
import { RAFT_API_KEYS, MAX_RAFT_API_VERSIONS, apiOf } from '../wire.js';
import { DEFAULT_RAFT_CONFIG, type RaftConfig, type RaftEvent, type RaftStateMachine, type RaftMessage, type RaftMessageType, type RaftOutput } from '../types.js';
import { FileQuorumStateStore, FileRaftLog, FileSnapshotStore, metadataDir } from './storage.js';

export interface VoterEndpoint {
  id: number;
  host: string;
  port: number;
}

export type RaftTimeouts = Partial<Pick<RaftConfig, 'electionTimeoutMs' | 'electionBackoffMaxMs' | 'fetchTimeoutMs' | 'requestTimeoutMs' | 'retryBackoffMs'>>;

export interface RaftControllerOptions {
  nodeId: number;
  /** Every voter with its CONTROLLER endpoint (this node included; its own endpoint is not dialled). */
  voters: VoterEndpoint[];
  clusterId: string;
  /** `metadata.log.dir` (or the first log dir): `__cluster_metadata-0/` is created inside. */
  dir: string;
  logger: Logger;
  timeouts?: RaftTimeouts;
  clock?: () => number;
  /** Timer period driving `tick` (default 20 ms). */
  tickIntervalMs?: number;
  /** The replicated state machine committed entries are applied to (KRaft: the metadata image). */
  stateMachine?: RaftStateMachine;
  /** Take a snapshot of the state machine every this many committed entries (0: never). */
  maxEntriesBetweenSnapshots?: number;
}

/** What a step did, for the layers above (the metadata image's listeners, the active controller). */
export interface RaftStepListener {
  (events: readonly RaftEvent[]): void;
}

type Response = RaftMessage['body'];

interface PendingAnswer {
  type: RaftMessageType;
  resolve(body: Response): void;
  timer: NodeJS.Timeout | undefined;
}

interface Peer {
  endpoint: VoterEndpoint;
  conn: WireConnection | undefined;
  connecting: Promise<WireConnection | undefined> | undefined;
  /** No new connection attempt before this time (after a refused connect). */
  retryAt: number;
}

const RESPONSE_OF: Record<string, RaftMessageType> = {
  VoteRequest: 'VoteResponse',
  BeginQuorumEpochRequest: 'BeginQuorumEpochResponse',
  EndQuorumEpochRequest: 'EndQuorumEpochResponse',
  FetchRequest: 'FetchResponse',
  FetchSnapshotRequest: 'FetchSnapshotResponse',
};

export class RaftController {
  readonly nodeId: number;
  readonly node: RaftNode;
  private readonly log: FileRaftLog;
  private readonly logger: Logger;
  private readonly clock: () => number;
  private readonly tickIntervalMs: number;
  private readonly config: RaftConfig;
  private readonly peers = new Map<number, Peer>();
  /** Inbound requests waiting for the node's answer, by the correlation id given to the node. */
  private readonly answers = new Map<number, PendingAnswer>();
  /** Outbound requests: the node's correlation id → the message (to match the answer). */
  private nextInboundId = 1;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly stepListeners = new Set<RaftStepListener>();

  private constructor(opts: RaftControllerOptions, node: RaftNode, log: FileRaftLog, config: RaftConfig) {
    this.nodeId = opts.nodeId;
    this.node = node;
    this.log = log;
    this.logger = opts.logger;
    this.clock = opts.clock ?? Date.now;
    this.tickIntervalMs = opts.tickIntervalMs ?? 20;
    this.config = config;
    for (const v of opts.voters) {
      if (v.id !== opts.nodeId) this.peers.set(v.id, { endpoint: v, conn: undefined, connecting: undefined, retryAt: 0 });
    }
  }

  /** Opens the on-disk state (throws RaftStorageError on a corrupt quorum-state or log) and builds the node. */
  static open(opts: RaftControllerOptions): RaftController {
    const clock = opts.clock ?? Date.now;
    const dir = metadataDir(opts.dir);
    const config: RaftConfig = {
      ...DEFAULT_RAFT_CONFIG,
      ...stripUndefined(opts.timeouts ?? {}),
      ...(opts.maxEntriesBetweenSnapshots !== undefined ? { maxEntriesBetweenSnapshots: opts.maxEntriesBetweenSnapshots } : {}),
      nodeId: opts.nodeId,
      voters: opts.voters.map((v) => v.id),
      clusterId: opts.clusterId,
    };
    const snapshots = new FileSnapshotStore(dir);
    const log = new FileRaftLog(dir, snapshots.latest()?.id);
    if (log.recoveredBytes > 0) opts.logger.warn(`[RaftManager id=${opts.nodeId}] cut ${log.recoveredBytes} bytes of a torn write off the end of ${dir}`);
    const quorumStore = new FileQuorumStateStore(dir, config.voters, opts.clusterId);
    try {
      const node = new RaftNode({ config, log, quorumStore, snapshots, stateMachine: opts.stateMachine, random: Math.random, now: clock() });
      return new RaftController(opts, node, log, config);
    } catch (err) {
      log.close();
      throw err;
    }
  }

  get logEndOffset(): number {
    return this.log.endOffset;
  }

  /** The quorum leader this node knows of (-1: none known). */
  get leaderId(): number {
    return this.node.currentLeader;
  }

  get isLeader(): boolean {
    return this.node.stateName === 'Leader' && !this.stopped;
  }

  /** A voter's CONTROLLER endpoint (undefined for this node itself and for non-voters). */
  voterEndpoint(id: number): VoterEndpoint | undefined {
    return this.peers.get(id)?.endpoint;
  }

  /** Called after every step that produced events (commits, elections …), once its messages are sent. */
  onStep(listener: RaftStepListener): () => void {
    this.stepListeners.add(listener);
    return () => this.stepListeners.delete(listener);
  }

  /** Appends values to the log as the leader (refused otherwise); they commit once a majority has them. */
  propose(values: Buffer[]): ProposeResult {
    if (this.stopped) return { ok: false, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, leaderId: -1, epoch: this.node.currentEpoch };
    const out = this.node.propose(values, this.clock());
    this.dispatch(out);
    return out.result;
  }

  start(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.logger.info(`[RaftManager id=${this.nodeId}] starting in ${this.node.stateName} (epoch ${this.node.currentEpoch}, voters ${this.config.voters.join(',')}, log end ${this.log.endOffset})`);
    this.timer = setInterval(() => this.tick(), this.tickIntervalMs);
    this.timer.unref();
    this.tick();
  }

  /** Resigns when leading (EndQuorumEpoch to the voters, best effort), then closes connections and files. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.node.stateName === 'Leader') {
      const out = this.node.resign(this.clock());
      this.dispatch(out);
      // Give the EndQuorumEpoch requests a moment to leave; the peers elect a successor without them anyway.
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const a of this.answers.values()) if (a.timer) clearTimeout(a.timer);
    this.answers.clear();
    for (const p of this.peers.values()) p.conn?.close();
    this.log.close();
  }

  describeQuorum(request?: DescribeQuorumRequest): DescribeQuorumResponse {
    return this.node.describeQuorum(this.clock(), request);
  }

  // ------------------------------------------------------------------------------------------- handlers

  /** Handler-table entries for the CONTROLLER listener (ApiVersions comes from the server). */
  controllerHandlers(): HandlerEntry[] {
    const self = this;
    const entry = <Req>(apiKey: number, maxVersion: number, type: RaftMessageType, from: (req: Req) => number, minWireVersion = 0): HandlerEntry<Req, Response> => ({
      apiKey,
      minVersion: 0,
      maxVersion,
      handle(req, ctx) {
        if (ctx.apiVersion < minWireVersion) return unsupported(type, req) as Response;
        return self.onInbound(type, from(req), req as RaftMessage['body']);
      },
    });
    return [
      entry<VoteRequest>(RAFT_API_KEYS.Vote, MAX_RAFT_API_VERSIONS.Vote, 'VoteRequest', (r) => r.topics[0]?.partitions[0]?.candidateId ?? -1),
      entry<BeginQuorumEpochRequest>(RAFT_API_KEYS.BeginQuorumEpoch, MAX_RAFT_API_VERSIONS.BeginQuorumEpoch, 'BeginQuorumEpochRequest', (r) => r.topics[0]?.partitions[0]?.leaderId ?? -1),
      entry<EndQuorumEpochRequest>(RAFT_API_KEYS.EndQuorumEpoch, MAX_RAFT_API_VERSIONS.EndQuorumEpoch, 'EndQuorumEpochRequest', (r) => r.topics[0]?.partitions[0]?.leaderId ?? -1),
      // KRaft fetches need topic ids and lastFetchedEpoch (v13+); older versions get UNSUPPORTED_VERSION.
      entry<FetchRequest>(RAFT_API_KEYS.Fetch, MAX_RAFT_API_VERSIONS.Fetch, 'FetchRequest', (r) => (r.replicaState?.replicaId ?? -1) >= 0 ? r.replicaState.replicaId : r.replicaId, 13),
      entry<FetchSnapshotRequest>(RAFT_API_KEYS.FetchSnapshot, MAX_RAFT_API_VERSIONS.FetchSnapshot, 'FetchSnapshotRequest', (r) => r.replicaId),
      this.describeQuorumHandler(),
    ];
  }

  /** DescribeQuorum (55) v0-2: the leader's view; other nodes answer NOT_LEADER_OR_FOLLOWER (as Kafka). */
  describeQuorumHandler(): HandlerEntry<DescribeQuorumRequest, DescribeQuorumResponse> {
    return { apiKey: RAFT_API_KEYS.DescribeQuorum, minVersion: 0, maxVersion: 2, handle: (req) => this.describeQuorum(req) };
  }

  private onInbound(type: RaftMessageType, from: number, body: RaftMessage['body']): Promise<Response> | Response {
    const expected = RESPONSE_OF[type];
    if (this.stopped) return errorResponse(expected, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const correlationId = this.nextInboundId++;
    const message = { type, from, to: this.nodeId, correlationId, body } as RaftMessage;
    return new Promise<Response>((resolve) => {
      const pending: PendingAnswer = { type: expected, resolve, timer: undefined };
      this.answers.set(correlationId, pending);
      this.dispatch(this.node.receive(message, this.clock()));
      if (!this.answers.has(correlationId)) return; // answered in this step
      // Refused without an answer (malformed, wrong sender) or parked (a Fetch waiting for data): answer
      // with an error if the node has not answered by its request timeout.
      pending.timer = setTimeout(() => {
        if (this.answers.delete(correlationId)) resolve(errorResponse(expected, type === 'FetchRequest' ? ErrorCode.REQUEST_TIMED_OUT : ErrorCode.INVALID_REQUEST));
      }, type === 'FetchRequest' ? this.config.fetchMaxWaitMs + this.config.requestTimeoutMs : 0);
    });
  }

  // ------------------------------------------------------------------------------------------- the loop

  private tick(): void {
    if (this.stopped) return;
    try {
      this.dispatch(this.node.tick(this.clock()));
    } catch (err) {
      this.logger.error(`[RaftManager id=${this.nodeId}] tick failed: ${(err as Error).message}`, err);
    }
  }

  /** The step's durable effects are already fsynced (storage.ts); now the messages may leave. */
  private dispatch(out: RaftOutput): void {
    for (const e of out.events) this.logEvent(e);
    for (const m of out.messages) {
      if (m.type.endsWith('Response')) {
        const pending = this.answers.get(m.correlationId);
        if (pending === undefined) continue; // the asker gave up
        this.answers.delete(m.correlationId);
        if (pending.timer) clearTimeout(pending.timer);
        pending.resolve(m.body);
      } else {
        void this.send(m);
      }
    }
    if (out.events.length > 0) {
      for (const l of [...this.stepListeners]) {
        try {
          l(out.events);
        } catch (err) {
          this.logger.error(`[RaftManager id=${this.nodeId}] a metadata listener failed: ${(err as Error).message}`, err);
        }
      }
    }
  }

  private async send(m: RaftMessage): Promise<void> {
    const peer = this.peers.get(m.to);
    if (peer === undefined) return;
    const conn = await this.connection(peer);
    if (conn === undefined || this.stopped) return;
    const api = apiOf(m.type);
    const version = MAX_RAFT_API_VERSIONS[api];
    try {
      const body = await conn.request<Response>(RAFT_API_KEYS[api], version, m.body, { timeoutMs: this.config.requestTimeoutMs + this.config.fetchMaxWaitMs });
      if (this.stopped) return;
      const reply = { type: RESPONSE_OF[m.type], from: m.to, to: this.nodeId, correlationId: m.correlationId, body } as RaftMessage;
      this.dispatch(this.node.receive(reply, this.clock()));
    } catch (err) {
      if (conn.closed && peer.conn === conn) peer.conn = undefined;
      else if (!conn.closed) {
        // A timeout leaves the connection usable but with a late answer pending; start afresh.
        conn.close();
        if (peer.conn === conn) peer.conn = undefined;
      }
      this.logger.debug?.(`[RaftManager id=${this.nodeId}] ${m.type} to node ${m.to} failed: ${(err as Error).message}`);
    }
  }

  private connection(peer: Peer): Promise<WireConnection | undefined> {
    if (peer.conn !== undefined && !peer.conn.closed) return Promise.resolve(peer.conn);
    if (peer.connecting !== undefined) return peer.connecting;
    if (this.clock() < peer.retryAt) return Promise.resolve(undefined);
    const { host, port } = peer.endpoint;
    peer.connecting = WireConnection.connect({ host, port, connectTimeoutMs: this.config.requestTimeoutMs, clientId: `raft-client-${this.nodeId}` })
      .then((conn) => {
        if (this.stopped) {
          conn.close();
          return undefined;
        }
        peer.conn = conn;
        return conn;
      })
      .catch(() => {
        peer.retryAt = this.clock() + Math.max(this.config.retryBackoffMs, 100);
        return undefined;
      })
      .finally(() => {
        peer.connecting = undefined;
      });
    return peer.connecting;
  }

  private logEvent(e: RaftEvent): void {
    const id = `[RaftManager id=${this.nodeId}]`;
    switch (e.type) {
      case 'state-changed':
        this.logger.info(`${id} ${e.from} -> ${e.to} in epoch ${e.epoch}${e.leaderId >= 0 ? ` (leader ${e.leaderId})` : ''}`);
        break;
      case 'became-leader':
        this.logger.info(`${id} elected leader in epoch ${e.epoch} (epoch start offset ${e.epochStartOffset})`);
        break;
      case 'truncation-refused':
        this.logger.error(`${id} refused to truncate to ${e.requestedOffset} below the high-watermark ${e.highWatermark}`);
        break;
      case 'message-rejected':
        this.logger.warn(`${id} refused ${e.message} from node ${e.from}: ${e.reason}`);
        break;
      default:
        break;
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && Number.isFinite(v))) as Partial<T>;
}

/** A top-level error answer of the given response type (no partitions). */
function errorResponse(type: RaftMessageType, errorCode: number): Response {
  switch (type) {
    case 'FetchResponse': {
      const r: FetchResponse = { throttleTimeMs: 0, errorCode, sessionId: 0, responses: [], nodeEndpoints: [] };
      return r;
    }
    case 'FetchSnapshotResponse':
      return { throttleTimeMs: 0, errorCode, topics: [], nodeEndpoints: [] } as Response;
    case 'VoteResponse':
      return { errorCode, topics: [], nodeEndpoints: [] } as Response;
    default:
      return { errorCode, topics: [], nodeEndpoints: [] } as Response;
  }
}

function unsupported(type: RaftMessageType, _req: unknown): Response {
  return errorResponse(RESPONSE_OF[type], ErrorCode.UNSUPPORTED_VERSION);
}
