/**
 * Record batch v2 (magic 2): zero-copy views over bytes that hold one or more batches, the broker's hot-path
 * helpers, lazy record iteration, and a builder. Layout: see batch-header.ts.
 *
 * Hot path (Produce): `validateBatch` checks framing, magic and the CRC-32C of [Attributes, end) and never looks
 * at records; `setBaseOffset` and `setPartitionLeaderEpoch` rewrite fields that lie OUTSIDE the CRC, so no
 * checksum is recomputed and nothing is decompressed. None of these allocate per record (or at all, except the
 * small result object of validateBatch).
 *
 * `setMaxTimestampAndLogAppendTime` (message.timestamp.type=LogAppendTime) changes Attributes and MaxTimestamp,
 * which ARE inside the CRC, so it recomputes the CRC over the whole batch: one pass over the bytes, no
 * decompression.
 *
 * Record v2 (inside the batch, after decompression when Attributes has a codec):
 *   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint | keyLength varint (-1 = null) |
 *   key | valueLength varint (-1 = null) | value | headerCount varint | headers: keyLength varint, key (UTF-8),
 *   valueLength varint (-1 = null), value
 * A record's timestamp is baseTimestamp + timestampDelta, or the batch's MaxTimestamp for LogAppendTime batches.
 *
 * Control batches (transaction markers) hold one record whose key is int16 version + int16 type (0 abort,
 * 1 commit) and whose value is int16 version + int32 coordinator epoch.
 */
