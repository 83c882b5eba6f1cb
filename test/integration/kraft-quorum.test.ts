/**
 * A KRaft controller quorum of real processes: three dedicated controllers (`process.roles=controller`, each
 * `node bin/kstack.js broker --config F`) elect one leader over their CONTROLLER listeners (Vote,
 * BeginQuorumEpoch, Fetch), as DescribeQuorum shows; after `kill -9` of the leader the other two elect a new
 * one in a higher epoch within seconds; and a restarted controller keeps its log and epoch
 * (`__cluster_metadata-0/quorum-state` and the segment on disk).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WireConnection } from '../../src/client/wire.js';
import type { DescribeQuorumResponse } from '../../src/protocol/generated/describe-quorum.js';
import { freePorts } from '../support/ports.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLUSTER_ID = 'q1Zu2IhSTmK3aXqkG5vV9A';

interface Controller {
  id: number;
  port: number;
  dir: string;
  child: ChildProcess | undefined;
  out: string;
}

const base = mkdtempSync(join(tmpdir(), 'kstack-kraft-quorum-'));
const controllers: Controller[] = [];

afterAll(() => {
  for (const c of controllers) c.child?.kill('SIGKILL');
  rmSync(base, { recursive: true, force: true });
});

function writeConfig(c: Controller, voters: string): string {
  const data = join(c.dir, 'data');
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'meta.properties'), `version=1\nnode.id=${c.id}\ncluster.id=${CLUSTER_ID}\n`);
  const path = join(c.dir, 'server.properties');
  writeFileSync(
    path,
    [
      'process.roles=controller',
      `node.id=${c.id}`,
      `listeners=CONTROLLER://127.0.0.1:${c.port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT',
      `controller.quorum.voters=${voters}`,
      `log.dirs=${data}`,
      // Kafka's defaults, written out: the failover bound below depends on them.
      'controller.quorum.election.timeout.ms=1000',
      'controller.quorum.fetch.timeout.ms=2000',
      '',
    ].join('\n'),
  );
  return path;
}

function launch(c: Controller): Promise<void> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'kstack.js'), 'broker', '--config', join(c.dir, 'server.properties')], { cwd: c.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  c.child = child;
  c.out = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`controller ${c.id} did not start in 30 s:\n${c.out}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      c.out += d.toString();
      if (/kstack-broker listening CONTROLLER=/.test(c.out)) {
        clearTimeout(timer);
        resolvePromise();
      }
    });
    child.stderr!.on('data', (d: Buffer) => (c.out += d.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`controller ${c.id} exited (code ${code}, signal ${signal}):\n${c.out}`));
    });
  });
}

function kill9(c: Controller): Promise<void> {
  const child = c.child!;
  c.child = undefined;
  return new Promise((r) => {
    child.removeAllListeners('exit');
    child.once('exit', () => r());
    child.kill('SIGKILL');
  });
}

async function describeQuorum(c: Controller): Promise<DescribeQuorumResponse | undefined> {
  try {
    const conn = await WireConnection.connect({ host: '127.0.0.1', port: c.port, connectTimeoutMs: 1000, requestTimeoutMs: 2000 });
    try {
      return await conn.request<DescribeQuorumResponse>(55, 1, { topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] });
    } finally {
      conn.close();
    }
  } catch {
    return undefined;
  }
}

interface Leader {
  leaderId: number;
  epoch: number;
  response: DescribeQuorumResponse;
}

/** Waits until exactly one live controller answers DescribeQuorum as leader (and every live one agrees). */
async function waitForLeader(live: Controller[], minEpoch: number, timeoutMs: number): Promise<Leader> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const answers = await Promise.all(live.map((c) => describeQuorum(c)));
    const leaders = answers.flatMap((r, i) => {
      const p = r?.topics[0]?.partitions[0];
      return r && p && r.errorCode === 0 && p.errorCode === 0 && p.leaderId === live[i].id ? [{ leaderId: p.leaderId, epoch: p.leaderEpoch, response: r }] : [];
    });
    last = JSON.stringify(answers.map((r) => r?.topics[0]?.partitions[0] ?? null), (_k, v) => (typeof v === 'bigint' ? Number(v) : v));
    if (leaders.length === 1 && leaders[0].epoch >= minEpoch) return leaders[0];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no single leader with epoch >= ${minEpoch} within ${timeoutMs} ms; last answers: ${last}\n${live.map((c) => `--- controller ${c.id}\n${c.out}`).join('\n')}`);
}

describe('KRaft controller quorum (3 controller processes)', () => {
  it('elects one leader, replicates, re-elects after kill -9 of the leader, and a restarted controller keeps its state', async () => {
    const ports = await freePorts(3);
    for (let i = 0; i < 3; i++) controllers.push({ id: 3001 + i, port: ports[i], dir: join(base, `controller-${i + 1}`), child: undefined, out: '' });
    const voters = controllers.map((c) => `${c.id}@127.0.0.1:${c.port}`).join(',');
    for (const c of controllers) writeConfig(c, voters);
    await Promise.all(controllers.map((c) => launch(c)));

    let first = await waitForLeader(controllers, 1, 15_000);
    const p = first.response.topics[0].partitions[0];
    expect(p.currentVoters.map((v) => v.replicaId).sort()).toEqual(controllers.map((c) => c.id));
    // The followers fetch the leader's LeaderChange record: the high-watermark covers it once a majority has it.
    const deadline = Date.now() + 20_000;
    let caughtUp = false;
    let lastView = '';
    while (!caughtUp && Date.now() < deadline) {
      // A controller that started late may time out before the leader's BeginQuorumEpoch reaches it and call an
      // election in a higher epoch (there is no pre-vote, KIP-996): follow whoever leads now.
      first = await waitForLeader(controllers, first.epoch, Math.max(1000, deadline - Date.now()));
      const r = first.response;
      const q = r?.topics[0]?.partitions[0];
      lastView = JSON.stringify(q ?? null, (_k, v) => (typeof v === 'bigint' ? Number(v) : v));
      caughtUp = q !== undefined && q.errorCode === 0 && q.highWatermark >= 1n && q.currentVoters.every((v) => v.logEndOffset >= 1n);
      if (!caughtUp) await new Promise((res) => setTimeout(res, 100));
    }
    expect(caughtUp, `voters not caught up; leader's view ${lastView}\n${controllers.map((c) => `--- controller ${c.id}\n${c.out}`).join('\n')}`).toBe(true);

    // kill -9 the leader: the two others elect a new leader in a higher epoch.
    const leader = controllers.find((c) => c.id === first.leaderId)!;
    const killedAt = Date.now();
    await kill9(leader);
    const survivors = controllers.filter((c) => c !== leader);
    const second = await waitForLeader(survivors, first.epoch + 1, 15_000);
    const failoverMs = Date.now() - killedAt;
    expect(second.leaderId).not.toBe(first.leaderId);
    expect(second.epoch).toBeGreaterThan(first.epoch);
    expect(failoverMs).toBeLessThan(10_000);

    // The killed controller's state survived kill -9: quorum-state names an epoch ≥ the one it led, and its
    // segment holds its LeaderChange record.
    const metaDir = join(leader.dir, 'data', '__cluster_metadata-0');
    const state = JSON.parse(readFileSync(join(metaDir, 'quorum-state'), 'utf8')) as { leaderEpoch: number; leaderId: number };
    expect(state.leaderEpoch).toBeGreaterThanOrEqual(first.epoch);
    expect(readdirSync(metaDir).some((n) => /^\d{20}\.log$/.test(n))).toBe(true);

    // Restarted, it rejoins as a follower of the new leader (no election: the epoch stays) and catches up.
    await launch(leader);
    const deadline2 = Date.now() + 15_000;
    let rejoined = false;
    let lastSeen = '';
    while (!rejoined && Date.now() < deadline2) {
      const r = await describeQuorum(controllers.find((c) => c.id === second.leaderId)!);
      const q = r?.topics[0]?.partitions[0];
      const mine = q?.currentVoters.find((v) => v.replicaId === leader.id);
      const leaderRow = q?.currentVoters.find((v) => v.replicaId === second.leaderId);
      lastSeen = JSON.stringify(q ?? null, (_k, v) => (typeof v === 'bigint' ? Number(v) : v));
      rejoined = q !== undefined && q.errorCode === 0 && q.leaderEpoch === second.epoch && mine !== undefined && leaderRow !== undefined && mine.logEndOffset === leaderRow.logEndOffset;
      if (!rejoined) await new Promise((res) => setTimeout(res, 100));
    }
    expect(rejoined, lastSeen).toBe(true);
    // The partition-log manager leaves the metadata log to the Raft runtime.
    expect(leader.out).not.toMatch(/__cluster_metadata-0: it has no partition\.metadata/);
    expect(leader.out).toMatch(/RaftManager id=\d+\] starting in \w+ \(epoch [1-9]/);
    const after = await describeQuorum(leader);
    expect(after?.topics[0].partitions[0].leaderId).toBe(second.leaderId);
    expect(after?.topics[0].partitions[0].leaderEpoch).toBe(second.epoch);
  });
});
