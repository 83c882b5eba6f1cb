/**
 * describeQuorumStatus against three real dedicated controllers started in this process (startBroker with
 * process.roles=controller on loopback sockets): it finds the leader even when asked of a follower first, and
 * reports every voter caught up; with nothing listening it reports the failure instead of throwing.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBrokerConfig } from '../../../../../src/broker/config.js';
import { startBroker, type RunningBroker } from '../../../../../src/broker/server.js';
import { describeQuorumStatus, formatQuorumStatus } from '../../../../../src/broker/raft/runtime/quorum-status.js';
import { parseProperties } from '../../../../../src/listeners/properties.js';
import { freePorts } from '../../../../support/ports.js';

const base = mkdtempSync(join(tmpdir(), 'kstack-quorum-status-'));
const running: RunningBroker[] = [];
afterAll(async () => {
  for (const b of running) await b.stop();
  rmSync(base, { recursive: true, force: true });
});

describe('describeQuorumStatus', () => {
  it('reports leader, epoch, voters and lag of a live 3-controller quorum', async () => {
    const ports = await freePorts(3);
    const voters = ports.map((port, i) => ({ id: 11 + i, host: '127.0.0.1', port }));
    const votersText = voters.map((v) => `${v.id}@127.0.0.1:${v.port}`).join(',');
    for (const v of voters) {
      const data = join(base, `c${v.id}`);
      mkdirSync(data, { recursive: true });
      writeFileSync(join(data, 'meta.properties'), `version=1\nnode.id=${v.id}\ncluster.id=QuorumStatusTest00000A\n`);
      const text = `process.roles=controller\nnode.id=${v.id}\nlisteners=CONTROLLER://127.0.0.1:${v.port}\ncontroller.listener.names=CONTROLLER\nlistener.security.protocol.map=CONTROLLER:PLAINTEXT\ncontroller.quorum.voters=${votersText}\nlog.dirs=${data}\n`;
      running.push(await startBroker({ config: loadBrokerConfig(parseProperties(text, 'server.properties')).config, out: () => {} }));
    }
    let status = await describeQuorumStatus(voters);
    for (let i = 0; i < 150 && !(status.ok && status.report.maxFollowerLag === 0 && status.report.highWatermark >= 1); i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = await describeQuorumStatus(voters);
    }
    expect(status.ok).toBe(true);
    if (!status.ok) return;
    const { report } = status;
    expect(voters.map((v) => v.id)).toContain(report.leaderId);
    expect(status.source).toBe(report.leaderId);
    expect(report.leaderEpoch).toBeGreaterThanOrEqual(1);
    expect(report.rows.map((r) => r.nodeId).sort()).toEqual([11, 12, 13]);
    expect(report.rows.filter((r) => r.status === 'Leader').map((r) => r.nodeId)).toEqual([report.leaderId]);
    expect(report.maxFollowerLag).toBe(0);

    // Asked of followers first, it follows their answer to the leader.
    const followersFirst = [...voters].sort((a, b) => (a.id === report.leaderId ? 1 : 0) - (b.id === report.leaderId ? 1 : 0));
    const again = await describeQuorumStatus(followersFirst);
    expect(again.ok && again.report.leaderId).toBe(report.leaderId);

    const lines = formatQuorumStatus(status);
    expect(lines[0]).toContain(`leader ${report.leaderId}  epoch ${report.leaderEpoch}`);
    expect(lines[0]).toContain('voters 11,12,13');
    expect(lines.slice(1).some((l) => /Leader/.test(l))).toBe(true);
  });

  it('nothing listening: a clear failure, not a throw', async () => {
    const [port] = await freePorts(1);
    const status = await describeQuorumStatus([{ id: 1, host: '127.0.0.1', port }], 500);
    expect(status.ok).toBe(false);
    if (status.ok) return;
    expect(status.error).toMatch(/controller 1 .*refused/);
    expect(formatQuorumStatus(status)[0]).toBe('quorum: no leader');
  });
});
