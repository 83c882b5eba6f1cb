/**
 * A deterministic harness for the Raft core: N RaftNodes on a virtual clock, a network with seeded delays,
 * drops and partitions, node crash and restart (the log, quorum state and snapshots survive; the in-memory
 * state machine does not), and continuous checks of the Raft safety properties on everything that happens:
 *   election safety     at most one leader per epoch
 *   leader append-only  a leader never truncates its log in its epoch
 *   log matching        same offset and epoch ⇒ identical logs up to there (checkLogMatching)
 *   leader completeness a new leader's log holds every entry committed before its election
 *   state-machine safety every node applies the same value at each offset, in order
 *   one vote per epoch  a node never persists two different votes for one epoch (across restarts too)
 * Violations are collected in `violations` (and `assertSafe()` throws with all of them).
 *
 * Same seed, same options, same calls ⇒ the same run, message for message.
 */
import { MemoryRaftLog } from './log.js';
import { RaftNode } from './node.js';
import { MemoryQuorumStateStore } from './quorum-state.js';
import { MemorySnapshotStore } from './snapshot-store.js';
import { apiOf, decodeRaftBody, encodeRaftBody, type RaftApiVersions } from './wire.js';
import { DEFAULT_RAFT_CONFIG, type RaftConfig, type RaftEntry, type RaftEvent, type RaftMessage, type RaftOutput, type RaftSnapshot, type RaftStateMachine } from './types.js';

/** mulberry32: a small, fast, well-distributed 32-bit PRNG; returns [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The replicated state of the simulation: the list of applied values (utf-8 strings). */
export class ValueListStateMachine implements RaftStateMachine {
  values: string[] = [];
  /** Offset after the last applied entry (control entries count too). */
  appliedOffset = 0;

  apply(entry: RaftEntry): void {
    this.values.push(entry.value.toString('utf8'));
    this.appliedOffset = entry.offset + 1;
  }
  snapshot(): Buffer {
    return Buffer.from(JSON.stringify(this.values), 'utf8');
  }
  restore(snapshot: RaftSnapshot): void {
    const parsed: unknown = JSON.parse(snapshot.data.toString('utf8'));
    if (!Array.isArray(parsed) || parsed.some((v) => typeof v !== 'string')) throw new Error('snapshot is not a JSON list of strings');
    this.values = parsed as string[];
    this.appliedOffset = snapshot.id.offset;
  }
}

export interface SimulationOptions {
  seed: number;
  voters: number[];
  /** Replicas outside the voter set that follow the log (KRaft brokers); default none. */
  observers?: number[];
  config?: Partial<Omit<RaftConfig, 'nodeId' | 'voters'>>;
  /** One-way delay, uniform in [min, max] ms (default 1–5). */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Probability that a message is lost (default 0). */
  dropRate?: number;
  /** Virtual time between ticks (default 10 ms). */
  tickMs?: number;
  /** When set, every message is encoded and decoded with the generated codecs at these versions on its way. */
  wire?: RaftApiVersions | undefined;
}

export interface SimNode {
  id: number;
  up: boolean;
  node: RaftNode;
  log: MemoryRaftLog;
  quorumStore: MemoryQuorumStateStore;
  snapshots: MemorySnapshotStore;
  stateMachine: ValueListStateMachine;
  /** Everything this node reported, in order, with the virtual time. */
  events: Array<{ at: number; event: RaftEvent }>;
}

interface InFlight {
  at: number;
  seq: number;
  message: RaftMessage;
}

export class SimulatedNetwork {
  now = 0;
  readonly nodes = new Map<number, SimNode>();
  readonly violations: string[] = [];
  delivered = 0;
  dropped = 0;
  /** Optional filter: return false to drop a message (tests use it for targeted losses). */
  filter: ((message: RaftMessage) => boolean) | undefined;

