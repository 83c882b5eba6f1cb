/**
 * Legacy message sets (magic 0 and 1), which sarama at its default settings still produces (Produce v0,
 * magic 0), and old Fetch versions (< 4) still expect back.
 *
 * A message set is a sequence of entries, each:
 *   offset int64 | size int32 | crc uint32 | magic int8 | attributes int8 | [timestamp int64, magic 1 only] |
 *   key bytes (int32 length, -1 = null) | value bytes (int32 length, -1 = null)
 * crc is CRC-32 (IEEE) over magic..end. attributes: bits 0-2 codec, bit 3 timestamp type (magic 1).
 *
 * Compression: a "wrapper" message whose value is a compressed inner message set, whose messages are
 * uncompressed and of the same magic. Inner offsets: magic 0 — absolute; magic 1 — relative (0..n-1), and the
 * wrapper's own offset is the absolute offset of the LAST inner message, so an inner message's absolute offset is
 * wrapperOffset - lastInnerOffset + innerOffset. For magic 1 wrappers with LogAppendTime every inner message
 * takes the wrapper's timestamp. Magic 0 LZ4 data carries Kafka's old frame header checksum (see lz4-frame.ts).
 *
 * Conversion: `legacyToBatch` up-converts a set to ONE v2 batch (as Kafka's broker does on Produce v0-2), keeping
 * keys, values and timestamps (magic 0 has none: -1) and the set's codec; `batchesToLegacy` down-converts v2
 * batches for Fetch < 4 (headers and control batches cannot be represented and are dropped, as in Kafka; zstd
 * data cannot be down-converted: UNSUPPORTED_COMPRESSION_TYPE).
 */
import { CompressionType, LOG_OVERHEAD, OFFSET_MAGIC } from './batch-header.js';
import {
  forEachBatch,
  NO_TIMESTAMP,
  RecordBatchBuilder,
  readRecords,
  TimestampType,
  validateBatch,
  type Bytes,
  type RecordBatchBuilderOptions,
} from './batch.js';
import { compress, decompress, DEFAULT_MAX_DECOMPRESSED_BYTES } from './compression.js';
import { crc32 } from './crc.js';
import { KafkaRecordErrorCode, RecordFormatError } from './errors.js';

const ATTR_CODEC = 0x07;
const ATTR_LOG_APPEND_TIME = 0x08;
/** crc + magic + attributes + key length + value length; magic 1 adds an 8-byte timestamp. */
const MESSAGE_OVERHEAD = [14, 22] as const;

export interface LegacyMessage {
  /** Absolute offset (inner messages of a wrapper resolved). */
  offset: bigint;
  magic: 0 | 1;
  /** The codec of the wrapper this message came from (None for plain messages). */
  wrapperCompression: CompressionType;
  /** -1 for magic 0. */
  timestamp: number;
  timestampType: TimestampType;
  key: Buffer | null;
  value: Buffer | null;
}

export interface LegacyReadOptions {
  /** Total budget for decompressed inner sets (default DEFAULT_MAX_DECOMPRESSED_BYTES). */
  maxDecompressedBytes?: number;
  /** A truncated last entry is normal at the end of a Fetch response; in a Produce request it is an error. */
  allowPartialTail?: boolean;
}

/** True when the entry at start is a legacy (magic 0/1) message rather than a v2 batch. */
export function isLegacyMessageSet(buf: Buffer, start = 0): boolean {
  return buf.length - start > OFFSET_MAGIC && buf[start + OFFSET_MAGIC] < 2;
}

function corrupt(msg: string): RecordFormatError {
  return new RecordFormatError(msg, KafkaRecordErrorCode.CORRUPT_MESSAGE);
}

interface RawMessage {
  offset: bigint;
  magic: 0 | 1;
  attributes: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
}

function readBytes(buf: Buffer, pos: number, end: number, what: string): [Buffer | null, number] {
  if (pos + 4 > end) throw corrupt(`truncated ${what} length`);
  const len = buf.readInt32BE(pos);
  pos += 4;
  if (len === -1) return [null, pos];
  if (len < 0 || len > end - pos) throw corrupt(`${what} length ${len} is impossible`);
  return [buf.subarray(pos, pos + len), pos + len];
}

