/**
 * One KRaft controller's Raft state machine (KIP-595, snapshots per KIP-630), as pure logic: it is driven
 * only by `tick(now)`, `receive(message, now)`, `propose(values, now)` and `resign(now)`, and returns the
 * messages to send and what happened as data. No sockets, timers or files: the log, the quorum-state store,
 * the snapshot store, the state machine and the randomness (election jitter) are injected.
 *
 * States are Kafka's: Unattached, Voted, Candidate, Leader, Follower, Resigned.
 * - Elections: a follower that has not heard from its leader for `fetchTimeoutMs`, or an unattached/voted
 *   node after a random election timeout (base + [0, base)), becomes a Candidate in epoch + 1, votes for
 *   itself (persisted first) and asks the other voters. A voter grants at most one vote per epoch (persisted
 *   before the answer leaves), and only to a candidate whose log (last epoch, end offset) is at least as
 *   up to date as its own. A candidate that times out backs off exponentially with jitter (capped by
 *   `electionBackoffMaxMs`) before the next epoch.
 * - The new leader appends a LeaderChange control entry (its epoch start), sends BeginQuorumEpoch to the
 *   voters (again every `requestTimeoutMs` until each answers or fetches) and serves Fetch.
 * - Replication is pull-based: followers Fetch with (fetchOffset = their end offset, lastFetchedEpoch). The
 *   leader answers with records, or `divergingEpoch` when the follower's log differs (the follower then
 *   truncates and fetches again), or `snapshotId` when the follower is behind the log start (it then pulls
 *   the snapshot with FetchSnapshot). A Fetch with nothing new is parked up to `fetchMaxWaitMs`.
 * - High-watermark: the largest offset that a majority of voters (the leader included) has reached, and only
 *   once that covers an entry of the leader's own epoch (the LeaderChange entry at the epoch start). Followers
 *   take min(leader's high-watermark, their end offset). Committed entries go to the state machine in order.
 * - Check-quorum: a leader that has not received fetches from a majority within 1.5 × `fetchTimeoutMs`
 *   resigns, so a partitioned leader steps down.
 * - Graceful resignation: EndQuorumEpoch with the preferred successors (most caught-up first); each follower
 *   starts its election after a backoff by its position in that list.
 *
 * - Observers (replicas outside `voters`, i.e. KRaft brokers following the metadata log) never vote or run;
 *   without a known leader they fetch from a random voter and follow the leader its answer names.
 * - A refused vote does not restart the election timer (only a granted vote or the leader does), so a
 *   returning node with a stale log cannot keep the quorum leaderless by bumping the epoch.
 *
 * Not implemented (yet): pre-vote (KIP-996; Kafka 3.9's Vote schema has no PreVote field), dynamic voters
 * (KIP-853), byte-based fetch limits (entry counts stand in), the leader's own flush lag (the injected log
 * is treated as durable once append returns).
 */
import { ZERO_UUID } from '../../protocol/reader.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { BeginQuorumEpochRequest, BeginQuorumEpochResponse } from '../../protocol/generated/begin-quorum-epoch.js';
import type { DescribeQuorumRequest, DescribeQuorumResponse, ReplicaState as DescribeReplicaState } from '../../protocol/generated/describe-quorum.js';
import type { EndQuorumEpochRequest, EndQuorumEpochResponse } from '../../protocol/generated/end-quorum-epoch.js';
import type { FetchRequest, FetchResponse, PartitionData } from '../../protocol/generated/fetch.js';
import type { FetchSnapshotRequest, FetchSnapshotResponse, FetchSnapshotResponsePartitionSnapshot } from '../../protocol/generated/fetch-snapshot.js';
import type { VoteRequest, VoteResponse } from '../../protocol/generated/vote.js';
import { RaftLogError, type RaftLog } from './log.js';
import type { QuorumStateStore } from './quorum-state.js';
import { decodeEntries, encodeEntries, encodeLeaderChange, RaftRecordsError } from './records.js';
import type { SnapshotStore } from './snapshot-store.js';
import {
  METADATA_PARTITION,
  METADATA_TOPIC,
  type OffsetAndEpoch,
  type RaftConfig,
  type RaftEntry,
  type RaftEvent,
  type RaftMessage,
  type RaftOutput,
  type RaftStateMachine,
  type RaftStateName,
} from './types.js';

/** Kafka's fixed topic id of `__cluster_metadata` (Uuid 0…01). */
export const METADATA_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
/** Kafka's base for election backoff multiplication. */
const BACKOFF_BASE_MS = 100;

export interface RaftNodeOptions {
  config: RaftConfig;
  log: RaftLog;
  quorumStore: QuorumStateStore;
  snapshots: SnapshotStore;
  stateMachine?: RaftStateMachine;
  /** Uniform in [0, 1): election jitter. Inject a seeded generator for deterministic runs. */
  random: () => number;
  now: number;
}

export type ProposeResult =
  | { ok: true; epoch: number; firstOffset: number; lastOffset: number }
  | { ok: false; errorCode: number; leaderId: number; epoch: number };

export class RaftConfigError extends Error {
  readonly code = 'KSTACK_RAFT_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'RaftConfigError';
  }
}

interface ReplicaProgress {
  /** Last valid fetch offset (-1 until the replica fetched in this epoch). */
  endOffset: number;
  lastFetchTime: number;
  lastCaughtUpTime: number;
  /** Answered BeginQuorumEpoch or fetched in this epoch. */
  acknowledged: boolean;
  beginSentAt: number;
}

interface ParkedFetch {
  from: number;
  correlationId: number;
  fetchOffset: number;
  deadline: number;
}

interface SnapshotDownload {
  id: OffsetAndEpoch;
  chunks: Buffer[];
  position: number;
  correlationId: number;
  sentAt: number;
}

export class RaftNode {
  readonly nodeId: number;
  private readonly config: RaftConfig;
  private readonly log: RaftLog;
  private readonly quorumStore: QuorumStateStore;
  private readonly snapshots: SnapshotStore;
  private readonly stateMachine: RaftStateMachine | undefined;
  private readonly random: () => number;

  private state: RaftStateName = 'Unattached';
  private epoch = 0;
  private votedId = -1;
  private leaderId = -1;
  private hw = 0;
  private lastApplied = 0;
  private lastSnapshotOffset = 0;
  private electionDeadline = Infinity;
  private nextCorrelationId = 1;
  private out: RaftOutput = { messages: [], events: [] };

  // Candidate
  private granted = new Set<number>();
  private rejected = new Set<number>();
  private voteRequested = new Set<number>();
  private backoffUntil: number | undefined;
  private electionRetries = 0;

