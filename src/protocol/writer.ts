/**
 * Kafka wire-format writer: one growable buffer, written in place (no per-field allocation), doubled when full.
 * Mirrors reader.ts. Bad values from our own code (a string longer than an int16 length allows, a malformed
 * uuid, an integer out of range for its width) throw a ProtocolEncodeError that names the problem — a bug in the
 * caller, never something a peer can trigger.
 *
 * Reference mode (`new Writer(size, { referenceBytesFrom: n })`): byte fields of n bytes or more (record sets in
 * Fetch responses) are not copied into the buffer but kept by reference, and `finishChunks()` returns the output
 * as a list of buffers for one corked/vectored socket write. `length` and positions from `reserveInt32` count the
 * referenced bytes; the caller must not change a referenced buffer until the chunks are written.
 */
import type { RawTaggedField } from './reader.js';

export class ProtocolEncodeError extends Error {
  readonly code = 'KSTACK_PROTOCOL_ENCODE';
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolEncodeError';
  }
}

const UUID_RE = /^[A-Za-z0-9_-]{21}[AQgw]$/;

export interface WriterOptions {
  /** Keep byte fields at least this long by reference instead of copying them (0 = always copy). */
  referenceBytesFrom?: number;
}

/** A referenced byte field: it sits in the output right before buffer position `at`. */
interface ByteRef {
  at: number;
  data: Buffer;
}

export class Writer {
  private buf: Buffer;
  private pos = 0;
  private readonly referenceFrom: number;
  private refs: ByteRef[] | null = null;
  private refBytes = 0;
  /** Open tagged fields (their data is moved in endTaggedField, so nothing inside one is referenced). */
  private taggedDepth = 0;

