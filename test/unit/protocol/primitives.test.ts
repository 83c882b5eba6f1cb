import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Reader, ZERO_UUID } from '../../../src/protocol/reader.js';
import { ProtocolEncodeError, Writer, uvarintSize } from '../../../src/protocol/writer.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('Writer/Reader known bytes', () => {
  it('writes big-endian fixed-width integers', () => {
    const w = new Writer(1);
    w.writeInt8(-2);
    w.writeInt16(0x1234);
    w.writeInt32(-1);
    w.writeInt64(0x0102030405060708n);
    w.writeUint16(0xfffe);
    w.writeUint32(0xfffffffe);
    w.writeBool(true);
    w.writeFloat64(1.5);
    expect(w.finish().toString('hex')).toBe('fe' + '1234' + 'ffffffff' + '0102030405060708' + 'fffe' + 'fffffffe' + '01' + '3ff8000000000000');
    const r = new Reader(w.finish());
    expect([r.int8(), r.int16(), r.int32(), r.int64(), r.uint16(), r.uint32(), r.bool(), r.float64()]).toEqual([
      -2, 0x1234, -1, 0x0102030405060708n, 0xfffe, 0xfffffffe, true, 1.5,
    ]);
    expect(r.ok).toBe(true);
    expect(r.remaining()).toBe(0);
  });

  it('int64 fast paths agree with Buffer at the 53-bit and 64-bit edges', () => {
    const edges = [0n, -1n, 1n, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n), -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), 0xffffffffn, -0x100000000n];
    for (const v of edges) {
      const w = new Writer();
      w.writeInt64(v);
      const ref = Buffer.alloc(8);
      ref.writeBigInt64BE(v);
      expect(w.finish(), String(v)).toEqual(ref);
      expect(new Reader(ref).int64()).toBe(v);
    }
    expect(() => new Writer().writeInt64(2n ** 63n)).toThrow(RangeError);
    const r = new Reader(hex('8000 ffff 7fff 80000000 ffffffff'));
    expect([r.int16(), r.uint16(), r.int16(), r.int32(), r.uint32()]).toEqual([-32768, 65535, 32767, -2147483648, 4294967295]);
  });

  it('encodes varints as Kafka does (zigzag, LEB128)', () => {
    const w = new Writer();
    w.writeUvarint(0);
    w.writeUvarint(300); // ac 02
    w.writeVarint(-1); // 01
    w.writeVarint(1); // 02
    w.writeVarint(-2147483648); // ff ff ff ff 0f
    w.writeUvarint(0xffffffff); // ff ff ff ff 0f
    w.writeVarlong(-1n); // 01
    w.writeVarlong(-9223372036854775808n); // ff x9, 01
    expect(w.finish().toString('hex')).toBe('00' + 'ac02' + '01' + '02' + 'ffffffff0f' + 'ffffffff0f' + '01' + 'ffffffffffffffffff01');
    const r = new Reader(w.finish());
    expect(r.uvarint()).toBe(0);
    expect(r.uvarint()).toBe(300);
    expect(r.varint()).toBe(-1);
    expect(r.varint()).toBe(1);
    expect(r.varint()).toBe(-2147483648);
    expect(r.uvarint()).toBe(0xffffffff);
    expect(r.varlong()).toBe(-1n);
    expect(r.varlong()).toBe(-9223372036854775808n);
    expect(r.ok).toBe(true);
  });

  it('encodes classic and compact strings, bytes and array lengths', () => {
    const w = new Writer();
    w.writeString('ab');
    w.writeNullableString(null);
    w.writeCompactString('ab');
    w.writeCompactNullableString(null);
    w.writeBytes(Buffer.from([9]));
    w.writeNullableBytes(null);
    w.writeCompactBytes(Buffer.from([9]));
    w.writeCompactNullableBytes(null);
    w.writeArrayLength(-1);
    w.writeCompactArrayLength(2);
    w.writeInt16(0); // two one-byte elements, so the count fits in what remains
    expect(w.finish()).toEqual(hex('0002 6162  ffff  03 6162  00  00000001 09  ffffffff  02 09  00  ffffffff  03 0000'));
    const r = new Reader(w.finish());
    expect(r.string()).toBe('ab');
    expect(r.nullableString()).toBeNull();
    expect(r.compactString()).toBe('ab');
    expect(r.compactNullableString()).toBeNull();
    expect(r.bytes()).toEqual(Buffer.from([9]));
    expect(r.nullableBytes()).toBeNull();
    expect(r.compactBytes()).toEqual(Buffer.from([9]));
    expect(r.compactNullableBytes()).toBeNull();
    expect(r.arrayLength()).toBe(-1);
    expect(r.compactArrayLength()).toBe(2);
    expect(r.ok).toBe(true);
  });

  it('handles multi-byte UTF-8 text', () => {
    const w = new Writer();
    w.writeString('héllo→');
    w.writeCompactString('日本');
    const r = new Reader(w.finish());
    expect(r.string()).toBe('héllo→');
    expect(r.compactString()).toBe('日本');
    expect(w.finish().readInt16BE(0)).toBe(Buffer.byteLength('héllo→'));
  });

  it('writes uuids from the 22-character URL-safe base64 form', () => {
    const w = new Writer();
    w.writeUuid(ZERO_UUID);
    w.writeUuid('AQIDBAUGBwgJCgsMDQ4PEA');
    expect(w.finish().toString('hex')).toBe('00'.repeat(16) + '0102030405060708090a0b0c0d0e0f10');
    const r = new Reader(w.finish());
    expect(r.uuid()).toBe(ZERO_UUID);
    expect(r.uuid()).toBe('AQIDBAUGBwgJCgsMDQ4PEA');
    expect(() => w.writeUuid('not-a-uuid')).toThrow(ProtocolEncodeError);
    expect(() => w.writeUuid('AQIDBAUGBwgJCgsMDQ4PEB')).toThrow(/uuid/);
  });

  it('bytes are views into the input, not copies', () => {
    const buf = hex('00000002 aabb');
    const b = new Reader(buf).bytes();
    buf[4] = 0x11;
    expect(b[0]).toBe(0x11);
  });

  it('reserves and patches a size prefix; grows past the initial size', () => {
    const w = new Writer(16);
    const at = w.reserveInt32();
    for (let i = 0; i < 1000; i++) w.writeInt32(i);
    w.patchInt32(at, w.length - 4);
    const out = w.finish();
    expect(out.length).toBe(4004);
    expect(out.readInt32BE(0)).toBe(4000);
    expect(out.readInt32BE(4000)).toBe(999);
  });

  it('inserting a tagged field size near the end of the buffer keeps the data (regression)', () => {
    for (let fill = 0; fill < 20; fill++) {
      const w = new Writer(16);
      for (let i = 0; i < fill; i++) w.writeInt8(0);
      const s = w.beginTaggedField(0);
      w.writeInt16(0x0102);
      w.endTaggedField(s);
      expect(w.finish().subarray(fill).toString('hex'), `after ${fill} bytes`).toBe('00020102');
    }
  });

  it('inserts a tagged field size in front of its data, and keeps raw tags in order', () => {
    const w = new Writer();
    const s = w.beginTaggedField(5);
    for (let i = 0; i < 200; i++) w.writeInt8(1); // 200 bytes: size needs a 2-byte varint
    w.endTaggedField(s);
    const out = w.finish();
    expect(out.subarray(0, 3).toString('hex')).toBe('05c801');
    expect(out.length).toBe(203);
    const w2 = new Writer();
    const raw = [
      { tag: 1, data: Buffer.from([1]) },
      { tag: 7, data: Buffer.from([7, 7]) },
    ];
    let i = w2.writeRawTaggedFields(raw, 0, 3);
    expect(i).toBe(1);
    i = w2.writeRawTaggedFields(raw, i, Infinity);
    expect(i).toBe(2);
    expect(w2.finish().toString('hex')).toBe('010101' + '07020707');
  });

  it('rejects values it cannot encode, with a clear error', () => {
    const w = new Writer();
    expect(() => w.writeString('x'.repeat(40000))).toThrow(/int16/);
    expect(() => w.writeUvarint(-1)).toThrow(/out of range/);
    expect(uvarintSize(127)).toBe(1);
    expect(uvarintSize(128)).toBe(2);
    expect(uvarintSize(0xffffffff)).toBe(5);
  });
});

