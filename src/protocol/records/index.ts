/** The record layer's public surface: batch v2, legacy message sets, codecs, checksums. */
export * from './batch-header.js';
export * from './batch.js';
export * from './compression.js';
export * from './crc.js';
export * from './errors.js';
export * from './legacy.js';
export * from './produce.js';