import {
  ATTR_COMPRESSION_MASK,
  ATTR_CONTROL,
  ATTR_TIMESTAMP_TYPE_LOG_APPEND,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_SIZE,
  CompressionType,
  CRC_START,
  LOG_OVERHEAD,
  OFFSET_ATTRIBUTES,
  OFFSET_BASE_OFFSET,
  OFFSET_BASE_SEQUENCE,
  OFFSET_BASE_TIMESTAMP,
  OFFSET_BATCH_LENGTH,
  OFFSET_CRC,
  OFFSET_LAST_OFFSET_DELTA,
  OFFSET_MAGIC,
  OFFSET_MAX_TIMESTAMP,
  OFFSET_PARTITION_LEADER_EPOCH,
  OFFSET_PRODUCER_EPOCH,
  OFFSET_PRODUCER_ID,
  OFFSET_RECORDS_COUNT,
} from './batch-header.js';
import { compress, decompress, DEFAULT_MAX_DECOMPRESSED_BYTES } from './compression.js';
import { crc32c } from './crc.js';
import { KafkaRecordErrorCode, RecordFormatError } from './errors.js';
import { ByteCursor, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js';

export { CompressionType };

/** Smallest possible record v2: 1-byte length, attributes, ts delta, offset delta, key len, value len, headers. */
export const MIN_RECORD_SIZE = 7;
/** Legacy message header sizes after LOG_OVERHEAD: crc + magic + attributes + key length + value length (+ timestamp). */
const LEGACY_MIN_MESSAGE_SIZE = [14, 22];
/** Timestamp of records that have none (magic 0 up-converted, or producers that send -1). */
export const NO_TIMESTAMP = -1;

export enum TimestampType {
  CreateTime = 0,
  LogAppendTime = 1,
}

export enum ControlRecordType {
  Abort = 0,
  Commit = 1,
}

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** One decoded record. key/value/header values are views into the batch (or its decompressed payload). */
export interface KafkaRecord {
  offset: bigint;
  offsetDelta: number;
  timestamp: number;
  timestampDelta: number;
  attributes: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface RecordReadOptions {
  /** Ceiling for the decompressed records payload (default DEFAULT_MAX_DECOMPRESSED_BYTES). */
  maxDecompressedBytes?: number;
}

// ------------------------------------------------------------------------------------------------ int64 helpers

function readInt64AsNumber(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 4294967296 + buf.readUInt32BE(at + 4);
}

/** Writes a signed 64-bit integer without allocating when given a safe-integer number. */
function writeInt64(buf: Buffer, at: number, value: bigint | number): void {
  if (typeof value === 'bigint') {
    buf.writeBigInt64BE(value, at);
    return;
  }
  if (!Number.isSafeInteger(value)) throw new RangeError(`int64 value must be a safe integer, got ${value}`);
  const hi = Math.floor(value / 4294967296);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(value - hi * 4294967296, at + 4);
}

// ----------------------------------------------------------------------------------------------------- views

/**
 * A zero-copy view of one batch (any magic: fields past the common 17-byte prefix are only meaningful for
 * magic 2). Reads straight from the buffer on every access; nothing is copied or cached.
 */
export class RecordBatchView {
  constructor(
    readonly buf: Buffer,
    readonly start: number,
  ) {}

  /** One past the batch's last byte. */
  get end(): number {
    return this.start + LOG_OVERHEAD + this.batchLength;
  }
  get sizeInBytes(): number {
    return LOG_OVERHEAD + this.batchLength;
  }
  get baseOffset(): bigint {
    return this.buf.readBigInt64BE(this.start + OFFSET_BASE_OFFSET);
  }
  get batchLength(): number {
    return this.buf.readInt32BE(this.start + OFFSET_BATCH_LENGTH);
  }
  get partitionLeaderEpoch(): number {
    return this.buf.readInt32BE(this.start + OFFSET_PARTITION_LEADER_EPOCH);
  }
  get magic(): number {
    return this.buf.readInt8(this.start + OFFSET_MAGIC);
  }
  get crc(): number {
    return this.buf.readUInt32BE(this.start + OFFSET_CRC);
  }
  get attributes(): number {
    return this.buf.readInt16BE(this.start + OFFSET_ATTRIBUTES);
  }
  get compression(): CompressionType {
    return this.attributes & ATTR_COMPRESSION_MASK;
  }
  get timestampType(): TimestampType {
    return this.attributes & ATTR_TIMESTAMP_TYPE_LOG_APPEND ? TimestampType.LogAppendTime : TimestampType.CreateTime;
  }
  get isTransactional(): boolean {
    return (this.attributes & ATTR_TRANSACTIONAL) !== 0;
  }
  get isControl(): boolean {
    return (this.attributes & ATTR_CONTROL) !== 0;
  }
  get lastOffsetDelta(): number {
    return this.buf.readInt32BE(this.start + OFFSET_LAST_OFFSET_DELTA);
  }
  get lastOffset(): bigint {
    return this.baseOffset + BigInt(this.lastOffsetDelta);
  }
  /** The offset after this batch. */
  get nextOffset(): bigint {
    return this.lastOffset + 1n;
  }
  get baseTimestamp(): number {
    return readInt64AsNumber(this.buf, this.start + OFFSET_BASE_TIMESTAMP);
  }
  get maxTimestamp(): number {
    return readInt64AsNumber(this.buf, this.start + OFFSET_MAX_TIMESTAMP);
  }
  get producerId(): bigint {
    return this.buf.readBigInt64BE(this.start + OFFSET_PRODUCER_ID);
  }
  get producerEpoch(): number {
    return this.buf.readInt16BE(this.start + OFFSET_PRODUCER_EPOCH);
  }
  get baseSequence(): number {
    return this.buf.readInt32BE(this.start + OFFSET_BASE_SEQUENCE);
  }
  get recordsCount(): number {
    return this.buf.readInt32BE(this.start + OFFSET_RECORDS_COUNT);
  }
  /** The CRC-32C the batch should carry (computed now). */
  computeCrc(): number {
    return crc32c(this.buf, this.start + CRC_START, this.end);
  }
  /** Decodes the records (decompressing first when needed). Throws RecordFormatError on malformed data. */
  records(options: RecordReadOptions = {}): KafkaRecord[] {
    return readRecords(this.buf, this.start, options);
  }
  /** Lazily decodes the records (see iterateRecords). */
  iterateRecords(options: RecordReadOptions = {}): Generator<KafkaRecord, void> {
    return iterateRecords(this.buf, this.start, options);
  }
}

/**
 * The end of the batch (any magic) framed at pos, or -1 when fewer than its declared bytes are left before end.
 * Throws RecordFormatError when the size field is impossible or the magic unknown.
 */
function nextBatchEnd(buf: Buffer, pos: number, end: number): number {
  if (end - pos < LOG_OVERHEAD + 5) return -1;
  const size = buf.readInt32BE(pos + OFFSET_BATCH_LENGTH);
  const magic = buf[pos + OFFSET_MAGIC];
  if (magic > 2) throw new RecordFormatError(`unknown magic ${magic} at byte ${pos}`);
  const minSize = magic === 2 ? BATCH_HEADER_SIZE - LOG_OVERHEAD : LEGACY_MIN_MESSAGE_SIZE[magic];
  if (size < minSize) throw new RecordFormatError(`batch size ${size} at byte ${pos} is below the minimum ${minSize}`);
  if (size > end - pos - LOG_OVERHEAD) return -1;
  return pos + LOG_OVERHEAD + size;
}

/**
 * Iterates the complete batches in buf[start, end): calls fn with a view of each and returns the position
 * after the last complete one (less than `end` when a partial batch trails — normal in Fetch responses, an
 * error in Produce requests; the caller decides). Any magic is framed the same way (offset, size).
 * Throws RecordFormatError when a size field is impossible.
 */
export function forEachBatch(buf: Buffer, fn: (view: RecordBatchView) => void, start = 0, end = buf.length): number {
  let pos = start;
  for (let next = nextBatchEnd(buf, pos, end); next >= 0; next = nextBatchEnd(buf, pos, end)) {
    fn(new RecordBatchView(buf, pos));
    pos = next;
  }
  return pos;
}

/** Lazily yields a view of each complete batch in buf[start, end) (same rules as forEachBatch). */
export function* iterateBatches(buf: Buffer, start = 0, end = buf.length): Generator<RecordBatchView, number> {
  let pos = start;
  for (let next = nextBatchEnd(buf, pos, end); next >= 0; next = nextBatchEnd(buf, pos, end)) {
    yield new RecordBatchView(buf, pos);
    pos = next;
  }
  return pos;
}

/** The views of all complete batches in buf[start, end) (see forEachBatch). */
export function batches(buf: Buffer, start = 0, end = buf.length): RecordBatchView[] {
  const out: RecordBatchView[] = [];
  forEachBatch(buf, (v) => out.push(v), start, end);
  return out;
}

// ------------------------------------------------------------------------------------------------- validation

export type BatchValidation =
  | { ok: true; end: number }
  | { ok: false; errorCode: KafkaRecordErrorCode; message: string };

export interface ValidateOptions {
  /**
   * Produce-time rules on top of integrity: at least one record, LastOffsetDelta = RecordsCount - 1 (Kafka's
   * LogValidator), and no control batches from clients.
   */
  produce?: boolean;
  /** Allow zstd (Produce v7+ only). Default true. */
  allowZstd?: boolean;
}

function invalid(errorCode: KafkaRecordErrorCode, message: string): BatchValidation {
  return { ok: false, errorCode, message };
}

/**
 * Checks the magic 2 batch at `start` (framing, magic, CRC-32C, codec, counts) without touching its records.
 * Never throws and never allocates per record.
 */
export function validateBatch(buf: Buffer, start: number, end = buf.length, options: ValidateOptions = {}): BatchValidation {
  const { CORRUPT_MESSAGE, INVALID_RECORD, UNSUPPORTED_COMPRESSION_TYPE } = KafkaRecordErrorCode;
  if (start < 0 || end > buf.length || end - start < BATCH_HEADER_SIZE) {
    return invalid(CORRUPT_MESSAGE, `record batch truncated: ${Math.max(0, end - start)} bytes, a v2 header needs ${BATCH_HEADER_SIZE}`);
  }
  const magic = buf.readInt8(start + OFFSET_MAGIC);
  if (magic !== 2) return invalid(CORRUPT_MESSAGE, `record batch magic ${magic}, expected 2`);
  const length = buf.readInt32BE(start + OFFSET_BATCH_LENGTH);
  if (length < BATCH_HEADER_SIZE - LOG_OVERHEAD) return invalid(CORRUPT_MESSAGE, `record batch length ${length} is below the v2 minimum`);
  const batchEnd = start + LOG_OVERHEAD + length;
  if (batchEnd > end) return invalid(CORRUPT_MESSAGE, `record batch length ${length} overruns the ${end - start} bytes available`);
  const stored = buf.readUInt32BE(start + OFFSET_CRC);
  const actual = crc32c(buf, start + CRC_START, batchEnd);
  if (stored !== actual) {
    return invalid(CORRUPT_MESSAGE, `record batch CRC mismatch: stored 0x${stored.toString(16)}, computed 0x${actual.toString(16)}`);
  }
  const attributes = buf.readInt16BE(start + OFFSET_ATTRIBUTES);
  const codec = attributes & ATTR_COMPRESSION_MASK;
  if (codec > CompressionType.Zstd) return invalid(UNSUPPORTED_COMPRESSION_TYPE, `unknown compression type ${codec}`);
  if (codec === CompressionType.Zstd && options.allowZstd === false) {
    return invalid(UNSUPPORTED_COMPRESSION_TYPE, 'zstd-compressed batches need Produce v7 or later');
  }
  const count = buf.readInt32BE(start + OFFSET_RECORDS_COUNT);
  const lastOffsetDelta = buf.readInt32BE(start + OFFSET_LAST_OFFSET_DELTA);
  const payload = batchEnd - start - BATCH_HEADER_SIZE;
  if (count < 0) return invalid(CORRUPT_MESSAGE, `negative record count ${count}`);
  if (lastOffsetDelta < 0) return invalid(INVALID_RECORD, `negative last offset delta ${lastOffsetDelta}`);
  if (codec === CompressionType.None && count > payload / MIN_RECORD_SIZE) {
    return invalid(CORRUPT_MESSAGE, `record count ${count} cannot fit in ${payload} bytes`);
  }
  if (codec !== CompressionType.None && count > DEFAULT_MAX_DECOMPRESSED_BYTES / MIN_RECORD_SIZE) {
    return invalid(CORRUPT_MESSAGE, `absurd record count ${count}`);
  }
  if (options.produce) {
    if (count === 0) return invalid(INVALID_RECORD, 'produced record batch holds no records');
    if (lastOffsetDelta !== count - 1) {
      return invalid(INVALID_RECORD, `inconsistent batch: last offset delta ${lastOffsetDelta} with ${count} records`);
    }
    if (attributes & ATTR_CONTROL) return invalid(INVALID_RECORD, 'clients may not produce control batches');
  }
  return { ok: true, end: batchEnd };
}

// --------------------------------------------------------------------------------------------- in-place edits

/** Sets BaseOffset (outside the CRC: no checksum recompute). A number must be a safe integer. */
export function setBaseOffset(buf: Buffer, start: number, offset: bigint | number): void {
  writeInt64(buf, start + OFFSET_BASE_OFFSET, offset);
}

/** Sets PartitionLeaderEpoch (outside the CRC: no checksum recompute). */
export function setPartitionLeaderEpoch(buf: Buffer, start: number, epoch: number): void {
  buf.writeInt32BE(epoch, start + OFFSET_PARTITION_LEADER_EPOCH);
}

/** Recomputes and stores the CRC-32C of the batch at start. */
export function updateCrc(buf: Buffer, start: number): void {
  const end = start + LOG_OVERHEAD + buf.readInt32BE(start + OFFSET_BATCH_LENGTH);
  buf.writeUInt32BE(crc32c(buf, start + CRC_START, end), start + OFFSET_CRC);
}

/**
 * Marks the batch as LogAppendTime and sets MaxTimestamp to `timestamp` (message.timestamp.type=LogAppendTime).
 * Both fields are inside the CRC, so this DOES recompute the CRC-32C (one pass over the batch). Records keep
 * their deltas; readers take MaxTimestamp as every record's timestamp.
 */
export function setMaxTimestampAndLogAppendTime(buf: Buffer, start: number, timestamp: number): void {
  const attributes = buf.readInt16BE(start + OFFSET_ATTRIBUTES);
  buf.writeInt16BE(attributes | ATTR_TIMESTAMP_TYPE_LOG_APPEND, start + OFFSET_ATTRIBUTES);
  writeInt64(buf, start + OFFSET_MAX_TIMESTAMP, timestamp);
  updateCrc(buf, start);
}

// -------------------------------------------------------------------------------------------------- records

function requireHeader(buf: Buffer, start: number): void {
  if (!(start >= 0) || buf.length - start < BATCH_HEADER_SIZE) {
    throw new RecordFormatError(`record batch truncated: ${Math.max(0, buf.length - start)} bytes at ${start}, a v2 header needs ${BATCH_HEADER_SIZE}`);
  }
}

/** The records payload of the batch at start, decompressed when the batch has a codec. */
export function recordsPayload(buf: Buffer, start: number, options: RecordReadOptions = {}): Buffer {
  requireHeader(buf, start);
  const view = new RecordBatchView(buf, start);
  const end = view.end;
  if (end > buf.length || view.batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) {
    throw new RecordFormatError(`record batch at byte ${start} is truncated`);
  }
  const raw = buf.subarray(start + BATCH_HEADER_SIZE, end);
  const codec = view.compression;
  if (codec === CompressionType.None) return raw;
  return decompress(codec, raw, { maxBytes: options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES });
}

/**
 * Walks every record of the batch at start without building record objects (onRecord sees each offset delta).
 * Checks every length, varint and header count, the record count and that nothing trails. Returns the number
 * of records. Used by deep validation.
 */
function walkRecords(buf: Buffer, start: number, options: RecordReadOptions, onRecord?: (offsetDelta: number, index: number) => void): number {
  requireHeader(buf, start);
  const view = new RecordBatchView(buf, start);
  if (view.magic !== 2) throw new RecordFormatError(`record batch magic ${view.magic}, expected 2`);
  const count = view.recordsCount;
  if (count < 0) throw new RecordFormatError(`negative record count ${count}`);
  const payload = recordsPayload(buf, start, options);
  if (count > payload.length / MIN_RECORD_SIZE) {
    throw new RecordFormatError(`record count ${count} cannot fit in ${payload.length} bytes of records`);
  }
  const c = new ByteCursor(payload, 0, payload.length);
  for (let i = 0; i < count; i++) {
    const length = c.varint();
    if (length < MIN_RECORD_SIZE - 1 || length > c.remaining) c.fail(`record ${i}: length ${length} is impossible`);
    const recordEnd = c.pos + length;
    const outerEnd = c.end;
    c.end = recordEnd;
    c.int8(); // attributes
    c.varlong(); // timestamp delta
    const offsetDelta = c.varint();
    if (onRecord) onRecord(offsetDelta, i);
    c.skipVarBytes();
    c.skipVarBytes();
    const headers = c.varint();
    if (headers < 0 || headers > c.remaining / 2) c.fail(`record ${i}: header count ${headers} is impossible`);
    for (let h = 0; h < headers; h++) {
      const keyLen = c.varint();
      if (keyLen < 0 || keyLen > c.remaining) c.fail(`record ${i}: header key length ${keyLen} is impossible`);
      c.pos += keyLen;
      c.skipVarBytes();
    }
    if (c.pos !== recordEnd) c.fail(`record ${i}: ${recordEnd - c.pos} bytes left inside the record`);
    c.end = outerEnd;
  }
  if (c.pos !== payload.length) throw new RecordFormatError(`${payload.length - c.pos} bytes trail the last record`);
  return count;
}

/**
 * Lazily decodes the records of the magic 2 batch at start: the payload is decompressed once when iteration
 * starts (that is unavoidable for compressed batches), each record is parsed only when the consumer asks for it.
 * Throws RecordFormatError (from next()) on malformed data; trailing garbage is reported after the last record.
 */
export function* iterateRecords(buf: Buffer, start: number, options: RecordReadOptions = {}): Generator<KafkaRecord, void> {
  requireHeader(buf, start);
  const view = new RecordBatchView(buf, start);
  if (view.magic !== 2) throw new RecordFormatError(`record batch magic ${view.magic}, expected 2`);
  const count = view.recordsCount;
  if (count < 0) throw new RecordFormatError(`negative record count ${count}`);
  const payload = recordsPayload(buf, start, options);
  if (count > payload.length / MIN_RECORD_SIZE) {
    throw new RecordFormatError(`record count ${count} cannot fit in ${payload.length} bytes of records`);
  }
  const baseOffset = view.baseOffset;
  const baseTimestamp = view.baseTimestamp;
  const logAppend = view.timestampType === TimestampType.LogAppendTime;
  const maxTimestamp = view.maxTimestamp;
  const c = new ByteCursor(payload, 0, payload.length);
  for (let i = 0; i < count; i++) {
    const length = c.varint();
    if (length < MIN_RECORD_SIZE - 1 || length > c.remaining) c.fail(`record ${i}: length ${length} is impossible`);
    const recordEnd = c.pos + length;
    const outerEnd = c.end;
    c.end = recordEnd;
    const attributes = c.int8();
    const timestampDelta = c.varlong();
    const offsetDelta = c.varint();
    const key = c.varBytes();
    const value = c.varBytes();
    const headerCount = c.varint();
    if (headerCount < 0 || headerCount > c.remaining / 2) c.fail(`record ${i}: header count ${headerCount} is impossible`);
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const k = c.varBytes();
      if (k === null) throw new RecordFormatError(`record ${i}: null header key at byte ${c.pos}`);
      headers.push({ key: k.toString('utf8'), value: c.varBytes() });
    }
    if (c.pos !== recordEnd) c.fail(`record ${i}: ${recordEnd - c.pos} bytes left inside the record`);
    c.end = outerEnd;
    yield {
      offset: baseOffset + BigInt(offsetDelta),
      offsetDelta,
      timestamp: logAppend ? maxTimestamp : baseTimestamp + timestampDelta,
      timestampDelta,
      attributes,
      key,
      value,
      headers,
    };
  }
  if (c.pos !== payload.length) throw new RecordFormatError(`${payload.length - c.pos} bytes trail the last record`);
}

/** Decodes every record of the magic 2 batch at start. Throws RecordFormatError on malformed data. */
export function readRecords(buf: Buffer, start: number, options: RecordReadOptions = {}): KafkaRecord[] {
  return Array.from(iterateRecords(buf, start, options));
}

export type RecordsValidation = { ok: true; count: number } | { ok: false; errorCode: KafkaRecordErrorCode; message: string };

/**
 * Deep validation: decompresses (within the size limit) and walks every record, checking lengths, varints,
 * header counts and that RecordsCount matches; with `produce`, offset deltas must also be 0..n-1 in order.
 * Never throws. Not for the Produce hot path (it decompresses); for compaction, validation options and tests.
 */
export function validateRecords(buf: Buffer, start: number, options: RecordReadOptions & { produce?: boolean } = {}): RecordsValidation {
  try {
    let badDelta = -1;
    const count = walkRecords(
      buf,
      start,
      options,
      options.produce
        ? (offsetDelta, index) => {
            if (offsetDelta !== index && badDelta < 0) badDelta = index;
          }
        : undefined,
    );
    if (badDelta >= 0) return { ok: false, errorCode: KafkaRecordErrorCode.INVALID_RECORD, message: `record ${badDelta} has offset delta out of sequence` };
    return { ok: true, count };
  } catch (err) {
    if (err instanceof RecordFormatError) return { ok: false, errorCode: err.kafkaErrorCode, message: err.message };
    return { ok: false, errorCode: KafkaRecordErrorCode.CORRUPT_MESSAGE, message: err instanceof Error ? err.message : String(err) };
  }
}

// ----------------------------------------------------------------------------------------------------- control

export interface ControlRecord {
  version: number;
  type: ControlRecordType;
  coordinatorEpoch: number;
}

/** Decodes a control record's key and value (transaction markers). */
export function parseControlRecord(key: Buffer | null, value: Buffer | null): ControlRecord {
  if (key === null || key.length < 4) throw new RecordFormatError('control record key must be int16 version + int16 type', KafkaRecordErrorCode.INVALID_RECORD);
  const version = key.readInt16BE(0);
  const type = key.readInt16BE(2);
  if (type !== ControlRecordType.Abort && type !== ControlRecordType.Commit) {
    throw new RecordFormatError(`unknown control record type ${type}`, KafkaRecordErrorCode.INVALID_RECORD);
  }
  let coordinatorEpoch = -1;
  if (value !== null && value.length >= 6) coordinatorEpoch = value.readInt32BE(2);
  return { version, type, coordinatorEpoch };
}

// ----------------------------------------------------------------------------------------------------- builder

export type Bytes = Uint8Array | string | null | undefined;

export interface RecordInput {
  key?: Bytes;
  value?: Bytes;
  headers?: Array<{ key: string; value: Bytes }> | Record<string, Bytes>;
  /** Create time in ms; default: the builder's baseTimestamp or Date.now(). */
  timestamp?: number;
  /** Default: one more than the previous record's (0 for the first). */
  offsetDelta?: number;
}

export interface RecordBatchBuilderOptions {
  baseOffset?: bigint | number;
  partitionLeaderEpoch?: number;
  compression?: CompressionType;
  compressionLevel?: number;
  timestampType?: TimestampType;
  /** For LogAppendTime batches: the broker's append time, stored as MaxTimestamp. Default Date.now(). */
  logAppendTime?: number;
  /** Default: the first record's timestamp. */
  baseTimestamp?: number;
  transactional?: boolean;
  control?: boolean;
  producerId?: bigint | number;
  producerEpoch?: number;
  baseSequence?: number;
  /** Override LastOffsetDelta (e.g. an empty batch kept after compaction). Default: the last record's delta. */
  lastOffsetDelta?: number;
}

function toBytes(b: Bytes): Buffer | null {
  if (b === null || b === undefined) return null;
  if (typeof b === 'string') return Buffer.from(b, 'utf8');
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

interface PendingRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[Buffer, Buffer | null]>;
  timestamp: number;
  offsetDelta: number;
}

/** Builds one magic 2 record batch. */
export class RecordBatchBuilder {
  private readonly records: PendingRecord[] = [];
  private nextDelta = 0;

  constructor(private readonly options: RecordBatchBuilderOptions = {}) {}

  get count(): number {
    return this.records.length;
  }

  append(input: RecordInput): this {
    const headers: Array<[Buffer, Buffer | null]> = [];
    const h = input.headers;
    if (Array.isArray(h)) for (const { key, value } of h) headers.push([Buffer.from(key, 'utf8'), toBytes(value)]);
    else if (h) for (const [key, value] of Object.entries(h)) headers.push([Buffer.from(key, 'utf8'), toBytes(value)]);
    const offsetDelta = input.offsetDelta ?? this.nextDelta;
    if (!Number.isInteger(offsetDelta) || offsetDelta < 0 || offsetDelta > 0x7fffffff || offsetDelta < this.nextDelta) {
      throw new RangeError(`offset delta ${offsetDelta} must be an int32 above the previous record's`);
    }
    this.nextDelta = offsetDelta + 1;
    const timestamp = input.timestamp ?? this.options.baseTimestamp ?? Date.now();
    this.records.push({ key: toBytes(input.key), value: toBytes(input.value), headers, timestamp, offsetDelta });
    return this;
  }

  build(): Buffer {
    const o = this.options;
    const records = this.records;
    const baseTimestamp = o.baseTimestamp ?? (records.length > 0 ? records[0].timestamp : NO_TIMESTAMP);
    let maxTimestamp = NO_TIMESTAMP;
    for (const r of records) if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
    const logAppend = o.timestampType === TimestampType.LogAppendTime;
    if (logAppend) maxTimestamp = o.logAppendTime ?? Date.now();
    if (records.length === 0 && !logAppend) maxTimestamp = baseTimestamp;

    // Records payload.
    const sizes = new Array<number>(records.length);
    let payloadSize = 0;
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      let body = 1 + sizeOfVarlong(r.timestamp - baseTimestamp) + sizeOfVarint(r.offsetDelta);
      body += r.key ? sizeOfVarint(r.key.length) + r.key.length : 1;
      body += r.value ? sizeOfVarint(r.value.length) + r.value.length : 1;
      body += sizeOfVarint(r.headers.length);
      for (const [k, v] of r.headers) body += sizeOfVarint(k.length) + k.length + (v ? sizeOfVarint(v.length) + v.length : 1);
      sizes[i] = body;
      payloadSize += sizeOfVarint(body) + body;
    }
    const payload = Buffer.allocUnsafe(payloadSize);
    let p = 0;
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      p = writeVarint(payload, p, sizes[i]);
      payload[p++] = 0;
      p = writeVarlong(payload, p, r.timestamp - baseTimestamp);
      p = writeVarint(payload, p, r.offsetDelta);
      p = writeBytes(payload, p, r.key);
      p = writeBytes(payload, p, r.value);
      p = writeVarint(payload, p, r.headers.length);
      for (const [k, v] of r.headers) {
        p = writeBytes(payload, p, k);
        p = writeBytes(payload, p, v);
      }
    }
    const codec = o.compression ?? CompressionType.None;
    const body = codec === CompressionType.None ? payload : compress(codec, payload, o.compressionLevel === undefined ? {} : { level: o.compressionLevel });

    const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + body.length);
    writeInt64(out, OFFSET_BASE_OFFSET, o.baseOffset ?? 0);
    out.writeInt32BE(BATCH_HEADER_SIZE - LOG_OVERHEAD + body.length, OFFSET_BATCH_LENGTH);
    out.writeInt32BE(o.partitionLeaderEpoch ?? -1, OFFSET_PARTITION_LEADER_EPOCH);
    out.writeInt8(2, OFFSET_MAGIC);
    let attributes = codec & ATTR_COMPRESSION_MASK;
    if (logAppend) attributes |= ATTR_TIMESTAMP_TYPE_LOG_APPEND;
    if (o.transactional) attributes |= ATTR_TRANSACTIONAL;
    if (o.control) attributes |= ATTR_CONTROL;
    out.writeInt16BE(attributes, OFFSET_ATTRIBUTES);
    const lastOffsetDelta = o.lastOffsetDelta ?? (records.length > 0 ? records[records.length - 1].offsetDelta : 0);
    out.writeInt32BE(lastOffsetDelta, OFFSET_LAST_OFFSET_DELTA);
    writeInt64(out, OFFSET_BASE_TIMESTAMP, baseTimestamp);
    writeInt64(out, OFFSET_MAX_TIMESTAMP, maxTimestamp);
    writeInt64(out, OFFSET_PRODUCER_ID, o.producerId ?? -1);
    out.writeInt16BE(o.producerEpoch ?? -1, OFFSET_PRODUCER_EPOCH);
    out.writeInt32BE(o.baseSequence ?? -1, OFFSET_BASE_SEQUENCE);
    out.writeInt32BE(records.length, OFFSET_RECORDS_COUNT);
    body.copy(out, BATCH_HEADER_SIZE);
    out.writeUInt32BE(crc32c(out, CRC_START, out.length), OFFSET_CRC);
    return out;
  }
}

function writeBytes(buf: Buffer, pos: number, bytes: Buffer | null): number {
  if (bytes === null) return writeVarint(buf, pos, -1);
  pos = writeVarint(buf, pos, bytes.length);
  bytes.copy(buf, pos);
  return pos + bytes.length;
}

export interface ControlBatchOptions {
  type: ControlRecordType;
  producerId: bigint | number;
  producerEpoch: number;
  coordinatorEpoch: number;
  baseOffset?: bigint | number;
  partitionLeaderEpoch?: number;
  timestamp?: number;
}

/** Builds a transaction marker: a transactional control batch with one control record. */
export function buildControlBatch(o: ControlBatchOptions): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(o.type, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(o.coordinatorEpoch, 2);
  const builder = new RecordBatchBuilder({
    baseOffset: o.baseOffset ?? 0,
    partitionLeaderEpoch: o.partitionLeaderEpoch ?? -1,
    transactional: true,
    control: true,
    producerId: o.producerId,
    producerEpoch: o.producerEpoch,
    baseSequence: -1,
  });
  return builder.append({ key, value, timestamp: o.timestamp ?? Date.now() }).build();
}
