/**
 * `kstack up --mode kraft` with native clusters (issue #9, the KRaft half):
 * - 3 combined nodes (broker + controller): a 6-partition topic has leaders on all three and every broker answers
 *   kcat -L the same; kill -9 of a broker that is not the active controller → fenced, out of Metadata, its
 *   (replication factor 1) partitions leaderless within broker.session.timeout.ms (6 s, rendered) + 2 s, and back
 *   when it restarts; kill -9 of the active controller → a new quorum leader, and topic creation succeeds.
 * - 2 brokers + 3 dedicated controllers: brokers follow the metadata log as observers; kill -9 of the active
 *   controller → topic creation still succeeds; a second process with a live broker's node id is refused with
 *   Kafka's DUPLICATE_BROKER_REGISTRATION message.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { readState, type StackState } from '../../src/stack/state.js';
import { requestOnce } from '../support/request-once.js';
import { describeQuorumStatus } from '../../src/broker/raft/runtime/quorum-status.js';
import { freePortRange } from '../support/port-range.js';
import { kcatMeta, type KcatMeta } from '../support/kcat-metadata.js';
import { until } from '../support/native-cluster.js';
import { kstack, ROOT } from './run.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The quorum leader from DescribeQuorum (the controllers' CONTROLLER listeners). */
async function quorumLeader(voters: { id: number; host: string; port: number }[]): Promise<{ leader: number; epoch: number }> {
  return until('a quorum leader', 20_000, async () => {
    const q = await describeQuorumStatus(voters, 1000);
    return q.ok && q.report.leaderId >= 0 ? { leader: q.report.leaderId, epoch: q.report.leaderEpoch } : undefined;
  });
}

function votersOf(dir: string): { id: number; host: string; port: number }[] {
  const props = readFileSync(join(dir, '.kstack', 'stack.json'), 'utf8');
  return (JSON.parse(props) as { voters: { id: number; host: string; port: number }[] }).voters;
}

async function createTopic(bootstraps: string[], topic: string, numPartitions: number, retrying = false, replicationFactor = 1): Promise<void> {
  const admin = new Kafka({ brokers: bootstraps, logLevel: logLevel.NOTHING, retry: { retries: 10 } }).admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor }], waitForLeaders: true }).catch((err: { errors?: unknown[] }) => {
      throw new Error(`createTopics ${topic} failed: ${JSON.stringify(err.errors ?? String(err))}`);
    });
    // A retry may find the topic its earlier attempt created.
    if (!retrying) expect(created).toBe(true);
  } finally {
    await admin.disconnect();
  }
  // Every broker applies the new records from the metadata log on its own; wait until each has.
  for (const b of bootstraps) {
    await until(`${b} to know ${topic}`, 10_000, async () => ((await kcatMeta(b, topic)).topics[0]?.partitions.length === numPartitions ? true : undefined));
  }
}