describe('Reader sticky errors and hostile input', () => {
  it('a failed read makes every later read a no-op returning a zero value', () => {
    const r = new Reader(hex('0001'));
    expect(r.int32()).toBe(0);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/truncated/);
    const first = r.error;
    expect(r.int8()).toBe(0);
    expect(r.int64()).toBe(0n);
    expect(r.string()).toBe('');
    expect(r.nullableString()).toBe('');
    expect(r.compactNullableBytes()).toEqual(Buffer.alloc(0));
    expect(r.arrayLength()).toBe(0);
    expect(r.uuid()).toBe(ZERO_UUID);
    expect(r.varlong()).toBe(0n);
    expect(r.pos).toBe(0);
    expect(r.error).toBe(first);
  });

  it('rejects varints longer than 5 bytes and varlongs longer than 10', () => {
    const r = new Reader(hex('8080808080 00'));
    r.uvarint();
    expect(r.error).toMatch(/more than 5 bytes/);
    const r2 = new Reader(hex('80808080808080808080 00'));
    r2.varlong();
    expect(r2.error).toMatch(/more than 10 bytes/);
    const r3 = new Reader(hex('8080'));
    r3.varint();
    expect(r3.error).toMatch(/truncated/);
  });

  it('checks lengths against the bytes left before allocating', () => {
    const cases: [string, (r: Reader) => unknown, RegExp][] = [
      ['7fff 61', (r) => r.string(), /runs past the end/],
      ['fffe', (r) => r.nullableString(), /invalid string length/],
      ['ffff', (r) => r.string(), /null string/],
      ['7fffffff 00', (r) => r.bytes(), /runs past the end/],
      ['80000000', (r) => r.nullableBytes(), /invalid bytes length/],
      ['7fffffff 00 00 00', (r) => r.arrayLength(), /cannot fit/],
      ['fffffffe', (r) => r.arrayLength(), /invalid array length/],
      ['ffffffff0f', (r) => r.compactArrayLength(), /cannot fit/],
      ['05 6162', (r) => r.compactString(), /runs past the end/],
      ['00', (r) => r.compactString(), /null compact string/],
      ['00', (r) => r.compactBytes(), /null compact bytes/],
      ['ffffffff0f', (r) => r.taggedFieldCount(), /cannot fit/],
      ['00000002 0000', (r) => r.arrayLength(4), /cannot fit/],
    ];
    for (const [bytes, read, re] of cases) {
      const r = new Reader(hex(bytes));
      read(r);
      expect(r.error, bytes).toMatch(re);
    }
  });

  it('honours start and end bounds of the view', () => {
    const buf = hex('ff 00000007 ff');
    const r = new Reader(buf, 1, 5);
    expect(r.int32()).toBe(7);
    expect(r.int8()).toBe(0);
    expect(r.ok).toBe(false);
    const r2 = new Reader(buf, 10, 2); // nonsense bounds clamp to an empty view
    expect(r2.remaining()).toBe(0);
  });

  it('keeps unknown tagged fields as views and checks declared sizes', () => {
    const r = new Reader(hex('02 03 01 aa 05 02 bbcc'));
    const list = r.unknownTaggedFields();
    expect(list).toEqual([
      { tag: 3, data: hex('aa') },
      { tag: 5, data: hex('bbcc') },
    ]);
    expect(r.ok).toBe(true);
    const r2 = new Reader(hex('01 03 09 aa'));
    r2.unknownTaggedFields();
    expect(r2.error).toMatch(/runs past the end/);
    const r3 = new Reader(hex('00 00'));
    const end = r3.taggedFieldEnd();
    r3.int8();
    r3.endTaggedField(end);
    expect(r3.error).toMatch(/past its declared size/);
  });
});