/** Parses the entries of one (outer or inner) message set without descending into wrappers. */
function parseEntries(buf: Buffer, start: number, end: number, allowPartialTail: boolean, expectMagic?: number): RawMessage[] {
  const out: RawMessage[] = [];
  let pos = start;
  while (pos < end) {
    if (end - pos < LOG_OVERHEAD) {
      if (allowPartialTail) break;
      throw corrupt(`truncated message set: ${end - pos} stray bytes at byte ${pos}`);
    }
    const offset = buf.readBigInt64BE(pos);
    const size = buf.readInt32BE(pos + 8);
    if (size < MESSAGE_OVERHEAD[0]) throw corrupt(`message size ${size} at byte ${pos} is below the minimum`);
    if (size > end - pos - LOG_OVERHEAD) {
      if (allowPartialTail) break;
      throw corrupt(`message size ${size} at byte ${pos} overruns the message set`);
    }
    const msgStart = pos + LOG_OVERHEAD;
    const msgEnd = msgStart + size;
    const storedCrc = buf.readUInt32BE(msgStart);
    const magic = buf[msgStart + 4];
    if (magic > 1) throw corrupt(`magic ${magic} message inside a legacy message set at byte ${pos}`);
    if (expectMagic !== undefined && magic !== expectMagic) {
      throw corrupt(`inner message magic ${magic} differs from its wrapper's magic ${expectMagic}`);
    }
    if (size < MESSAGE_OVERHEAD[magic]) throw corrupt(`magic ${magic} message size ${size} is below the minimum`);
    const actualCrc = crc32(buf, msgStart + 4, msgEnd);
    if (storedCrc !== actualCrc) {
      throw corrupt(`message CRC mismatch at byte ${pos}: stored 0x${storedCrc.toString(16)}, computed 0x${actualCrc.toString(16)}`);
    }
    const attributes = buf[msgStart + 5];
    let p = msgStart + 6;
    let timestamp = NO_TIMESTAMP;
    if (magic === 1) {
      timestamp = buf.readInt32BE(p) * 4294967296 + buf.readUInt32BE(p + 4);
      if (!Number.isSafeInteger(timestamp) || timestamp < NO_TIMESTAMP) {
        throw new RecordFormatError(`message timestamp ${buf.readBigInt64BE(p)} at byte ${pos} is out of range`, KafkaRecordErrorCode.INVALID_RECORD);
      }
      p += 8;
    }
    const [key, afterKey] = readBytes(buf, p, msgEnd, 'key');
    const [value, afterValue] = readBytes(buf, afterKey, msgEnd, 'value');
    if (afterValue !== msgEnd) throw corrupt(`${msgEnd - afterValue} stray bytes inside the message at byte ${pos}`);
    out.push({ offset, magic: magic as 0 | 1, attributes, timestamp, key, value });
    pos = msgEnd;
  }
  return out;
}

/**
 * Reads a legacy message set into its messages, decompressing wrappers (CRC-checked at both levels).
 * Throws RecordFormatError on anything malformed.
 */
