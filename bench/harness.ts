/**
 * The benchmark harness: every benchmark reports its measurements together with a reference measured in the same
 * process and run, so the printed ratio means something on any machine.
 */
export interface Measurement {
  /** What was measured, e.g. "crc32c 1 KiB". */
  name: string;
  /** The value and its unit, e.g. 5123.4 "MB/s". */
  value: number;
  unit: string;
  /** The reference measured in the same run, if any, and how this one compares (value / reference). */
  reference?: { name: string; value: number };
  /** Extra facts worth printing (settings, counts). */
  notes?: string;
}

export interface Bench {
  name: string;
  /** Short benches run by default; long ones (starting brokers, JVMs) only when selected or with --all. */
  slow?: boolean;
  run(report: (m: Measurement) => void): Promise<void>;
}

/** Runs fn repeatedly for at least minMs and returns operations per second. */
export async function opsPerSecond(fn: () => void | Promise<void>, minMs = 500): Promise<number> {
  for (let i = 0; i < 3; i++) await fn(); // warm-up
  let ops = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    await fn();
    ops++;
    elapsed = performance.now() - started;
  }
  return (ops * 1000) / elapsed;
}

export function formatMeasurement(m: Measurement): string {
  const value = m.value >= 100 ? m.value.toFixed(0) : m.value.toFixed(2);
  let line = `${m.name.padEnd(44)} ${value.padStart(12)} ${m.unit}`;
  if (m.reference) {
    const ratio = m.value / m.reference.value;
    line += `   ratio ${ratio.toFixed(2)}× vs ${m.reference.name} (${m.reference.value.toFixed(m.reference.value >= 100 ? 0 : 2)} ${m.unit})`;
  }
  if (m.notes) line += `   [${m.notes}]`;
  return line;
}