  private readonly rng: () => number;
  private readonly options: Required<Omit<SimulationOptions, 'config' | 'wire'>> & Pick<SimulationOptions, 'config' | 'wire'>;
  /** Bytes that went through the codecs (with `wire`). */
  wireBytes = 0;
  private queue: InFlight[] = [];
  private seq = 0;
  private groups: Map<number, number> | undefined;
  private readonly leadersByEpoch = new Map<number, number>();
  /** offset → the entry every node must agree on once committed. */
  private readonly committed = new Map<number, { epoch: number; value: string; control: boolean }>();
  private restarts = 0;
  /** node → epoch → the vote it persisted. */
  private readonly votes = new Map<number, Map<number, number>>();

  constructor(options: SimulationOptions) {
    this.options = { minDelayMs: 1, maxDelayMs: 5, dropRate: 0, tickMs: 10, observers: [], ...options };
    this.rng = seededRandom(options.seed);
    for (const id of [...options.voters, ...(options.observers ?? [])]) {
      const log = new MemoryRaftLog();
      const quorumStore = new MemoryQuorumStateStore();
      const snapshots = new MemorySnapshotStore();
      const stateMachine = new ValueListStateMachine();
      const sim: SimNode = { id, up: true, log, quorumStore, snapshots, stateMachine, events: [], node: undefined as unknown as RaftNode };
      sim.node = this.makeNode(sim);
      this.nodes.set(id, sim);
    }
  }

  private makeNode(sim: SimNode): RaftNode {
    const config: RaftConfig = {
      ...DEFAULT_RAFT_CONFIG,
      clusterId: 'sim-cluster',
      ...this.options.config,
      nodeId: sim.id,
      voters: this.options.voters,
    };
    return new RaftNode({
      config,
      log: sim.log,
      quorumStore: sim.quorumStore,
      snapshots: sim.snapshots,
      stateMachine: sim.stateMachine,
      random: seededRandom((this.options.seed * 7919 + sim.id * 104729 + this.restarts * 15485863) >>> 0),
      now: this.now,
    });
  }

  // ------------------------------------------------------------------------------------------- faults

  crash(id: number): void {
    const sim = this.get(id);
    sim.up = false;
  }

  restart(id: number): void {
    const sim = this.get(id);
    this.restarts++;
    sim.stateMachine = new ValueListStateMachine();
    sim.node = this.makeNode(sim);
    sim.up = true;
  }

  /** Nodes in different groups cannot talk; nodes not listed form one more group. */
  partition(groups: number[][]): void {
    this.groups = new Map();
    groups.forEach((g, i) => g.forEach((id) => this.groups!.set(id, i)));
  }

  /** Cuts one node off from everyone else. */
  isolate(id: number): void {
    this.partition([[id]]);
  }

  heal(): void {
    this.groups = undefined;
  }

  canTalk(a: number, b: number): boolean {
    if (this.groups === undefined) return true;
    return (this.groups.get(a) ?? -1) === (this.groups.get(b) ?? -1);
  }

  // ------------------------------------------------------------------------------------------- running

  /** Advances virtual time by `ms`, delivering messages and ticking nodes every tickMs. */
  runFor(ms: number): void {
    const end = this.now + ms;
    while (this.now < end) this.step();
  }

  /** Runs until `pred` holds (checked after each step) or `maxMs` passed; returns whether it held. */
  runUntil(pred: () => boolean, maxMs: number): boolean {
    const end = this.now + maxMs;
    while (this.now < end) {
      this.step();
      if (pred()) return true;
    }
    return pred();
  }

  private step(): void {
    this.now += this.options.tickMs;
    while (this.queue.length > 0 && this.queue[0].at <= this.now) {
      const f = this.queue.shift()!;
      const target = this.nodes.get(f.message.to);
      if (target === undefined || !target.up || !this.canTalk(f.message.from, f.message.to)) {
        this.dropped++;
        continue;
      }
      this.delivered++;
      let message = f.message;
      if (this.options.wire !== undefined) {
        const version = this.options.wire[apiOf(message.type)];
        const bytes = encodeRaftBody(message, version);
        this.wireBytes += bytes.length;
        message = decodeRaftBody(message.type, { from: message.from, to: message.to, correlationId: message.correlationId }, bytes, version);
      }
      this.handle(target, target.node.receive(message, f.at));
    }
    for (const sim of this.nodes.values()) {
      if (sim.up) this.handle(sim, sim.node.tick(this.now));
    }
  }

