/** `kstack down`, `kstack status` and `kstack logs`: managing a stack from any terminal. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { KstackError } from '../../errors.js';
import { PLAN_DEFAULTS } from '../../stack/plan.js';
import { systemProcessProbe } from '../../stack/processes.js';
import { followStack, stopStack } from '../../stack/down.js';
import { lastLines } from '../../stack/log-tail.js';
import { readState } from '../../stack/state.js';
import { collectStatus, formatStatus } from '../../stack/status.js';
import { createOutput } from '../output.js';

export function registerDown(program: Command): void {
  program
    .command('down')
    .description('Stop a running stack (gracefully, then forcefully after a timeout)')
    .option('--dir <dir>', 'workspace directory', PLAN_DEFAULTS.dir)
    .option('--purge', 'also delete the data and logs (the configuration stays)')
    .option('--timeout <ms>', 'grace period before a process is killed', '15000')
    .addHelpText('after', '\nExamples:\n  kstack down\n  kstack down --purge            start over with empty topics next time\n  kstack down --dir /tmp/stack2')
    .action(async (opts: { dir: string; purge?: boolean; timeout: string }) => {
      const out = createOutput();
      const docker = await import('./engine-docker.js');
      if (docker.isDockerWorkspace(resolve(opts.dir))) return docker.runDockerDown(resolve(opts.dir), Number(opts.timeout), out);
      const report = await stopStack(resolve(opts.dir), systemProcessProbe(), { purge: Boolean(opts.purge), graceMs: Number(opts.timeout) });
      for (const line of report.lines) out.info(line);
    });
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Show processes, registered brokers and the route table of a stack')
    .option('--dir <dir>', 'workspace directory', PLAN_DEFAULTS.dir)
    .option('--json', 'print JSON on stdout')
    .option('--watch [seconds]', 'refresh every few seconds (default 2) until Ctrl-C')
    .addHelpText('after', '\nExamples:\n  kstack status\n  kstack status --json\n  kstack status --watch')
    .action(async (opts: { dir: string; json?: boolean; watch?: boolean | string }) => {
      const out = createOutput();
      const probe = systemProcessProbe();
      const docker = await import('./engine-docker.js');
      const once = async () => {
        if (docker.isDockerWorkspace(resolve(opts.dir))) return { running: await docker.runDockerStatus(resolve(opts.dir), Boolean(opts.json), out) };
        const report = await collectStatus(resolve(opts.dir), probe);
        if (opts.json) out.json(report);
        else process.stdout.write(`${formatStatus(report).join('\n')}\n`);
        return report;
      };
      if (!opts.watch) {
        const report = await once();
        if (!report.running) process.exitCode = 3;
        return;
      }
      const every = typeof opts.watch === 'string' ? Number(opts.watch) : 2;
      let stop = false;
      process.once('SIGINT', () => (stop = true));
      while (!stop) {
        if (out.isTTY && !opts.json) process.stdout.write('\u001b[2J\u001b[H');
        await once();
        await new Promise((r) => setTimeout(r, every * 1000));
      }
    });
}

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description('Show the logs of a stack component (or all of them), optionally following them')
    .argument('[component]', 'broker-1, zk-1, controller-4, producer, consumer … (default: all)')
    .option('--dir <dir>', 'workspace directory', PLAN_DEFAULTS.dir)
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('-n, --lines <n>', 'how many recent lines to show', '50')
    .addHelpText('after', '\nExamples:\n  kstack logs consumer\n  kstack logs broker-1 -f\n  kstack logs -f               every component, interleaved')
    .action(async (component: string | undefined, opts: { dir: string; follow?: boolean; lines: string }) => {
      const out = createOutput();
      const workspace = resolve(opts.dir);
      const docker = await import('./engine-docker.js');
      if (docker.isDockerWorkspace(workspace) && (await docker.runDockerLogs(workspace, component, Number(opts.lines), Boolean(opts.follow), out))) return;
      const state = readState(workspace);
      if (!state) throw new KstackError('KSTACK_NO_STACK', `no stack has been started in ${workspace}`, { exitCode: 2, fix: 'kstack up --detach' });
      const chosen = component ? state.components.filter((c) => c.name === component) : state.components;
      if (chosen.length === 0) {
        throw new KstackError('KSTACK_NO_COMPONENT', `no component "${component}" in this stack`, { exitCode: 2, fix: `one of: ${state.components.map((c) => c.name).join(', ')}` });
      }
      const count = Number(opts.lines);
      for (const c of chosen) {
        if (!existsSync(c.logFile)) continue;
        for (const line of lastLines(readFileSync(c.logFile, 'utf8'), count)) process.stdout.write(chosen.length > 1 ? `${c.name} | ${line}\n` : `${line}\n`);
      }
      if (opts.follow) await followStack(state, { color: out.color, fromEnd: true, until: 'signal', components: chosen });
    });
}
