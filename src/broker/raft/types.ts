/**
 * Shared shapes of the KRaft Raft core (KIP-595, snapshots per KIP-630): configuration, log entries, the
 * messages nodes exchange and the events a node reports.
 *
 * Messages carry the generated request/response TYPES of the real RPCs (Vote 52, BeginQuorumEpoch 53,
 * EndQuorumEpoch 54, Fetch 1 with KRaft's replicaState / lastFetchedEpoch / divergingEpoch / currentLeader /
 * snapshotId, FetchSnapshot 59), so the pure core plugs into the wire later: the edge only has to frame and
 * encode `body` with the matching generated writer and route by `to`.
 *
 * Offsets are plain numbers inside the core (safe integers: far beyond any metadata log) and bigint on the wire.
 */
import type { BeginQuorumEpochRequest, BeginQuorumEpochResponse } from '../../protocol/generated/begin-quorum-epoch.js';
import type { EndQuorumEpochRequest, EndQuorumEpochResponse } from '../../protocol/generated/end-quorum-epoch.js';
import type { FetchRequest, FetchResponse } from '../../protocol/generated/fetch.js';
import type { FetchSnapshotRequest, FetchSnapshotResponse } from '../../protocol/generated/fetch-snapshot.js';
import type { VoteRequest, VoteResponse } from '../../protocol/generated/vote.js';

/** Kafka's QuorumState state names. */
export type RaftStateName = 'Unattached' | 'Voted' | 'Candidate' | 'Leader' | 'Follower' | 'Resigned';

/** The metadata log's topic-partition (KRaft's `__cluster_metadata-0`). */
export const METADATA_TOPIC = '__cluster_metadata';
export const METADATA_PARTITION = 0;

export interface RaftConfig {
  nodeId: number;
  /** `controller.quorum.voters` ids (the static voter set; dynamic membership, KIP-853, is not implemented). */
  voters: number[];
  clusterId: string;
  /** `controller.quorum.election.timeout.ms` (1000): the base; each election picks base + random [0, base). */
  electionTimeoutMs: number;
  /** `controller.quorum.election.backoff.max.ms` (1000): cap of the exponential backoff after a lost election. */
  electionBackoffMaxMs: number;
  /** `controller.quorum.fetch.timeout.ms` (2000): a follower that has not heard from its leader this long
   * starts an election; a leader without fetches from a majority for 1.5 × this long resigns (check-quorum). */
  fetchTimeoutMs: number;
  /** `controller.quorum.request.timeout.ms` (2000): an unanswered request is sent again after this. */
  requestTimeoutMs: number;
  /** `controller.quorum.retry.backoff.ms` (20): pause before retrying a failed fetch. */
  retryBackoffMs: number;
  /** How long the leader parks a Fetch that has nothing new (Kafka's raft fetch max wait, 500 ms). */
  fetchMaxWaitMs: number;
  /** Cap of entries in one Fetch response. */
  fetchMaxEntries: number;
  /** FetchSnapshot chunk size in bytes. */
  snapshotChunkBytes: number;
  /** Take a snapshot once this many committed entries accumulated since the last one (stands in for
   * `metadata.log.max.record.bytes.between.snapshots`); 0 disables snapshots. */
  maxEntriesBetweenSnapshots: number;
}

export const DEFAULT_RAFT_CONFIG: Omit<RaftConfig, 'nodeId' | 'voters' | 'clusterId'> = {
  electionTimeoutMs: 1000,
  electionBackoffMaxMs: 1000,
  fetchTimeoutMs: 2000,
  requestTimeoutMs: 2000,
  retryBackoffMs: 20,
  fetchMaxWaitMs: 500,
  fetchMaxEntries: 500,
  snapshotChunkBytes: 64 * 1024,
  maxEntriesBetweenSnapshots: 0,
};

export interface OffsetAndEpoch {
  offset: number;
  epoch: number;
}

/** One record of the replicated log. `control` marks KRaft's LeaderChange control record. */
export interface RaftEntry {
  offset: number;
  epoch: number;
  control: boolean;
  /** Append time on the leader (virtual in simulations). */
  timestamp: number;
  value: Buffer;
}

export type NewRaftEntry = Omit<RaftEntry, 'offset'>;

/** A snapshot covers every offset below `id.offset`; `id.epoch` is the epoch of the entry at id.offset - 1. */
export interface RaftSnapshot {
  id: OffsetAndEpoch;
  data: Buffer;
}

/**
 * The replicated state machine the core feeds committed entries into (KRaft: the metadata image).
 * Control entries are not applied.
 */
export interface RaftStateMachine {
  apply(entry: RaftEntry): void;
  /** Serialized state covering everything applied so far. */
  snapshot(): Buffer;
  /** Replace the state with a snapshot's. */
  restore(snapshot: RaftSnapshot): void;
}

interface Envelope {
  from: number;
  to: number;
  correlationId: number;
}

export type RaftMessage =
  | (Envelope & { type: 'VoteRequest'; body: VoteRequest })
  | (Envelope & { type: 'VoteResponse'; body: VoteResponse })
  | (Envelope & { type: 'BeginQuorumEpochRequest'; body: BeginQuorumEpochRequest })
  | (Envelope & { type: 'BeginQuorumEpochResponse'; body: BeginQuorumEpochResponse })
  | (Envelope & { type: 'EndQuorumEpochRequest'; body: EndQuorumEpochRequest })
  | (Envelope & { type: 'EndQuorumEpochResponse'; body: EndQuorumEpochResponse })
  | (Envelope & { type: 'FetchRequest'; body: FetchRequest })
  | (Envelope & { type: 'FetchResponse'; body: FetchResponse })
  | (Envelope & { type: 'FetchSnapshotRequest'; body: FetchSnapshotRequest })
  | (Envelope & { type: 'FetchSnapshotResponse'; body: FetchSnapshotResponse });

export type RaftMessageType = RaftMessage['type'];

/**
 * What happened inside a step, as data. Durable effects (`appended`, `truncated`, `quorum-state-persisted`,
 * `snapshot-saved`) have already been made through the injected RaftLog / QuorumStateStore / SnapshotStore;
 * a disk-backed edge must make them durable (fsync) before it sends the step's messages.
 */
export type RaftEvent =
  | { type: 'state-changed'; from: RaftStateName; to: RaftStateName; epoch: number; leaderId: number }
  | { type: 'became-leader'; epoch: number; epochStartOffset: number }
  | { type: 'quorum-state-persisted'; epoch: number; votedId: number; leaderId: number }
  | { type: 'appended'; firstOffset: number; lastOffset: number; epoch: number }
  | { type: 'truncated'; toOffset: number; removed: number }
  | { type: 'high-watermark'; highWatermark: number }
  | { type: 'committed'; entries: RaftEntry[] }
  | { type: 'snapshot-saved'; id: OffsetAndEpoch }
  | { type: 'snapshot-installed'; id: OffsetAndEpoch }
  /** The leader asked for a truncation below this node's high-watermark: refused (a safety violation). */
  | { type: 'truncation-refused'; requestedOffset: number; highWatermark: number }
  | { type: 'message-rejected'; reason: string; message: RaftMessageType; from: number };

export interface RaftOutput {
  messages: RaftMessage[];
  events: RaftEvent[];
}
