/**
 * The active controller's decisions over a MetadataImage, driven with an injected clock: every decision's
 * records are applied to the image the way the quorum would commit them, so each step sees the last one's effect.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../src/protocol/generated/error-codes.js';
import { MetadataImage } from '../../../../src/broker/kraft/metadata-image.js';
import { decodeMetadataRecord, encodeMetadataRecord, MetadataRecordError, type MetadataRecord } from '../../../../src/broker/kraft/metadata-records.js';
import { QuorumControllerLogic, DUPLICATE_REGISTRATION_MESSAGE, SESSION_GRACE_MS, type Decision } from '../../../../src/broker/kraft/quorum-controller.js';

const CLUSTER = 'test-cluster-id-000000';
const SESSION = 6000;

class Harness {
  image = new MetadataImage();
  logic = new QuorumControllerLogic(this.image, CLUSTER, { sessionTimeoutMs: SESSION });
  offset = 0;
  now = 1_000_000;
  constructor() {
    this.logic.resetSessions(this.now);
  }
  commit(records: readonly MetadataRecord[]): void {
    for (const r of records) {
      // Through the real encoding, as the log carries them.
      this.image.apply({ offset: this.offset++, epoch: 1, control: false, timestamp: this.now, value: encodeMetadataRecord(r) });
    }
    this.image.flushChanges();
  }
  run<A>(d: Decision<A>): A {
    this.commit(d.records);
    return d.answer;
  }
  register(id: number, incarnation = `inc-${id}`): { errorCode: number; brokerEpoch: number; errorMessage: string | null } {
    return this.run(this.logic.register({ brokerId: id, clusterId: CLUSTER, incarnationId: incarnation, endpoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + id, securityProtocol: 'PLAINTEXT' }], rack: null }, this.offset, this.now));
  }
  heartbeat(id: number, epoch: number, extra: Partial<{ wantShutDown: boolean; wantFence: boolean }> = {}) {
    return this.run(this.logic.heartbeat({ brokerId: id, brokerEpoch: epoch, currentMetadataOffset: this.offset - 1, wantFence: false, wantShutDown: false, ...extra }, this.now));
  }
  /** Registers and unfences brokers 1..n; returns their epochs. */
  cluster(n: number): Map<number, number> {
    const epochs = new Map<number, number>();
    for (let id = 1; id <= n; id++) epochs.set(id, this.register(id).brokerEpoch);
    for (const [id, e] of epochs) expect(this.heartbeat(id, e).isFenced).toBe(false);
    return epochs;
  }
}