  constructor(initialSize = 256, opts: WriterOptions = {}) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialSize));
    const from = opts.referenceBytesFrom ?? 0;
    this.referenceFrom = from > 0 ? from : Infinity;
  }

  /** Bytes written so far (referenced byte fields included). */
  get length(): number {
    return this.pos + this.refBytes;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /**
   * A view of the written bytes (one copy, concatenated, when byte fields were referenced). Writing more afterwards
   * may or may not show through; treat it as final.
   */
  finish(): Buffer {
    if (this.refs === null) return this.buf.subarray(0, this.pos);
    return Buffer.concat(this.finishChunks(), this.length);
  }

  /** The output as buffers in order: views of the writer's buffer and the referenced byte fields between them. */
  finishChunks(): Buffer[] {
    if (this.refs === null) return [this.buf.subarray(0, this.pos)];
    const out: Buffer[] = [];
    let from = 0;
    for (const r of this.refs) {
      if (r.at > from) out.push(this.buf.subarray(from, r.at));
      out.push(r.data);
      from = r.at;
    }
    if (this.pos > from) out.push(this.buf.subarray(from, this.pos));
    return out;
  }

  /** Forget what was written, keeping the buffer for reuse. */
  reset(): void {
    this.pos = 0;
    this.refs = null;
    this.refBytes = 0;
    this.taggedDepth = 0;
  }

  writeInt8(v: number): void {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
  }

  writeUint8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }

  writeBool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  writeInt16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }

  writeUint16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  writeInt32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }

  writeUint32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  writeInt64(v: bigint): void {
    this.ensure(8);
    if (v >= -0x20000000000000n && v < 0x20000000000000n) {
      // Within 53 bits a double is exact: two int32 writes beat writeBigInt64BE's BigInt arithmetic.
      const n = Number(v);
      const hi = Math.floor(n / 4294967296);
      this.buf.writeInt32BE(hi, this.pos);
      this.buf.writeUInt32BE(n - hi * 4294967296, this.pos + 4);
    } else this.buf.writeBigInt64BE(v, this.pos); // throws a RangeError beyond int64
    this.pos += 8;
  }

  writeFloat64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  /** Unsigned LEB128 varint of a value in [0, 2^32). */
  writeUvarint(v: number): void {
    if (!(v >= 0 && v <= 0xffffffff) || !Number.isInteger(v)) throw new ProtocolEncodeError(`unsigned varint out of range: ${v}`);
    this.ensure(5);
    const buf = this.buf;
    while (v >= 0x80) {
      buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[this.pos++] = v;
  }

  /** Zigzag signed 32-bit varint. */
  writeVarint(v: number): void {
    this.writeUvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  /** Zigzag signed 64-bit varint. */
  writeVarlong(v: bigint): void {
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    this.ensure(10);
    const buf = this.buf;
    while (u >= 0x80n) {
      buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    buf[this.pos++] = Number(u);
  }

  /** Uuid in Kafka's 22-character URL-safe base64 form, written as its 16 raw bytes. */
  writeUuid(v: string): void {
    if (!UUID_RE.test(v)) throw new ProtocolEncodeError(`not a Kafka uuid (22 URL-safe base64 characters): ${JSON.stringify(v)}`);
    this.ensure(16);
    this.buf.write(v, this.pos, 16, 'base64url');
    this.pos += 16;
  }

  writeRawBytes(b: Uint8Array): void {
    if (b.length >= this.referenceFrom && this.taggedDepth === 0) {
      const data = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      (this.refs ??= []).push({ at: this.pos, data });
      this.refBytes += b.length;
      return;
    }
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Writes UTF-8 text of known byte length at the current position (room already ensured). */
  private text(s: string, byteLength: number): void {
    // Same byte and character counts means pure ASCII, where latin1 is the cheaper identical encoding.
    this.buf.write(s, this.pos, byteLength, byteLength === s.length ? 'latin1' : 'utf8');
    this.pos += byteLength;
  }

  /** Classic string: int16 length + UTF-8. */
  writeString(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    if (n > 0x7fff) throw new ProtocolEncodeError(`string of ${n} bytes is longer than an int16 length allows`);
    this.ensure(2 + n);
    this.buf.writeInt16BE(n, this.pos);
    this.pos += 2;
    this.text(s, n);
  }

  writeNullableString(s: string | null): void {
    if (s === null) this.writeInt16(-1);
    else this.writeString(s);
  }

  /** Compact string: uvarint(length + 1) + UTF-8. */
  writeCompactString(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.writeUvarint(n + 1);
    this.ensure(n);
    this.text(s, n);
  }

  writeCompactNullableString(s: string | null): void {
    if (s === null) this.writeUvarint(0);
    else this.writeCompactString(s);
  }

  /** Classic bytes: int32 length + bytes. */
  writeBytes(b: Uint8Array): void {
    this.writeInt32(b.length);
    this.writeRawBytes(b);
  }

  writeNullableBytes(b: Uint8Array | null): void {
    if (b === null) this.writeInt32(-1);
    else this.writeBytes(b);
  }

  writeCompactBytes(b: Uint8Array): void {
    this.writeUvarint(b.length + 1);
    this.writeRawBytes(b);
  }

  writeCompactNullableBytes(b: Uint8Array | null): void {
    if (b === null) this.writeUvarint(0);
    else this.writeCompactBytes(b);
  }

  /** Classic array length (int32, -1 = null). */
  writeArrayLength(n: number): void {
    this.writeInt32(n);
  }

  /** Compact array length (uvarint of n+1, 0 = null; pass -1 for null). */
  writeCompactArrayLength(n: number): void {
    this.writeUvarint(n + 1);
  }

  /** Leaves room for an int32 (e.g. a frame's size prefix) and returns its position for `patchInt32`. */
  reserveInt32(): number {
    this.ensure(4);
    const at = this.pos + this.refBytes;
    this.pos += 4;
    return at;
  }

  patchInt32(at: number, v: number): void {
    this.buf.writeInt32BE(v, this.bufferPosition(at));
  }

  /** Output position → position in the writer's own buffer (they differ after referenced byte fields). */
  private bufferPosition(at: number): number {
    if (this.refs === null) return at;
    let skipped = 0;
    for (const r of this.refs) {
      if (r.at + skipped >= at) break;
      skipped += r.data.length;
    }
    return at - skipped;
  }

  /**
   * Opens one tagged field: writes the tag and returns where its data starts. Write the data, then call
   * `endTaggedField(start)`, which inserts the data's size (an unsigned varint) in front of it by moving the
   * data a few bytes along — cheaper than encoding the value twice, and tagged fields are small and rare.
   */
  beginTaggedField(tag: number): number {
    this.writeUvarint(tag);
    this.taggedDepth++;
    return this.pos + this.refBytes;
  }

  endTaggedField(start: number): void {
    this.taggedDepth--;
    start = this.bufferPosition(start);
    const size = this.pos - start;
    const n = uvarintSize(size);
    this.ensure(n);
    this.buf.copyWithin(start + n, start, this.pos);
    // Write the size in place by hand: going through writeUvarint could grow the buffer from the rewound
    // position and lose the data just moved.
    let at = start;
    let v = size;
    while (v >= 0x80) {
      this.buf[at++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[at] = v;
    this.pos += n;
  }

  /** A whole tagged-field section holding only raw (unknown) fields: count, then each field. */
  writeUnknownTaggedFields(list: RawTaggedField[] | undefined): void {
    if (list === undefined) {
      this.writeUvarint(0);
      return;
    }
    this.writeUvarint(list.length);
    this.writeRawTaggedFields(list, 0, Infinity);
  }

  /**
   * Writes the raw (unknown) tagged fields `list[from…]` whose tag is below `beforeTag` and returns the index
   * of the first one not written — so unknown and known tags come out in ascending order together.
   */
  writeRawTaggedFields(list: RawTaggedField[] | undefined, from: number, beforeTag: number): number {
    if (list === undefined) return 0;
    let i = from;
    for (; i < list.length && list[i].tag < beforeTag; i++) {
      this.writeUvarint(list[i].tag);
      this.writeUvarint(list[i].data.length);
      this.writeRawBytes(list[i].data);
    }
    return i;
  }
}

/** Bytes an unsigned varint of `v` takes. */
export function uvarintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}
