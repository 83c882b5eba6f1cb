/**
 * The one error type of the record layer. Every malformed input (bad CRC, truncation, impossible lengths or counts,
 * bad varints, undecodable or oversized compressed data) ends up here, with the Kafka error code a broker should
 * put in its response, so callers can turn it into data instead of a dropped connection.
 */
import { KstackError } from '../../errors.js';

/** Kafka error codes the record layer reports (Kafka's own numbering). */
export const KafkaRecordErrorCode = {
  /** CRC mismatch, impossible sizes, truncated batch: the bytes are not a record batch. */
  CORRUPT_MESSAGE: 2,
  /** A single message is larger than the limit it was checked against. */
  MESSAGE_TOO_LARGE: 10,
  /** Magic/format feature not allowed in this context (e.g. zstd in a magic 0/1 set). */
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 43,
  /** Unknown compression codec, or zstd below Produce v7. */
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  /** Well-framed but semantically invalid records (counts, offsets deltas, headers). */
  INVALID_RECORD: 87,
} as const;

export type KafkaRecordErrorCode = (typeof KafkaRecordErrorCode)[keyof typeof KafkaRecordErrorCode];

export class RecordFormatError extends KstackError {
  /** The Kafka error code to answer with (CORRUPT_MESSAGE, INVALID_RECORD, ...). */
  readonly kafkaErrorCode: KafkaRecordErrorCode;

  constructor(message: string, kafkaErrorCode: KafkaRecordErrorCode = KafkaRecordErrorCode.CORRUPT_MESSAGE, cause?: unknown) {
    super('KSTACK_CORRUPT_RECORDS', message, cause === undefined ? {} : { cause });
    this.name = 'RecordFormatError';
    this.kafkaErrorCode = kafkaErrorCode;
  }
}

export function isRecordFormatError(value: unknown): value is RecordFormatError {
  return value instanceof RecordFormatError;
}
