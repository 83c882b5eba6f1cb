import { describe, expect, it } from 'vitest';
import { ProducerIdBlocks } from '../../../../src/broker/producers/producer-id-blocks.js';

describe('ProducerIdBlocks', () => {
  it('hands out ids from fetched blocks, one fetch at a time for concurrent callers', async () => {
    const fetched: bigint[] = [];
    let next = 5000n;
    const blocks = new ProducerIdBlocks(async () => {
      await new Promise((r) => setTimeout(r, 5));
      fetched.push(next);
      const b = { start: next, length: 3 };
      next += 1000n;
      return b;
    });
    const ids = await Promise.all(Array.from({ length: 7 }, () => blocks.nextProducerId()));
    expect(ids).toEqual([5000n, 5001n, 5002n, 6000n, 6001n, 6002n, 7000n]);
    expect(fetched).toEqual([5000n, 6000n, 7000n]);
  });

  it('passes a failed fetch on and tries again on the next call', async () => {
    let fail = true;
    const blocks = new ProducerIdBlocks(async () => {
      if (fail) throw new Error('no controller');
      return { start: 10n, length: 1 };
    });
    await expect(blocks.nextProducerId()).rejects.toThrow('no controller');
    fail = false;
    expect(await blocks.nextProducerId()).toBe(10n);
  });
});
