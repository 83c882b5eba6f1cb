/**
 * Record batch v2 header layout (61 bytes), as on the wire and on disk:
 *
 *   0  BaseOffset           int64   ┐ outside the CRC: the broker rewrites these
 *   8  BatchLength          int32   │ (bytes after this field)
 *  12  PartitionLeaderEpoch int32   ┘
 *  16  Magic                int8    (2)
 *  17  CRC                  uint32  CRC-32C of bytes [21, end of batch)
 *  21  Attributes           int16   bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control
 *  23  LastOffsetDelta      int32
 *  27  BaseTimestamp        int64
 *  35  MaxTimestamp         int64
 *  43  ProducerId           int64
 *  51  ProducerEpoch        int16
 *  53  BaseSequence         int32
 *  57  RecordsCount         int32
 *  61  records…
 *
 * Legacy message sets (magic 0/1) share the first 12 bytes' meaning (offset, size) and keep magic at byte 16 too.
 */
export const BATCH_HEADER_SIZE = 61;
/** Bytes before BatchLength's payload starts: BaseOffset + BatchLength. */
export const LOG_OVERHEAD = 12;

export const OFFSET_BASE_OFFSET = 0;
export const OFFSET_BATCH_LENGTH = 8;
export const OFFSET_PARTITION_LEADER_EPOCH = 12;
export const OFFSET_MAGIC = 16;
export const OFFSET_CRC = 17;
export const OFFSET_ATTRIBUTES = 21;
export const OFFSET_LAST_OFFSET_DELTA = 23;
export const OFFSET_BASE_TIMESTAMP = 27;
export const OFFSET_MAX_TIMESTAMP = 35;
export const OFFSET_PRODUCER_ID = 43;
export const OFFSET_PRODUCER_EPOCH = 51;
export const OFFSET_BASE_SEQUENCE = 53;
export const OFFSET_RECORDS_COUNT = 57;
/** The CRC covers everything from Attributes to the end of the batch. */
export const CRC_START = OFFSET_ATTRIBUTES;

export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_TIMESTAMP_TYPE_LOG_APPEND = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;

export enum CompressionType {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}
