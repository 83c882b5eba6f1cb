/**
 * Start a kstack native broker for tests, on 127.0.0.1 with an ephemeral port, in a fresh temp dir:
 * - `mode: 'in-process'` runs startBroker() inside the test process (fast; for protocol-level tests);
 * - `mode: 'child'` runs the real CLI, `node bin/kstack.js broker --config <dir>/server.properties`, and learns
 *   the port from its `kstack-broker listening PLAINTEXT=host:port` line (needed for kill -9 / restart tests).
 * restart() keeps the data dir and the port (the broker is started again with the port it had), so clients can
 * reconnect with the same bootstrap.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseProperties } from '../../src/listeners/properties.js';
import { loadBrokerConfig } from '../../src/broker/config.js';
import { startBroker, type RunningBroker } from '../../src/broker/server.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface NativeBrokerOptions {
  mode?: 'in-process' | 'child';
  /** Extra server.properties entries (override the test defaults). */
  properties?: Record<string, string>;
  /** Reuse a data dir (default: a new temp dir, removed by cleanup()). */
  dir?: string;
}

export interface NativeBroker {
  /** `127.0.0.1:<port>` */
  bootstrap: string;
  port: number;
  /** The child's pid, or this process's pid in-process. */
  pid: number;
  dir: string;
  dataDir: string;
  configPath: string;
  /** Everything the child wrote to stdout/stderr so far (child mode). */
  output(): string;
  /** In-process only: the running broker. */
  running?: RunningBroker;
  stop(): Promise<void>;
  kill9(): Promise<void>;
  restart(): Promise<void>;
  /** stop() if running, then remove the temp dir. */
  cleanup(): Promise<void>;
}

function renderProperties(dataDir: string, port: number, extra: Record<string, string>): string {
  const props: Record<string, string> = {
    'broker.id': '1',
    listeners: `PLAINTEXT://127.0.0.1:${port}`,
    'log.dirs': dataDir,
    'num.partitions': '1',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '5',
    'group.initial.rebalance.delay.ms': '0',
    ...extra,
  };
  return Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n') + '\n';
}

const LISTENING = /kstack-broker listening (\S+)=([^\s:]+):(\d+)/;

export async function startNativeBroker(opts: NativeBrokerOptions = {}): Promise<NativeBroker> {
  const mode = opts.mode ?? 'in-process';
  const ownsDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'kstack-broker-'));
  const dataDir = join(dir, 'data');
  const configPath = join(dir, 'server.properties');
  let port = 0;
  let child: ChildProcess | null = null;
  let running: RunningBroker | undefined;
  let out = '';
  let alive = false;

  const launch = async (): Promise<void> => {
    writeFileSync(configPath, renderProperties(dataDir, port, opts.properties ?? {}));
    if (mode === 'in-process') {
      const { config } = loadBrokerConfig(parseProperties(renderProperties(dataDir, port, opts.properties ?? {}), configPath));
      running = await startBroker({ config, out: () => {} });
      port = running.bound.get('PLAINTEXT')!.port;
      handle.pid = process.pid;
      handle.running = running;
    } else {
      const c = spawn(process.execPath, [join(ROOT, 'bin', 'kstack.js'), 'broker', '--config', configPath], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`native broker did not start in 30 s:\n${out}`)), 30_000);
        c.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = LISTENING.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[3]));
          }
        });
        c.stderr!.on('data', (d: Buffer) => {
          out += d.toString();
        });
        c.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`native broker exited (code ${code}, signal ${signal}) before listening:\n${out}`));
        });
      });
      handle.pid = c.pid!;
    }
    alive = true;
    handle.port = port;
    handle.bootstrap = `127.0.0.1:${port}`;
  };

  const waitExit = (c: ChildProcess): Promise<void> =>
    new Promise((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
    });

  const handle: NativeBroker = {
    bootstrap: '',
    port: 0,
    pid: 0,
    dir,
    dataDir,
    configPath,
    output: () => out,
    async stop() {
      if (!alive) return;
      alive = false;
      if (running) {
        await running.stop();
        running = undefined;
      } else if (child) {
        const c = child;
        c.kill('SIGTERM');
        await waitExit(c);
        child = null;
      }
    },
    async kill9() {
      if (!alive) return;
      if (!child) throw new Error('kill9() needs mode: child');
      alive = false;
      const c = child;
      c.kill('SIGKILL');
      await waitExit(c);
      child = null;
    },
    async restart() {
      await handle.stop();
      out = '';
      await launch();
    },
    async cleanup() {
      await handle.stop();
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
    },
  };
  await launch();
  return handle;
}
