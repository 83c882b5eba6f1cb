/**
 * The CLI side of `--engine docker`: `kstack up` options → upDockerStack with an ora pull progress, the summary
 * in the native engine's style, and the docker variants of `down`, `status` and `logs` (chosen when the
 * workspace holds a docker-stack.json). Kept out of up.ts/down.ts so those stay the native engine's.
 */
import { relative } from 'node:path';
import ora from 'ora';
import { KstackError } from '../../errors.js';
import { IMAGE_FAMILIES, type ImageFamily } from '../../compose/images.js';
import { systemPlatform } from '../../platform.js';
import { collectDockerStatus, downDockerStack, dockerLogs, followDockerLogs, readDockerStack, upDockerStack, type DockerUpResult } from '../../stack/engines/docker.js';
import type { DemoSettings, Launcher } from '../../stack/components.js';
import { followStack } from '../../stack/down.js';
import { systemProcessProbe } from '../../stack/processes.js';
import { formatStatus } from '../../stack/status.js';
import { formatDuration, paint, type Output } from '../output.js';

export interface DockerCliOptions {
  image?: string;
  version?: string;
  imageName?: string;
  dockerBasePort?: string;
}

export function isDockerWorkspace(workspace: string): boolean {
  return readDockerStack(workspace) !== null;
}

function imageFamily(value: string | undefined): ImageFamily {
  const v = value ?? 'apache';
  if (!(IMAGE_FAMILIES as readonly string[]).includes(v)) throw new KstackError('KSTACK_BAD_OPTION', `--image must be one of ${IMAGE_FAMILIES.join(', ')}, not "${v}"`, { exitCode: 2 });
  return v as ImageFamily;
}

export interface DockerUpCli {
  mode: 'kraft' | 'zk';
  brokers: number;
  controllers?: number;
  zookeepers?: number;
  dir: string;
  host: string;
  basePort: number;
  dockerBasePort?: number;
  demo: DemoSettings | null;
  timeoutMs: number;
  detach: boolean;
  json: boolean;
}

export async function runDockerUp(req: DockerUpCli, opts: DockerCliOptions, out: Output, launcher: Launcher): Promise<void> {
  const platform = systemPlatform();
  const probe = systemProcessProbe();
  let spinner: ReturnType<typeof ora> | null = null;
  let lastLine = 0;
  const result = await upDockerStack(
    {
      dir: req.dir,
      mode: req.mode,
      brokers: req.brokers,
      controllers: req.controllers,
      zookeepers: req.zookeepers,
      image: imageFamily(opts.image),
      version: opts.version,
      imageName: opts.imageName,
      host: req.host,
      basePort: req.basePort,
      dockerBasePort: req.dockerBasePort,
      demo: req.demo,
      timeoutMs: req.timeoutMs,
    },
    {
      platform,
      probe,
      launcher,
      phase: async (label, work) => {
        if (!label.startsWith('pull ')) return out.phase(label, work);
        // Pulls report layer progress: an ora spinner on a terminal, a line every few seconds otherwise.
        spinner = ora({ text: label, stream: process.stderr, isEnabled: out.isTTY }).start();
        const t0 = Date.now();
        try {
          const value = await work();
          spinner.succeed(`${label} (${formatDuration(Date.now() - t0)})`);
          return value;
        } catch (err) {
          spinner.fail(label);
          throw err;
        } finally {
          spinner = null;
        }
      },
      onPull: (p) => {
        if (spinner && out.isTTY) spinner.text = `pull ${p.image}: ${p.text}`;
        else if (Date.now() - lastLine > 3000) {
          lastLine = Date.now();
          out.info(`  pull ${p.image}: ${p.text}`);
        }
      },
    },
  );
  const lines = dockerSummary(result, out.color);
  if (req.json) out.json({ ...result.record, readyAfterMs: result.readyAfterMs, compose: `${result.workspace}/docker-compose.yml`, processes: result.state.components.map((c) => ({ name: c.name, pid: c.pid, logFile: c.logFile })) });
  else for (const line of lines) out.info(line);
  if (req.detach) return;
  // Foreground: container output and demo clients interleaved until Ctrl-C, then everything is removed.
  const abort = new AbortController();
  const services = result.record.containers.map((c) => c.service);
  const width = Math.max(...services.map((s) => s.length), 8);
  const containers = followDockerLogs(result.workspace, platform, services, (s, line) => process.stdout.write(`${paint(out.color, 'cyan', `${s.padEnd(width)} |`)} ${line}\n`), abort.signal);
  await followStack(result.state, { color: out.color, fromEnd: false, until: 'signal', components: result.state.components.length ? result.state.components : [] });
  abort.abort();
  await containers;
  out.info('stopping the stack …');
  for (const line of (await downDockerStack(result.workspace, platform, probe)).lines) out.info(line);
}

