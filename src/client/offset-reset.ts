/**
 * Where `kstack groups reset-offsets` moves each partition's committed offset, as kafka-consumer-groups.sh does:
 * targets are clamped to [log start, log end]; --shift-by starts from the committed offset (or the log end when
 * nothing is committed); --to-datetime falls back to the log end when no record is that recent. Pure.
 */
export type ResetSpec =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'offset'; offset: number }
  | { kind: 'shift'; by: number }
  | { kind: 'datetime'; timestamp: number };

export interface PartitionOffsets {
  partition: number;
  low: number;
  high: number;
  committed: number | null;
  /** First offset at or after the --to-datetime timestamp (null or -1 when none). */
  atTimestamp: number | null;
}

export function planOffsetReset(partitions: readonly PartitionOffsets[], spec: ResetSpec): { partition: number; newOffset: number }[] {
  const clamp = (p: PartitionOffsets, o: number) => Math.min(p.high, Math.max(p.low, o));
  return [...partitions]
    .sort((a, b) => a.partition - b.partition)
    .map((p) => {
      switch (spec.kind) {
        case 'earliest':
          return { partition: p.partition, newOffset: p.low };
        case 'latest':
          return { partition: p.partition, newOffset: p.high };
        case 'offset':
          return { partition: p.partition, newOffset: clamp(p, spec.offset) };
        case 'shift':
          return { partition: p.partition, newOffset: clamp(p, (p.committed ?? p.high) + spec.by) };
        case 'datetime':
          return { partition: p.partition, newOffset: p.atTimestamp === null || p.atTimestamp < 0 ? p.high : clamp(p, p.atTimestamp) };
      }
    });
}
