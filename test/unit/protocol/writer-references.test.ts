/**
 * Writer reference mode: large byte fields kept by reference (no copy) and returned as separate chunks must give
 * exactly the bytes the copying writer gives, with size prefixes patched across them, and never inside a tagged
 * field (whose data endTaggedField moves).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Writer } from '../../../src/protocol/writer.js';
import { Reader } from '../../../src/protocol/reader.js';
import { API_KEYS, apiTable } from '../../../src/protocol/generated/index.js';

type Op =
  | { kind: 'int32'; v: number }
  | { kind: 'bytes'; data: Uint8Array }
  | { kind: 'compactBytes'; data: Uint8Array }
  | { kind: 'sized'; ops: Op[] }
  | { kind: 'tagged'; tag: number; data: Uint8Array };

function apply(w: Writer, ops: Op[]): void {
  for (const op of ops) {
    switch (op.kind) {
      case 'int32':
        w.writeInt32(op.v);
        break;
      case 'bytes':
        w.writeBytes(op.data);
        break;
      case 'compactBytes':
        w.writeCompactBytes(op.data);
        break;
      case 'sized': {
        const at = w.reserveInt32();
        apply(w, op.ops);
        w.patchInt32(at, w.length - at - 4);
        break;
      }
      case 'tagged': {
        const s = w.beginTaggedField(op.tag);
        w.writeBytes(op.data);
        w.endTaggedField(s);
        break;
      }
    }
  }
}

const bytesArb = fc.oneof(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ minLength: 30, maxLength: 300 }));
const opArb: fc.Arbitrary<Op> = fc.letrec<{ op: Op }>((tie) => ({
  op: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ kind: fc.constant('int32' as const), v: fc.integer() }),
    fc.record({ kind: fc.constant('bytes' as const), data: bytesArb }),
    fc.record({ kind: fc.constant('compactBytes' as const), data: bytesArb }),
    fc.record({ kind: fc.constant('sized' as const), ops: fc.array(tie('op'), { maxLength: 4 }) }),
    fc.record({ kind: fc.constant('tagged' as const), tag: fc.nat(40), data: bytesArb }),
  ),
})).op;

describe('Writer reference mode', () => {
  it('gives the same bytes as copying, whatever is written (property-based)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 12 }), fc.integer({ min: 16, max: 64 }), (ops, initial) => {
        const copy = new Writer(initial);
        apply(copy, ops);
        const ref = new Writer(initial, { referenceBytesFrom: 20 });
        apply(ref, ops);
        const expected = copy.finish();
        expect(ref.length).toBe(expected.length);
        expect(Buffer.concat(ref.finishChunks()).equals(expected)).toBe(true);
        expect(ref.finish().equals(expected)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps large byte fields as the caller\'s buffers, between views of its own', () => {
    const big = Buffer.alloc(100, 7);
    const w = new Writer(16, { referenceBytesFrom: 64 });
    const at = w.reserveInt32();
    w.writeInt16(1);
    w.writeNullableBytes(big);
    w.writeInt16(2);
    w.writeCompactBytes(big);
    w.writeInt8(3);
    w.patchInt32(at, w.length - 4);
    const chunks = w.finishChunks();
    expect(chunks.length).toBe(5);
    expect(chunks[1]).toBe(big);
    expect(chunks[3]).toBe(big);
    expect(w.length).toBe(4 + 2 + 4 + 100 + 2 + 1 + 100 + 1);
    const all = Buffer.concat(chunks);
    expect(all.readInt32BE(0)).toBe(all.length - 4);
    expect(all.readInt32BE(6)).toBe(100);
    expect(all[all.length - 1]).toBe(3);
    // Small fields are still copied; reset forgets the references.
    w.reset();
    w.writeBytes(Buffer.alloc(10, 1));
    expect(w.finishChunks().length).toBe(1);
    expect(w.length).toBe(14);
  });

  it('a Fetch response encoded by reference decodes to the same records', () => {
    const records = Buffer.alloc(50_000, 0xab);
    const body = {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [
        {
          topic: 't',
          partitions: [0, 1].map((i) => ({
            partitionIndex: i,
            errorCode: 0,
            highWatermark: 10n,
            lastStableOffset: 10n,
            logStartOffset: 0n,
            abortedTransactions: null,
            preferredReadReplica: -1,
            records,
          })),
        },
      ],
    };
    const api = apiTable[API_KEYS.Fetch]!;
    for (const version of [4, 11, 12]) {
      const copy = new Writer();
      api.writeResponse(copy, version, body);
      const ref = new Writer(256, { referenceBytesFrom: 16 * 1024 });
      api.writeResponse(ref, version, body);
      const chunks = ref.finishChunks();
      expect(chunks.filter((c) => c === records).length, `v${version}`).toBe(2);
      const joined = Buffer.concat(chunks);
      expect(joined.equals(copy.finish()), `v${version}`).toBe(true);
      const r = new Reader(joined);
      const back = api.readResponse(r, version) as typeof body;
      expect(r.ok).toBe(true);
      expect(Buffer.compare(back.responses[0].partitions[1].records, records)).toBe(0);
    }
  });
});
