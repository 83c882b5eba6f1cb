import { describe, expect, it } from 'vitest';
import { crc32cJs } from '../../../../src/protocol/records/crc32c.js';

describe('crc32cJs', () => {
  it('matches the standard check value', () => {
    expect(crc32cJs(Buffer.from('123456789'))).toBe(0xe3069283);
  });
  it('honours start and end', () => {
    const buf = Buffer.from('xx123456789yy');
    expect(crc32cJs(buf, 2, 11)).toBe(0xe3069283);
  });
  it('agrees with a byte-wise reference on odd lengths', () => {
    const data = Buffer.alloc(1037);
    for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
    let crc = 0xffffffff;
    for (const b of data) {
      crc ^= b;
      for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
    }
    expect(crc32cJs(data)).toBe((crc ^ 0xffffffff) >>> 0);
  });
});
