/**
 * Kafka's checkpoint text files (`server-common/.../CheckpointFile.java`), used for
 * `recovery-point-offset-checkpoint` and `log-start-offset-checkpoint` (log-dir level, one line per partition)
 * and `leader-epoch-checkpoint` (per partition):
 *
 *   0                      ← format version
 *   2                      ← number of entries
 *   orders 0 1520          ← offset checkpoints: "<topic> <partition> <offset>"
 *   orders 1 388              (leader-epoch-checkpoint: "<epoch> <startOffset>")
 *
 * Written to `<file>.tmp`, fsynced, then renamed over the old file, so a crash leaves the old or the new one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { KstackError } from '../../errors.js';
import { writeFileAtomic } from './file-format.js';

/** Reads the entry lines (each split on single spaces); [] when the file does not exist. Throws on a bad file. */
export function readCheckpointLines(path: string, fieldsPerLine: number): string[][] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const bad = (why: string) =>
    new KstackError('KSTACK_LOG_CHECKPOINT', `Malformed checkpoint file ${path}: ${why}`, {
      fix: `Remove ${path}; the broker rebuilds it (recovery then scans the whole log).`,
    });
  if (lines[0] !== '0') throw bad(`expected version 0, found ${JSON.stringify(lines[0] ?? '')}`);
  const count = Number(lines[1]);
  if (!Number.isSafeInteger(count) || count < 0) throw bad(`bad entry count ${JSON.stringify(lines[1] ?? '')}`);
  if (lines.length - 2 !== count) throw bad(`expected ${count} entries, found ${lines.length - 2}`);
  return lines.slice(2).map((line, i) => {
    const fields = line.split(' ');
    if (fields.length !== fieldsPerLine) throw bad(`line ${i + 3}: expected ${fieldsPerLine} fields: ${JSON.stringify(line)}`);
    return fields;
  });
}

export function writeCheckpointLines(path: string, entries: ReadonlyArray<ReadonlyArray<string | number>>): void {
  const text = `0\n${entries.length}\n${entries.map((e) => e.join(' ') + '\n').join('')}`;
  writeFileAtomic(path, text);
}

/** Offset checkpoints: key "<topic> <partition>" (a topic name has no spaces). */
export function readOffsetCheckpoint(path: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const [topic, partition, offset] of readCheckpointLines(path, 3)) {
    const p = Number(partition);
    const o = Number(offset);
    if (!Number.isSafeInteger(p) || p < 0 || !Number.isSafeInteger(o)) {
      throw new KstackError('KSTACK_LOG_CHECKPOINT', `Malformed checkpoint file ${path}: bad entry "${topic} ${partition} ${offset}"`, {
        fix: `Remove ${path}; the broker rebuilds it.`,
      });
    }
    map.set(`${topic} ${p}`, o);
  }
  return map;
}

export function writeOffsetCheckpoint(path: string, entries: Iterable<{ topic: string; partition: number; offset: number }>): void {
  const lines: (string | number)[][] = [];
  for (const e of entries) lines.push([e.topic, e.partition, e.offset]);
  writeCheckpointLines(path, lines);
}