describe('round trips (property-based)', () => {
  it('every primitive decodes to what was encoded', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -128, max: 127 }),
        fc.integer({ min: -32768, max: 32767 }),
        fc.integer({ min: -2147483648, max: 2147483647 }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.option(fc.string({ maxLength: 20 })),
        fc.uint8Array({ maxLength: 40 }),
        fc.double({ noNaN: true }),
        (i8, i16, i32, i64, u32, s, ns, bytes, d) => {
          const w = new Writer(8);
          w.writeInt8(i8);
          w.writeInt16(i16);
          w.writeInt32(i32);
          w.writeInt64(i64);
          w.writeUvarint(u32);
          w.writeVarint(i32);
          w.writeVarlong(i64);
          w.writeString(s);
          w.writeCompactString(s);
          w.writeNullableString(ns);
          w.writeCompactNullableString(ns);
          w.writeBytes(bytes);
          w.writeCompactBytes(bytes);
          w.writeFloat64(d);
          w.writeUuid(Buffer.from(bytes.subarray(0, 16).length === 16 ? bytes.subarray(0, 16) : Buffer.alloc(16, i8 & 0xff)).toString('base64url'));
          const r = new Reader(w.finish());
          expect(r.int8()).toBe(i8);
          expect(r.int16()).toBe(i16);
          expect(r.int32()).toBe(i32);
          expect(r.int64()).toBe(i64);
          expect(r.uvarint()).toBe(u32);
          expect(r.varint()).toBe(i32);
          expect(r.varlong()).toBe(i64);
          expect(r.string()).toBe(s);
          expect(r.compactString()).toBe(s);
          expect(r.nullableString()).toBe(ns);
          expect(r.compactNullableString()).toBe(ns);
          expect(Buffer.from(r.bytes())).toEqual(Buffer.from(bytes));
          expect(Buffer.from(r.compactBytes())).toEqual(Buffer.from(bytes));
          expect(Object.is(r.float64(), d)).toBe(true);
          expect(r.uuid()).toHaveLength(22);
          expect(r.ok).toBe(true);
          expect(r.remaining()).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random bytes never throw, whatever is read', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.integer({ min: 0, max: 11 }), { maxLength: 20 }), (bytes, ops) => {
        const r = new Reader(Buffer.from(bytes));
        for (const op of ops) {
          switch (op) {
            case 0: r.uvarint(); break;
            case 1: r.varlong(); break;
            case 2: r.compactNullableString(); break;
            case 3: r.nullableString(); break;
            case 4: r.nullableBytes(); break;
            case 5: r.compactArrayLength(); break;
            case 6: r.arrayLength(); break;
            case 7: r.unknownTaggedFields(); break;
            case 8: r.uuid(); break;
            case 9: r.int64(); break;
            case 10: r.compactBytes(); break;
            default: r.string();
          }
        }
        expect(r.pos).toBeLessThanOrEqual(r.end);
      }),
      { numRuns: 500 },
    );
  });
});
