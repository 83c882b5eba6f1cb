/**
 * The checksums everyone in kstack calls.
 *
 * `crc32c` (record batch v2): when `@node-rs/crc32` loads (napi-rs; its prebuilt per-platform binary comes from the
 * npm registry as an optional dependency), inputs of NATIVE_MIN_BYTES and more go to it — it runs 3-5x faster than
 * the pure-JS slicing-by-8 above 1 KiB on this hardware; below that the napi call overhead loses to JS, so small
 * inputs stay in JS (see `npm run bench -- crc32c`). If the native module is missing, fails to load or gives a
 * wrong check value, everything runs in JS. `KSTACK_CRC32C=js` forces the JS path (to test the fallback).
 *
 * `crc32` (legacy magic 0/1 messages, CRC-32 IEEE): native when loaded, else pure JS.
 */
import { createRequire } from 'node:module';
import { crc32cJs } from './crc32c.js';
import { crc32IeeeJs } from './crc32-ieee.js';

type NativeCrc = (input: Buffer, initialState?: number) => number;

/** Inputs shorter than this are checksummed in JS even when the native module is loaded. */
export const NATIVE_MIN_BYTES = 256;

function loadNative(): { crc32c: NativeCrc; crc32: NativeCrc } | undefined {
  if (process.env.KSTACK_CRC32C === 'js') return undefined;
  try {
    const require = createRequire(import.meta.url);
    const mod = require('@node-rs/crc32') as { crc32c?: NativeCrc; crc32?: NativeCrc };
    if (typeof mod.crc32c !== 'function' || typeof mod.crc32 !== 'function') return undefined;
    const check = Buffer.from('123456789');
    if (mod.crc32c(check) >>> 0 !== 0xe3069283 || mod.crc32(check) >>> 0 !== 0xcbf43926) return undefined;
    return { crc32c: mod.crc32c, crc32: mod.crc32 };
  } catch {
    return undefined;
  }
}

const native = loadNative();

/** Which CRC-32C implementation large inputs use: 'native' (@node-rs/crc32) or 'js'. */
export const crc32cImplementation: 'native' | 'js' = native ? 'native' : 'js';

function asBuffer(bytes: Uint8Array, start: number, end: number): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
}

/** CRC-32C of bytes[start, end), unsigned. */
export const crc32c: (bytes: Uint8Array, start?: number, end?: number) => number = native
  ? (bytes, start = 0, end = bytes.length) => {
      if (end - start < NATIVE_MIN_BYTES) return crc32cJs(bytes, start, end);
      return native.crc32c(asBuffer(bytes, start, end)) >>> 0;
    }
  : crc32cJs;

/** CRC-32 (IEEE) of bytes[start, end), unsigned: the checksum of legacy magic 0/1 messages. */
export const crc32: (bytes: Uint8Array, start?: number, end?: number) => number = native
  ? (bytes, start = 0, end = bytes.length) => native.crc32(asBuffer(bytes, start, end)) >>> 0
  : crc32IeeeJs;

export { crc32cJs, crc32IeeeJs };
