/**
 * `kstack up --mode zk --brokers 3 --zookeepers 3`: three native brokers elect a controller in a real
 * ZooKeeper ensemble; a 6-partition topic has leaders on all three and every broker answers kcat -L the same;
 * kill -9 of a broker takes it out of Metadata (and `kstack status`) within zookeeper.session.timeout.ms (6 s,
 * rendered) + 2 s with its partitions leaderless, and it rejoins when started again; kill -9 of one ZooKeeper
 * server stops nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { readState } from '../../src/stack/state.js';
import { freePortRange } from '../support/port-range.js';
import { kcatMeta, type KcatMeta } from '../support/kcat-metadata.js';
import { zooKeeperAvailable } from '../support/zookeeper.js';
import { kstack, ROOT } from './run.js';

describe.skipIf(!zooKeeperAvailable())('kstack up --mode zk --brokers 3 --zookeepers 3', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kstack-up-zk-cluster-'));
  afterAll(async () => {
    await kstack(['down'], dir);
  });

  it('spreads partitions, survives kill -9 of a broker and of a ZooKeeper server', async () => {
    const base = await freePortRange(20);
    const up = await kstack(['up', '--mode', 'zk', '--brokers', '3', '--zookeepers', '3', '--detach', '--no-demo', '--base-port', String(base)], dir);
    expect(up.code, up.stderr + up.stdout).toBe(0);
    const state = readState(join(dir, '.kstack'))!;
    expect(state.components.map((c) => c.name)).toEqual(['zk-1', 'zk-2', 'zk-3', 'broker-1', 'broker-2', 'broker-3']);
    expect(readFileSync(join(dir, '.kstack', 'broker-2', 'server.properties'), 'utf8')).toContain('zookeeper.session.timeout.ms=6000');
    const bootstraps = [base, base + 1, base + 2].map((p) => `127.0.0.1:${p}`);

    const admin = new Kafka({ brokers: bootstraps, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const created = await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true }).catch((err: { errors?: unknown[] }) => {
        throw new Error(`createTopics failed: ${JSON.stringify(err.errors ?? String(err))}`);
      });
      expect(created).toBe(true);
    } finally {
      await admin.disconnect();
    }
    const views = await Promise.all(bootstraps.map((b) => kcatMeta(b, 'orders')));
    // Everything but kcat's own "originating_broker" must match.
    const view = (m: KcatMeta) => ({ controller: m.controllerid, brokers: m.brokers, topics: m.topics });
    expect(view(views[1])).toEqual(view(views[0]));
    expect(view(views[2])).toEqual(view(views[0]));
    expect(new Set(views[0].topics[0].partitions.map((p) => p.leader))).toEqual(new Set([1, 2, 3]));
    const status = await kstack(['status'], dir);
    expect(status.stdout).toMatch(/orders 5 → \d → 127\.0\.0\.1:\d+/);

    // kill -9 a broker that is not the controller.
    const victimId = [1, 2, 3].find((id) => id !== views[0].controllerid)!;
    const victim = state.components.find((c) => c.name === `broker-${victimId}`)!;
    const owned = views[0].topics[0].partitions.filter((p) => p.leader === victimId).map((p) => p.partition);
    process.kill(victim.pid, 'SIGKILL');
    const killedAt = Date.now();
    const survivor = bootstraps[[1, 2, 3].find((id) => id !== victimId)! - 1];
    let after: KcatMeta | undefined;
    while (Date.now() - killedAt < 8000) {
      const m = await kcatMeta(survivor, 'orders');
      if (!m.brokers.some((b) => b.id === victimId) && owned.every((p) => m.topics[0].partitions[p].leader === -1)) {
        after = m;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(after, 'dead broker still listed after session timeout + 2 s').toBeDefined();
    const degraded = await kstack(['status'], dir);
    expect(degraded.stdout).toMatch(new RegExp(`✖ ${victimId} +gone`));
    expect(degraded.stdout).toContain('Expected with replication factor 1');

    // Start it again the way kstack does (same config): it registers and leads its partitions again.
    const again = spawn(process.execPath, [join(ROOT, 'bin', 'kstack.js'), 'broker', '--config', join(dir, '.kstack', `broker-${victimId}`, 'server.properties')], { stdio: 'ignore', detached: true });
    again.unref();
    try {
      const backBy = Date.now() + 20_000;
      let back = false;
      while (Date.now() < backBy && !back) {
        const m = await kcatMeta(survivor, 'orders').catch(() => undefined);
        back = Boolean(m && m.brokers.some((b) => b.id === victimId) && owned.every((p) => m.topics[0].partitions[p].leader === victimId));
        if (!back) await new Promise((r) => setTimeout(r, 250));
      }
      expect(back).toBe(true);

      // kill -9 one ZooKeeper server: produce and consume keep working.
      process.kill(state.components.find((c) => c.name === 'zk-1')!.pid, 'SIGKILL');
      await execa('kcat', ['-b', bootstraps.join(','), '-P', '-t', 'orders'], { input: Array.from({ length: 30 }, (_, i) => `m${i}`).join('\n') + '\n', timeout: 60_000 });
      const { stdout } = await execa('kcat', ['-b', bootstraps.join(','), '-C', '-t', 'orders', '-e', '-q'], { timeout: 60_000 });
      expect(stdout.trim().split('\n').sort()).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`).sort());
    } finally {
      if (again.pid) process.kill(again.pid, 'SIGTERM');
    }
  }, 180_000);
});
