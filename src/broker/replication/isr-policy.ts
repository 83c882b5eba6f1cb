/**
 * A partition leader's decisions about its followers, as pure functions of follower positions and time
 * (Kafka's Partition / Replica logic):
 * - each follower Fetch moves the follower's log end offset (its fetch offset) and, when it asked for everything
 *   the leader had, its last caught-up time;
 * - the high watermark is the smallest log end offset over the ISR (the leader's own included), and never moves
 *   back;
 * - a follower leaves the ISR when it has not caught up for replica.lag.time.max.ms;
 * - a follower joins the ISR when its log end offset reaches the high watermark and the start of the leader's
 *   current epoch (so it holds everything the leader wrote in this epoch that may be committed).
 */

export interface FollowerState {
  /** The follower's log end offset (its last fetch offset); -1 until it fetched from this leader. */
  logEndOffset: number;
  /** When the follower last had everything the leader had (ms). */
  lastCaughtUpTimeMs: number;
  lastFetchTimeMs: number;
  /** The leader's log end offset at the follower's previous fetch. */
  lastFetchLeaderLogEndOffset: number;
}

/**
 * A new leader's view of a follower: unknown position; an ISR member counts as caught up now, so it is not
 * dropped before it had a chance to fetch.
 */
export function initialFollowerState(inIsr: boolean, now: number): FollowerState {
  return { logEndOffset: -1, lastCaughtUpTimeMs: inIsr ? now : 0, lastFetchTimeMs: 0, lastFetchLeaderLogEndOffset: -1 };
}

/** Kafka's Replica.updateFetchState: the follower fetched at `fetchOffset` while the leader's end was `leaderLogEndOffset`. */
export function recordFollowerFetch(s: FollowerState, fetchOffset: number, leaderLogEndOffset: number, now: number): FollowerState {
  let caughtUp = s.lastCaughtUpTimeMs;
  if (fetchOffset >= leaderLogEndOffset) caughtUp = Math.max(caughtUp, now);
  else if (fetchOffset >= s.lastFetchLeaderLogEndOffset) caughtUp = Math.max(caughtUp, s.lastFetchTimeMs);
  return { logEndOffset: fetchOffset, lastCaughtUpTimeMs: caughtUp, lastFetchTimeMs: now, lastFetchLeaderLogEndOffset: leaderLogEndOffset };
}

/**
 * The high watermark the ISR allows: min log end offset over the ISR (a follower whose position is unknown holds
 * it where it is), never below `current`.
 */
export function nextHighWatermark(current: number, leaderId: number, leaderLogEndOffset: number, isr: readonly number[], followers: ReadonlyMap<number, FollowerState>): number {
  let hw = leaderLogEndOffset;
  for (const id of isr) {
    if (id === leaderId) continue;
    const f = followers.get(id);
    if (!f || f.logEndOffset < 0) return current;
    hw = Math.min(hw, f.logEndOffset);
  }
  return Math.max(current, hw);
}

/** ISR members (not the leader) that have not caught up within `lagMs`. */
export function laggingReplicas(leaderId: number, isr: readonly number[], followers: ReadonlyMap<number, FollowerState>, now: number, lagMs: number): number[] {
  return isr.filter((id) => {
    if (id === leaderId) return false;
    const f = followers.get(id);
    return !f || now - f.lastCaughtUpTimeMs > lagMs;
  });
}

/** Replicas outside the ISR whose position qualifies them to join it. */
export function caughtUpReplicas(leaderId: number, replicas: readonly number[], isr: readonly number[], followers: ReadonlyMap<number, FollowerState>, highWatermark: number, leaderEpochStartOffset: number): number[] {
  return replicas.filter((id) => {
    if (id === leaderId || isr.includes(id)) return false;
    const f = followers.get(id);
    return f !== undefined && f.logEndOffset >= 0 && f.logEndOffset >= highWatermark && f.logEndOffset >= leaderEpochStartOffset;
  });
}

/**
 * Where a follower cuts its log after asking the leader for the end of its own latest epoch (KIP-101/279):
 * the leader's end offset for that epoch, or for the largest epoch the leader knows below it (then no further
 * than where the follower's own copy of that epoch ends), never past the follower's own end. With no answer
 * (the leader knows no epoch that old, -1) the follower keeps only what was committed: its high watermark.
 */
export function truncationOffset(
  follower: { logEndOffset: number; highWatermark: number; latestEpoch: number; endOffsetFor: (epoch: number) => { epoch: number; endOffset: number } },
  answer: { leaderEpoch: number; endOffset: number },
): number {
  if (follower.latestEpoch < 0) return follower.logEndOffset; // nothing written under any epoch: nothing to check
  if (answer.endOffset < 0 || answer.leaderEpoch < 0) return Math.min(follower.highWatermark, follower.logEndOffset);
  if (answer.leaderEpoch === follower.latestEpoch) return Math.min(answer.endOffset, follower.logEndOffset);
  const own = follower.endOffsetFor(answer.leaderEpoch);
  const ownEnd = own.epoch === answer.leaderEpoch ? own.endOffset : follower.logEndOffset;
  return Math.min(answer.endOffset, ownEnd, follower.logEndOffset);
}
