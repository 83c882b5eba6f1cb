/**
 * The numbers `kafka-metadata-quorum describe --replication` prints, derived from a DescribeQuorum response:
 * per replica its log end offset, its lag behind the leader (leader LEO − replica LEO) and its status.
 * Pure; the CLI renders the rows.
 */
import type { DescribeQuorumResponse } from '../../protocol/generated/describe-quorum.js';
import { kafkaError } from '../../protocol/generated/error-codes.js';

export interface QuorumReplicationRow {
  nodeId: number;
  /** -1 until the replica fetched in the current epoch. */
  logEndOffset: number;
  /** Entries behind the leader; undefined while the replica's offset is unknown. */
  lag: number | undefined;
  lastFetchTimestamp: number;
  lastCaughtUpTimestamp: number;
  status: 'Leader' | 'Follower' | 'Observer';
}

export interface QuorumReport {
  leaderId: number;
  leaderEpoch: number;
  highWatermark: number;
  maxFollowerLag: number | undefined;
  rows: QuorumReplicationRow[];
}

export class QuorumReportError extends Error {
  readonly code = 'KSTACK_RAFT_DESCRIBE_QUORUM';
  constructor(message: string) {
    super(message);
    this.name = 'QuorumReportError';
  }
}

export function quorumReport(response: DescribeQuorumResponse): QuorumReport {
  if (response.errorCode !== 0) throw new QuorumReportError(`DescribeQuorum failed: ${kafkaError(response.errorCode)?.name ?? `error ${response.errorCode}`}`);
  const p = response.topics[0]?.partitions[0];
  if (p === undefined) throw new QuorumReportError('DescribeQuorum response names no partition');
  if (p.errorCode !== 0) {
    throw new QuorumReportError(`DescribeQuorum failed: ${kafkaError(p.errorCode)?.name ?? `error ${p.errorCode}`}${p.errorMessage ? ` (${p.errorMessage})` : ''}`);
  }
  const leader = p.currentVoters.find((v) => v.replicaId === p.leaderId);
  const leaderEnd = leader === undefined ? undefined : Number(leader.logEndOffset);
  const row = (status: QuorumReplicationRow['status']) => (v: (typeof p.currentVoters)[number]): QuorumReplicationRow => {
    const end = Number(v.logEndOffset);
    return {
      nodeId: v.replicaId,
      logEndOffset: end,
      lag: end < 0 || leaderEnd === undefined ? undefined : Math.max(0, leaderEnd - end),
      lastFetchTimestamp: Number(v.lastFetchTimestamp ?? -1n),
      lastCaughtUpTimestamp: Number(v.lastCaughtUpTimestamp ?? -1n),
      status: v.replicaId === p.leaderId ? 'Leader' : status,
    };
  };
  const rows = [...p.currentVoters.map(row('Follower')), ...p.observers.map(row('Observer'))];
  const followerLags = rows.filter((r) => r.status === 'Follower').map((r) => r.lag);
  const maxFollowerLag = followerLags.length === 0 || followerLags.some((l) => l === undefined) ? undefined : Math.max(...(followerLags as number[]));
  return { leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, highWatermark: Number(p.highWatermark), maxFollowerLag, rows };
}
