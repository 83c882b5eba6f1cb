import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordFormatError } from '../../../../src/protocol/records/errors.js';
import { ByteCursor, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../../../../src/protocol/records/varint.js';

function encodeVarint(v: number): Buffer {
  const b = Buffer.alloc(5);
  return b.subarray(0, writeVarint(b, 0, v));
}
function encodeVarlong(v: number): Buffer {
  const b = Buffer.alloc(10);
  return b.subarray(0, writeVarlong(b, 0, v));
}

describe('zigzag varints', () => {
  it('encodes the protobuf examples', () => {
    expect(encodeVarint(0).toString('hex')).toBe('00');
    expect(encodeVarint(-1).toString('hex')).toBe('01');
    expect(encodeVarint(1).toString('hex')).toBe('02');
    expect(encodeVarint(300).toString('hex')).toBe('d804');
    expect(encodeVarint(-2147483648).toString('hex')).toBe('ffffffff0f');
    expect(encodeVarlong(-1).toString('hex')).toBe('01');
    expect(encodeVarlong(1700000000000).toString('hex')).toBe(encodeVarlongReference(1700000000000));
  });
  it('round-trips every int32 through varint and every safe integer through varlong', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2147483648, max: 2147483647 }), (v) => {
        const b = encodeVarint(v);
        expect(b.length).toBe(sizeOfVarint(v));
        const c = new ByteCursor(b);
        expect(c.varint()).toBe(v);
        expect(c.remaining).toBe(0);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), (v) => {
        const b = encodeVarlong(v);
        expect(b.length).toBe(sizeOfVarlong(v));
        expect(new ByteCursor(b).varlong()).toBe(v);
      }),
    );
  });
  it('rejects truncated, overlong and out-of-range varints with RecordFormatError', () => {
    expect(() => new ByteCursor(Buffer.from([0x80])).varint()).toThrow(RecordFormatError);
    expect(() => new ByteCursor(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).varint()).toThrow(/more than 5 bytes|32-bit/);
    expect(() => new ByteCursor(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x1f])).varint()).toThrow(/32-bit range/);
    expect(() => new ByteCursor(Buffer.alloc(11, 0x80)).varlong()).toThrow(RecordFormatError);
    expect(() => new ByteCursor(Buffer.from([6, 1, 2])).varBytes()).toThrow(/overruns/);
    expect(() => new ByteCursor(Buffer.from([3])).varBytes()).toThrow(/negative length/);
  });
});

/** An independent BigInt-based zigzag/LEB128 encoder. */
function encodeVarlongReference(v: number): string {
  let u = v >= 0 ? BigInt(v) << 1n : ((-BigInt(v)) << 1n) - 1n;
  const out: number[] = [];
  while (u >= 0x80n) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return Buffer.from(out).toString('hex');
}
