/**
 * The durable election state of one controller (KIP-595's `quorum-state` file in `__cluster_metadata-0/`):
 * the current epoch, whom this node voted for in it and the leader it knows. Written before any message that
 * depends on it leaves the node, so a restart never votes twice in one epoch.
 *
 * Kafka's file is JSON; `encodeQuorumStateFile` / `decodeQuorumStateFile` read and write the same fields
 * (data_version 0): {"clusterId":"","leaderId":1,"leaderEpoch":2,"votedId":-1,"appliedOffset":0,
 * "currentVoters":[{"voterId":1},…],"data_version":0}. The file-backed store comes with the broker wiring.
 */

export interface QuorumState {
  epoch: number;
  /** -1 when this node has not voted in `epoch`. */
  votedId: number;
  /** -1 when the leader of `epoch` is unknown. */
  leaderId: number;
}

export interface QuorumStateStore {
  read(): QuorumState | undefined;
  write(state: QuorumState): void;
}

export class MemoryQuorumStateStore implements QuorumStateStore {
  private state: QuorumState | undefined;
  /** How many times the state was written (tests check that votes are persisted). */
  writes = 0;

  read(): QuorumState | undefined {
    return this.state === undefined ? undefined : { ...this.state };
  }
  write(state: QuorumState): void {
    this.state = { ...state };
    this.writes++;
  }
}

export class QuorumStateFileError extends Error {
  readonly code = 'KSTACK_RAFT_QUORUM_STATE';
  constructor(message: string) {
    super(message);
    this.name = 'QuorumStateFileError';
  }
}

export function encodeQuorumStateFile(state: QuorumState, voters: number[], clusterId = ''): string {
  return JSON.stringify({
    clusterId,
    leaderId: state.leaderId,
    leaderEpoch: state.epoch,
    votedId: state.votedId,
    appliedOffset: 0,
    currentVoters: voters.map((voterId) => ({ voterId })),
    data_version: 0,
  });
}

export function decodeQuorumStateFile(text: string): QuorumState & { voters: number[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new QuorumStateFileError(`quorum-state is not JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null) throw new QuorumStateFileError('quorum-state is not a JSON object');
  const o = raw as Record<string, unknown>;
  const int = (name: string): number => {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new QuorumStateFileError(`quorum-state field ${name} must be an integer, got ${JSON.stringify(v)}`);
    return v;
  };
  if (o.data_version !== undefined && o.data_version !== 0) {
    throw new QuorumStateFileError(`quorum-state data_version ${JSON.stringify(o.data_version)} is not supported (only 0)`);
  }
  const voters: number[] = [];
  if (o.currentVoters !== undefined && o.currentVoters !== null) {
    if (!Array.isArray(o.currentVoters)) throw new QuorumStateFileError('quorum-state currentVoters must be an array');
    for (const v of o.currentVoters) {
      const id = (v as { voterId?: unknown } | null)?.voterId;
      if (typeof id !== 'number' || !Number.isInteger(id)) throw new QuorumStateFileError(`quorum-state voter ${JSON.stringify(v)} has no integer voterId`);
      voters.push(id);
    }
  }
  return { epoch: int('leaderEpoch'), votedId: int('votedId'), leaderId: int('leaderId'), voters };
}
