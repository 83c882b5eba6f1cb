/** `kstack doctor env`: platform, Node, disk, open files, ports, and Java / ZooKeeper / Docker when needed. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { KstackError } from '../../errors.js';
import { ENGINES, runEnvChecks, type Engine } from '../../doctor/env.js';
import { systemPlatform } from '../../platform.js';
import { PLAN_DEFAULTS, planStack, type PortAssignment, type StackMode } from '../../stack/plan.js';
import { parseStackJson, STACK_FILE } from '../../stack/render/stack-json.js';
import { printFindings } from './doctor.js';
import { integerOption, modeOption } from './init.js';

interface EnvOptions {
  dir: string;
  mode?: string;
  engine: string;
  basePort?: string;
  json?: boolean;
}

// The plan needs a cluster id; the ports do not depend on it.
const ANY_CLUSTER_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

/**
 * The mode and ports to check: the workspace's stack.json when there is one (unless --mode or --base-port ask
 * for something else), else a default stack of the given mode on the given base port.
 */
export function stackToCheck(workspace: string, mode: StackMode | undefined, basePort: number | undefined): { mode: StackMode; ports: PortAssignment[]; source: string } {
  const path = join(workspace, STACK_FILE);
  if (existsSync(path)) {
    let stack;
    try {
      stack = parseStackJson(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new KstackError('KSTACK_WORKSPACE_DAMAGED', `${path} cannot be read: ${(err as Error).message}`, { exitCode: 2, fix: `kstack init --dir ${workspace} --force` });
    }
    if ((mode === undefined || mode === stack.mode) && (basePort === undefined || basePort === stack.basePort)) {
      return { mode: stack.mode, ports: stack.ports, source: path };
    }
  }
  const m = mode ?? PLAN_DEFAULTS.mode;
  const plan = planStack({ mode: m, brokers: PLAN_DEFAULTS.brokers, workspace, host: PLAN_DEFAULTS.host, basePort: basePort ?? PLAN_DEFAULTS.basePort, clusterId: ANY_CLUSTER_ID });
  return { mode: m, ports: plan.ports, source: 'defaults' };
}

export function registerDoctorEnv(doctor: Command): void {
  doctor
    .command('env')
    .description('Check this machine: platform, Node, disk, open files, ports; Java, ZooKeeper or Docker when the stack needs them')
    .option('--dir <dir>', 'stack workspace (its stack.json gives the mode and ports)', PLAN_DEFAULTS.dir)
    .option('--mode <mode>', 'kraft or zk (default: the workspace\'s, else kraft)')
    .option('--engine <engine>', 'native, docker or kafka', 'native')
    .option('--base-port <port>', 'check the ports of a stack starting here (default: the workspace\'s, else 9092)')
    .option('--json', 'print the findings as JSON on stdout')
    .addHelpText(
      'after',
      `
Each finding has an id, a severity (ok, warn, error), a message and a fix (the exact command for this OS).
The exit code is 1 when any finding is an error.

Examples:
  kstack doctor env
  kstack doctor env --mode zk                 also checks Java and a ZooKeeper installation
  kstack doctor env --engine docker           also pings the Docker engine (DOCKER_HOST or /var/run/docker.sock)
  kstack doctor env --base-port 19092 --json  machine-readable, for the ports of a stack on 19092`,
    )
    .action(async (opts: EnvOptions) => {
      if (!(ENGINES as readonly string[]).includes(opts.engine)) {
        throw new KstackError('KSTACK_BAD_OPTION', `--engine must be native, docker or kafka, not "${opts.engine}"`, { exitCode: 2 });
      }
      const workspace = resolve(opts.dir);
      const target = stackToCheck(workspace, opts.mode === undefined ? undefined : modeOption(opts.mode), opts.basePort === undefined ? undefined : integerOption('--base-port', opts.basePort));
      const findings = await runEnvChecks({ workspace, mode: target.mode, engine: opts.engine as Engine, ports: target.ports }, { platform: systemPlatform() });
      printFindings(findings, Boolean(opts.json));
    });
}
