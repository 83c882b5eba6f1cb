/**
 * The storage engine's hot paths against raw file I/O of the same bytes in the same run:
 *   append  PartitionLog.append (offset/epoch rewrite, one pwrite, index bookkeeping) vs fs.writeSync
 *   read    PartitionLog.read in 1 MiB fetches (index lookup, header scan, one pread) vs fs.readSync of 1 MiB
 * Batches are built once and re-appended (append rewrites BaseOffset in place each time). Data goes to a temp
 * dir that is removed afterwards; each measurement writes BYTES_PER_RUN.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LOG_CONFIG, isOffsetOutOfRange, PartitionLog, type LogConfig } from '../src/broker/log/partition-log.js';
import { crc32c } from '../src/protocol/records/crc.js';
import type { Bench } from './harness.js';

const BYTES_PER_RUN = 128 * 1024 * 1024;
const FETCH_BYTES = 1024 * 1024;

/** One uncompressed v2 batch of `count` records with `valueBytes`-byte values (layout: batch-header.ts). */
function batch(count: number, valueBytes: number): Buffer {
  // Every varint below fits one byte (zigzag < 128): counts < 64, values < 64 bytes.
  if (count >= 64 || valueBytes >= 56) throw new Error('bench batch too large for one-byte varints');
  const record = 1 + 1 + 1 + 1 + 1 + 1 + valueBytes + 1; // len, attrs, tsDelta, offsetDelta, key -1, value len, value, headers
  const body = Buffer.alloc(count * record);
  for (let i = 0, at = 0; i < count; i++) {
    body[at++] = (record - 1) * 2; // zigzag varint length (fits one byte for record <= 64)
    body[at++] = 0;
    body[at++] = 0;
    body[at++] = (i * 2) & 0x7f; // offset delta (zigzag, < 64 records)
    body[at++] = 1; // key length -1
    body[at++] = valueBytes * 2;
    body.fill(0x61, at, at + valueBytes);
    at += valueBytes;
    body[at++] = 0;
  }
  const b = Buffer.alloc(61 + body.length);
  b.writeInt32BE(b.length - 12, 8);
  b[16] = 2;
  b.writeInt32BE(count - 1, 23);
  b.writeBigInt64BE(BigInt(Date.now()), 27);
  b.writeBigInt64BE(BigInt(Date.now()), 35);
  b.writeBigInt64BE(-1n, 43);
  b.writeInt16BE(-1, 51);
  b.writeInt32BE(-1, 53);
  b.writeInt32BE(count, 57);
  body.copy(b, 61);
  b.writeUInt32BE(crc32c(b, 21, b.length), 17);
  return b;
}

