import { describe, expect, it, vi } from 'vitest';
import { crc32, crc32c, crc32cImplementation, crc32cJs, crc32IeeeJs, NATIVE_MIN_BYTES } from '../../../../src/protocol/records/crc.js';
import { xxhash32 } from '../../../../src/protocol/records/xxhash32.js';

function pseudoRandom(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

describe('crc32c (the implementation everyone calls)', () => {
  it('loads the native implementation on this platform', () => {
    // @node-rs/crc32 ships a prebuilt linux-x64 binary; if this fails the fallback is in use.
    expect(crc32cImplementation).toBe('native');
  });
  it('matches the standard check value and the JS version on both sides of the native threshold', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    for (const n of [0, 1, 7, NATIVE_MIN_BYTES - 1, NATIVE_MIN_BYTES, 1000, 65_537]) {
      const data = pseudoRandom(n + 20, n);
      expect(crc32c(data, 10, 10 + n)).toBe(crc32cJs(data, 10, 10 + n));
    }
  });
  it('works on Uint8Array views that are not Buffers', () => {
    const data = pseudoRandom(4096);
    const view = new Uint8Array(data.buffer, data.byteOffset + 3, 3000);
    expect(crc32c(view)).toBe(crc32cJs(data, 3, 3003));
  });
});

describe('crc32 (IEEE, legacy messages)', () => {
  it('matches the standard check value in native and JS form', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32IeeeJs(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
  it('agrees between native and JS on odd ranges', () => {
    const data = pseudoRandom(5000, 9);
    for (const [s, e] of [[0, 0], [1, 2], [3, 4099], [17, 5000]]) expect(crc32(data, s, e)).toBe(crc32IeeeJs(data, s, e));
  });
});

describe('xxhash32', () => {
  it('matches the reference vectors', () => {
    expect(xxhash32(Buffer.alloc(0))).toBe(0x02cc5d05);
    expect(xxhash32(Buffer.from('abc'))).toBe(0x32d153ff);
    expect(xxhash32(Buffer.from('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
  });
});

describe('fallback when the native module is not used', () => {
  it('KSTACK_CRC32C=js selects the pure-JS implementations, with the same results', async () => {
    const saved = process.env.KSTACK_CRC32C;
    process.env.KSTACK_CRC32C = 'js';
    try {
      vi.resetModules();
      const js = await import('../../../../src/protocol/records/crc.js');
      expect(js.crc32cImplementation).toBe('js');
      const data = pseudoRandom(10_000, 3);
      expect(js.crc32c(data, 5, 9000)).toBe(crc32c(data, 5, 9000));
      expect(js.crc32(data, 5, 9000)).toBe(crc32(data, 5, 9000));
    } finally {
      if (saved === undefined) delete process.env.KSTACK_CRC32C;
      else process.env.KSTACK_CRC32C = saved;
      vi.resetModules();
    }
  });
});
