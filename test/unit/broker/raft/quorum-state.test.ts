import { describe, expect, it } from 'vitest';
import { decodeQuorumStateFile, encodeQuorumStateFile, MemoryQuorumStateStore, QuorumStateFileError } from '../../../../src/broker/raft/quorum-state.js';

describe('quorum-state', () => {
  it('writes and reads Kafka\'s quorum-state JSON (data_version 0)', () => {
    const text = encodeQuorumStateFile({ epoch: 5, votedId: 2, leaderId: -1 }, [1, 2, 3], 'abc');
    expect(JSON.parse(text)).toEqual({
      clusterId: 'abc', leaderId: -1, leaderEpoch: 5, votedId: 2, appliedOffset: 0,
      currentVoters: [{ voterId: 1 }, { voterId: 2 }, { voterId: 3 }], data_version: 0,
    });
    expect(decodeQuorumStateFile(text)).toEqual({ epoch: 5, votedId: 2, leaderId: -1, voters: [1, 2, 3] });
    // As Kafka 3.x writes it (currentVoters may be null).
    expect(decodeQuorumStateFile('{"clusterId":"","leaderId":1,"leaderEpoch":2,"votedId":-1,"appliedOffset":0,"currentVoters":null,"data_version":0}'))
      .toEqual({ epoch: 2, votedId: -1, leaderId: 1, voters: [] });
  });

  it('names what is wrong with a bad file', () => {
    expect(() => decodeQuorumStateFile('{')).toThrow(QuorumStateFileError);
    expect(() => decodeQuorumStateFile('[]')).toThrow(/leaderEpoch must be an integer/);
    expect(() => decodeQuorumStateFile('{"leaderEpoch":1,"votedId":"x","leaderId":1}')).toThrow(/votedId/);
    expect(() => decodeQuorumStateFile('{"leaderEpoch":1,"votedId":1,"leaderId":1,"data_version":1}')).toThrow(/data_version/);
    expect(() => decodeQuorumStateFile('{"leaderEpoch":1,"votedId":1,"leaderId":1,"currentVoters":[{}]}')).toThrow(/voterId/);
  });

  it('memory store hands out copies', () => {
    const store = new MemoryQuorumStateStore();
    expect(store.read()).toBeUndefined();
    const s = { epoch: 1, votedId: 1, leaderId: -1 };
    store.write(s);
    s.epoch = 9;
    expect(store.read()).toEqual({ epoch: 1, votedId: 1, leaderId: -1 });
    expect(store.writes).toBe(1);
  });
});