  /** Proposes at the current leader (if any); returns the result or undefined without a leader. */
  propose(values: string[]): ReturnType<RaftNode['propose']>['result'] | undefined {
    const leader = this.leader();
    if (leader === undefined) return undefined;
    const out = leader.node.propose(values.map((v) => Buffer.from(v, 'utf8')), this.now);
    this.handle(leader, out);
    return out.result;
  }

  /** Proposes at one node, whatever it believes it is (a stale leader accepts; others refuse). */
  proposeAt(id: number, values: string[]): ReturnType<RaftNode['propose']>['result'] {
    const sim = this.get(id);
    const out = sim.node.propose(values.map((v) => Buffer.from(v, 'utf8')), this.now);
    this.handle(sim, out);
    return out.result;
  }

  /** Graceful resignation of one node (EndQuorumEpoch goes out through the simulated network). */
  resign(id: number): RaftOutput {
    const sim = this.get(id);
    const out = sim.node.resign(this.now);
    this.handle(sim, out);
    return out;
  }

  /** The up node leading the highest epoch, if any. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const sim of this.nodes.values()) {
      if (!sim.up || sim.node.stateName !== 'Leader') continue;
      if (best === undefined || sim.node.currentEpoch > best.node.currentEpoch) best = sim;
    }
    return best;
  }

  /** Leaders of every epoch seen so far. */
  leaders(): Map<number, number> {
    return new Map(this.leadersByEpoch);
  }

  get(id: number): SimNode {
    const sim = this.nodes.get(id);
    if (sim === undefined) throw new Error(`no node ${id} in the simulation`);
    return sim;
  }

  /** The value list every node must agree with at each committed offset. */
  committedEntries(): Map<number, { epoch: number; value: string; control: boolean }> {
    return new Map(this.committed);
  }

  /** The values (not control entries) any node saw committed, in offset order. */
  committedValues(): string[] {
    return [...this.committed.entries()].sort((a, b) => a[0] - b[0]).filter(([, c]) => !c.control).map(([, c]) => c.value);
  }

  private handle(sim: SimNode, out: RaftOutput): void {
    for (const event of out.events) {
      sim.events.push({ at: this.now, event });
      this.check(sim, event);
    }
    for (const message of out.messages) {
      if (this.filter !== undefined && !this.filter(message)) {
        this.dropped++;
        continue;
      }
      if (this.options.dropRate > 0 && this.rng() < this.options.dropRate) {
        this.dropped++;
        continue;
      }
      const { minDelayMs, maxDelayMs } = this.options;
      const delay = minDelayMs + Math.floor(this.rng() * (maxDelayMs - minDelayMs + 1));
      this.enqueue({ at: this.now + Math.max(1, delay), seq: this.seq++, message });
    }
  }

