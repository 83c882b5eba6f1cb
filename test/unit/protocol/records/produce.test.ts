import { describe, expect, it } from 'vitest';
import { CompressionType, RecordBatchBuilder } from '../../../../src/protocol/records/batch.js';
import { KafkaRecordErrorCode } from '../../../../src/protocol/records/errors.js';
import { buildLegacyMessageSet } from '../../../../src/protocol/records/legacy.js';
import { checkProduceRecords } from '../../../../src/protocol/records/produce.js';

const batch = (codec = CompressionType.None) => new RecordBatchBuilder({ compression: codec }).append({ key: 'k', value: 'v', timestamp: 1 }).build();

describe('checkProduceRecords', () => {
  it('accepts one v2 batch on v3+ and a legacy set on v0-2', () => {
    expect(checkProduceRecords(batch(), 3)).toEqual({ ok: true, format: 'v2' });
    expect(checkProduceRecords(batch(CompressionType.Zstd), 7)).toEqual({ ok: true, format: 'v2' });
    expect(checkProduceRecords(buildLegacyMessageSet([{ value: 'x' }], { magic: 0 }), 0)).toEqual({ ok: true, format: 'legacy' });
    expect(checkProduceRecords(buildLegacyMessageSet([{ value: 'x' }], { magic: 1, compression: CompressionType.Gzip }), 2)).toEqual({ ok: true, format: 'legacy' });
  });
  it("applies Kafka's rules: magic 2 only and exactly one batch from v3, zstd only from v7, no empty records", () => {
    expect(checkProduceRecords(buildLegacyMessageSet([{ value: 'x' }], { magic: 1 }), 3)).toMatchObject({ ok: false, errorCode: KafkaRecordErrorCode.INVALID_RECORD });
    expect(checkProduceRecords(Buffer.concat([batch(), batch()]), 5)).toMatchObject({ ok: false, errorCode: KafkaRecordErrorCode.INVALID_RECORD, message: expect.stringMatching(/exactly one/) });
    expect(checkProduceRecords(batch(CompressionType.Zstd), 6)).toMatchObject({ ok: false, errorCode: KafkaRecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE });
    expect(checkProduceRecords(null, 3)).toMatchObject({ ok: false, errorCode: KafkaRecordErrorCode.INVALID_RECORD });
    expect(checkProduceRecords(Buffer.alloc(0), 0)).toMatchObject({ ok: false });
    expect(checkProduceRecords(batch(), 2)).toMatchObject({ ok: false, errorCode: KafkaRecordErrorCode.INVALID_RECORD });
    const bad = batch();
    bad[bad.length - 1] ^= 0xff;
    expect(checkProduceRecords(bad, 8)).toMatchObject({ ok: false, errorCode: KafkaRecordErrorCode.CORRUPT_MESSAGE });
  });
});
