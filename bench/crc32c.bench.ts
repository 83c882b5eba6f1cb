import { crc32cJs } from '../src/protocol/records/crc32c.js';
import { crc32c } from '../src/protocol/records/crc.js';
import { opsPerSecond, type Bench } from './harness.js';

function bytewise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i];
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const bench: Bench = {
  name: 'crc32c',
  async run(report) {
    for (const size of [128, 1024, 16 * 1024, 1024 * 1024]) {
      const data = Buffer.alloc(size, 7);
      const mb = size / 1e6;
      const reference = (await opsPerSecond(() => void bytewise(data), 300)) * mb;
      const js = (await opsPerSecond(() => void crc32cJs(data), 300)) * mb;
      const chosen = (await opsPerSecond(() => void crc32c(data), 300)) * mb;
      const label = size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
      report({ name: `crc32c slicing-by-8 ${label}`, value: js, unit: 'MB/s', reference: { name: 'bit-wise', value: reference } });
      report({ name: `crc32c in use ${label}`, value: chosen, unit: 'MB/s', reference: { name: 'slicing-by-8', value: js } });
    }
  },
};
export default bench;