export function dockerSummary(result: DockerUpResult, color: boolean): string[] {
  const { record, compose } = result;
  const b = (t: string) => paint(color, 'bold', t);
  const brokers = compose.nodes.filter((n) => n.role === 'broker').length;
  const zks = compose.nodes.filter((n) => n.role === 'zookeeper').length;
  const show = (p: string) => {
    const rel = relative(process.cwd(), p);
    return rel.startsWith('..') ? p : rel || '.';
  };
  return [
    '',
    `${b('kstack')} ${record.mode} stack is up on ${record.engineName} (${record.image}): ${brokers} broker${brokers === 1 ? '' : 's'}${zks ? `, ${zks} ZooKeeper server${zks === 1 ? '' : 's'}` : ''} — ready in ${formatDuration(result.readyAfterMs)}`,
    ...(record.clusterId ? [`  cluster id         ${record.clusterId}`] : []),
    `  bootstrap (host)   ${b(record.bootstrap.host)}`,
    `  bootstrap (compose network) ${record.bootstrap.network}`,
    `  bootstrap (other containers) ${record.bootstrap.otherContainers}   (on Linux: --add-host host.docker.internal:host-gateway)`,
    '  containers:',
    ...record.containers.map((c) => `    ${c.service.padEnd(14)} ${c.name.padEnd(36)} ${c.ports.length ? `ports ${c.ports.join(',')}` : ''}`),
    ...(result.state.components.length ? ['  processes:', ...result.state.components.map((c) => `    ${c.name.padEnd(14)} pid ${String(c.pid).padEnd(8)} ${show(c.logFile)}`)] : []),
    `  compose file       ${show(`${result.workspace}/docker-compose.yml`)}`,
    '  try:',
    `    kcat -b ${record.bootstrap.host.split(',')[0]} -L`,
    '    kstack status   kstack logs kafka-1 -f   kstack down',
  ];
}

export async function runDockerDown(workspace: string, graceMs: number, out: Output): Promise<void> {
  const report = await downDockerStack(workspace, systemPlatform(), systemProcessProbe(), Math.max(1, Math.round(graceMs / 1000)));
  for (const line of report.lines) out.info(line);
}

export async function runDockerStatus(workspace: string, json: boolean, out: Output): Promise<boolean> {
  const report = await collectDockerStatus(workspace, systemPlatform(), systemProcessProbe());
  if (json) out.json({ engine: 'docker', ...report });
  else process.stdout.write(`${formatStatus(report).join('\n')}\n`);
  return report.running;
}

/** Container services of the stack, or null when `component` is one of the host processes (demo clients). */
export async function runDockerLogs(workspace: string, component: string | undefined, lines: number, follow: boolean, out: Output): Promise<boolean> {
  const record = readDockerStack(workspace);
  if (!record) return false;
  if (component && !record.containers.some((c) => c.service === component)) return false;
  const platform = systemPlatform();
  const chunks = await dockerLogs(workspace, platform, component, lines);
  for (const { service, text } of chunks) {
    for (const line of text.trimEnd().split('\n').slice(-lines)) process.stdout.write(chunks.length > 1 ? `${service} | ${line}\n` : `${line}\n`);
  }
  if (follow) {
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await followDockerLogs(workspace, platform, chunks.map((c) => c.service), (s, line) => process.stdout.write(chunks.length > 1 ? `${paint(out.color, 'cyan', `${s} |`)} ${line}\n` : `${line}\n`), abort.signal);
  }
  return true;
}
