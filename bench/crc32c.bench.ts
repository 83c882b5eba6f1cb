import { createRequire } from 'node:module';
import { crc32cJs } from '../src/protocol/records/crc32c.js';
import { crc32, crc32c, crc32cImplementation, crc32IeeeJs, NATIVE_MIN_BYTES } from '../src/protocol/records/crc.js';
import { opsPerSecond, type Bench } from './harness.js';

function bytewise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i];
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function loadNative(): ((b: Buffer) => number) | undefined {
  try {
    return (createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: (b: Buffer) => number }).crc32c;
  } catch {
    return undefined;
  }
}

const bench: Bench = {
  name: 'crc32c',
  async run(report) {
    const native = loadNative();
    for (const size of [128, 1024, 16 * 1024, 1024 * 1024]) {
      const data = Buffer.alloc(size);
      for (let i = 0; i < size; i++) data[i] = (i * 131 + 7) & 0xff;
      const mb = size / 1e6;
      const label = size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
      const reference = (await opsPerSecond(() => void bytewise(data), 300)) * mb;
      const js = (await opsPerSecond(() => void crc32cJs(data), 300)) * mb;
      report({ name: `crc32c slicing-by-8 (JS) ${label}`, value: js, unit: 'MB/s', reference: { name: 'bit-wise', value: reference } });
      if (native) {
        const nat = (await opsPerSecond(() => void native(data), 300)) * mb;
        report({ name: `crc32c @node-rs/crc32 (native) ${label}`, value: nat, unit: 'MB/s', reference: { name: 'slicing-by-8', value: js } });
      } else {
        report({ name: `crc32c @node-rs/crc32 (native) ${label}`, value: 0, unit: 'MB/s', notes: 'native module not loadable here' });
      }
      const chosen = (await opsPerSecond(() => void crc32c(data), 300)) * mb;
      report({
        name: `crc32c in use ${label}`,
        value: chosen,
        unit: 'MB/s',
        reference: { name: 'slicing-by-8', value: js },
        notes: `${crc32cImplementation} at >= ${NATIVE_MIN_BYTES} B`,
      });
    }
    const legacy = Buffer.alloc(16 * 1024, 3);
    const ieeeJs = (await opsPerSecond(() => void crc32IeeeJs(legacy), 300)) * (legacy.length / 1e6);
    const ieee = (await opsPerSecond(() => void crc32(legacy), 300)) * (legacy.length / 1e6);
    report({ name: 'crc32 (IEEE, legacy) in use 16 KiB', value: ieee, unit: 'MB/s', reference: { name: 'JS slicing-by-4', value: ieeeJs } });
  },
};
export default bench;
