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
import { collectStatus, DEFAULT_WATCH_INTERVAL_MS, formatStatus, parseWatchInterval, watchFrame, type StatusReport } from '../../stack/status.js';
import { createOutput, type Output } from '../output.js';

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
    .description('Show processes, the quorum or ZooKeeper ensemble, brokers with their registration state, and the route table')
    .option('--dir <dir>', 'workspace directory', PLAN_DEFAULTS.dir)
    .option('--json', 'print JSON on stdout (with --watch: one JSON document per line)')
    .option('--watch [interval-ms]', `re-collect and re-render every interval (default ${DEFAULT_WATCH_INTERVAL_MS} ms) until Ctrl-C`)
    .addHelpText('after', '\nExamples:\n  kstack status\n  kstack status --json\n  kstack status --watch          refresh every 2 s until Ctrl-C\n  kstack status --watch 500 --json   one JSON document per line')
    .action(async (opts: { dir: string; json?: boolean; watch?: true | string }) => {
      const out = createOutput();
      const workspace = resolve(opts.dir);
      const probe = systemProcessProbe();
      const docker = await import('./engine-docker.js');
      if (opts.watch === undefined) {
        const running = docker.isDockerWorkspace(workspace) ? await docker.runDockerStatus(workspace, Boolean(opts.json), out) : await printStatusOnce(workspace, probe, Boolean(opts.json), out);
        if (!running) process.exitCode = 3;
        return;
      }
      const interval = parseWatchInterval(opts.watch);
      if (!interval.ok) throw new KstackError('KSTACK_BAD_OPTION', interval.error, { exitCode: 2, fix: `kstack status --watch ${DEFAULT_WATCH_INTERVAL_MS}` });
      const collect = async (): Promise<StatusReport & { engine?: string }> => {
        if (!docker.isDockerWorkspace(workspace)) return collectStatus(workspace, probe);
        const [{ collectDockerStatus }, { systemPlatform }] = await Promise.all([import('../../stack/engines/docker.js'), import('../../platform.js')]);
        return { engine: 'docker', ...(await collectDockerStatus(workspace, systemPlatform(), probe)) };
      };
      await watchStatus(collect, { intervalMs: interval.ms, json: Boolean(opts.json), tty: Boolean(process.stdout.isTTY) });
      // Ctrl-C is how --watch ends: a normal exit.
      process.exitCode = 0;
    });
}

async function printStatusOnce(workspace: string, probe: ReturnType<typeof systemProcessProbe>, json: boolean, out: Output): Promise<boolean> {
  const report = await collectStatus(workspace, probe);
  if (json) out.json(report);
  else process.stdout.write(`${formatStatus(report).join('\n')}\n`);
  return report.running;
}

/**
 * `--watch`: collect, render, wait out the rest of the interval, again — until SIGINT/SIGTERM (or stdout closes,
 * as under `| head`). A signal during a collection ends the loop at once; the abandoned probes finish within
 * their short timeouts and the process exits on its own.
 */
async function watchStatus(collect: () => Promise<StatusReport>, o: { intervalMs: number; json: boolean; tty: boolean }): Promise<void> {
  let stop!: () => void;
  const stopped = new Promise<null>((r) => (stop = () => r(null)));
  let done = false;
  const onSignal = () => {
    done = true;
    stop();
  };
  const onStdoutError = () => onSignal();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.on('error', onStdoutError);
  try {
    while (!done) {
      const started = Date.now();
      const pending = collect();
      pending.catch(() => undefined);
      let report: StatusReport | null;
      try {
        report = await Promise.race([pending, stopped]);
      } catch (err) {
        report = null;
        process.stdout.write(o.json ? `${JSON.stringify({ at: new Date().toISOString(), error: (err as Error).message })}\n` : watchFrame([`! status failed: ${(err as Error).message}`], new Date(), o.intervalMs, o.tty));
      }
      if (done) break;
      if (report) {
        const at = new Date();
        process.stdout.write(o.json ? `${JSON.stringify({ at: at.toISOString(), ...report })}\n` : watchFrame(formatStatus(report), at, o.intervalMs, o.tty));
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise((r) => (timer = setTimeout(r, Math.max(0, o.intervalMs - (Date.now() - started))))), stopped]);
      clearTimeout(timer);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.off('error', onStdoutError);
  }
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
