import { describe, expect, it } from 'vitest';
import { advertisedVersions, buildHandlerTable, HandlerTableError, type HandlerEntry } from '../../../src/broker/dispatch.js';
import { createHandlerTable } from '../../../src/broker/handlers/index.js';
import { apiTable } from '../../../src/protocol/generated/index.js';

const entry = (apiKey: number, minVersion: number, maxVersion: number): HandlerEntry => ({ apiKey, minVersion, maxVersion, handle: () => null });

describe('handler table', () => {
  it('refuses duplicate keys, minimum versions above 0 and empty ranges', () => {
    expect(() => buildHandlerTable([entry(3, 0, 1), entry(3, 0, 2)])).toThrow(HandlerTableError);
    expect(() => buildHandlerTable([entry(0, 3, 8)])).toThrow(/minimum version must be 0/);
    expect(() => buildHandlerTable([entry(1, 0, -1)])).toThrow(/empty version range/);
    expect(advertisedVersions(buildHandlerTable([entry(18, 0, 3), entry(0, 0, 8)]))).toEqual([
      { apiKey: 0, minVersion: 0, maxVersion: 8 },
      { apiKey: 18, minVersion: 0, maxVersion: 3 },
    ]);
  });

  it('advertises only versions the generated codecs know, every range from 0, and the versions clients need (P1/P2/P11)', () => {
    const ranges = new Map(advertisedVersions(createHandlerTable()).map((r) => [r.apiKey, r]));
    for (const r of ranges.values()) {
      expect(r.minVersion).toBe(0);
      expect(r.maxVersion).toBeLessThanOrEqual(apiTable[r.apiKey]!.maxVersion);
    }
    // librdkafka feature gates: Produce∋0 (compression), Produce∋3 & Fetch∋4 (v2 batches), Produce∋7 & Fetch∋10
    // (zstd), ListOffsets∋1, InitProducerId∋0 (idempotence).
    expect(ranges.get(0)!.maxVersion).toBeGreaterThanOrEqual(7);
    expect(ranges.get(1)!.maxVersion).toBeGreaterThanOrEqual(10);
    expect(ranges.get(2)!.maxVersion).toBeGreaterThanOrEqual(1);
    expect(ranges.get(22)).toBeDefined();
    expect(ranges.get(18)!.maxVersion).toBe(3);
    // Not advertised until real (research R1): SASL, transactions.
    for (const key of [17, 24, 25, 26, 28, 36]) expect(ranges.has(key)).toBe(false);
    // OffsetForLeaderEpoch is real (leader epoch cache, replication): v0-4, as clients use it (Java: ≥ v3 for KIP-320).
    expect(ranges.get(23)).toMatchObject({ minVersion: 0, maxVersion: 4 });
  });
});
