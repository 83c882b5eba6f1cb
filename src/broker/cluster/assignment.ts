/**
 * Pure cluster decisions, shared by whatever holds the metadata (ZooKeeper today):
 * - replica assignment for a new topic, Kafka's rack-unaware scheme (AdminUtils.assignReplicasToBrokers): the
 *   first replica of partition p is broker[(start + p) mod n]; followers follow at a shift that grows every n
 *   partitions, so leaders and replicas spread evenly;
 * - partition state transitions the controller makes when brokers come and go: a partition whose leader is gone
 *   gets the first live ISR member, or no leader (-1) when none is left — Kafka's behaviour without unclean
 *   leader election, so with replication factor 1 the partition is unavailable until its broker returns. The
 *   ISR keeps its last member then, so that member can lead again when it returns;
 * - the leader's ISR decisions (replication/isr-policy.ts) are separate: they need follower positions.
 */

export interface LeaderState {
  leader: number;
  leaderEpoch: number;
  isr: number[];
}

export class AssignmentError extends Error {}

/** Kafka's rack-unaware assignment over `brokers` (sorted here), starting at `startIndex`. */
export function assignReplicas(brokers: readonly number[], partitions: number, replicationFactor: number, startIndex: number, startShift = startIndex): Map<number, number[]> {
  const ids = [...new Set(brokers)].sort((a, b) => a - b);
  const n = ids.length;
  if (partitions < 1) throw new AssignmentError('Number of partitions must be larger than 0.');
  if (replicationFactor < 1) throw new AssignmentError('Replication factor must be larger than 0.');
  if (replicationFactor > n) {
    throw new AssignmentError(`Replication factor: ${replicationFactor} larger than available brokers: ${n}.`);
  }
  const start = ((startIndex % n) + n) % n;
  let shift = n > 1 ? ((startShift % (n - 1)) + (n - 1)) % (n - 1) : 0;
  const out = new Map<number, number[]>();
  for (let p = 0; p < partitions; p++) {
    if (p > 0 && p % n === 0) shift++;
    const first = (start + p) % n;
    const replicas = [ids[first]];
    for (let j = 0; j < replicationFactor - 1; j++) {
      replicas.push(ids[(first + 1 + ((shift + j) % (n - 1))) % n]);
    }
    out.set(p, replicas);
  }
  return out;
}

/**
 * The state a partition should have given its replicas and the live brokers; null when the current state is
 * right as it is. `current` undefined = a new partition (ISR = its live replicas).
 * - Leader alive: dead followers leave the ISR (Kafka's controller does this on broker loss); a follower that
 *   comes back does NOT rejoin here: its leader adds it once it has caught up (alterIsr).
 * - Leader gone: the first live ISR member in replica order leads at the next epoch; with none, the partition is
 *   offline (leader -1) and the ISR keeps its last members, so one of them can lead when it returns — unless
 *   `uncleanLeaderElection` (unclean.leader.election.enable=true), which elects the first live replica even
 *   though it may miss committed records.
 */
export function nextLeaderState(current: LeaderState | undefined, replicas: readonly number[], live: ReadonlySet<number>, opts: { uncleanLeaderElection?: boolean } = {}): LeaderState | null {
  const liveReplicas = replicas.filter((r) => live.has(r));
  if (!current) {
    const leader = liveReplicas[0] ?? -1;
    return { leader, leaderEpoch: 0, isr: liveReplicas.length > 0 ? liveReplicas : [...replicas] };
  }
  if (current.leader >= 0 && live.has(current.leader)) {
    const isr = current.isr.filter((r) => live.has(r));
    if (!isr.includes(current.leader)) isr.unshift(current.leader);
    return sameMembers(isr, current.isr) ? null : { ...current, isr };
  }
  const candidates = replicas.filter((r) => live.has(r) && current.isr.includes(r));
  let leader = candidates[0] ?? -1;
  if (leader === -1 && opts.uncleanLeaderElection && liveReplicas.length > 0) {
    leader = liveReplicas[0];
    return { leader, leaderEpoch: current.leaderEpoch + 1, isr: [leader] };
  }
  if (leader === -1) {
    if (current.leader === -1) return null;
    return { leader: -1, leaderEpoch: current.leaderEpoch + 1, isr: current.isr };
  }
  return { leader, leaderEpoch: current.leaderEpoch + 1, isr: current.isr.filter((r) => live.has(r)) };
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
