/**
 * Kafka wire-format reader over one Buffer view, with a sticky error.
 *
 * The first failed read (too few bytes, a negative or oversized length, a varint longer than 5 bytes, a null
 * where null is not allowed) records `error`; from then on every read returns a zero value and moves nothing.
 * Generated decoders therefore read straight through and check `ok` once at the end. Nothing here throws, and
 * every length taken from the input is checked against the bytes that remain BEFORE anything is allocated, so a
 * hostile length field cannot make us allocate.
 *
 * Encodings (KIP-482 for the compact ones): classic string = int16 length + UTF-8 (-1 = null); classic bytes
 * and arrays = int32 length (-1 = null); compact string/bytes/array = unsigned varint of length+1 (0 = null);
 * varint/varlong = zigzag over an unsigned LEB128 varint (at most 5 / 10 bytes); uuid = 16 raw bytes, shown in
 * Kafka's 22-character URL-safe base64 form.
 */

/** A tagged field the decoder did not recognise, kept byte-for-byte so it survives a re-encode. */
export interface RawTaggedField {
  tag: number;
  data: Buffer;
}

const EMPTY = Buffer.alloc(0);

export class Reader {
  readonly buf: Buffer;
  /** Next byte to read (absolute index into `buf`). */
  pos: number;
  /** One past the last readable byte (absolute index into `buf`). */
  readonly end: number;
  error: string | undefined = undefined;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    const e = Math.max(0, Math.min(end, buf.length));
    this.pos = Math.max(0, Math.min(start, e));
    this.end = e;
  }

  get ok(): boolean {
    return this.error === undefined;
  }

  /** Record the first failure; later failures keep the first message. Always returns false. */
  fail(msg: string): false {
    if (this.error === undefined) this.error = `${msg} (at byte ${this.pos})`;
    return false;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  /** True when `n` more bytes can be read; otherwise records an error. */
  private need(n: number, what: string): boolean {
    if (this.error !== undefined) return false;
    if (this.end - this.pos < n) return this.fail(`truncated input: ${what} needs ${n} bytes, ${this.end - this.pos} left`);
    return true;
  }

  int8(): number {
    if (!this.need(1, 'int8')) return 0;
    return this.buf.readInt8(this.pos++);
  }

  uint8(): number {
    if (!this.need(1, 'uint8')) return 0;
    return this.buf[this.pos++];
  }

  bool(): boolean {
    if (!this.need(1, 'bool')) return false;
    return this.buf[this.pos++] !== 0;
  }

  int16(): number {
    if (!this.need(2, 'int16')) return 0;
    const buf = this.buf;
    const p = this.pos;
    this.pos += 2;
    return ((buf[p] << 24) | (buf[p + 1] << 16)) >> 16;
  }

  uint16(): number {
    if (!this.need(2, 'uint16')) return 0;
    const p = this.pos;
    this.pos += 2;
    return (this.buf[p] << 8) | this.buf[p + 1];
  }

  int32(): number {
    // Plain byte arithmetic: Buffer#readInt32BE re-validates its offset on every call (hot path).
    if (!this.need(4, 'int32')) return 0;
    const buf = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
  }

  uint32(): number {
    if (!this.need(4, 'uint32')) return 0;
    const buf = this.buf;
    const p = this.pos;
    this.pos += 4;
    return buf[p] * 0x1000000 + ((buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]);
  }

  int64(): bigint {
    if (!this.need(8, 'int64')) return 0n;
    const buf = this.buf;
    const p = this.pos;
    this.pos += 8;
    const hi = (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
    // Offsets, timestamps and ids almost always fit in 53 bits: one exact double → one BigInt, instead of the
    // several intermediate BigInts readBigInt64BE builds.
    if (hi >= -0x200000 && hi < 0x200000) {
      const lo = buf[p + 4] * 0x1000000 + ((buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7]);
      return BigInt(hi * 4294967296 + lo);
    }
    return buf.readBigInt64BE(p);
  }

  float64(): number {
    if (!this.need(8, 'float64')) return 0;
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Unsigned LEB128 varint of at most 5 bytes, as an unsigned 32-bit number. */
  uvarint(): number {
    if (this.error !== undefined) return 0;
    const buf = this.buf;
    let result = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) {
        this.fail('truncated input: varint');
        return 0;
      }
      const b = buf[this.pos++];
      // Multiplication instead of << keeps the 5th group (bits 28-31) from overflowing into the sign.
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return result >>> 0;
    }
    this.fail('malformed varint: more than 5 bytes');
    return 0;
  }

  /** Zigzag-encoded signed 32-bit varint. */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Zigzag-encoded signed 64-bit varint (at most 10 bytes). */
  varlong(): bigint {
    if (this.error !== undefined) return 0n;
    const buf = this.buf;
    // The low 28 bits accumulate as a number (fast, common case); the rest as a bigint only when needed.
    let low = 0;
    let high = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) {
        this.fail('truncated input: varlong');
        return 0n;
      }
      const b = buf[this.pos++];
      if (i < 4) low |= (b & 0x7f) << (7 * i);
      else high |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) {
        const u = BigInt.asUintN(64, high | BigInt(low >>> 0));
        return BigInt.asIntN(64, (u >> 1n) ^ -(u & 1n));
      }
    }
    this.fail('malformed varlong: more than 10 bytes');
    return 0n;
  }

  /** 16 raw bytes as Kafka's 22-character URL-safe base64 (no padding). */
  uuid(): string {
    if (!this.need(16, 'uuid')) return ZERO_UUID;
    const s = this.buf.toString('base64url', this.pos, this.pos + 16);
    this.pos += 16;
    return s;
  }

  private text(len: number): string {
    if (len === 0) return '';
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /** Checks a string/bytes length read from the input against what remains. */
  private lengthOk(len: number, what: string): boolean {
    if (this.error !== undefined) return false;
    if (len < 0) return this.fail(`invalid ${what} length ${len}`);
    if (len > this.end - this.pos) return this.fail(`${what} length ${len} runs past the end (${this.end - this.pos} bytes left)`);
    return true;
  }

  /** Classic non-nullable string: int16 length, UTF-8 bytes. */
  string(): string {
    const len = this.int16();
    if (len === -1 && this.error === undefined) {
      this.fail('null string where a non-nullable string is required');
      return '';
    }
    return this.lengthOk(len, 'string') ? this.text(len) : '';
  }

  nullableString(): string | null {
    const len = this.int16();
    if (len === -1) return this.error === undefined ? null : '';
    return this.lengthOk(len, 'string') ? this.text(len) : '';
  }

  compactString(): string {
    const n = this.uvarint();
    if (n === 0 && this.error === undefined) {
      this.fail('null compact string where a non-nullable string is required');
      return '';
    }
    return this.lengthOk(n - 1, 'compact string') ? this.text(n - 1) : '';
  }

  compactNullableString(): string | null {
    const n = this.uvarint();
    if (this.error !== undefined) return '';
    if (n === 0) return null;
    return this.lengthOk(n - 1, 'compact string') ? this.text(n - 1) : '';
  }

  /** A view of the next `len` bytes (no copy). `len` must already be validated. */
  private view(len: number): Buffer {
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  /** `len` raw bytes as a view; fails when fewer remain. */
  rawBytes(len: number): Buffer {
    return this.lengthOk(len, 'raw bytes') ? this.view(len) : EMPTY;
  }

  /** Classic bytes: int32 length, then the bytes (a view into the input, not a copy). */
  bytes(): Buffer {
    const len = this.int32();
    if (len === -1 && this.error === undefined) {
      this.fail('null bytes where non-nullable bytes are required');
      return EMPTY;
    }
    return this.lengthOk(len, 'bytes') ? this.view(len) : EMPTY;
  }

  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len === -1) return this.error === undefined ? null : EMPTY;
    return this.lengthOk(len, 'bytes') ? this.view(len) : EMPTY;
  }

  compactBytes(): Buffer {
    const n = this.uvarint();
    if (n === 0 && this.error === undefined) {
      this.fail('null compact bytes where non-nullable bytes are required');
      return EMPTY;
    }
    return this.lengthOk(n - 1, 'compact bytes') ? this.view(n - 1) : EMPTY;
  }

  compactNullableBytes(): Buffer | null {
    const n = this.uvarint();
    if (this.error !== undefined) return EMPTY;
    if (n === 0) return null;
    return this.lengthOk(n - 1, 'compact bytes') ? this.view(n - 1) : EMPTY;
  }

  /**
   * Classic array length: int32, -1 = null. Each element takes at least `minElementSize` bytes, so a count
   * larger than the remaining bytes allow is rejected before the caller allocates anything. On failure: 0.
   */
  arrayLength(minElementSize = 1): number {
    const n = this.int32();
    return this.checkCount(n, minElementSize, 'array');
  }

  /** Compact array length: unsigned varint of count+1; returns -1 for null (0 on the wire). */
  compactArrayLength(minElementSize = 1): number {
    const n = this.uvarint();
    if (this.error !== undefined) return 0;
    return this.checkCount(n - 1, minElementSize, 'compact array');
  }

  /** A null array where the version has no null: records the error and returns an empty array. */
  nullArray(): never[] {
    this.fail('null array where a non-nullable array is required');
    return [];
  }

  private checkCount(n: number, minElementSize: number, what: string): number {
    if (this.error !== undefined) return 0;
    if (n === -1) return -1;
    if (n < -1) {
      this.fail(`invalid ${what} length ${n}`);
      return 0;
    }
    if (n * minElementSize > this.end - this.pos) {
      this.fail(`${what} of ${n} elements cannot fit in the ${this.end - this.pos} bytes left`);
      return 0;
    }
    return n;
  }

  /**
   * Start of a tagged-field section: the number of tagged fields (each takes at least 2 bytes: tag and size).
   */
  taggedFieldCount(): number {
    const n = this.uvarint();
    if (this.error !== undefined) return 0;
    if (n * 2 > this.end - this.pos) {
      this.fail(`tagged-field count ${n} cannot fit in the ${this.end - this.pos} bytes left`);
      return 0;
    }
    return n;
  }

  /**
   * Reads one tagged field's size and returns the absolute position where its data ends (or -1 on failure).
   * After decoding a known tag, call `endTaggedField(end)` to check the decoder consumed exactly that much.
   */
  taggedFieldEnd(): number {
    const size = this.uvarint();
    if (!this.lengthOk(size, 'tagged field')) return -1;
    return this.pos + size;
  }

  endTaggedField(end: number): void {
    if (this.error === undefined && this.pos !== end) {
      this.fail(`tagged field decoded ${this.pos - end > 0 ? 'past' : 'short of'} its declared size`);
    }
  }

  /** Keeps an unknown tagged field (a view of its bytes) on `list`, creating the list on first use. */
  unknownTaggedField(list: RawTaggedField[] | undefined, tag: number, end: number): RawTaggedField[] | undefined {
    if (this.error !== undefined || end < 0) return list;
    const data = this.view(end - this.pos);
    if (list === undefined) return [{ tag, data }];
    list.push({ tag, data });
    return list;
  }

  /**
   * A whole tagged-field section in which no tag is known to the decoder: every field is kept as unknown.
   * Returns undefined when the section is empty.
   */
  unknownTaggedFields(): RawTaggedField[] | undefined {
    const n = this.taggedFieldCount();
    let list: RawTaggedField[] | undefined;
    for (let i = 0; i < n && this.error === undefined; i++) {
      const tag = this.uvarint();
      const end = this.taggedFieldEnd();
      list = this.unknownTaggedField(list, tag, end);
    }
    return list;
  }
}

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
