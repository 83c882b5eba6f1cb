/**
 * The CRC-32C used everywhere in kstack. Today the pure-JS implementation; a native one may be chosen here at
 * load time when it is present and measured faster (see bench/).
 */
import { crc32cJs } from './crc32c.js';

/** CRC-32C of bytes[start, end), unsigned. */
export const crc32c: (bytes: Uint8Array, start?: number, end?: number) => number = crc32cJs;
