/**
 * Zigzag varints as record v2 uses them (protobuf's encoding): varint = signed 32-bit (at most 5 bytes),
 * varlong = signed 64-bit (at most 10 bytes). Values are JS numbers: a varlong beyond ±2^53 loses precision
 * (timestamps and their deltas are far below that), it never throws.
 *
 * Reading goes through a small cursor over one buffer range so a record can be parsed without allocating; every
 * read is bounds-checked and a malformed or truncated varint throws RecordFormatError.
 */
import { KafkaRecordErrorCode, RecordFormatError } from './errors.js';

export function sizeOfVarint(value: number): number {
  let u = ((value << 1) ^ (value >> 31)) >>> 0;
  let n = 1;
  while (u >= 0x80) {
    u >>>= 7;
    n++;
  }
  return n;
}

function zigzag64(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

export function sizeOfVarlong(value: number): number {
  let u = zigzag64(value);
  let n = 1;
  while (u >= 0x80) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}

/** Writes a zigzag varint at pos; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  let u = ((value << 1) ^ (value >> 31)) >>> 0;
  while (u >= 0x80) {
    buf[pos++] = (u & 0x7f) | 0x80;
    u >>>= 7;
  }
  buf[pos++] = u;
  return pos;
}

/** Writes a zigzag varlong at pos; returns the position after it. */
export function writeVarlong(buf: Uint8Array, pos: number, value: number): number {
  let u = zigzag64(value);
  while (u >= 0x80) {
    buf[pos++] = (u % 128) | 0x80;
    u = Math.floor(u / 128);
  }
  buf[pos++] = u;
  return pos;
}

/** A read position over buf[pos, end). */
export class ByteCursor {
  buf: Buffer;
  pos: number;
  end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  reset(buf: Buffer, pos: number, end: number): void {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(what: string): never {
    throw new RecordFormatError(`${what} at byte ${this.pos}`, KafkaRecordErrorCode.CORRUPT_MESSAGE);
  }

  int8(): number {
    if (this.pos >= this.end) this.fail('truncated record');
    const v = this.buf[this.pos++];
    return v > 127 ? v - 256 : v;
  }

  int16(): number {
    if (this.pos + 2 > this.end) this.fail('truncated int16');
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    if (this.pos + 4 > this.end) this.fail('truncated int32');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Signed 64-bit as a number (exact below 2^53). */
  int64(): number {
    if (this.pos + 8 > this.end) this.fail('truncated int64');
    const v = this.buf.readInt32BE(this.pos) * 4294967296 + this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return v;
  }

  varint(): number {
    const buf = this.buf;
    let u = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = buf[this.pos++];
      if (shift === 28 && b > 0x0f) this.fail('malformed varint: out of 32-bit range');
      u |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (u >>> 1) ^ -(u & 1);
    }
    return this.fail('malformed varint: more than 5 bytes');
  }

  varlong(): number {
    const buf = this.buf;
    let u = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varlong');
      const b = buf[this.pos++];
      if (i === 9 && b > 1) this.fail('malformed varlong: out of 64-bit range');
      u += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        // zigzag: even → u/2, odd → -(u+1)/2 (u may be above 2^53 only for absurd values; precision loss, no throw)
        return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
      }
      mul *= 128;
    }
    return this.fail('malformed varlong: more than 10 bytes');
  }

  /** Varint-length-prefixed bytes (-1 = null), as a view into the buffer. */
  varBytes(): Buffer | null {
    const len = this.varint();
    if (len < 0) {
      if (len !== -1) this.fail(`negative length ${len}`);
      return null;
    }
    if (len > this.end - this.pos) this.fail(`length ${len} overruns the record`);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  /** Skips varint-length-prefixed bytes (-1 = null) without creating a view. */
  skipVarBytes(): void {
    const len = this.varint();
    if (len < -1) this.fail(`negative length ${len}`);
    if (len > this.end - this.pos) this.fail(`length ${len} overruns the record`);
    if (len > 0) this.pos += len;
  }
}