describe('QuorumControllerLogic', () => {
  it('registers brokers fenced, unfences them once caught up with their registration', () => {
    const h = new Harness();
    const r = h.register(1);
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(h.image.brokers.get(1)?.fenced).toBe(true);
    // Not caught up: its metadata offset is before its own registration record.
    const behind = h.run(h.logic.heartbeat({ brokerId: 1, brokerEpoch: r.brokerEpoch, currentMetadataOffset: r.brokerEpoch - 1, wantFence: false, wantShutDown: false }, h.now));
    expect(behind).toMatchObject({ errorCode: ErrorCode.NONE, isFenced: true, isCaughtUp: false });
    expect(h.heartbeat(1, r.brokerEpoch)).toMatchObject({ isFenced: false, isCaughtUp: true });
    expect(h.image.activeBrokerIds()).toEqual([1]);
  });

  it('refuses a second live incarnation of a node id with Kafka\'s message, accepts it once the session expired', () => {
    const h = new Harness();
    const epochs = h.cluster(1);
    const dup = h.register(1, 'another-process');
    expect(dup).toMatchObject({ errorCode: ErrorCode.DUPLICATE_BROKER_REGISTRATION, errorMessage: DUPLICATE_REGISTRATION_MESSAGE });
    // The same incarnation asking again (lost answer) keeps its epoch.
    expect(h.register(1).brokerEpoch).toBe(epochs.get(1));
    h.now += SESSION + 1;
    h.commit(h.logic.expireSessions(h.now));
    expect(h.image.brokers.get(1)?.fenced).toBe(true);
    const again = h.register(1, 'restarted');
    expect(again.errorCode).toBe(ErrorCode.NONE);
    expect(again.brokerEpoch).toBeGreaterThan(epochs.get(1)!);
    expect(h.heartbeat(1, epochs.get(1)!).errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);
  });

  it('spreads a topic\'s leaders over the active brokers and fences a silent broker, moving or offlining its partitions', () => {
    const h = new Harness();
    const epochs = h.cluster(3);
    expect(h.run(h.logic.createTopic({ name: 'six', topicId: 'topic-six-id', partitions: 6, replicationFactor: 1, configs: new Map([['retention.ms', '1000']]) }))).toMatchObject({ errorCode: ErrorCode.NONE });
    const t = h.image.topics.get('six')!;
    expect(t.configs.get('retention.ms')).toBe('1000');
    expect(new Set([...t.partitions.values()].map((p) => p.leader))).toEqual(new Set([1, 2, 3]));
    expect(h.run(h.logic.createTopic({ name: 'six', topicId: 'other', partitions: 1, replicationFactor: 1, configs: new Map() })).errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    expect(h.run(h.logic.createTopic({ name: 'wide', topicId: 'w', partitions: 1, replicationFactor: 4, configs: new Map() }))).toMatchObject({ errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: 'Replication factor: 4 larger than available brokers: 3.' });
    expect(h.run(h.logic.createTopic({ name: 'rf3', topicId: 'rf3-id', partitions: 3, replicationFactor: 3, configs: new Map() })).errorCode).toBe(ErrorCode.NONE);

    // Brokers 1 and 2 keep heartbeating; 3 goes silent.
    h.now += SESSION - 1000;
    h.heartbeat(1, epochs.get(1)!);
    h.heartbeat(2, epochs.get(2)!);
    expect(h.logic.expireSessions(h.now)).toEqual([]);
    h.now += 1001;
    expect(h.logic.expiredBrokers(h.now)).toEqual([3]);
    const before = new Map([...t.partitions].map(([p, s]) => [p, { ...s }]));
    h.commit(h.logic.expireSessions(h.now));
    expect(h.image.brokers.get(3)?.fenced).toBe(true);
    for (const [p, s] of t.partitions) {
      const old = before.get(p)!;
      if (old.leader === 3) expect(s).toMatchObject({ leader: -1, isr: [3], leaderEpoch: old.leaderEpoch + 1, partitionEpoch: old.partitionEpoch + 1 });
      else expect(s).toEqual(old);
    }
    // RF 3: leadership moves to the first active ISR member; 3 leaves the ISR.
    for (const s of h.image.topics.get('rf3')!.partitions.values()) {
      expect(s.leader).not.toBe(3);
      expect(s.leader).toBeGreaterThan(0);
      expect(s.isr).not.toContain(3);
    }

    // 3 comes back (same registration, heartbeating again): its RF 1 partitions have a leader again.
    expect(h.heartbeat(3, epochs.get(3)!).isFenced).toBe(false);
    for (const [p, s] of t.partitions) if (before.get(p)!.leader === 3) expect(s.leader).toBe(3);
    // RF 3: 3 is not back in the ISR until the leader says it caught up.
    for (const s of h.image.topics.get('rf3')!.partitions.values()) expect(s.isr).not.toContain(3);
  });

  it('gives brokers a short grace, not a whole session, when a new controller takes over', () => {
    const h = new Harness();
    h.cluster(2);
    h.logic.resetSessions(h.now);
    h.now += SESSION_GRACE_MS - 1;
    expect(h.logic.expiredBrokers(h.now)).toEqual([]);
    // Within the grace the old incarnation counts as alive: a new one waits (the broker retries) …
    expect(h.register(1, 'after-a-crash').errorCode).toBe(ErrorCode.DUPLICATE_BROKER_REGISTRATION);
    h.now += 2;
    expect(h.logic.expiredBrokers(h.now)).toEqual([1, 2]);
    // … and is accepted once it has expired.
    expect(h.register(1, 'after-a-crash').errorCode).toBe(ErrorCode.NONE);
  });

  it('after a failover, places new partitions on brokers that have reached the new controller', () => {
    const h = new Harness();
    const epochs = h.cluster(3);
    h.logic.resetSessions(h.now);
    // Nobody has reached the new controller yet: placement waits (up to the grace).
    expect(h.logic.placementReady(1, h.now)).toBe(false);
    h.heartbeat(1, epochs.get(1)!);
    expect(h.logic.placementReady(1, h.now)).toBe(true);
    expect(h.logic.placementReady(3, h.now)).toBe(false);
    expect(h.logic.placementReady(3, h.now + SESSION_GRACE_MS)).toBe(true);
    h.heartbeat(2, epochs.get(2)!);
    h.run(h.logic.createTopic({ name: 'fresh', topicId: 'fresh-id', partitions: 6, replicationFactor: 1, configs: new Map() }));
    expect(new Set([...h.image.topics.get('fresh')!.partitions.values()].map((p) => p.leader))).toEqual(new Set([1, 2]));
    // Not enough heard-from brokers for the replication factor: every active broker is used.
    h.run(h.logic.createTopic({ name: 'wide', topicId: 'wide-id', partitions: 1, replicationFactor: 3, configs: new Map() }));
    expect([...h.image.topics.get('wide')!.partitions.values()][0].replicas.sort()).toEqual([1, 2, 3]);
  });

  it('controlled shutdown fences at once and tells the broker it may go', () => {
    const h = new Harness();
    const epochs = h.cluster(2);
    h.run(h.logic.createTopic({ name: 't', topicId: 't-id', partitions: 2, replicationFactor: 2, configs: new Map() }));
    const ans = h.heartbeat(1, epochs.get(1)!, { wantShutDown: true });
    expect(ans).toMatchObject({ shouldShutDown: true, isFenced: true });
    for (const s of h.image.topics.get('t')!.partitions.values()) expect(s).toMatchObject({ leader: 2, isr: [2] });
  });

  it('AlterPartition: only the leader, at the current leader and partition epochs, with active replicas', () => {
    const h = new Harness();
    const epochs = h.cluster(3);
    h.run(h.logic.createTopic({ name: 'r', topicId: 'r-id', partitions: 1, replicationFactor: 3, configs: new Map() }));
    const s = h.image.topics.get('r')!.partitions.get(0)!;
    const leader = s.leader;
    const follower = s.replicas.find((x) => x !== leader)!;
    const base = { topicId: 'r-id', partition: 0, leaderEpoch: s.leaderEpoch, partitionEpoch: s.partitionEpoch };
    const shrink = s.isr.filter((x) => x !== follower);
    expect(h.run(h.logic.alterPartition({ ...base, brokerId: follower, brokerEpoch: epochs.get(follower)!, newIsr: shrink })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(h.run(h.logic.alterPartition({ ...base, brokerId: leader, brokerEpoch: epochs.get(leader)! + 100, newIsr: shrink })).errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);
    expect(h.run(h.logic.alterPartition({ ...base, leaderEpoch: base.leaderEpoch - 1, brokerId: leader, brokerEpoch: epochs.get(leader)!, newIsr: shrink })).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    const ok = h.run(h.logic.alterPartition({ ...base, brokerId: leader, brokerEpoch: epochs.get(leader)!, newIsr: shrink }));
    expect(ok.errorCode).toBe(ErrorCode.NONE);
    expect(h.image.topics.get('r')!.partitions.get(0)).toMatchObject({ isr: shrink, partitionEpoch: base.partitionEpoch + 1, leader });
    // The same request again is stale now.
    expect(h.run(h.logic.alterPartition({ ...base, brokerId: leader, brokerEpoch: epochs.get(leader)!, newIsr: shrink })).errorCode).toBe(ErrorCode.INVALID_UPDATE_VERSION);
    // Expanding with a fenced broker is refused.
    h.run(h.logic.heartbeat({ brokerId: follower, brokerEpoch: epochs.get(follower)!, currentMetadataOffset: h.offset, wantFence: true, wantShutDown: false }, h.now));
    const cur = h.image.topics.get('r')!.partitions.get(0)!;
    expect(h.run(h.logic.alterPartition({ topicId: 'r-id', partition: 0, leaderEpoch: cur.leaderEpoch, partitionEpoch: cur.partitionEpoch, brokerId: leader, brokerEpoch: epochs.get(leader)!, newIsr: [...cur.isr, follower] })).errorCode).toBe(ErrorCode.INELIGIBLE_REPLICA);
  });

  it('elects an out-of-sync replica only where unclean.leader.election.enable says so', () => {
    const image = new MetadataImage();
    const logic = new QuorumControllerLogic(image, CLUSTER, { sessionTimeoutMs: SESSION, uncleanLeaderElection: (t) => t.configs.get('unclean.leader.election.enable') === 'true' });
    const h = new Harness();
    h.image = image;
    h.logic = logic;
    logic.resetSessions(h.now);
    const epochs = h.cluster(2);
    for (const [name, unclean] of [['clean', 'false'], ['unclean', 'true']] as const) {
      h.run(logic.createTopic({ name, topicId: `${name}-id`, partitions: 1, replicationFactor: 2, configs: new Map([['unclean.leader.election.enable', unclean]]) }));
      const s = image.topics.get(name)!.partitions.get(0)!;
      const follower = s.replicas.find((r) => r !== s.leader)!;
      // The follower falls out of the ISR, then the leader dies.
      h.run(logic.alterPartition({ brokerId: s.leader, brokerEpoch: epochs.get(s.leader)!, topicId: `${name}-id`, partition: 0, leaderEpoch: s.leaderEpoch, partitionEpoch: s.partitionEpoch, newIsr: [s.leader] }));
      h.run(logic.heartbeat({ brokerId: s.leader, brokerEpoch: epochs.get(s.leader)!, currentMetadataOffset: h.offset, wantFence: false, wantShutDown: true }, h.now));
      const after = image.topics.get(name)!.partitions.get(0)!;
      if (unclean === 'true') expect(after).toMatchObject({ leader: follower, isr: [follower] });
      else expect(after.leader).toBe(-1);
      // Bring the fenced broker back for the next round.
      h.heartbeat(s.leader, epochs.get(s.leader)!);
    }
  });

  it('hands out disjoint producer id blocks, kept in the log', () => {
    const h = new Harness();
    const epochs = h.cluster(2);
    const a = h.run(h.logic.allocateProducerIds(1, epochs.get(1)!));
    const b = h.run(h.logic.allocateProducerIds(2, epochs.get(2)!));
    expect(a).toMatchObject({ errorCode: ErrorCode.NONE, start: 0n, length: 1000 });
    expect(b).toMatchObject({ errorCode: ErrorCode.NONE, start: 1000n, length: 1000 });
    expect(h.run(h.logic.allocateProducerIds(2, epochs.get(2)! + 1)).errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);
    expect(h.run(h.logic.allocateProducerIds(9, 0)).errorCode).toBe(ErrorCode.BROKER_ID_NOT_REGISTERED);
    // A restarted controller rebuilds the counter from the log (here: a snapshot of the image).
    const image = new MetadataImage();
    image.restore({ id: { offset: h.offset, epoch: 1 }, data: h.image.snapshot() });
    expect(image.nextProducerId).toBe(2000n);
  });

  it('deletes topics, adds partitions on the same spread, changes configs', () => {
    const h = new Harness();
    h.cluster(3);
    h.run(h.logic.createTopic({ name: 'x', topicId: 'x-id', partitions: 2, replicationFactor: 1, configs: new Map() }));
    expect(h.run(h.logic.createPartitions('x', 1)).errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(h.run(h.logic.createPartitions('x', 5)).errorCode).toBe(ErrorCode.NONE);
    expect(h.image.topics.get('x')!.partitions.size).toBe(5);
    h.run(h.logic.alterConfigs('x', new Map([['cleanup.policy', 'compact']])));
    expect(h.image.topics.get('x')!.configs.get('cleanup.policy')).toBe('compact');
    h.run(h.logic.alterConfigs('x', new Map([['cleanup.policy', null]])));
    expect(h.image.topics.get('x')!.configs.size).toBe(0);
    expect(h.run(h.logic.deleteTopic('x')).errorCode).toBe(ErrorCode.NONE);
    expect(h.image.topics.has('x')).toBe(false);
    expect(h.run(h.logic.deleteTopic('x')).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});

describe('MetadataImage', () => {
  it('round-trips through a snapshot and skips malformed records without applying them', () => {
    const h = new Harness();
    h.cluster(2);
    h.run(h.logic.createTopic({ name: 's', topicId: 's-id', partitions: 3, replicationFactor: 2, configs: new Map([['a', 'b']]) }));
    const bad: number[] = [];
    const image = new MetadataImage((offset) => bad.push(offset));
    image.restore({ id: { offset: h.offset, epoch: 1 }, data: h.image.snapshot() });
    expect(image.snapshot().equals(h.image.snapshot())).toBe(true);
    expect(image.lastAppliedOffset).toBe(h.offset - 1);
    image.apply({ offset: h.offset, epoch: 1, control: false, timestamp: 0, value: Buffer.from('{"v":0,"type":"Partition","topicId":"s-id"}') });
    image.apply({ offset: h.offset + 1, epoch: 1, control: false, timestamp: 0, value: Buffer.from('not json') });
    expect(bad).toEqual([h.offset, h.offset + 1]);
    expect(image.topics.get('s')!.partitions.size).toBe(3);
  });

  it('decodes only known record shapes', () => {
    expect(() => decodeMetadataRecord(Buffer.from('{"v":0,"type":"Nope"}'))).toThrow(MetadataRecordError);
    expect(() => decodeMetadataRecord(Buffer.from('{"v":7,"type":"Topic","name":"a","topicId":"b"}'))).toThrow(/version 7/);
    expect(() => decodeMetadataRecord(Buffer.from('{"v":0,"type":"RegisterBroker","brokerId":1,"brokerEpoch":1,"incarnationId":"x","endpoints":[{"name":"P"}],"rack":null}'))).toThrow(/endpoint/);
    const r: MetadataRecord = { type: 'Partition', topicId: 't', partition: 0, replicas: [1, 2], isr: [1], leader: 1, leaderEpoch: 3, partitionEpoch: 4 };
    expect(decodeMetadataRecord(encodeMetadataRecord(r))).toEqual(r);
  });
});
