/**
 * The KRaft quorum as `kstack status` shows it: DescribeQuorum (API 55) asked of the voters' CONTROLLER
 * endpoints (only the leader answers without NOT_LEADER_OR_FOLLOWER; a follower's answer still names the
 * leader, so the leader is asked next), turned into leader, epoch, high-watermark and per-voter lag by
 * quorumReport (../quorum-report.ts). Works against kstack's native controllers and Apache Kafka's alike.
 */
import { WireConnection } from '../../../client/wire.js';
import type { DescribeQuorumResponse } from '../../../protocol/generated/describe-quorum.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { quorumReport, type QuorumReport } from '../quorum-report.js';
import { METADATA_PARTITION, METADATA_TOPIC } from '../types.js';

export interface QuorumEndpoint {
  id: number;
  host: string;
  port: number;
}

export type QuorumStatus = { ok: true; report: QuorumReport; source: number } | { ok: false; error: string };

async function ask(v: QuorumEndpoint, timeoutMs: number): Promise<DescribeQuorumResponse> {
  const conn = await WireConnection.connect({ host: v.host, port: v.port, connectTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs });
  try {
    return await conn.request<DescribeQuorumResponse>(55, 1, { topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: METADATA_PARTITION }] }] });
  } finally {
    conn.close();
  }
}

/** Asks the voters in turn (a named leader first once known); never throws. */
export async function describeQuorumStatus(voters: readonly QuorumEndpoint[], timeoutMs = 1500): Promise<QuorumStatus> {
  const errors: string[] = [];
  const queue = [...voters];
  const asked = new Set<number>();
  while (queue.length > 0) {
    const v = queue.shift()!;
    if (asked.has(v.id)) continue;
    asked.add(v.id);
    let r: DescribeQuorumResponse;
    try {
      r = await ask(v, timeoutMs);
    } catch (err) {
      errors.push(`controller ${v.id} (${v.host}:${v.port}): ${(err as Error).message}`);
      continue;
    }
    const p = r.topics[0]?.partitions[0];
    if (r.errorCode === 0 && p !== undefined && p.errorCode === 0) {
      try {
        return { ok: true, report: quorumReport(r), source: v.id };
      } catch (err) {
        errors.push(`controller ${v.id}: ${(err as Error).message}`);
        continue;
      }
    }
    const code = p?.errorCode ?? r.errorCode;
    if (code === ErrorCode.NOT_LEADER_OR_FOLLOWER && p !== undefined && p.leaderId >= 0) {
      const leader = voters.find((x) => x.id === p.leaderId);
      if (leader && !asked.has(leader.id)) queue.unshift(leader);
    }
    errors.push(`controller ${v.id}: ${code === ErrorCode.NOT_LEADER_OR_FOLLOWER ? `not the leader${p && p.leaderId >= 0 ? ` (leader ${p.leaderId}, epoch ${p.leaderEpoch})` : ', no leader known'}` : `error ${code}`}`);
  }
  return { ok: false, error: errors.length > 0 ? `no quorum leader answered DescribeQuorum: ${errors.join('; ')}` : 'no voters to ask' };
}

/** Lines for `kstack status`, as kafka-metadata-quorum describe --status/--replication print the numbers. */
export function formatQuorumStatus(q: QuorumStatus): string[] {
  if (!q.ok) return ['quorum: no leader', `  ${q.error}`];
  const r = q.report;
  const voters = r.rows.filter((x) => x.status !== 'Observer');
  const lines = [`quorum (__cluster_metadata): leader ${r.leaderId}  epoch ${r.leaderEpoch}  high-watermark ${r.highWatermark}  max follower lag ${r.maxFollowerLag ?? 'unknown'}  voters ${voters.map((x) => x.nodeId).join(',')}`];
  for (const row of r.rows) {
    lines.push(`  ${String(row.nodeId).padEnd(4)} ${row.status.padEnd(8)} log end ${String(row.logEndOffset).padEnd(8)} lag ${row.lag ?? 'unknown'}`);
  }
  return lines;
}