/** CreateTopics v5 (replication factor 1) to one broker; its error code for the topic. */
async function createTopicOverWire(bootstrap: string, name: string, numPartitions: number): Promise<number> {
  const res = await requestOnce<{ topics: { errorCode: number }[] }>(bootstrap, 19, 5, { topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
  return res.topics[0]?.errorCode ?? -1;
}

const pidOf = (state: StackState, name: string) => state.components.find((c) => c.name === name)!.pid;

describe('kstack up --mode kraft --brokers 3 (combined nodes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kstack-up-kraft-cluster-'));
  const restarted: number[] = [];
  afterAll(async () => {
    for (const pid of restarted) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await kstack(['down'], dir);
  });

  it('spreads partitions, fences a killed broker within the session timeout, survives kill -9 of the active controller', async () => {
    const base = await freePortRange(12);
    const up = await kstack(['up', '--mode', 'kraft', '--brokers', '3', '--detach', '--no-demo', '--base-port', String(base)], dir);
    expect(up.code, up.stderr + up.stdout).toBe(0);
    const state = readState(join(dir, '.kstack'))!;
    expect(state.components.map((c) => c.name)).toEqual(['broker-1', 'broker-2', 'broker-3']);
    const props = readFileSync(join(dir, '.kstack', 'broker-2', 'server.properties'), 'utf8');
    expect(props).toContain('process.roles=broker,controller');
    expect(props).toContain('broker.session.timeout.ms=6000');
    const bootstraps = [base, base + 1, base + 2].map((p) => `127.0.0.1:${p}`);
    const voters = votersOf(dir);

    await createTopic(bootstraps, 'orders', 6);
    await createTopic(bootstraps, 'replicated', 6, false, 3);
    const views = await Promise.all(bootstraps.map((b) => kcatMeta(b, 'orders')));
    const view = (m: KcatMeta) => ({ controller: m.controllerid, brokers: m.brokers, topics: m.topics });
    expect(view(views[1])).toEqual(view(views[0]));
    expect(view(views[2])).toEqual(view(views[0]));
    expect(views[0].brokers.map((b) => b.id).sort()).toEqual([1, 2, 3]);
    expect(new Set(views[0].topics[0].partitions.map((p) => p.leader))).toEqual(new Set([1, 2, 3]));
    const status = await kstack(['status'], dir);
    expect(status.stdout).toMatch(/quorum \(__cluster_metadata\): leader \d/);
    expect(status.stdout).toMatch(/orders 5 → \d → 127\.0\.0\.1:\d+/);

    // kill -9 a broker that is not the active controller: fenced by session timeout alone.
    const { leader } = await quorumLeader(voters);
    const victimId = [1, 2, 3].find((id) => id !== leader)!;
    const owned = views[0].topics[0].partitions.filter((p) => p.leader === victimId).map((p) => p.partition);
    expect(owned.length).toBeGreaterThan(0);
    process.kill(pidOf(state, `broker-${victimId}`), 'SIGKILL');
    const killedAt = Date.now();
    const survivor = bootstraps[leader - 1];
    let after: KcatMeta | undefined;
    while (Date.now() - killedAt < 8000) {
      const m = await kcatMeta(survivor, 'orders');
      if (!m.brokers.some((b) => b.id === victimId) && owned.every((p) => m.topics[0].partitions[p].leader === -1)) {
        after = m;
        break;
      }
      await sleep(200);
    }
    expect(after, 'killed broker still listed after broker.session.timeout.ms + 2 s').toBeDefined();
    // Replication factor 3: every partition has a live leader, and the dead broker left the ISR.
    const replicated = await kcatMeta(survivor, 'replicated');
    expect(replicated.topics[0].partitions).toHaveLength(6);
    for (const p of replicated.topics[0].partitions) {
      expect(p.leader).not.toBe(victimId);
      expect(p.leader).toBeGreaterThan(0);
      expect(p.isrs.map((r) => r.id)).not.toContain(victimId);
    }
    const controllerLog = readFileSync(join(dir, '.kstack', `broker-${leader}`, 'logs', 'controller.log'), 'utf8');
    expect(controllerLog).toContain(`Fencing broker(s) ${victimId}: no heartbeat for 6000 ms`);

    // Restarted the way kstack starts it: starts fenced, is unfenced once caught up, leads its partitions again.
    const again = spawn(process.execPath, [join(ROOT, 'bin', 'kstack.js'), 'broker', '--config', join(dir, '.kstack', `broker-${victimId}`, 'server.properties')], { stdio: 'ignore', detached: true });
    again.unref();
    restarted.push(again.pid!);
    await until('the restarted broker to lead its partitions again', 20_000, async () => {
      const m = await kcatMeta(survivor, 'orders');
      return m.brokers.some((b) => b.id === victimId) && owned.every((p) => m.topics[0].partitions[p].leader === victimId) ? true : undefined;
    });

    // kill -9 the active controller: another voter leads, and metadata changes still go through.
    const before = await quorumLeader(voters);
    const controllerPid = before.leader === victimId ? again.pid! : pidOf(state, `broker-${before.leader}`);
    process.kill(controllerPid, 'SIGKILL');
    const controllerKilledAt = Date.now();
    const remaining = voters.filter((v) => v.id !== before.leader);
    const next = await until('a new quorum leader', 20_000, async () => {
      const q = await describeQuorumStatus(remaining, 1000);
      return q.ok && q.report.leaderId >= 0 && q.report.leaderId !== before.leader ? q.report : undefined;
    });
    expect(next.leaderEpoch).toBeGreaterThan(before.epoch);
    const alive = bootstraps.filter((_, i) => i + 1 !== before.leader);
    // The dead controller was a broker too: the new controller fences it after the election and a short grace,
    // still within broker.session.timeout.ms + 2 s of the kill.
    await until('the killed controller to leave Metadata', 20_000, async () => ((await kcatMeta(alive[0], 'orders')).brokers.some((b) => b.id === before.leader) ? undefined : true));
    expect(Date.now() - controllerKilledAt).toBeLessThan(8000);
    // CreateTopics straight over the protocol: kafkajs's admin refuses to work at all while any partition in the
    // cluster has no leader, and the killed node's replication-factor-1 partitions of 'orders' have none now.
    // Until the new controller fences the dead node, Metadata may still name it as the broker to send
    // CreateTopics to; any live broker that is not the one named answers NOT_CONTROLLER, and we try the next.
    await until('topic creation after the controller failover', 20_000, async () => {
      for (const b of alive) {
        const code = await createTopicOverWire(b, 'after-failover', 2).catch(() => -1);
        if (code === 0 || code === 36) return true;
      }
      return undefined;
    });
    const m = await until('after-failover with leaders on live brokers', 10_000, async () => {
      const meta = await kcatMeta(alive[0], 'after-failover');
      const ps = meta.topics[0]?.partitions ?? [];
      return ps.length === 2 && ps.every((p) => p.leader > 0 && p.leader !== before.leader) ? meta : undefined;
    });
    expect(m.topics[0].partitions).toHaveLength(2);
  }, 180_000);
});

