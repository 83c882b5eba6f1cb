import { describe, expect, it } from 'vitest';
import { planOffsetReset, type PartitionOffsets } from '../../../src/client/offset-reset.js';

const parts: PartitionOffsets[] = [
  { partition: 1, low: 10, high: 50, committed: 30, atTimestamp: 40 },
  { partition: 0, low: 0, high: 100, committed: null, atTimestamp: -1 },
];

describe('planning an offset reset', () => {
  it('goes to the earliest and latest offsets', () => {
    expect(planOffsetReset(parts, { kind: 'earliest' })).toEqual([{ partition: 0, newOffset: 0 }, { partition: 1, newOffset: 10 }]);
    expect(planOffsetReset(parts, { kind: 'latest' })).toEqual([{ partition: 0, newOffset: 100 }, { partition: 1, newOffset: 50 }]);
  });
  it('clamps absolute offsets and shifts to the log', () => {
    expect(planOffsetReset(parts, { kind: 'offset', offset: 5 })).toEqual([{ partition: 0, newOffset: 5 }, { partition: 1, newOffset: 10 }]);
    expect(planOffsetReset(parts, { kind: 'shift', by: -25 })).toEqual([{ partition: 0, newOffset: 75 }, { partition: 1, newOffset: 10 }]);
    expect(planOffsetReset(parts, { kind: 'shift', by: 5 })).toEqual([{ partition: 0, newOffset: 100 }, { partition: 1, newOffset: 35 }]);
  });
  it('uses the first offset at the time, or the log end when nothing is that recent', () => {
    expect(planOffsetReset(parts, { kind: 'datetime', timestamp: 0 })).toEqual([{ partition: 0, newOffset: 100 }, { partition: 1, newOffset: 40 }]);
  });
});