  // Leader
  private epochStartOffset = 0;
  private progress = new Map<number, ReplicaProgress>();
  private observers = new Map<number, ReplicaProgress>();
  private parked: ParkedFetch[] = [];
  private leaderSince = 0;

  // Follower
  private pendingFetch: { correlationId: number; sentAt: number } | undefined;
  private nextFetchAt = 0;
  private download: SnapshotDownload | undefined;

  constructor(options: RaftNodeOptions) {
    const c = options.config;
    if (!Number.isInteger(c.nodeId) || c.nodeId < 0) throw new RaftConfigError(`node.id must be a non-negative integer, got ${c.nodeId}`);
    if (c.voters.length === 0 || new Set(c.voters).size !== c.voters.length) {
      throw new RaftConfigError(`controller.quorum.voters must list distinct ids, got [${c.voters.join(', ')}]`);
    }
    for (const [name, v] of Object.entries({ electionTimeoutMs: c.electionTimeoutMs, fetchTimeoutMs: c.fetchTimeoutMs, requestTimeoutMs: c.requestTimeoutMs })) {
      if (!(v > 0)) throw new RaftConfigError(`${name} must be positive, got ${v}`);
    }
    this.nodeId = c.nodeId;
    this.config = c;
    this.log = options.log;
    this.quorumStore = options.quorumStore;
    this.snapshots = options.snapshots;
    this.stateMachine = options.stateMachine;
    this.random = options.random;
    this.restore(options.now);
  }

  // ------------------------------------------------------------------------------------------- observers

  get stateName(): RaftStateName {
    return this.state;
  }
  get currentEpoch(): number {
    return this.epoch;
  }
  get currentLeader(): number {
    return this.leaderId;
  }
  get votedFor(): number {
    return this.votedId;
  }
  get highWatermark(): number {
    return this.hw;
  }
  get isVoter(): boolean {
    return this.config.voters.includes(this.nodeId);
  }

  // ------------------------------------------------------------------------------------------- inputs

  tick(now: number): RaftOutput {
    this.begin();
    switch (this.state) {
      case 'Unattached':
      case 'Voted':
      case 'Resigned':
        if (!this.isVoter) this.tickObserverDiscovery(now);
        else if (now >= this.electionDeadline) this.startElection(now);
        break;
      case 'Candidate':
        this.tickCandidate(now);
        break;
      case 'Follower':
        this.tickFollower(now);
        break;
      case 'Leader':
        this.tickLeader(now);
        break;
    }
    return this.finish();
  }

  receive(message: RaftMessage, now: number): RaftOutput {
    this.begin();
    if (message.to !== this.nodeId) {
      this.reject(message, `addressed to node ${message.to}`);
      return this.finish();
    }
    try {
      switch (message.type) {
        case 'VoteRequest':
          this.onVoteRequest(message.from, message.correlationId, message.body, now);
          break;
        case 'VoteResponse':
          this.onVoteResponse(message.from, message.body, now);
          break;
        case 'BeginQuorumEpochRequest':
          this.onBeginQuorumEpochRequest(message.from, message.correlationId, message.body, now);
          break;
        case 'BeginQuorumEpochResponse':
          this.onBeginQuorumEpochResponse(message.from, message.body, now);
          break;
        case 'EndQuorumEpochRequest':
          this.onEndQuorumEpochRequest(message.from, message.correlationId, message.body, now);
          break;
        case 'EndQuorumEpochResponse':
          this.onEndQuorumEpochResponse(message.body, now);
          break;
        case 'FetchRequest':
          this.onFetchRequest(message.from, message.correlationId, message.body, now);
          break;
        case 'FetchResponse':
          this.onFetchResponse(message.correlationId, message.body, now);
          break;
        case 'FetchSnapshotRequest':
          this.onFetchSnapshotRequest(message.from, message.correlationId, message.body, now);
          break;
        case 'FetchSnapshotResponse':
          this.onFetchSnapshotResponse(message.correlationId, message.body, now);
          break;
        default:
          this.reject(message as RaftMessage, 'unknown message type');
      }
    } catch (err) {
      // Bad data from a peer (malformed batches, entries that would break the log's epoch order) is refused
      // with the log unchanged; anything else is a bug and propagates.
      if (!(err instanceof RaftRecordsError) && !(err instanceof RaftLogError)) throw err;
      this.reject(message, err.message);
    }
    return this.finish();
  }

  /** Appends values as one run of entries in the leader's epoch. Only a leader accepts proposals. */
  propose(values: Buffer[], now: number): RaftOutput & { result: ProposeResult } {
    this.begin();
    let result: ProposeResult;
    if (this.state !== 'Leader') {
      result = { ok: false, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, leaderId: this.leaderId, epoch: this.epoch };
    } else if (values.length === 0) {
      result = { ok: false, errorCode: ErrorCode.INVALID_REQUEST, leaderId: this.leaderId, epoch: this.epoch };
    } else {
      const { firstOffset, lastOffset } = this.appendLocal(values.map((value) => ({ epoch: this.epoch, control: false, timestamp: now, value })));
      result = { ok: true, epoch: this.epoch, firstOffset, lastOffset };
      this.maybeAdvanceLeaderHighWatermark(now);
      this.completeParked(now, false);
    }
    return { ...this.finish(), result };
  }

  /** Graceful leader resignation (shutdown): EndQuorumEpoch to the voters, then Resigned. */
  resign(now: number): RaftOutput {
    this.begin();
    if (this.state === 'Leader') this.resignLeadership(now);
    return this.finish();
  }