export function readLegacyMessages(buf: Buffer, start = 0, end = buf.length, options: LegacyReadOptions = {}): LegacyMessage[] {
  let budget = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const out: LegacyMessage[] = [];
  for (const m of parseEntries(buf, start, end, options.allowPartialTail === true)) {
    const codec = m.attributes & ATTR_CODEC;
    const tsType = m.magic === 1 && m.attributes & ATTR_LOG_APPEND_TIME ? TimestampType.LogAppendTime : TimestampType.CreateTime;
    if (codec === CompressionType.None) {
      out.push({ offset: m.offset, magic: m.magic, wrapperCompression: CompressionType.None, timestamp: m.timestamp, timestampType: tsType, key: m.key, value: m.value });
      continue;
    }
    if (codec > CompressionType.Lz4) {
      throw new RecordFormatError(`compression type ${codec} is not allowed in a magic ${m.magic} message`, KafkaRecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    }
    if (m.value === null) throw corrupt('compressed wrapper message has a null value');
    const inner = decompress(codec, m.value, { maxBytes: budget, magic0: m.magic === 0 });
    budget -= inner.length;
    const messages = parseEntries(inner, 0, inner.length, false, m.magic);
    if (messages.length === 0) throw corrupt('compressed wrapper message holds no messages');
    const lastInner = messages[messages.length - 1].offset;
    for (const im of messages) {
      if (im.attributes & ATTR_CODEC) throw corrupt('a compressed message holds another compressed message');
      const offset = m.magic === 1 ? m.offset - lastInner + im.offset : im.offset;
      const timestamp = tsType === TimestampType.LogAppendTime ? m.timestamp : im.timestamp;
      out.push({ offset, magic: m.magic, wrapperCompression: codec, timestamp, timestampType: tsType, key: im.key, value: im.value });
    }
  }
  return out;
}

// -------------------------------------------------------------------------------------------------- building

export interface LegacyMessageInput {
  key?: Bytes;
  value?: Bytes;
  /** Magic 1 only; default Date.now(). Ignored for magic 0. */
  timestamp?: number;
  /** Absolute offset; default baseOffset + index. */
  offset?: bigint | number;
}

export interface LegacyBuildOptions {
  magic: 0 | 1;
  compression?: CompressionType;
  /** Offset of the first message (default 0). */
  baseOffset?: bigint | number;
  timestampType?: TimestampType;
  /** The wrapper timestamp for LogAppendTime (magic 1). Default Date.now(). */
  logAppendTime?: number;
}

function toBytes(b: Bytes): Buffer | null {
  if (b === null || b === undefined) return null;
  if (typeof b === 'string') return Buffer.from(b, 'utf8');
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Encodes one legacy entry (offset, size, crc, magic, attributes, [timestamp], key, value). */
export function encodeLegacyMessage(
  offset: bigint,
  magic: 0 | 1,
  attributes: number,
  timestamp: number,
  key: Buffer | null,
  value: Buffer | null,
): Buffer {
  const size = MESSAGE_OVERHEAD[magic] + (key?.length ?? 0) + (value?.length ?? 0);
  const out = Buffer.allocUnsafe(LOG_OVERHEAD + size);
  out.writeBigInt64BE(offset, 0);
  out.writeInt32BE(size, 8);
  out[16] = magic;
  out[17] = attributes;
  let p = 18;
  if (magic === 1) {
    out.writeBigInt64BE(BigInt(timestamp), p);
    p += 8;
  }
  for (const b of [key, value]) {
    if (b === null) {
      out.writeInt32BE(-1, p);
      p += 4;
    } else {
      out.writeInt32BE(b.length, p);
      b.copy(out, p + 4);
      p += 4 + b.length;
    }
  }
  out.writeUInt32BE(crc32(out, 16, out.length), 12);
  return out;
}

/** Builds a legacy message set: plain messages, or one compressed wrapper holding them all. */
export function buildLegacyMessageSet(messages: LegacyMessageInput[], options: LegacyBuildOptions): Buffer {
  const { magic } = options;
  const codec = options.compression ?? CompressionType.None;
  if (codec > CompressionType.Lz4) {
    throw new RecordFormatError(`compression type ${codec} is not allowed in magic ${magic} messages`, KafkaRecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  }
  const base = BigInt(options.baseOffset ?? 0);
  const logAppend = magic === 1 && options.timestampType === TimestampType.LogAppendTime;
  const abs = messages.map((m, i) => (m.offset === undefined ? base + BigInt(i) : BigInt(m.offset)));
  const ts = messages.map((m) => (magic === 0 ? NO_TIMESTAMP : (m.timestamp ?? Date.now())));
  if (codec === CompressionType.None) {
    const attributes = logAppend ? ATTR_LOG_APPEND_TIME : 0;
    const appendTime = options.logAppendTime ?? Date.now();
    return Buffer.concat(messages.map((m, i) => encodeLegacyMessage(abs[i], magic, attributes, logAppend ? appendTime : ts[i], toBytes(m.key), toBytes(m.value))));
  }
  if (messages.length === 0) return Buffer.alloc(0);
  const first = abs[0];
  const inner = Buffer.concat(
    messages.map((m, i) => encodeLegacyMessage(magic === 1 ? abs[i] - first : abs[i], magic, 0, ts[i], toBytes(m.key), toBytes(m.value))),
  );
  const wrapperTs = magic === 0 ? NO_TIMESTAMP : logAppend ? (options.logAppendTime ?? Date.now()) : Math.max(...ts);
  const attributes = codec | (logAppend ? ATTR_LOG_APPEND_TIME : 0);
  return encodeLegacyMessage(abs[abs.length - 1], magic, attributes, wrapperTs, null, compress(codec, inner, { magic0: magic === 0 }));
}

// ------------------------------------------------------------------------------------------------ conversion

export interface UpConvertOptions extends LegacyReadOptions {
  /** Codec of the v2 batch; default: the codec of the set's first wrapper, or none. */
  compression?: CompressionType;
  /** Base offset of the batch (default 0; the broker assigns the real one with setBaseOffset). */
  baseOffset?: bigint | number;
  /**
   * Keep the messages' own offsets as offset deltas (converting stored data). Default false: deltas are 0..n-1,
   * as on Produce, where producers' offsets mean nothing.
   */
  keepOffsets?: boolean;
  partitionLeaderEpoch?: number;
}

/** Up-converts a legacy message set to one v2 record batch (keys, values, timestamps and codec preserved). */
export function legacyToBatch(buf: Buffer, start = 0, end = buf.length, options: UpConvertOptions = {}): Buffer {
  const messages = readLegacyMessages(buf, start, end, options);
  if (messages.length === 0) throw new RecordFormatError('legacy message set holds no messages', KafkaRecordErrorCode.INVALID_RECORD);
  const codec = options.compression ?? messages.find((m) => m.wrapperCompression !== CompressionType.None)?.wrapperCompression ?? CompressionType.None;
  const first = messages[0].offset;
  const logAppend = messages[0].timestampType === TimestampType.LogAppendTime;
  const builderOptions: RecordBatchBuilderOptions = {
    baseOffset: options.baseOffset ?? (options.keepOffsets ? first : 0),
    compression: codec,
    partitionLeaderEpoch: options.partitionLeaderEpoch ?? -1,
    baseTimestamp: messages[0].timestamp,
  };
  if (logAppend) {
    builderOptions.timestampType = TimestampType.LogAppendTime;
    builderOptions.logAppendTime = messages[0].timestamp;
  }
  const builder = new RecordBatchBuilder(builderOptions);
  messages.forEach((m, i) => {
    let offsetDelta = i;
    if (options.keepOffsets) {
      const d = m.offset - first;
      if (d < 0n || d > 0x7fffffffn) throw new RecordFormatError(`legacy offsets out of order at offset ${m.offset}`, KafkaRecordErrorCode.INVALID_RECORD);
      offsetDelta = Number(d);
    }
    try {
      builder.append({ key: m.key, value: m.value, timestamp: m.timestamp, offsetDelta });
    } catch (err) {
      throw new RecordFormatError(`legacy offsets out of order at offset ${m.offset}`, KafkaRecordErrorCode.INVALID_RECORD, err);
    }
  });
  return builder.build();
}

export interface DownConvertOptions {
  /** Per-batch ceiling on decompressed records (default DEFAULT_MAX_DECOMPRESSED_BYTES). */
  maxDecompressedBytes?: number;
}

/**
 * Down-converts the complete v2 batches in buf[start, end) to a magic 0 or 1 message set (Fetch < 4). Each
 * compressed batch becomes one wrapper message with the same codec; control batches are skipped, headers
 * dropped. Legacy entries already in the input are copied through when their magic is not above the target.
 */
export function batchesToLegacy(buf: Buffer, magic: 0 | 1, start = 0, end = buf.length, options: DownConvertOptions = {}): Buffer {
  const parts: Buffer[] = [];
  forEachBatch(
    buf,
    (view) => {
      if (view.magic < 2) {
        if (view.magic <= magic) parts.push(buf.subarray(view.start, view.end));
        else parts.push(legacyReencode(buf, view.start, view.end, magic));
        return;
      }
      const check = validateBatch(buf, view.start, view.end);
      if (!check.ok) throw new RecordFormatError(check.message, check.errorCode);
      if (view.isControl) return;
      const codec = view.compression;
      if (codec === CompressionType.Zstd) {
        throw new RecordFormatError('zstd-compressed data cannot be down-converted for Fetch < 10', KafkaRecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
      }
      const records = readRecords(buf, view.start, options.maxDecompressedBytes === undefined ? {} : { maxDecompressedBytes: options.maxDecompressedBytes });
      if (records.length === 0) return;
      const buildOptions: LegacyBuildOptions = { magic, compression: codec, timestampType: view.timestampType };
      if (view.timestampType === TimestampType.LogAppendTime) buildOptions.logAppendTime = view.maxTimestamp;
      parts.push(
        buildLegacyMessageSet(
          records.map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp, offset: r.offset })),
          buildOptions,
        ),
      );
    },
    start,
    end,
  );
  return Buffer.concat(parts);
}

/** Magic 1 entries down to magic 0 (timestamps dropped), wrappers recompressed. */
function legacyReencode(buf: Buffer, start: number, end: number, magic: 0 | 1): Buffer {
  const messages = readLegacyMessages(buf, start, end);
  const codec = messages[0]?.wrapperCompression ?? CompressionType.None;
  return buildLegacyMessageSet(
    messages.map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp, offset: m.offset })),
    { magic, compression: codec },
  );
}
