/** `kstack init`: plan a stack and write its workspace (server.properties, log4j.properties, zoo.cfg, stack.json). */
import type { Command } from 'commander';
import { KstackError } from '../../errors.js';
import { systemPlatform } from '../../platform.js';
import { initWorkspace, type InitRequest, type InitResult } from '../../stack/apply.js';
import { PLAN_DEFAULTS, type StackMode } from '../../stack/plan.js';
import { createOutput } from '../output.js';

interface InitOptions {
  mode: string;
  brokers: string;
  zookeepers?: string;
  controllers?: string;
  dir: string;
  host: string;
  basePort: string;
  force?: boolean;
  json?: boolean;
}

/** A whole number from an option, or a KSTACK_BAD_OPTION error naming the option. */
export function integerOption(name: string, value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new KstackError('KSTACK_BAD_OPTION', `${name} takes a whole number, not "${value}"`, { exitCode: 2 });
  return Number(value.trim());
}

export function modeOption(value: string): StackMode {
  if (value !== 'kraft' && value !== 'zk') throw new KstackError('KSTACK_BAD_OPTION', `--mode must be kraft or zk, not "${value}"`, { exitCode: 2 });
  return value;
}

function summary(result: InitResult): string[] {
  const { plan } = result;
  const lines = [
    `${plan.mode} stack in ${plan.workspace}, cluster id ${plan.clusterId}${result.keptClusterId ? ' (kept)' : ''}`,
  ];
  if (result.archivedTo) lines.push(`previous state archived to ${plan.workspace}/${result.archivedTo}`);
  for (const node of plan.nodes) {
    lines.push(`  ${node.name.padEnd(14)} ${node.roles.join('+').padEnd(18)} ${node.listeners.map((l) => `${l.name} ${l.bindHost}:${l.port}`).join(', ')}`);
  }
  for (const zk of plan.zookeepers) {
    const quorum = zk.quorumPort === null ? '' : `, quorum ${zk.quorumPort}, election ${zk.electionPort}`;
    lines.push(`  ${zk.name.padEnd(14)} ${'zookeeper'.padEnd(18)} client ${zk.host}:${zk.clientPort}${quorum}`);
  }
  lines.push(`bootstrap servers: ${plan.bootstrap}`);
  lines.push(`wrote ${result.written.length} files${result.kept.length ? `, kept ${result.kept.length} that already agreed` : ''}`);
  return lines;
}

/** The options that shape a stack; `init` and `up` take the same ones. */
export function addStackOptions(cmd: Command): Command {
  return cmd
    .option('--mode <mode>', 'metadata mode: kraft or zk', PLAN_DEFAULTS.mode)
    .option('--brokers <n>', 'number of brokers', String(PLAN_DEFAULTS.brokers))
    .option('--zookeepers <n>', 'ZooKeeper ensemble size in zk mode: 1, 3 or 5 (default 1)')
    .option('--controllers <n>', 'dedicated KRaft controller nodes (default: brokers double as controllers)')
    .option('--dir <dir>', 'workspace directory', PLAN_DEFAULTS.dir)
    .option('--host <host>', 'host clients use to reach the brokers (bound and advertised)', PLAN_DEFAULTS.host)
    .option('--base-port <port>', 'first port; the stack uses consecutive ports from here', String(PLAN_DEFAULTS.basePort));
}

export type StackOptions = Pick<InitOptions, 'mode' | 'brokers' | 'zookeepers' | 'controllers' | 'dir' | 'host' | 'basePort' | 'force'>;

/** Validates the stack options into an init request (KSTACK_BAD_OPTION, exit 2, for anything malformed). */
export function stackRequest(opts: StackOptions): InitRequest {
  return {
    mode: modeOption(opts.mode),
    brokers: integerOption('--brokers', opts.brokers),
    zookeepers: opts.zookeepers === undefined ? undefined : integerOption('--zookeepers', opts.zookeepers),
    controllers: opts.controllers === undefined ? undefined : integerOption('--controllers', opts.controllers),
    dir: opts.dir,
    host: opts.host,
    basePort: integerOption('--base-port', opts.basePort),
    force: Boolean(opts.force),
  };
}

export function registerInit(program: Command): void {
  addStackOptions(program.command('init'))
    .description('Render a stack workspace (server.properties, log4j.properties, zoo.cfg, meta.properties, stack.json)')
    .option('--force', 'archive an existing workspace that cannot be updated (other mode or nodes) and start clean')
    .option('--json', 'print the plan and the written files as JSON on stdout')
    .addHelpText(
      'after',
      `
Ports are consecutive from --base-port: client (PLAINTEXT) ports of the brokers, then CONTROLLER ports
(kraft), then INTERNAL ports (more than one broker), then ZooKeeper client/quorum/election ports.
Re-running init with the same mode and nodes keeps the cluster id and the data. A different mode or
different nodes refuse (nothing is changed) unless --force, which moves the old state to
<dir>/archive/<time>-<mode>/.

Examples:
  kstack init                                          one KRaft node: client 9092, controller 9093
  kstack init --mode kraft --brokers 3                 three combined broker+controller nodes
  kstack init --mode kraft --brokers 3 --controllers 3 three brokers and three dedicated controllers
  kstack init --mode zk --brokers 3 --zookeepers 3     ZooKeeper mode with a 3-server ensemble
  kstack init --dir /tmp/stack --base-port 19092       elsewhere, on other ports
  kstack init --mode zk --dir .kstack --force          switch an existing KRaft workspace to zk`,
    )
    .action(async (opts: InitOptions) => {
      const out = createOutput();
      const result = await initWorkspace(stackRequest(opts), { platform: systemPlatform() });
      if (opts.json) out.json({ plan: result.plan, written: result.written, kept: result.kept, archivedTo: result.archivedTo, keptClusterId: result.keptClusterId });
      else {
        for (const line of summary(result)) out.info(line);
        out.info(`next: kstack up --dir ${opts.dir}`);
      }
    });
}