  /** DescribeQuorum (API 55) as the leader answers it; others answer NOT_LEADER_OR_FOLLOWER. */
  describeQuorum(now: number, request?: DescribeQuorumRequest): DescribeQuorumResponse {
    const topic = request?.topics[0];
    const partition = topic?.partitions[0];
    if (request !== undefined && (topic?.topicName !== METADATA_TOPIC || partition?.partitionIndex !== METADATA_PARTITION)) {
      return {
        errorCode: 0,
        errorMessage: null,
        topics: (request.topics ?? []).map((t) => ({
          topicName: t.topicName,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            errorMessage: null,
            leaderId: -1,
            leaderEpoch: -1,
            highWatermark: -1n,
            currentVoters: [],
            observers: [],
          })),
        })),
      };
    }
    const isLeader = this.state === 'Leader';
    const describe = (id: number, p: ReplicaProgress | undefined): DescribeReplicaState => {
      const self = id === this.nodeId;
      return {
        replicaId: id,
        replicaDirectoryId: ZERO_UUID,
        logEndOffset: BigInt(self ? this.log.endOffset : (p?.endOffset ?? -1)),
        lastFetchTimestamp: BigInt(self ? now : (p !== undefined && p.lastFetchTime >= 0 ? p.lastFetchTime : -1)),
        lastCaughtUpTimestamp: BigInt(self ? now : (p !== undefined && p.lastCaughtUpTime >= 0 ? p.lastCaughtUpTime : -1)),
      };
    };
    return {
      errorCode: 0,
      errorMessage: null,
      topics: [
        {
          topicName: METADATA_TOPIC,
          partitions: [
            {
              partitionIndex: METADATA_PARTITION,
              errorCode: isLeader ? 0 : ErrorCode.NOT_LEADER_OR_FOLLOWER,
              errorMessage: isLeader ? null : `node ${this.nodeId} is not the leader (leader ${this.leaderId}, epoch ${this.epoch})`,
              leaderId: this.leaderId,
              leaderEpoch: this.epoch,
              highWatermark: BigInt(this.hw),
              currentVoters: isLeader ? this.config.voters.map((v) => describe(v, this.progress.get(v))) : [],
              observers: isLeader ? [...this.observers.entries()].sort((a, b) => a[0] - b[0]).map(([id, p]) => describe(id, p)) : [],
            },
          ],
        },
      ],
    };
  }

  // ------------------------------------------------------------------------------------------- state changes

  private restore(now: number): void {
    const snapshot = this.snapshots.latest();
    if (snapshot !== undefined) {
      if (this.log.logStartOffset < snapshot.id.offset && this.log.endOffset < snapshot.id.offset) this.log.resetTo(snapshot.id);
      this.stateMachine?.restore(snapshot);
      this.hw = snapshot.id.offset;
      this.lastApplied = snapshot.id.offset;
      this.lastSnapshotOffset = snapshot.id.offset;
    } else {
      this.hw = this.log.logStartOffset;
      this.lastApplied = this.log.logStartOffset;
      this.lastSnapshotOffset = this.log.logStartOffset;
    }
    const saved = this.quorumStore.read();
    const epoch = saved?.epoch ?? 0;
    const votedId = saved?.votedId ?? -1;
    const leaderId = saved?.leaderId ?? -1;
    this.epoch = epoch;
    this.votedId = votedId;
    this.leaderId = leaderId;
    if (leaderId === this.nodeId) {
      // A leader cannot lead the same epoch twice (its in-memory progress is gone): resign and elect anew.
      this.state = 'Resigned';
      this.electionDeadline = now + this.randomElectionTimeout();
    } else if (leaderId >= 0) {
      this.state = 'Follower';
      this.electionDeadline = now + this.config.fetchTimeoutMs;
      this.nextFetchAt = now;
    } else if (votedId === this.nodeId) {
      // Voted for itself: a candidate of this epoch again (the vote is already durable).
      this.state = 'Candidate';
      this.granted = new Set([this.nodeId]);
      this.electionDeadline = now + this.randomElectionTimeout();
    } else if (votedId >= 0) {
      this.state = 'Voted';
      this.electionDeadline = now + this.randomElectionTimeout();
    } else {
      this.state = 'Unattached';
      this.electionDeadline = now + this.randomElectionTimeout();
    }
    // A sole voter has nobody to wait for.
    if (this.config.voters.length === 1 && this.isVoter && this.state !== 'Follower') this.electionDeadline = now;
  }

  private transition(to: RaftStateName, epoch: number, votedId: number, leaderId: number, now: number): void {
    const from = this.state;
    if (epoch !== this.epoch || votedId !== this.votedId || leaderId !== this.leaderId) {
      this.quorumStore.write({ epoch, votedId, leaderId });
      this.out.events.push({ type: 'quorum-state-persisted', epoch, votedId, leaderId });
    }
    this.state = to;
    this.epoch = epoch;
    this.votedId = votedId;
    this.leaderId = leaderId;
    // Per-state bookkeeping starts fresh.
    this.granted.clear();
    this.rejected.clear();
    this.voteRequested.clear();
    this.backoffUntil = undefined;
    if (to !== 'Candidate') this.electionRetries = 0;
    this.pendingFetch = undefined;
    this.download = undefined;
    if (from === 'Leader' && to !== 'Leader') {
      // Parked fetches of the old epoch get an answer telling the followers who leads now.
      for (const p of this.parked) this.respondFetchError(p.from, p.correlationId, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      this.parked = [];
      this.progress.clear();
      this.observers.clear();
    }
    switch (to) {
      case 'Unattached':
      case 'Voted':
      case 'Resigned':
      case 'Candidate':
        this.electionDeadline = now + this.randomElectionTimeout();
        break;
      case 'Follower':
        this.electionDeadline = now + this.config.fetchTimeoutMs;
        this.nextFetchAt = now;
        break;
      case 'Leader':
        this.electionDeadline = Infinity;
        break;
    }
    this.out.events.push({ type: 'state-changed', from, to, epoch, leaderId });
  }

  /** Learns of `epoch` (and maybe its leader) from any message. */
  private observeEpoch(epoch: number, leaderId: number, now: number): void {
    if (epoch > this.epoch) {
      if (leaderId >= 0 && leaderId !== this.nodeId) this.transition('Follower', epoch, -1, leaderId, now);
      else this.transition('Unattached', epoch, -1, -1, now);
    } else if (epoch === this.epoch && leaderId >= 0 && leaderId !== this.nodeId && this.leaderId < 0) {
      if (this.state === 'Unattached' || this.state === 'Voted' || this.state === 'Candidate') {
        this.transition('Follower', epoch, this.votedId, leaderId, now);
      }
    }
  }

  private randomElectionTimeout(): number {
    return this.config.electionTimeoutMs + Math.floor(this.random() * this.config.electionTimeoutMs);
  }

  private electionBackoff(retries: number): number {
    const spread = 2 ** Math.min(20, Math.max(1, retries));
    return Math.min(this.config.electionBackoffMaxMs, BACKOFF_BASE_MS * Math.floor(this.random() * spread));
  }

  private majority(): number {
    return Math.floor(this.config.voters.length / 2) + 1;
  }

  // ------------------------------------------------------------------------------------------- elections

  private startElection(now: number): void {
    const retries = this.state === 'Candidate' ? this.electionRetries + 1 : 1;
    this.transition('Candidate', this.epoch + 1, this.nodeId, -1, now);
    this.electionRetries = retries;
    this.granted.add(this.nodeId);
    if (this.granted.size >= this.majority()) {
      this.becomeLeader(now);
      return;
    }
    this.sendVoteRequests(now);
  }

  private sendVoteRequests(now: number): void {
    void now;
    for (const voter of this.config.voters) {
      if (voter === this.nodeId || this.voteRequested.has(voter)) continue;
      this.voteRequested.add(voter);
      const body: VoteRequest = {
        clusterId: this.config.clusterId,
        voterId: voter,
        topics: [
          {
            topicName: METADATA_TOPIC,
            partitions: [
              {
                partitionIndex: METADATA_PARTITION,
                candidateEpoch: this.epoch,
                candidateId: this.nodeId,
                candidateDirectoryId: ZERO_UUID,
                voterDirectoryId: ZERO_UUID,
                lastOffsetEpoch: this.log.lastEpoch,
                lastOffset: BigInt(this.log.endOffset),
              },
            ],
          },
        ],
      };
      this.send({ type: 'VoteRequest', from: this.nodeId, to: voter, correlationId: this.nextCorrelationId++, body });
    }
  }

  private tickCandidate(now: number): void {
    if (this.granted.size >= this.majority()) {
      this.becomeLeader(now);
      return;
    }
    if (this.backoffUntil !== undefined) {
      if (now >= this.backoffUntil) this.startElection(now);
      return;
    }
    if (now >= this.electionDeadline) {
      this.backoffUntil = now + this.electionBackoff(this.electionRetries);
      if (now >= this.backoffUntil) this.startElection(now);
      return;
    }
    this.sendVoteRequests(now); // after a restart as candidate, nobody was asked yet
  }

  private onVoteRequest(from: number, correlationId: number, body: VoteRequest, now: number): void {
    const p = body.topics[0]?.partitions[0];
    const respond = (errorCode: number, partitionError: number, granted: boolean): void => {
      const response: VoteResponse = {
        errorCode,
        topics: p === undefined ? [] : [
          {
            topicName: METADATA_TOPIC,
            partitions: [{ partitionIndex: METADATA_PARTITION, errorCode: partitionError, leaderId: this.leaderId, leaderEpoch: this.epoch, voteGranted: granted }],
          },
        ],
      };
      this.send({ type: 'VoteResponse', from: this.nodeId, to: from, correlationId, body: response });
    };
    if (body.clusterId !== null && body.clusterId !== this.config.clusterId) return respond(ErrorCode.INCONSISTENT_CLUSTER_ID, 0, false);
    if (p === undefined || body.topics[0].topicName !== METADATA_TOPIC || p.partitionIndex !== METADATA_PARTITION) {
      return respond(ErrorCode.INVALID_REQUEST, 0, false);
    }
    if (p.candidateId !== from) return respond(ErrorCode.INVALID_REQUEST, 0, false);
    if (!this.config.voters.includes(p.candidateId) || !this.isVoter) return respond(0, ErrorCode.INCONSISTENT_VOTER_SET, false);
    if (p.candidateEpoch < this.epoch) return respond(0, ErrorCode.FENCED_LEADER_EPOCH, false);
    const priorDeadline = this.state === 'Leader' ? Infinity : this.electionDeadline;
    if (p.candidateEpoch > this.epoch) this.transition('Unattached', p.candidateEpoch, -1, -1, now);
    let granted = false;
    if (this.state === 'Voted' && this.votedId === p.candidateId) granted = true;
    else if (this.state === 'Unattached' && this.logIsUpToDate(p.lastOffsetEpoch, Number(p.lastOffset))) {
      this.transition('Voted', this.epoch, p.candidateId, -1, now); // persisted before the answer leaves
      granted = true;
    }
    // Raft's timer rule: only granting a vote (or hearing from a leader) restarts the election timer. A
    // refused candidate with a stale log must not keep postponing everyone else's election by bumping the
    // epoch — without this, such a node can hold the quorum leaderless for a long time (no pre-vote here).
    if (!granted && priorDeadline !== Infinity && this.state === 'Unattached') this.electionDeadline = Math.min(this.electionDeadline, priorDeadline);
    respond(0, 0, granted);
  }

  private logIsUpToDate(lastEpoch: number, endOffset: number): boolean {
    if (lastEpoch !== this.log.lastEpoch) return lastEpoch > this.log.lastEpoch;
    return endOffset >= this.log.endOffset;
  }

  private onVoteResponse(from: number, body: VoteResponse, now: number): void {
    const p = body.topics[0]?.partitions[0];
    if (body.errorCode !== 0 || p === undefined) return;
    if (p.leaderEpoch > this.epoch) {
      this.observeEpoch(p.leaderEpoch, p.leaderId, now);
      return;
    }
    if (p.leaderEpoch === this.epoch && p.leaderId >= 0) this.observeEpoch(p.leaderEpoch, p.leaderId, now);
    if (this.state !== 'Candidate' || p.leaderEpoch !== this.epoch || p.errorCode !== 0) return;
    if (p.voteGranted) this.granted.add(from);
    else this.rejected.add(from);
    if (this.granted.size >= this.majority()) this.becomeLeader(now);
    else if (this.rejected.size > this.config.voters.length - this.majority() && this.backoffUntil === undefined) {
      this.backoffUntil = now + this.electionBackoff(this.electionRetries);
    }
  }

  // ------------------------------------------------------------------------------------------- leader

  private becomeLeader(now: number): void {
    const granting = [...this.granted].sort((a, b) => a - b);
    this.transition('Leader', this.epoch, this.votedId, this.nodeId, now);
    this.leaderSince = now;
    this.epochStartOffset = this.log.endOffset;
    for (const voter of this.config.voters) {
      if (voter === this.nodeId) continue;
      this.progress.set(voter, { endOffset: -1, lastFetchTime: -1, lastCaughtUpTime: -1, acknowledged: false, beginSentAt: -Infinity });
    }
    this.appendLocal([{ epoch: this.epoch, control: true, timestamp: now, value: encodeLeaderChange(this.nodeId, this.config.voters, granting) }]);
    this.out.events.push({ type: 'became-leader', epoch: this.epoch, epochStartOffset: this.epochStartOffset });
    this.sendBeginQuorumEpoch(now);
    this.maybeAdvanceLeaderHighWatermark(now);
  }

  private sendBeginQuorumEpoch(now: number): void {
    for (const [voter, p] of this.progress) {
      if (p.acknowledged || now - p.beginSentAt < this.config.requestTimeoutMs) continue;
      p.beginSentAt = now;
      const body: BeginQuorumEpochRequest = {
        clusterId: this.config.clusterId,
        voterId: voter,
        topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: METADATA_PARTITION, voterDirectoryId: ZERO_UUID, leaderId: this.nodeId, leaderEpoch: this.epoch }] }],
        leaderEndpoints: [],
      };
      this.send({ type: 'BeginQuorumEpochRequest', from: this.nodeId, to: voter, correlationId: this.nextCorrelationId++, body });
    }
  }

  private tickLeader(now: number): void {
    this.sendBeginQuorumEpoch(now);
    this.completeParked(now, true);
    if (this.config.voters.length > 1) {
      const window = Math.floor(this.config.fetchTimeoutMs * 1.5);
      if (now - this.leaderSince >= window) {
        let live = this.isVoter ? 1 : 0;
        for (const p of this.progress.values()) if (p.lastFetchTime >= 0 && now - p.lastFetchTime < window) live++;
        if (live < this.majority()) this.resignLeadership(now);
      }
    }
  }

  private resignLeadership(now: number): void {
    const successors = [...this.progress.entries()]
      .sort((a, b) => b[1].endOffset - a[1].endOffset || a[0] - b[0])
      .map(([id]) => id);
    for (const voter of successors) {
      const body: EndQuorumEpochRequest = {
        clusterId: this.config.clusterId,
        topics: [
          {
            topicName: METADATA_TOPIC,
            partitions: [
              {
                partitionIndex: METADATA_PARTITION,
                leaderId: this.nodeId,
                leaderEpoch: this.epoch,
                preferredSuccessors: successors,
                preferredCandidates: successors.map((candidateId) => ({ candidateId, candidateDirectoryId: ZERO_UUID })),
              },
            ],
          },
        ],
        leaderEndpoints: [],
      };
      this.send({ type: 'EndQuorumEpochRequest', from: this.nodeId, to: voter, correlationId: this.nextCorrelationId++, body });
    }
    this.transition('Resigned', this.epoch, this.votedId, this.nodeId, now);
  }

  private onBeginQuorumEpochResponse(from: number, body: BeginQuorumEpochResponse, now: number): void {
    const p = body.topics[0]?.partitions[0];
    if (body.errorCode !== 0 || p === undefined) return;
    if (p.leaderEpoch > this.epoch) return this.observeEpoch(p.leaderEpoch, p.leaderId, now);
    if (this.state === 'Leader' && p.leaderEpoch === this.epoch && p.errorCode === 0) {
      const progress = this.progress.get(from);
      if (progress !== undefined) progress.acknowledged = true;
    }
  }

  private onEndQuorumEpochResponse(body: EndQuorumEpochResponse, now: number): void {
    const p = body.topics[0]?.partitions[0];
    if (body.errorCode === 0 && p !== undefined && p.leaderEpoch > this.epoch) this.observeEpoch(p.leaderEpoch, p.leaderId, now);
  }

  /** Which of offset/epoch the leader accepts, or the divergence / snapshot the follower must resolve first. */
  private validateFetchPosition(fetchOffset: number, lastFetchedEpoch: number):
    | { kind: 'valid' }
    | { kind: 'diverging'; at: OffsetAndEpoch }
    | { kind: 'snapshot'; id: OffsetAndEpoch } {
    const start = this.log.logStartOffset;
    const snapshot = this.snapshots.latest();
    if (fetchOffset === 0 && start === 0) return { kind: 'valid' };
    if (start > 0 && snapshot !== undefined) {
      if (fetchOffset < start || (fetchOffset === start && lastFetchedEpoch !== snapshot.id.epoch)) return { kind: 'snapshot', id: snapshot.id };
    }
    const end = this.log.endOffsetForEpoch(lastFetchedEpoch);
    if (end.epoch !== lastFetchedEpoch || end.offset < fetchOffset) {
      if (start > 0 && snapshot !== undefined && end.offset <= start && end.epoch !== lastFetchedEpoch) return { kind: 'snapshot', id: snapshot.id };
      return { kind: 'diverging', at: { epoch: end.epoch, offset: Math.min(end.offset, fetchOffset) } };
    }
    return { kind: 'valid' };
  }

  private onFetchRequest(from: number, correlationId: number, body: FetchRequest, now: number): void {
    const p = body.topics[0]?.partitions[0];
    if (body.clusterId !== null && body.clusterId !== this.config.clusterId) {
      return this.respondFetchError(from, correlationId, ErrorCode.INCONSISTENT_CLUSTER_ID);
    }
    if (p === undefined || p.partition !== METADATA_PARTITION) return this.respondFetchError(from, correlationId, ErrorCode.INVALID_REQUEST);
    const replicaId = body.replicaState.replicaId >= 0 ? body.replicaState.replicaId : body.replicaId;
    if (replicaId !== from) return this.respondFetchError(from, correlationId, ErrorCode.INVALID_REQUEST);
    if (p.currentLeaderEpoch > this.epoch) {
      // The fetcher knows a newer epoch: learn it, then tell it we are not its leader.
      this.observeEpoch(p.currentLeaderEpoch, -1, now);
      return this.respondFetchError(from, correlationId, ErrorCode.UNKNOWN_LEADER_EPOCH);
    }
    if (p.currentLeaderEpoch < this.epoch) return this.respondFetchError(from, correlationId, ErrorCode.FENCED_LEADER_EPOCH);
    if (this.state !== 'Leader') return this.respondFetchError(from, correlationId, ErrorCode.NOT_LEADER_OR_FOLLOWER);

    const fetchOffset = Number(p.fetchOffset);
    if (!Number.isSafeInteger(fetchOffset) || fetchOffset < 0) return this.respondFetchError(from, correlationId, ErrorCode.INVALID_REQUEST);
    const check = this.validateFetchPosition(fetchOffset, p.lastFetchedEpoch);
    if (check.kind === 'diverging') {
      return this.respondFetch(from, correlationId, { divergingEpoch: { epoch: check.at.epoch, endOffset: BigInt(check.at.offset) } });
    }
    if (check.kind === 'snapshot') {
      return this.respondFetch(from, correlationId, { snapshotId: { endOffset: BigInt(check.id.offset), epoch: check.id.epoch } });
    }
    const entries = this.log.read(fetchOffset, this.config.fetchMaxEntries);
    if (entries.length === 0 && body.maxWaitMs > 0) {
      this.parked.push({ from, correlationId, fetchOffset, deadline: now + Math.min(body.maxWaitMs, this.config.fetchMaxWaitMs) });
    } else {
      this.respondFetch(from, correlationId, { records: entries.length > 0 ? encodeEntries(entries) : null });
    }
    this.recordReplicaProgress(from, fetchOffset, now);
  }

  private recordReplicaProgress(replicaId: number, fetchOffset: number, now: number): void {
    let progress = this.progress.get(replicaId);
    if (progress === undefined) {
      if (replicaId === this.nodeId) return;
      progress = this.observers.get(replicaId);
      if (progress === undefined) {
        progress = { endOffset: -1, lastFetchTime: -1, lastCaughtUpTime: -1, acknowledged: true, beginSentAt: now };
        this.observers.set(replicaId, progress);
      }
    }
    progress.endOffset = fetchOffset;
    progress.lastFetchTime = now;
    progress.acknowledged = true;
    if (fetchOffset >= this.log.endOffset) progress.lastCaughtUpTime = now;
    if (this.progress.has(replicaId)) this.maybeAdvanceLeaderHighWatermark(now);
  }

  private maybeAdvanceLeaderHighWatermark(now: number): void {
    if (this.state !== 'Leader') return;
    const offsets = this.config.voters.map((v) => (v === this.nodeId ? this.log.endOffset : (this.progress.get(v)?.endOffset ?? -1)));
    offsets.sort((a, b) => b - a);
    const candidate = offsets[this.majority() - 1];
    // Only entries of the current epoch commit by counting (the epoch's first entry is the LeaderChange).
    if (candidate > this.epochStartOffset && candidate > this.hw) {
      this.setHighWatermark(candidate, now);
      this.completeParked(now, false);
    }
  }

  /** Answers parked fetches: all of them when there is news, or only the expired ones. */
  private completeParked(now: number, expiredOnly: boolean): void {
    if (this.parked.length === 0) return;
    const keep: ParkedFetch[] = [];
    for (const f of this.parked) {
      const hasData = f.fetchOffset < this.log.endOffset;
      if (expiredOnly && now < f.deadline && !hasData) {
        keep.push(f);
        continue;
      }
      const entries = f.fetchOffset >= this.log.logStartOffset && f.fetchOffset <= this.log.endOffset ? this.log.read(f.fetchOffset, this.config.fetchMaxEntries) : [];
      this.respondFetch(f.from, f.correlationId, { records: entries.length > 0 ? encodeEntries(entries) : null });
    }
    this.parked = keep;
  }

  private respondFetch(to: number, correlationId: number, part: Partial<PartitionData>): void {
    const data: PartitionData = {
      partitionIndex: METADATA_PARTITION,
      errorCode: 0,
      highWatermark: BigInt(this.hw),
      lastStableOffset: BigInt(this.hw),
      logStartOffset: BigInt(this.log.logStartOffset),
      divergingEpoch: { epoch: -1, endOffset: -1n },
      currentLeader: { leaderId: this.leaderId, leaderEpoch: this.epoch },
      snapshotId: { endOffset: -1n, epoch: -1 },
      abortedTransactions: null,
      preferredReadReplica: -1,
      records: null,
      ...part,
    };
    const body: FetchResponse = {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [{ topic: METADATA_TOPIC, topicId: METADATA_TOPIC_ID, partitions: [data] }],
    };
    this.send({ type: 'FetchResponse', from: this.nodeId, to, correlationId, body });
  }

  private respondFetchError(to: number, correlationId: number, errorCode: number): void {
    this.respondFetch(to, correlationId, { errorCode, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n });
  }

  private onFetchSnapshotRequest(from: number, correlationId: number, body: FetchSnapshotRequest, now: number): void {
    void now;
    const p = body.topics[0]?.partitions[0];
    const respond = (errorCode: number, part: Partial<FetchSnapshotResponsePartitionSnapshot> = {}): void => {
      const response: FetchSnapshotResponse = {
        throttleTimeMs: 0,
        errorCode: 0,
        topics: [
          {
            name: METADATA_TOPIC,
            partitions: [
              {
                index: METADATA_PARTITION,
                errorCode,
                snapshotId: { endOffset: -1n, epoch: -1 },
                currentLeader: { leaderId: this.leaderId, leaderEpoch: this.epoch },
                size: 0n,
                position: 0n,
                unalignedRecords: Buffer.alloc(0),
                ...part,
              },
            ],
          },
        ],
      };
      this.send({ type: 'FetchSnapshotResponse', from: this.nodeId, to: from, correlationId, body: response });
    };
    if (body.clusterId !== null && body.clusterId !== this.config.clusterId) return respond(ErrorCode.INCONSISTENT_CLUSTER_ID);
    if (p === undefined || p.partition !== METADATA_PARTITION) return respond(ErrorCode.INVALID_REQUEST);
    if (p.currentLeaderEpoch < this.epoch) return respond(ErrorCode.FENCED_LEADER_EPOCH);
    if (p.currentLeaderEpoch > this.epoch) return respond(ErrorCode.UNKNOWN_LEADER_EPOCH);
    if (this.state !== 'Leader') return respond(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const snapshot = this.snapshots.latest();
    if (snapshot === undefined || snapshot.id.offset !== Number(p.snapshotId.endOffset) || snapshot.id.epoch !== p.snapshotId.epoch) {
      return respond(ErrorCode.SNAPSHOT_NOT_FOUND);
    }
    const position = Number(p.position);
    if (!Number.isSafeInteger(position) || position < 0 || position > snapshot.data.length) {
      return respond(ErrorCode.POSITION_OUT_OF_RANGE, { snapshotId: p.snapshotId });
    }
    const max = Math.max(1, Math.min(body.maxBytes > 0 ? body.maxBytes : Infinity, this.config.snapshotChunkBytes));
    respond(0, {
      snapshotId: { endOffset: BigInt(snapshot.id.offset), epoch: snapshot.id.epoch },
      size: BigInt(snapshot.data.length),
      position: BigInt(position),
      unalignedRecords: snapshot.data.subarray(position, position + max),
    });
  }

  // ------------------------------------------------------------------------------------------- follower

  private tickFollower(now: number): void {
    if (now >= this.electionDeadline) {
      // A voter runs for leader; an observer forgets the leader and looks for the current one.
      if (this.isVoter) this.startElection(now);
      else this.transition('Unattached', this.epoch, -1, -1, now);
      return;
    }
    if (this.download !== undefined) {
      if (now - this.download.sentAt >= this.config.requestTimeoutMs) this.sendFetchSnapshot(now);
      return;
    }
    if (this.pendingFetch !== undefined && now - this.pendingFetch.sentAt >= this.config.requestTimeoutMs) this.pendingFetch = undefined;
    if (this.pendingFetch === undefined && now >= this.nextFetchAt) this.sendFetch(now);
  }

  /**
   * An observer (a replica outside the voter set, e.g. a broker following the metadata log) that knows no
   * leader fetches from a random voter; the answer's currentLeader names the leader, which it then follows.
   */
  private tickObserverDiscovery(now: number): void {
    if (this.pendingFetch !== undefined && now - this.pendingFetch.sentAt >= this.config.requestTimeoutMs) this.pendingFetch = undefined;
    if (this.pendingFetch !== undefined || now < this.nextFetchAt) return;
    const voters = this.config.voters;
    this.sendFetch(now, voters[Math.min(voters.length - 1, Math.floor(this.random() * voters.length))]);
  }

  private sendFetch(now: number, to = this.leaderId): void {
    const correlationId = this.nextCorrelationId++;
    this.pendingFetch = { correlationId, sentAt: now };
    const body: FetchRequest = {
      clusterId: this.config.clusterId,
      replicaId: this.nodeId,
      replicaState: { replicaId: this.nodeId, replicaEpoch: -1n },
      maxWaitMs: this.config.fetchMaxWaitMs,
      minBytes: 0,
      maxBytes: 0x7fffffff,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: METADATA_TOPIC,
          topicId: METADATA_TOPIC_ID,
          partitions: [
            {
              partition: METADATA_PARTITION,
              currentLeaderEpoch: this.epoch,
              fetchOffset: BigInt(this.log.endOffset),
              lastFetchedEpoch: this.log.lastEpoch,
              logStartOffset: BigInt(this.log.logStartOffset),
              partitionMaxBytes: 0x7fffffff,
              replicaDirectoryId: ZERO_UUID,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    };
    this.send({ type: 'FetchRequest', from: this.nodeId, to, correlationId, body });
  }

  private onFetchResponse(correlationId: number, body: FetchResponse, now: number): void {
    const p = body.responses[0]?.partitions[0];
    if (p === undefined) return;
    const leader = p.currentLeader;
    if (leader !== undefined && (leader.leaderEpoch > this.epoch || (leader.leaderEpoch === this.epoch && leader.leaderId >= 0 && this.leaderId < 0))) {
      this.observeEpoch(leader.leaderEpoch, leader.leaderId, now);
      if (this.state === 'Follower') return;
    }
    if (this.pendingFetch?.correlationId !== correlationId) return; // stale
    if (this.state !== 'Follower') {
      // An observer's discovery fetch that named no leader: ask again shortly.
      this.pendingFetch = undefined;
      this.nextFetchAt = now + this.config.retryBackoffMs;
      return;
    }
    this.pendingFetch = undefined;
    if ((body.errorCode ?? 0) !== 0 || p.errorCode !== 0) {
      this.nextFetchAt = now + this.config.retryBackoffMs;
      return;
    }
    this.electionDeadline = now + this.config.fetchTimeoutMs; // heard from the leader
    this.nextFetchAt = now;
    const diverging = p.divergingEpoch;
    if (diverging !== undefined && diverging.epoch >= 0 && diverging.endOffset >= 0n) {
      this.truncateToDivergence({ epoch: diverging.epoch, offset: Number(diverging.endOffset) }, now);
      return;
    }
    const snapshotId = p.snapshotId;
    if (snapshotId !== undefined && snapshotId.epoch >= 0 && snapshotId.endOffset >= 0n) {
      this.download = { id: { offset: Number(snapshotId.endOffset), epoch: snapshotId.epoch }, chunks: [], position: 0, correlationId: -1, sentAt: now };
      this.sendFetchSnapshot(now);
      return;
    }
    if (p.records !== null && p.records.length > 0) {
      const entries = decodeEntries(p.records);
      if (entries.length > 0) {
        if (entries[0].offset !== this.log.endOffset) return; // not where our log ends: fetch again
        for (const e of entries) {
          if (e.epoch > this.epoch) throw new RaftRecordsError(`entry at ${e.offset} has epoch ${e.epoch}, beyond the leader's ${this.epoch}`);
        }
        this.appendLocal(entries.map((e) => ({ epoch: e.epoch, control: e.control, timestamp: e.timestamp, value: e.value })));
      }
    }
    const leaderHw = Number(p.highWatermark);
    if (Number.isSafeInteger(leaderHw)) this.setHighWatermark(Math.min(leaderHw, this.log.endOffset), now);
  }

  private truncateToDivergence(at: OffsetAndEpoch, now: number): void {
    const local = this.log.endOffsetForEpoch(at.epoch);
    let target = local.epoch === at.epoch ? Math.min(local.offset, at.offset) : local.offset;
    target = Math.min(target, this.log.endOffset);
    if (target < this.hw) {
      this.out.events.push({ type: 'truncation-refused', requestedOffset: target, highWatermark: this.hw });
      this.nextFetchAt = now + this.config.retryBackoffMs;
      return;
    }
    target = Math.max(target, this.log.logStartOffset);
    const removed = this.log.endOffset - target;
    if (removed > 0) {
      this.log.truncateTo(target);
      this.out.events.push({ type: 'truncated', toOffset: target, removed });
    }
  }

  private sendFetchSnapshot(now: number): void {
    const d = this.download;
    if (d === undefined) return;
    d.correlationId = this.nextCorrelationId++;
    d.sentAt = now;
    const body: FetchSnapshotRequest = {
      clusterId: this.config.clusterId,
      replicaId: this.nodeId,
      maxBytes: this.config.snapshotChunkBytes,
      topics: [
        {
          name: METADATA_TOPIC,
          partitions: [
            {
              partition: METADATA_PARTITION,
              currentLeaderEpoch: this.epoch,
              snapshotId: { endOffset: BigInt(d.id.offset), epoch: d.id.epoch },
              position: BigInt(d.position),
              replicaDirectoryId: ZERO_UUID,
            },
          ],
        },
      ],
    };
    this.send({ type: 'FetchSnapshotRequest', from: this.nodeId, to: this.leaderId, correlationId: d.correlationId, body });
  }

  private onFetchSnapshotResponse(correlationId: number, body: FetchSnapshotResponse, now: number): void {
    const p = body.topics[0]?.partitions[0];
    if (p === undefined) return;
    const leader = p.currentLeader;
    if (leader !== undefined && leader.leaderEpoch > this.epoch) {
      this.observeEpoch(leader.leaderEpoch, leader.leaderId, now);
      return;
    }
    const d = this.download;
    if (this.state !== 'Follower' || d === undefined || d.correlationId !== correlationId) return;
    if (body.errorCode !== 0 || p.errorCode !== 0) {
      // The snapshot moved on or the leader changed: go back to fetching, which names the current snapshot.
      this.download = undefined;
      this.nextFetchAt = now + this.config.retryBackoffMs;
      return;
    }
    this.electionDeadline = now + this.config.fetchTimeoutMs;
    const size = Number(p.size);
    if (Number(p.position) !== d.position || Number(p.snapshotId.endOffset) !== d.id.offset || p.snapshotId.epoch !== d.id.epoch
      || !Number.isSafeInteger(size) || d.position + p.unalignedRecords.length > size) {
      this.download = undefined;
      this.nextFetchAt = now + this.config.retryBackoffMs;
      this.out.events.push({ type: 'message-rejected', reason: 'snapshot chunk does not continue the download', message: 'FetchSnapshotResponse', from: this.leaderId });
      return;
    }
    d.chunks.push(Buffer.from(p.unalignedRecords));
    d.position += p.unalignedRecords.length;
    if (d.position < size) {
      if (p.unalignedRecords.length === 0) {
        this.download = undefined; // no progress possible
        this.nextFetchAt = now + this.config.retryBackoffMs;
        return;
      }
      this.sendFetchSnapshot(now);
      return;
    }
    const snapshot = { id: d.id, data: Buffer.concat(d.chunks) };
    this.download = undefined;
    this.snapshots.save(snapshot);
    this.log.resetTo(snapshot.id);
    this.stateMachine?.restore(snapshot);
    this.lastApplied = snapshot.id.offset;
    this.lastSnapshotOffset = snapshot.id.offset;
    if (snapshot.id.offset > this.hw) this.hw = snapshot.id.offset;
    this.out.events.push({ type: 'snapshot-installed', id: { ...snapshot.id } });
    this.nextFetchAt = now;
  }

  private onBeginQuorumEpochRequest(from: number, correlationId: number, body: BeginQuorumEpochRequest, now: number): void {
    const p = body.topics[0]?.partitions[0];
    const respond = (errorCode: number, partitionError: number): void => {
      const response: BeginQuorumEpochResponse = {
        errorCode,
        topics: p === undefined ? [] : [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: METADATA_PARTITION, errorCode: partitionError, leaderId: this.leaderId, leaderEpoch: this.epoch }] }],
      };
      this.send({ type: 'BeginQuorumEpochResponse', from: this.nodeId, to: from, correlationId, body: response });
    };
    if (body.clusterId !== null && body.clusterId !== this.config.clusterId) return respond(ErrorCode.INCONSISTENT_CLUSTER_ID, 0);
    if (p === undefined || body.topics[0].topicName !== METADATA_TOPIC || p.partitionIndex !== METADATA_PARTITION) return respond(ErrorCode.INVALID_REQUEST, 0);
    if (!this.config.voters.includes(p.leaderId) || p.leaderId !== from) return respond(0, ErrorCode.INCONSISTENT_VOTER_SET);
    if (p.leaderEpoch < this.epoch) return respond(0, ErrorCode.FENCED_LEADER_EPOCH);
    if (p.leaderEpoch > this.epoch) {
      this.transition('Follower', p.leaderEpoch, -1, p.leaderId, now);
    } else if (this.leaderId !== p.leaderId) {
      if (this.leaderId >= 0 || this.state === 'Leader') {
        // Two leaders in one epoch would break election safety: refuse and say so.
        this.out.events.push({ type: 'message-rejected', reason: `leader ${p.leaderId} claims epoch ${p.leaderEpoch}, led by ${this.leaderId}`, message: 'BeginQuorumEpochRequest', from });
        return respond(0, ErrorCode.INVALID_REQUEST);
      }
      this.transition('Follower', this.epoch, this.votedId, p.leaderId, now);
    }
    respond(0, 0);
  }

  private onEndQuorumEpochRequest(from: number, correlationId: number, body: EndQuorumEpochRequest, now: number): void {
    const p = body.topics[0]?.partitions[0];
    const respond = (errorCode: number, partitionError: number): void => {
      const response: EndQuorumEpochResponse = {
        errorCode,
        topics: p === undefined ? [] : [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: METADATA_PARTITION, errorCode: partitionError, leaderId: this.leaderId, leaderEpoch: this.epoch }] }],
      };
      this.send({ type: 'EndQuorumEpochResponse', from: this.nodeId, to: from, correlationId, body: response });
    };
    if (body.clusterId !== null && body.clusterId !== this.config.clusterId) return respond(ErrorCode.INCONSISTENT_CLUSTER_ID, 0);
    if (p === undefined || body.topics[0].topicName !== METADATA_TOPIC || p.partitionIndex !== METADATA_PARTITION) return respond(ErrorCode.INVALID_REQUEST, 0);
    if (p.leaderEpoch < this.epoch) return respond(0, ErrorCode.FENCED_LEADER_EPOCH);
    if (p.leaderEpoch > this.epoch) this.transition('Unattached', p.leaderEpoch, -1, -1, now);
    if (this.state === 'Follower' && this.leaderId === p.leaderId || this.state === 'Unattached' || this.state === 'Voted') {
      const successors = p.preferredSuccessors;
      const position = successors.indexOf(this.nodeId);
      const rank = position < 0 ? successors.length : position;
      // The most caught-up successor goes first; the others wait longer, so it usually wins.
      const backoff = rank === 0 ? 0 : Math.min(this.config.electionBackoffMaxMs, Math.floor(BACKOFF_BASE_MS * 2 ** (rank - 1) * (1 + this.random())));
      this.electionDeadline = Math.min(this.electionDeadline, now + backoff);
    }
    respond(0, 0);
  }

  // ------------------------------------------------------------------------------------------- commits

  private appendLocal(entries: Array<Omit<RaftEntry, 'offset'>>): { firstOffset: number; lastOffset: number } {
    const r = this.log.append(entries);
    this.out.events.push({ type: 'appended', firstOffset: r.firstOffset, lastOffset: r.lastOffset, epoch: entries[entries.length - 1].epoch });
    return r;
  }

  private setHighWatermark(offset: number, now: number): void {
    void now;
    if (offset <= this.hw) return;
    this.hw = offset;
    this.out.events.push({ type: 'high-watermark', highWatermark: offset });
    const committed: RaftEntry[] = [];
    while (this.lastApplied < this.hw) {
      const batch = this.log.read(this.lastApplied, Math.min(1000, this.hw - this.lastApplied));
      if (batch.length === 0) break;
      for (const e of batch) {
        if (!e.control) this.stateMachine?.apply(e);
        committed.push(e);
      }
      this.lastApplied += batch.length;
    }
    if (committed.length > 0) this.out.events.push({ type: 'committed', entries: committed });
    this.maybeSnapshot();
  }

  private maybeSnapshot(): void {
    const every = this.config.maxEntriesBetweenSnapshots;
    if (every <= 0 || this.stateMachine === undefined || this.lastApplied - this.lastSnapshotOffset < every) return;
    const offset = this.lastApplied;
    const epoch = this.log.epochAt(offset - 1);
    if (epoch === undefined) return;
    const id = { offset, epoch };
    this.snapshots.save({ id, data: this.stateMachine.snapshot() });
    this.log.deleteBefore(id);
    this.lastSnapshotOffset = offset;
    this.out.events.push({ type: 'snapshot-saved', id });
  }

  // ------------------------------------------------------------------------------------------- plumbing

  private begin(): void {
    this.out = { messages: [], events: [] };
  }

  private finish(): RaftOutput {
    const out = this.out;
    this.out = { messages: [], events: [] };
    return out;
  }

  private send(message: RaftMessage): void {
    this.out.messages.push(message);
  }

  private reject(message: RaftMessage, reason: string): void {
    this.out.events.push({ type: 'message-rejected', reason, message: message.type, from: message.from });
  }
}