  private enqueue(f: InFlight): void {
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const q = this.queue[mid];
      if (q.at < f.at || (q.at === f.at && q.seq < f.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, f);
  }

  // ------------------------------------------------------------------------------------------- safety

  private violation(text: string): void {
    this.violations.push(`t=${this.now}: ${text}`);
  }

  private check(sim: SimNode, event: RaftEvent): void {
    switch (event.type) {
      case 'quorum-state-persisted': {
        if (event.votedId < 0) break;
        let mine = this.votes.get(sim.id);
        if (mine === undefined) this.votes.set(sim.id, (mine = new Map()));
        const earlier = mine.get(event.epoch);
        if (earlier !== undefined && earlier !== event.votedId) this.violation(`double vote: node ${sim.id} voted for ${earlier} and ${event.votedId} in epoch ${event.epoch}`);
        mine.set(event.epoch, event.votedId);
        break;
      }
      case 'became-leader': {
        const other = this.leadersByEpoch.get(event.epoch);
        if (other !== undefined && other !== sim.id) this.violation(`election safety: nodes ${other} and ${sim.id} both lead epoch ${event.epoch}`);
        this.leadersByEpoch.set(event.epoch, sim.id);
        // Leader completeness: everything committed so far is in the new leader's log (or its snapshot).
        for (const [offset, c] of this.committed) {
          if (offset < sim.log.logStartOffset) continue;
          const e = sim.log.epochAt(offset);
          const got = e === undefined ? undefined : sim.log.read(offset, 1)[0];
          if (got === undefined || got.epoch !== c.epoch || got.value.toString('utf8') !== c.value) {
            this.violation(`leader completeness: leader ${sim.id} of epoch ${event.epoch} lacks committed offset ${offset}`);
            break;
          }
        }
        break;
      }
      case 'truncated':
        if (sim.node.stateName === 'Leader') this.violation(`leader append-only: leader ${sim.id} truncated to ${event.toOffset}`);
        for (const offset of this.committed.keys()) {
          if (offset >= event.toOffset && offset < event.toOffset + event.removed && sim.node.highWatermark > offset) {
            this.violation(`node ${sim.id} truncated committed offset ${offset}`);
          }
        }
        break;
      case 'truncation-refused':
        this.violation(`node ${sim.id} was asked to truncate to ${event.requestedOffset}, below its high-watermark ${event.highWatermark}`);
        break;
      case 'committed':
        for (const e of event.entries) {
          const value = e.value.toString('utf8');
          const known = this.committed.get(e.offset);
          if (known === undefined) this.committed.set(e.offset, { epoch: e.epoch, value, control: e.control });
          else if (known.epoch !== e.epoch || known.value !== value) {
            this.violation(`state-machine safety: node ${sim.id} committed (${e.epoch}, ${JSON.stringify(value)}) at ${e.offset}, others (${known.epoch}, ${JSON.stringify(known.value)})`);
          }
        }
        break;
      default:
        break;
    }
  }

  /** Log matching across every pair of nodes (checked on demand: it walks whole logs). */
  checkLogMatching(): void {
    const sims = [...this.nodes.values()];
    for (let i = 0; i < sims.length; i++) {
      for (let j = i + 1; j < sims.length; j++) {
        const a = sims[i].log;
        const b = sims[j].log;
        const lo = Math.max(a.logStartOffset, b.logStartOffset);
        const hi = Math.min(a.endOffset, b.endOffset);
        let matched = false;
        for (let o = hi - 1; o >= lo; o--) {
          const ea = a.read(o, 1)[0];
          const eb = b.read(o, 1)[0];
          if (!matched && ea.epoch === eb.epoch) matched = true;
          if (matched && (ea.epoch !== eb.epoch || !ea.value.equals(eb.value))) {
            this.violation(`log matching: nodes ${sims[i].id} and ${sims[j].id} agree on an epoch above ${o} but differ at ${o}`);
            break;
          }
        }
      }
    }
  }

  /** State-machine safety across nodes: each applied value list is a prefix of the longest one. */
  checkStateMachines(): void {
    const lists = [...this.nodes.values()].map((s) => ({ id: s.id, values: s.stateMachine.values }));
    const longest = lists.reduce((a, b) => (b.values.length > a.values.length ? b : a));
    for (const l of lists) {
      for (let k = 0; k < l.values.length; k++) {
        if (l.values[k] !== longest.values[k]) {
          this.violation(`state-machine safety: node ${l.id} applied ${JSON.stringify(l.values[k])} as value #${k}, node ${longest.id} ${JSON.stringify(longest.values[k])}`);
          break;
        }
      }
    }
  }

  assertSafe(): void {
    this.checkLogMatching();
    this.checkStateMachines();
    if (this.violations.length > 0) throw new Error(`Raft safety violated:\n${this.violations.join('\n')}`);
  }
}
