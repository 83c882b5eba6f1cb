import { describe, expect, it } from 'vitest';
import { ProducerStateManager } from '../../../../src/broker/producers/producer-state.js';
import { ErrorCode } from '../../../../src/protocol/generated/error-codes.js';

const b = (producerEpoch: number, baseSequence: number, records: number) => ({ producerId: 7n, producerEpoch, baseSequence, lastOffsetDelta: records - 1 });

describe('idempotent producer state', () => {
  it('allocates increasing producer ids at epoch 0', () => {
    const m = new ProducerStateManager();
    expect(m.allocateProducerId()).toEqual({ producerId: 0n, producerEpoch: 0 });
    expect(m.allocateProducerId()).toEqual({ producerId: 1n, producerEpoch: 0 });
    m.ensureNextProducerIdAbove(10n);
    expect(m.allocateProducerId().producerId).toBe(11n);
  });

  it('accepts in-order sequences and recognises duplicates of the last five batches', () => {
    const m = new ProducerStateManager();
    expect(m.check('t-0', b(0, 0, 10))).toEqual({ kind: 'append' });
    m.record('t-0', b(0, 0, 10), 100n, 1);
    for (let i = 1; i < 7; i++) {
      expect(m.check('t-0', b(0, i * 10, 10)).kind).toBe('append');
      m.record('t-0', b(0, i * 10, 10), 100n + BigInt(i * 10), 1);
    }
    // Batches 2..6 are cached; batch 0 and 1 fell out.
    expect(m.check('t-0', b(0, 60, 10))).toEqual({ kind: 'duplicate', firstOffset: 160n });
    expect(m.check('t-0', b(0, 20, 10))).toEqual({ kind: 'duplicate', firstOffset: 120n });
    expect(m.check('t-0', b(0, 10, 10))).toMatchObject({ kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(m.check('t-0', b(0, 80, 10))).toMatchObject({ kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(m.check('t-0', b(0, 70, 10)).kind).toBe('append');
  });

  it('fences old epochs and requires sequence 0 for a new epoch or an unknown producer', () => {
    const m = new ProducerStateManager();
    expect(m.check('p', b(0, 5, 1))).toMatchObject({ kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    m.record('p', b(1, 0, 5), 0n, 1);
    expect(m.check('p', b(0, 5, 1))).toMatchObject({ kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
    expect(m.check('p', b(2, 3, 1))).toMatchObject({ kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(m.check('p', b(2, 0, 1)).kind).toBe('append');
    // State is per partition.
    expect(m.check('q', b(1, 5, 1)).kind).toBe('error');
  });

  it('wraps sequences at 2^31-1', () => {
    const m = new ProducerStateManager();
    m.record('w', b(0, 0, 1), 0n, 1);
    m.record('w', { producerId: 7n, producerEpoch: 0, baseSequence: 1, lastOffsetDelta: 2147483646 - 1 }, 1n, 1);
    expect(m.check('w', b(0, 2147483647, 2))).toEqual({ kind: 'append' });
    m.record('w', b(0, 2147483647, 2), 5n, 1);
    expect(m.check('w', b(0, 1, 1))).toEqual({ kind: 'append' });
  });

  it('expires idle producers', () => {
    const m = new ProducerStateManager();
    m.record('e', b(0, 0, 1), 0n, 1000);
    m.expire(1000 + 86_400_001, 86_400_000);
    expect(m.check('e', b(0, 1, 1)).kind).toBe('error');
  });
});

describe('producer id blocks', () => {
  it('reserves ids in blocks of 1000 before handing them out, and resumes after the reserved block', () => {
    const reserved: bigint[] = [];
    const m = new ProducerStateManager(0n, (end) => reserved.push(end));
    for (let i = 0; i < 1001; i++) m.allocateProducerId();
    expect(reserved).toEqual([1000n, 2000n]);
    // A restart resumes at the end of the last reservation: no id is handed out twice.
    const after = new ProducerStateManager(reserved[reserved.length - 1], (end) => reserved.push(end));
    expect(after.allocateProducerId().producerId).toBe(2000n);
    expect(reserved[reserved.length - 1]).toBe(3000n);
  });
});
