/**
 * `kstack up --mode zk --zookeepers 3`: three real ZooKeeper servers and a native broker registered in them the
 * way Kafka does; ZooKeeper's own CLI sees the broker, and `kill -9` of the broker removes its ephemeral znode
 * within the session timeout. Then the stopped stack switches to kraft with one flag plus --force.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readState } from '../../src/stack/state.js';
import { systemProcessProbe } from '../../src/stack/processes.js';
import { freePortRange } from '../support/port-range.js';
import { zooKeeperAvailable } from '../support/zookeeper.js';
import { kstack } from './run.js';

const ZKCLI = '/usr/share/zookeeper/bin/zkCli.sh';

function zkCli(server: string, ...command: string[]): Promise<string> {
  return new Promise((resolve) => execFile(ZKCLI, ['-server', server, ...command], { timeout: 30_000 }, (_err, stdout) => resolve(String(stdout))));
}

describe.skipIf(!zooKeeperAvailable() || !existsSync(ZKCLI))('kstack up --mode zk with a 3-server ZooKeeper ensemble', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kstack-up-zk-'));
  afterAll(async () => {
    await kstack(['down'], dir);
  });

  it('registers the broker in ZooKeeper; kill -9 removes its znode within the session timeout; kraft needs --force', async () => {
    const base = await freePortRange(10);
    const up = await kstack(['up', '--mode', 'zk', '--zookeepers', '3', '--detach', '--no-demo', '--base-port', String(base)], dir);
    expect(up.code, up.stderr).toBe(0);
    const state = readState(join(dir, '.kstack'))!;
    expect(state.components.map((c) => c.name)).toEqual(['zk-1', 'zk-2', 'zk-3', 'broker-1']);
    const zkServer = `127.0.0.1:${state.components[0].ports[0]}`;

    const ids = await zkCli(zkServer, 'ls', '/kstack/brokers/ids');
    expect(ids).toContain('[1]');
    const registration = await zkCli(zkServer, 'get', '/kstack/brokers/ids/1');
    expect(registration).toContain(`"endpoints":["PLAINTEXT://127.0.0.1:${base}"]`);
    expect(await zkCli(zkServer, 'ls', '/kstack/brokers/topics')).toContain('__kstack_ready');

    const broker = state.components.find((c) => c.name === 'broker-1')!;
    process.kill(broker.pid, 'SIGKILL');
    const killedAt = Date.now();
    let gone = false;
    // Kafka's default zookeeper.session.timeout.ms is 18 s; allow it plus ZooKeeper's tick rounding.
    while (Date.now() - killedAt < 25_000) {
      if ((await zkCli(zkServer, 'ls', '/kstack/brokers/ids')).includes('[]')) {
        gone = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(gone).toBe(true);
    const status = await kstack(['status', '--json'], dir);
    const report = JSON.parse(status.stdout);
    expect(report.processes.find((p: { name: string }) => p.name === 'broker-1').up).toBe(false);

    const down = await kstack(['down'], dir);
    expect(down.code).toBe(0);
    // Exited processes may linger as zombies until reaped; what counts is that none runs its command any more.
    for (const c of state.components) expect(systemProcessProbe().commandLine(c.pid)?.includes(c.identity) ?? false).toBe(false);

    // Switching the stopped stack to kraft: refused without --force, archived with it.
    const refused = await kstack(['up', '--mode', 'kraft', '--detach', '--no-demo', '--base-port', String(base)], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('switching it to kraft would lose');
    const switched = await kstack(['up', '--mode', 'kraft', '--detach', '--no-demo', '--force', '--base-port', String(base)], dir);
    expect(switched.code, switched.stderr).toBe(0);
    expect(readdirSync(join(dir, '.kstack', 'archive')).some((d) => d.endsWith('-zk'))).toBe(true);
    expect((await kstack(['down'], dir)).code).toBe(0);
  }, 180_000);
});
