/**
 * Where a node keeps its snapshots (KIP-630). Only the latest one matters to the core: it answers FetchSnapshot
 * from it and restores the state machine from it on restart. In-memory here; on disk Kafka names them
 * `<20-digit endOffset>-<10-digit epoch>.checkpoint`.
 */
import type { RaftSnapshot } from './types.js';

export interface SnapshotStore {
  latest(): RaftSnapshot | undefined;
  save(snapshot: RaftSnapshot): void;
}

export class MemorySnapshotStore implements SnapshotStore {
  private current: RaftSnapshot | undefined;

  latest(): RaftSnapshot | undefined {
    return this.current;
  }
  save(snapshot: RaftSnapshot): void {
    if (this.current !== undefined && snapshot.id.offset < this.current.id.offset) return; // never go back
    this.current = { id: { ...snapshot.id }, data: Buffer.from(snapshot.data) };
  }
}
