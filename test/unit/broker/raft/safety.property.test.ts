// Property test: fast-check drives random crashes, restarts, partitions, heals, proposals and time passing
// through the seeded SimulatedNetwork; after any sequence, Raft's safety properties hold (checked on every
// event by the harness: election safety, leader append-only, leader completeness, state-machine safety; plus
// log matching at the end) and, once the faults stop, every committed value is on every node.
// fast-check seed 20261126, 150 runs; each run's network seed comes from the generated case. For a longer
// local hunt: KSTACK_RAFT_FC_SEED=<n> KSTACK_RAFT_FC_RUNS=<n> npx vitest run test/unit/broker/raft/safety.property.test.ts
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedNetwork } from '../../../../src/broker/raft/simulated-network.js';
import { MAX_RAFT_API_VERSIONS, MIN_RAFT_API_VERSIONS } from '../../../../src/broker/raft/wire.js';

type Action =
  | { kind: 'propose'; count: number }
  | { kind: 'crash'; node: number }
  | { kind: 'restart'; node: number }
  | { kind: 'partition'; split: number[] }
  | { kind: 'heal' }
  | { kind: 'run'; ms: number };

const action = (size: number): fc.Arbitrary<Action> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('propose' as const), count: fc.integer({ min: 1, max: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), node: fc.integer({ min: 1, max: size }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), node: fc.integer({ min: 1, max: size }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('partition' as const), split: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: size, maxLength: size }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('heal' as const) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('run' as const), ms: fc.integer({ min: 10, max: 3_000 }) }) },
  );

const scenario = fc.integer({ min: 3, max: 5 }).chain((size) =>
  fc.record({
    size: fc.constant(size),
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
    dropRate: fc.constantFrom(0, 0, 0.05),
    snapshotEvery: fc.constantFrom(0, 4, 15),
    // Some runs push every message through the generated codecs.
    wire: fc.constantFrom(undefined, undefined, MIN_RAFT_API_VERSIONS, MAX_RAFT_API_VERSIONS),
    // Sometimes an observer (a broker following the log) rides along on the first side of partitions.
    observers: fc.constantFrom([] as number[], [101]),
    actions: fc.array(action(size), { minLength: 5, maxLength: 30 }),
  }),
);

describe('Raft safety under random faults', () => {
  it('never loses a committed entry and never breaks election safety, log matching or state-machine safety', () => {
    let proposalId = 0;
    fc.assert(
      fc.property(scenario, ({ size, seed, dropRate, snapshotEvery, wire, observers, actions }) => {
        const voters = Array.from({ length: size }, (_, i) => i + 1);
        const net = new SimulatedNetwork({ seed, voters, observers, dropRate, wire, maxDelayMs: 15, config: { maxEntriesBetweenSnapshots: snapshotEvery, snapshotChunkBytes: 64 } });
        for (const a of actions) {
          switch (a.kind) {
            case 'propose': {
              const leader = net.leader();
              if (leader !== undefined) net.proposeAt(leader.id, Array.from({ length: a.count }, () => `p${proposalId++}`));
              break;
            }
            case 'crash':
              net.crash(a.node);
              break;
            case 'restart':
              if (!net.get(a.node).up) net.restart(a.node);
              break;
            case 'partition':
              net.partition([[...voters.filter((_, i) => a.split[i] === 0), ...observers], voters.filter((_, i) => a.split[i] === 1)]);
              break;
            case 'heal':
              net.heal();
              break;
            case 'run':
              net.runFor(a.ms);
              break;
          }
          if (net.violations.length > 0) break;
        }
        expect(net.violations).toEqual([]);
        // Faults stop: everyone up, one network. The quorum must settle and carry every committed value.
        net.heal();
        for (const id of voters) if (!net.get(id).up) net.restart(id);
        const committed = net.committedValues();
        const converged = net.runUntil(() => {
          const leader = net.leader();
          if (leader === undefined) return false;
          return [...net.nodes.values()].every((s) => s.node.highWatermark === leader.log.endOffset && s.log.endOffset === leader.log.endOffset && s.stateMachine.values.length >= committed.length);
        }, 60_000);
        net.assertSafe();
        expect(converged, 'the quorum converges after the faults stop').toBe(true);
        for (const s of net.nodes.values()) expect(s.stateMachine.values.slice(0, committed.length), `node ${s.id}`).toEqual(committed);
      }),
      { seed: Number(process.env.KSTACK_RAFT_FC_SEED ?? 20261126), numRuns: Number(process.env.KSTACK_RAFT_FC_RUNS ?? 150) },
    );
  });
});
