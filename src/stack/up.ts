/**
 * `kstack up`: plan → render → start → check → report. Every component is its own OS process (see
 * components.ts); state.json is written as each one starts, so `down` from another terminal always knows what
 * runs. If any phase fails, everything this call started is stopped again: nothing is left half-started.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { KstackError } from '../errors.js';
import type { PlatformContext } from '../platform.js';
import { initWorkspace, type InitRequest, type InitResult } from './apply.js';
import {
  clientPropertiesFiles,
  demoConsumerComponent,
  demoProducerComponent,
  kafkaNodeComponent,
  zooKeeperComponent,
  type DemoSettings,
  type Launcher,
} from './components.js';
import { startComponent, stopComponent } from './processes.js';
import { checkState, readState, removeState, writeState, type ComponentSpec, type ProcessProbe, type RunningComponent, type StackState } from './state.js';
import { findZooKeeper, zooKeeperInstallHint } from './zookeeper.js';
import { ensureTopic, lastLogLines, waitForKafkaNode, waitForRoundTrip, waitForZooKeeperQuorum } from './readiness.js';
import { createKafkaEngine, type KafkaEngine } from './engines/kafka.js';

export interface UpRequest extends InitRequest {
  demo: DemoSettings | null;
  /** How long each phase may take before `up` gives up. */
  timeoutMs: number;
  /** Who runs the Kafka nodes: kstack's native broker (default) or a local Apache Kafka installation. */
  engine?: 'native' | 'kafka';
  /** --engine kafka: the installation (default: KAFKA_HOME, Homebrew, /opt/kafka). */
  kafkaHome?: string;
}

export interface UpDeps {
  platform: PlatformContext;
  probe: ProcessProbe;
  launcher: Launcher;
  /** Runs one phase with progress output (spinner on a TTY). */
  phase: <T>(label: string, work: () => Promise<T>) => Promise<T>;
  now?: () => number;
}

export interface UpResult {
  init: InitResult;
  state: StackState;
  /** Milliseconds from the start of `up` to the readiness round trip, and to the demo consumer's start. */
  readyAfterMs: number;
}

export async function upStack(request: UpRequest, deps: UpDeps): Promise<UpResult> {
  const now = deps.now ?? Date.now;
  const started = now();
  const workspace = (await import('node:path')).resolve(request.dir);

  const previous = readState(workspace);
  if (previous) {
    const { running } = checkState(previous, deps.probe);
    if (running.length > 0) {
      throw new KstackError('KSTACK_ALREADY_RUNNING', `a stack is already running in ${workspace}: ${running.map((c) => `${c.name} (pid ${c.pid})`).join(', ')}`, {
        exitCode: 2,
        fix: `kstack status --dir ${request.dir}   (or stop it first: kstack down --dir ${request.dir})`,
      });
    }
    // Processes gone (crash, reboot): the record is stale and is not trusted.
    removeState(workspace);
  }

  // --engine kafka: installation and Java are checked before anything is written or started.
  const kafkaEngine: KafkaEngine | null =
    request.engine === 'kafka'
      ? await deps.phase('apache kafka installation and java', () => createKafkaEngine(request.mode, { kafkaHome: request.kafkaHome, env: deps.platform.env, platform: deps.platform.platform }))
      : null;
  const init = await deps.phase('render workspace', () => initWorkspace(request, { platform: deps.platform }));
  const plan = init.plan;
  if (kafkaEngine) await deps.phase(`apache kafka ${kafkaEngine.install.version}: ${plan.mode === 'kraft' ? 'format storage' : 'logging config'}`, () => kafkaEngine.prepare(plan));
  const state: StackState = { version: 1, mode: plan.mode, engine: kafkaEngine ? 'kafka' : 'native', bootstrap: plan.bootstrap, topic: request.demo?.topic, startedAt: started, components: [] };
  const launched: RunningComponent[] = [];
  const launch = (spec: ComponentSpec): RunningComponent => {
    const running = startComponent(spec, now);
    launched.push(running);
    state.components = [...launched];
    writeState(workspace, state);
    return running;
  };

  try {
    if (plan.mode === 'zk') {
      const install = findZooKeeper();
      if (!install) {
        throw new KstackError('KSTACK_NO_ZOOKEEPER', 'zk mode needs Apache ZooKeeper, and none was found (ZOOKEEPER_HOME, Homebrew, or Debian\'s package)', {
          fix: zooKeeperInstallHint(deps.platform.platform),
        });
      }
      await deps.phase(`zookeeper ×${plan.zookeepers.length}`, async () => {
        const servers = plan.zookeepers.map((zk) => ({ zk, proc: launch(zooKeeperComponent(zk, install, workspace)) }));
        await waitForZooKeeperQuorum(servers, deps.probe, request.timeoutMs);
        if (kafkaEngine) await kafkaEngine.seedZooKeeper(plan);
      });
    }

    await deps.phase(`${plan.nodes.length === 1 ? 'broker' : `kafka nodes ×${plan.nodes.length}`} (${plan.mode}${kafkaEngine ? `, Apache Kafka ${kafkaEngine.install.version}` : ''})`, async () => {
      const nodes = plan.nodes.map((node) => ({ node, proc: launch(kafkaEngine ? kafkaEngine.component(node, workspace) : kafkaNodeComponent(node, deps.launcher, workspace)) }));
      for (const { node, proc } of nodes) await waitForKafkaNode(node, proc, deps.probe, request.timeoutMs);
    });

    await deps.phase('ready: a record produced and consumed back', () => waitForRoundTrip(plan.bootstrap, request.timeoutMs));
    const readyAfterMs = now() - started;

    if (request.demo) {
      const demo = request.demo;
      // The clients start together; the topic exists first so neither races the other's auto-creation.
      await ensureTopic(plan.bootstrap, demo.topic, request.timeoutMs);
      for (const file of clientPropertiesFiles(plan, demo)) {
        mkdirSync(dirname(file.path), { recursive: true });
        writeFileSync(file.path, file.content);
      }
      await deps.phase(`producer (${demo.rate}/s to ${demo.topic})`, async () => void launch(demoProducerComponent(plan, demo, deps.launcher)));
      await deps.phase(`consumer (group ${demo.group})`, async () => void launch(demoConsumerComponent(plan, demo, deps.launcher)));
    }
    return { init, state, readyAfterMs };
  } catch (err) {
    // Leave nothing half-started: stop what this call started, newest first, and forget the state.
    for (const c of [...launched].reverse()) await stopComponent(c.pid, deps.probe, c.identity, 5000);
    removeState(workspace);
    if (err instanceof KstackError) throw err;
    throw new KstackError('KSTACK_UP_FAILED', `kstack up failed: ${(err as Error).message}`, { cause: err });
  }
}

export { lastLogLines };
