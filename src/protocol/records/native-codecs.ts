/**
 * The native codec modules (napi-rs; prebuilt per-platform binaries come from the npm registry as optional
 * dependencies), loaded on first use so that a platform without a binary loses only that codec — a clear
 * UNSUPPORTED_COMPRESSION_TYPE error — instead of the whole record layer failing to import.
 */
import { createRequire } from 'node:module';
import { KafkaRecordErrorCode, RecordFormatError } from './errors.js';

export interface SnappyModule {
  compressSync(input: Uint8Array): Buffer;
  uncompressSync(input: Uint8Array, options: { asBuffer: true }): Buffer | string;
}

export interface Lz4Module {
  compressFrameSync(data: Buffer, options?: { contentChecksum?: boolean; blockChecksums?: boolean }): Buffer;
  decompressFrameSync(data: Buffer): Buffer;
}

const require = createRequire(import.meta.url);
const cache = new Map<string, unknown>();

/** Loads (once) a codec package; throws UNSUPPORTED_COMPRESSION_TYPE when it cannot load here. */
export function loadCodecPackage<T>(name: string, codec: string): T {
  let mod = cache.get(name);
  if (mod === undefined) {
    try {
      mod = require(name) as T;
    } catch (err) {
      mod = err instanceof Error ? err : new Error(String(err));
    }
    cache.set(name, mod);
  }
  if (mod instanceof Error) {
    throw new RecordFormatError(
      `${codec} is unavailable on this platform: the npm package ${name} did not load (${mod.message.split('\n')[0]})`,
      KafkaRecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
      mod,
    );
  }
  return mod as T;
}

export function snappyModule(): SnappyModule {
  return loadCodecPackage<SnappyModule>('snappy', 'snappy');
}

export function lz4Module(): Lz4Module {
  return loadCodecPackage<Lz4Module>('lz4-napi', 'lz4');
}
