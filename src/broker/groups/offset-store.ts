/**
 * Where the coordinator's `__consumer_offsets` records go. The coordinator encodes keys and values in Kafka's
 * layouts (offsets-records.ts) and hands them over per partition (`partitionForGroup`); a store only appends and
 * replays. The real store (log-offset-store.ts) writes record batches to the partition logs; the in-memory one
 * is for the pure state-machine tests and keeps records across coordinator instances, like a log would.
 */
export interface OffsetRecord {
  key: Buffer;
  /** null = tombstone. */
  value: Buffer | null;
  timestamp: number;
}

export interface OffsetStore {
  /** Append to one `__consumer_offsets` partition; resolves once the records are in the log. */
  append(partition: number, records: OffsetRecord[]): Promise<void>;
  /** Feed every stored record, partition by partition, oldest first. */
  replay(onRecord: (partition: number, record: OffsetRecord) => void): Promise<void>;
}

export class InMemoryOffsetStore implements OffsetStore {
  readonly partitions = new Map<number, OffsetRecord[]>();
  /** Set to make the next append fail (tests of the error path). */
  failNext: Error | null = null;

  async append(partition: number, records: OffsetRecord[]): Promise<void> {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
    let list = this.partitions.get(partition);
    if (!list) this.partitions.set(partition, (list = []));
    for (const r of records) list.push({ key: Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value), timestamp: r.timestamp });
  }

  async replay(onRecord: (partition: number, record: OffsetRecord) => void): Promise<void> {
    const keys = [...this.partitions.keys()].sort((a, b) => a - b);
    for (const p of keys) for (const r of this.partitions.get(p)!) onRecord(p, r);
  }

  count(): number {
    let n = 0;
    for (const list of this.partitions.values()) n += list.length;
    return n;
  }
}
