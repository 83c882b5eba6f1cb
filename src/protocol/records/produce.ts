/**
 * The checks Kafka applies to the `records` field of one partition in a Produce request, before anything is
 * appended (Apache Kafka's ProduceRequest.validateRecords + LogValidator's batch-level checks):
 *  - Produce v3+: exactly one record batch, magic 2; zstd only from v7 (else UNSUPPORTED_COMPRESSION_TYPE);
 *  - Produce v0-2: a legacy magic 0/1 message set (to be up-converted with legacyToBatch);
 *  - framing, CRC, counts as in validateBatch with its produce rules.
 * Never throws; never decompresses (legacy sets are CRC-checked when they are up-converted).
 */
import { LOG_OVERHEAD, OFFSET_MAGIC } from './batch-header.js';
import { validateBatch } from './batch.js';
import { KafkaRecordErrorCode } from './errors.js';

export type ProduceRecordsCheck =
  | { ok: true; format: 'v2' | 'legacy' }
  | { ok: false; errorCode: KafkaRecordErrorCode; message: string };

export function checkProduceRecords(records: Buffer | null, apiVersion: number): ProduceRecordsCheck {
  const { CORRUPT_MESSAGE, INVALID_RECORD } = KafkaRecordErrorCode;
  if (records === null || records.length === 0) return { ok: false, errorCode: INVALID_RECORD, message: 'produce request holds no records' };
  if (records.length <= OFFSET_MAGIC) return { ok: false, errorCode: CORRUPT_MESSAGE, message: `records truncated: ${records.length} bytes` };
  const magic = records[OFFSET_MAGIC];
  if (apiVersion >= 3) {
    if (magic !== 2) {
      return { ok: false, errorCode: INVALID_RECORD, message: `Produce v${apiVersion} only allows record batches with magic 2, got magic ${magic}` };
    }
    const check = validateBatch(records, 0, records.length, { produce: true, allowZstd: apiVersion >= 7 });
    if (!check.ok) return check;
    if (check.end !== records.length) {
      return { ok: false, errorCode: INVALID_RECORD, message: `Produce v${apiVersion} allows exactly one record batch per partition` };
    }
    return { ok: true, format: 'v2' };
  }
  if (magic > 1) return { ok: false, errorCode: INVALID_RECORD, message: `Produce v${apiVersion} carries magic 0/1 message sets, got magic ${magic}` };
  if (records.length < LOG_OVERHEAD) return { ok: false, errorCode: CORRUPT_MESSAGE, message: 'message set truncated' };
  return { ok: true, format: 'legacy' };
}
