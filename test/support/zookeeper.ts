/**
 * A real Apache ZooKeeper ensemble for tests (Debian's `zookeeper` package in CI), started through the same
 * product code `kstack up` uses (findZooKeeper + zooKeeperCommand + probeZooKeeper).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findZooKeeper, probeZooKeeper, zooKeeperCommand } from '../../src/stack/zookeeper.js';
import { freePorts } from './ports.js';

export interface TestZooKeeper {
  connect: string;
  clientPorts: number[];
  processes: ChildProcess[];
  dir: string;
  kill(index: number, signal?: NodeJS.Signals): void;
  stop(): Promise<void>;
}

export function zooKeeperAvailable(): boolean {
  return findZooKeeper() !== null;
}

export async function startZooKeeper(opts: { servers?: number; readyTimeoutMs?: number } = {}): Promise<TestZooKeeper> {
  const install = findZooKeeper();
  if (!install) throw new Error('no ZooKeeper installation (apt-get install -y zookeeper)');
  const servers = opts.servers ?? 1;
  const dir = mkdtempSync(join(tmpdir(), 'kstack-zk-'));
  const ports = await freePorts(servers * 3);
  const clientPorts = ports.slice(0, servers);
  const processes: ChildProcess[] = [];
  for (let i = 1; i <= servers; i++) {
    const nodeDir = join(dir, `zk-${i}`);
    mkdirSync(join(nodeDir, 'data'), { recursive: true });
    const lines = [
      'tickTime=500',
      'initLimit=10',
      'syncLimit=5',
      `dataDir=${join(nodeDir, 'data')}`,
      `clientPort=${clientPorts[i - 1]}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=srvr,stat,ruok,mntr,conf',
      // Short session bounds so tests see ephemeral znodes expire quickly.
      'minSessionTimeout=1000',
      'maxSessionTimeout=20000',
    ];
    if (servers > 1) {
      for (let j = 1; j <= servers; j++) lines.push(`server.${j}=127.0.0.1:${ports[servers + j - 1]}:${ports[2 * servers + j - 1]}`);
      writeFileSync(join(nodeDir, 'data', 'myid'), `${i}\n`);
    }
    writeFileSync(join(nodeDir, 'zoo.cfg'), `${lines.join('\n')}\n`);
    const cmd = zooKeeperCommand(install, { zooCfg: join(nodeDir, 'zoo.cfg'), logDir: nodeDir, heapMb: 128 });
    const log = openSync(join(nodeDir, 'zookeeper.out'), 'a');
    processes.push(spawn(cmd.file, cmd.args, { stdio: ['ignore', log, log] }));
  }
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (const port of clientPorts) {
    while (!(await probeZooKeeper('127.0.0.1', port, 500))) {
      if (Date.now() > deadline) throw new Error(`ZooKeeper on 127.0.0.1:${port} did not start serving; see ${dir}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const exited = (p: ChildProcess) => p.exitCode !== null || p.signalCode !== null;
  return {
    connect: clientPorts.map((p) => `127.0.0.1:${p}`).join(','),
    clientPorts,
    processes,
    dir,
    kill: (index, signal = 'SIGKILL') => void processes[index].kill(signal),
    async stop() {
      await Promise.all(
        processes.map(
          (p) =>
            new Promise<void>((resolve) => {
              if (exited(p)) return resolve();
              p.once('exit', () => resolve());
              p.kill('SIGTERM');
              setTimeout(() => p.kill('SIGKILL'), 3000).unref();
            }),
        ),
      );
    },
  };
}