describe('kstack up --mode kraft --brokers 2 --controllers 3 (dedicated controllers)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kstack-up-kraft-controllers-'));
  afterAll(async () => {
    await kstack(['down'], dir);
  });

  it('keeps serving metadata changes after kill -9 of the active controller, and refuses a duplicate node id', async () => {
    const base = await freePortRange(12);
    const up = await kstack(['up', '--mode', 'kraft', '--brokers', '2', '--controllers', '3', '--detach', '--no-demo', '--base-port', String(base)], dir);
    expect(up.code, up.stderr + up.stdout).toBe(0);
    const state = readState(join(dir, '.kstack'))!;
    expect(state.components.map((c) => c.name)).toEqual(['broker-1', 'broker-2', 'controller-3', 'controller-4', 'controller-5']);
    const bootstraps = [base, base + 1].map((p) => `127.0.0.1:${p}`);
    const voters = votersOf(dir);
    expect(voters.map((v) => v.id)).toEqual([3, 4, 5]);

    await createTopic(bootstraps, 'before', 4);
    const before = await kcatMeta(bootstraps[1], 'before');
    expect(before.brokers.map((b) => b.id).sort()).toEqual([1, 2]);
    expect(new Set(before.topics[0].partitions.map((p) => p.leader))).toEqual(new Set([1, 2]));

    const { leader, epoch } = await quorumLeader(voters);
    process.kill(pidOf(state, `controller-${leader}`), 'SIGKILL');
    const next = await until('a new quorum leader', 20_000, async () => {
      const q = await describeQuorumStatus(voters.filter((v) => v.id !== leader), 1000);
      return q.ok && q.report.leaderId >= 0 && q.report.leaderId !== leader ? q.report : undefined;
    });
    expect(next.leaderEpoch).toBeGreaterThan(epoch);
    await createTopic(bootstraps, 'after', 4);
    // Both brokers (observers of the metadata log) apply the new topic.
    for (const b of bootstraps) expect((await kcatMeta(b, 'after')).topics[0].partitions).toHaveLength(4);
    // And they stay registered: the new controller gave them a grace to reach it.
    await sleep(5000);
    expect((await kcatMeta(bootstraps[0], 'after')).brokers.map((b) => b.id).sort()).toEqual([1, 2]);

    // A second process claiming node.id 1 while broker 1 is alive: refused with Kafka's error.
    const dupDir = join(dir, 'duplicate');
    mkdirSync(dupDir, { recursive: true });
    const [p1, p2] = [await freePortRange(2)].map((p) => [p, p + 1])[0];
    const original = readFileSync(join(dir, '.kstack', 'broker-1', 'server.properties'), 'utf8');
    const dupProps = original
      .replace(/^listeners=.*$/m, `listeners=PLAINTEXT://127.0.0.1:${p1},INTERNAL://127.0.0.1:${p2}`)
      .replace(/^advertised\.listeners=.*$/m, `advertised.listeners=PLAINTEXT://127.0.0.1:${p1},INTERNAL://127.0.0.1:${p2}`)
      .replace(/^log\.dirs=.*$/m, `log.dirs=${join(dupDir, 'data')}`);
    writeFileSync(join(dupDir, 'server.properties'), dupProps);
    // The same cluster id as the stack (kstack init writes it into meta.properties).
    mkdirSync(join(dupDir, 'data'), { recursive: true });
    writeFileSync(join(dupDir, 'data', 'meta.properties'), readFileSync(join(dir, '.kstack', 'broker-1', 'data', 'meta.properties')));
    const dup = await execa(process.execPath, [join(ROOT, 'bin', 'kstack.js'), 'broker', '--config', join(dupDir, 'server.properties')], { reject: false, timeout: 30_000, env: { NO_COLOR: '1' } });
    expect(dup.exitCode).not.toBe(0);
    expect(dup.stderr + dup.stdout).toContain('DUPLICATE_BROKER_REGISTRATION: Another broker is registered with that broker id.');
    // The original is untouched.
    expect((await kcatMeta(bootstraps[0], 'after')).brokers.map((b) => b.id).sort()).toEqual([1, 2]);
  }, 180_000);
});