function mbPerSecond(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

function timeIt(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const bench: Bench = {
  name: 'storage',
  async run(report) {
    const root = mkdtempSync(join(tmpdir(), 'kstack-bench-storage-'));
    try {
      const config: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes: 64 * 1024 * 1024 };
      // 60 records of 40 bytes (~3 KiB, a small produce request); five 60-record batches of 50 bytes (~18 KiB).
      for (const [label, input, type] of [
        ['3 KiB batches', batch(60, 40), 'CreateTime'],
        ['18 KiB batches', Buffer.concat(Array.from({ length: 5 }, () => batch(60, 50))), 'CreateTime'],
        ['18 KiB batches, LogAppendTime (CRC)', Buffer.concat(Array.from({ length: 5 }, () => batch(60, 50))), 'LogAppendTime'],
      ] as const) {
        const n = Math.floor(BYTES_PER_RUN / input.length);
        const raw = join(root, 'raw.bin');
        const fd = openSync(raw, 'w');
        let pos = 0;
        const rawMs = timeIt(() => {
          for (let i = 0; i < n; i++) pos += writeSync(fd, input, 0, input.length, pos);
        });
        closeSync(fd);
        rmSync(raw);
        const dir = join(root, `append-${label.replace(/\W+/g, '-')}`);
        const log = PartitionLog.open(dir, 'bench', 0, 'AAECAwQFBgcICQoLDA0ODw', { ...config, messageTimestampType: type }, { recover: false });
        const now = Date.now();
        const logMs = timeIt(() => {
          for (let i = 0; i < n; i++) log.append(input, 0, now);
        });
        report({
          name: `append ${label}`,
          value: mbPerSecond(n * input.length, logMs),
          unit: 'MB/s',
          reference: { name: 'fs.writeSync', value: mbPerSecond(n * input.length, rawMs) },
          notes: `${Math.round(n / (logMs / 1000))} appends/s, ${log.segmentBaseOffsets().length} segments`,
        });

        if (label === '18 KiB batches') {
          // Fetch the whole log from the start in 1 MiB reads (page cache warm, as for a consumer keeping up);
          // the first pass warms the JIT and is reported as a note.
          const fetchAll = (): { bytes: number; ms: number } => {
            let bytes = 0;
            let next = 0;
            const ms = timeIt(() => {
              while (next < log.logEndOffset) {
                const r = log.read(next, FETCH_BYTES);
                if (isOffsetOutOfRange(r) || r.data.length === 0) throw new Error(`read stalled at ${next}`);
                bytes += r.data.length;
                next = lastOffsetOf(r.data) + 1;
              }
            });
            return { bytes, ms };
          };
          const cold = fetchAll();
          const warm = fetchAll();
          const chunk = Buffer.allocUnsafe(FETCH_BYTES);
          let rawBytes = 0;
          const rawReadMs = timeIt(() => {
            for (const base of log.segmentBaseOffsets()) {
              const rfd = openSync(join(dir, `${String(base).padStart(20, '0')}.log`), 'r');
              for (let p = 0; ; p += FETCH_BYTES) {
                const got = readSync(rfd, chunk, 0, FETCH_BYTES, p);
                if (got === 0) break;
                rawBytes += got;
              }
              closeSync(rfd);
            }
          });
          report({
            name: 'read 1 MiB fetches',
            value: mbPerSecond(warm.bytes, warm.ms),
            unit: 'MB/s',
            reference: { name: 'fs.readSync 1 MiB', value: mbPerSecond(rawBytes, rawReadMs) },
            notes: `${(warm.bytes / 1e6).toFixed(0)} MB over ${log.segmentBaseOffsets().length} segments; first pass ${mbPerSecond(cold.bytes, cold.ms).toFixed(0)} MB/s`,
          });
          // A consumer keeping up: append one request, fetch it right back (page cache; no tail cache in kstack).
          const tailRounds = 20_000;
          let tailBytes = 0;
          const tailMs = timeIt(() => {
            for (let i = 0; i < tailRounds; i++) {
              const at = log.append(input, 0, now).baseOffset;
              const r = log.read(at, FETCH_BYTES);
              if (!isOffsetOutOfRange(r)) tailBytes += r.data.length;
            }
          });
          const appendOnlyMs = timeIt(() => {
            for (let i = 0; i < tailRounds; i++) log.append(input, 0, now);
          });
          report({
            name: 'append + tail read (consumer keeping up)',
            value: mbPerSecond(tailBytes, tailMs),
            unit: 'MB/s',
            reference: { name: 'append alone', value: mbPerSecond(tailRounds * input.length, appendOnlyMs) },
            notes: `${Math.round(tailRounds / (tailMs / 1000))} round trips/s`,
          });
          // Point reads at random offsets (ListOffsets/Fetch from a committed offset): index lookup + scan.
          const samples = 20_000;
          const end = log.logEndOffset;
          const pointMs = timeIt(() => {
            for (let i = 0; i < samples; i++) log.read(Math.floor(Math.random() * end), 1);
          });
          report({ name: 'random point read (one batch)', value: samples / (pointMs / 1000), unit: 'reads/s' });
        }
        log.close();
        rmSync(dir, { recursive: true, force: true });
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};

/** The last offset of the last batch in a buffer of whole batches. */
function lastOffsetOf(data: Buffer): number {
  let pos = 0;
  let last = -1;
  while (pos < data.length) {
    const base = Number(data.readBigInt64BE(pos));
    last = base + data.readInt32BE(pos + 23);
    pos += 12 + data.readInt32BE(pos + 8);
  }
  return last;
}

export default bench;
