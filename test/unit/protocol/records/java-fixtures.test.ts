/**
 * Apache Kafka's own client code (kafka-clients 3.7.2) as the reference peer.
 *  1. Committed fixtures written by it (fixtures/java/JavaRecords.java): v2 batches in every codec — snappy in the
 *     xerial framing, LZ4 from KafkaLZ4BlockOutputStream, zstd from zstd-jni's stream — and magic 0/1 sets.
 *  2. When a JDK and Maven are present: Kafka's MemoryRecords reads and CRC-checks (ensureValid) what we write,
 *     v2 in every codec and down-converted magic 0/1 sets. Skipped when Maven cannot fetch kafka-clients.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BATCH_HEADER_SIZE } from '../../../../src/protocol/records/batch-header.js';
import { CompressionType, readRecords, RecordBatchBuilder, RecordBatchView, validateBatch } from '../../../../src/protocol/records/batch.js';
import { compressionName, isXerialSnappy } from '../../../../src/protocol/records/compression.js';
import { batchesToLegacy, legacyToBatch, readLegacyMessages } from '../../../../src/protocol/records/legacy.js';
import { xxhash32 } from '../../../../src/protocol/records/xxhash32.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const load = (name: string): Buffer => Buffer.from(readFileSync(join(fixtures, `java-${name}.hex`), 'utf8').trim(), 'hex');
const T0 = 1_700_000_000_000;
const EXPECTED = [
  ['alpha', 'first value'],
  [null, 'second value, a bit longer second value, a bit longer '],
  ['gamma', 'third'],
];
const NAMES: Array<[string, CompressionType]> = [
  ['none', CompressionType.None],
  ['gzip', CompressionType.Gzip],
  ['snappy', CompressionType.Snappy],
  ['lz4', CompressionType.Lz4],
  ['zstd', CompressionType.Zstd],
];

describe('batches written by the Java client', () => {
  it.each(NAMES)('v2 %s: validates and decodes', (name, codec) => {
    const buf = load(`v2-${name}`);
    expect(validateBatch(buf, 0, buf.length, { produce: true })).toEqual({ ok: true, end: buf.length });
    expect(new RecordBatchView(buf, 0).compression).toBe(codec);
    expect(readRecords(buf, 0).map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString(), r.headers.map((h) => `${h.key}=${h.value}`)])).toEqual(
      EXPECTED.map(([k, v], i) => [BigInt(i), T0 + i, k, v, [`h=x${i}`]]),
    );
  });
  it('Java frames snappy the xerial way and writes zstd frames without a content size', () => {
    expect(isXerialSnappy(load('v2-snappy').subarray(BATCH_HEADER_SIZE))).toBe(true);
    const zstd = load('v2-zstd').subarray(BATCH_HEADER_SIZE);
    expect(zstd.readUInt32LE(0)).toBe(0xfd2fb528);
    expect(zstd[4] & 0xc0).toBe(0);
  });
  it.each([0, 1] as const)('magic %i sets in every legacy codec: read, up-convert, down-convert', (magic) => {
    for (const [name, codec] of NAMES.slice(0, 4)) {
      const set = load(`magic${magic}-${name}`);
      const read = readLegacyMessages(set);
      expect(read.map((m) => [m.offset, m.timestamp, m.key?.toString() ?? null, m.value?.toString(), m.wrapperCompression])).toEqual(
        EXPECTED.map(([k, v], i) => [BigInt(i), magic === 0 ? -1 : T0 + i, k, v, codec]),
      );
      const batch = legacyToBatch(set, 0, set.length, { keepOffsets: true });
      expect(readRecords(batch, 0).map((r) => [r.offset, r.timestamp, r.value?.toString()])).toEqual(read.map((m) => [m.offset, m.timestamp, m.value?.toString()]));
      expect(readLegacyMessages(batchesToLegacy(batch, magic)).map((m) => [m.offset, m.timestamp, m.value?.toString()])).toEqual(read.map((m) => [m.offset, m.timestamp, m.value?.toString()]));
    }
  });
  it("Java's magic 0 LZ4 frames carry the old header checksum, magic 1 frames the spec's", () => {
    const f0 = load('magic0-lz4');
    const frame0 = f0.subarray(f0.indexOf(Buffer.from('04224d18', 'hex')));
    expect(frame0[6]).toBe((xxhash32(frame0, 0, 6) >>> 8) & 0xff);
    const f1 = load('magic1-lz4');
    const frame1 = f1.subarray(f1.indexOf(Buffer.from('04224d18', 'hex')));
    expect(frame1[6]).toBe((xxhash32(frame1, 4, 6) >>> 8) & 0xff);
  });
});

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.runIf(has('java') && has('javac') && has('mvn'))('the Java client reads what we write', () => {
  it('MemoryRecords validates and decodes our v2 batches and legacy sets in every codec', (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), 'kstack-java-records-'));
    try {
      const pom = join(fixtures, 'java', 'pom.xml');
      const copy = (offline: boolean) =>
        execFileSync('mvn', ['-q', '-B', ...(offline ? ['-o'] : []), '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${join(dir, 'lib')}`], {
          stdio: 'ignore',
          timeout: offline ? 120_000 : 240_000,
        });
      try {
        copy(true);
      } catch {
        try {
          copy(false);
        } catch {
          ctx.skip('Maven could not provide kafka-clients 3.7.2');
        }
      }
      execFileSync('javac', ['-d', dir, '-cp', `${dir}/lib/*`, join(fixtures, 'java', 'JavaRecords.java')], { timeout: 120_000 });
      const files: string[] = [];
      const expected: string[] = [];
      for (const [name, codec] of NAMES) {
        const b = new RecordBatchBuilder({ compression: codec, baseOffset: 10 });
        for (let i = 0; i < 3; i++) b.append({ key: i === 1 ? null : `key${i}`, value: `value ${i} `.repeat(20), headers: [{ key: 'h', value: `x${i}` }], timestamp: T0 + i });
        const batch = b.build();
        const sets: Array<[string, Buffer, number]> = [[`ours-v2-${name}.hex`, batch, 2]];
        if (codec !== CompressionType.Zstd) for (const magic of [0, 1] as const) sets.push([`ours-magic${magic}-${name}.hex`, batchesToLegacy(batch, magic), magic]);
        for (const [file, bytes, magic] of sets) {
          writeFileSync(join(dir, file), bytes.toString('hex'));
          files.push(join(dir, file));
          for (let i = 0; i < 3; i++) {
            const ts = magic === 0 ? -1 : T0 + i;
            expected.push(`${file} magic=${magic} codec=${compressionName(codec)} offset=${10 + i} ts=${ts} key=${i === 1 ? 'null' : `key${i}`} value=${`value ${i} `.repeat(20)}${magic === 2 ? ` h:h=x${i}` : ''}`);
          }
        }
      }
      const out = execFileSync('java', ['-cp', `${dir}:${dir}/lib/*`, 'JavaRecords', 'read', ...files], { encoding: 'utf8', timeout: 120_000 });
      expect(out.trimEnd().split('\n').sort()).toEqual(expected.sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 400_000);
});
