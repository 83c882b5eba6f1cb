/** `kstack up`: one command from nothing to records flowing. */
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { KstackError } from '../../errors.js';
import { systemPlatform } from '../../platform.js';
import { systemProcessProbe } from '../../stack/processes.js';
import { upStack } from '../../stack/up.js';
import { followStack, stopStack } from '../../stack/down.js';
import { renderSummary } from '../../stack/summary.js';
import { createOutput } from '../output.js';
import { addStackOptions, integerOption, stackRequest, type StackOptions } from './init.js';

interface UpOptions extends StackOptions {
  detach?: boolean;
  demo: boolean;
  topic: string;
  rate: string;
  timeout: string;
  json?: boolean;
  engine: string;
  kafkaHome?: string;
  image?: string;
  version?: string;
  imageName?: string;
  dockerBasePort?: string;
}

export type EngineName = 'native' | 'docker' | 'kafka';

export function engineOption(value: string): EngineName {
  if (value !== 'native' && value !== 'docker' && value !== 'kafka') {
    throw new KstackError('KSTACK_BAD_OPTION', `--engine must be native, docker or kafka, not "${value}"`, { exitCode: 2 });
  }
  return value;
}

/** bin/kstack.js of this installation, for starting kstack's own subcommands as processes. */
export function kstackBinPath(): string {
  return fileURLToPath(new URL('../../../bin/kstack.js', import.meta.url));
}

export function registerUp(program: Command): void {
  addStackOptions(program.command('up'))
    .description('Start a stack: ZooKeeper or KRaft, native brokers, then a demo producer and consumer')
    .option('--force', 'switch an existing workspace to other settings, archiving its data and cluster id first')
    .option('-d, --detach', 'return once the stack is ready and leave it running')
    .option('--no-demo', 'do not start the demo producer and consumer')
    .option('--topic <name>', 'topic of the demo producer and consumer', 'kstack-demo')
    .option('--rate <n>', 'demo records per second', '2')
    .option('--timeout <ms>', 'how long each phase may take', '60000')
    .option('--json', 'print the summary as JSON on stdout')
    .option('--engine <engine>', 'who runs Kafka: native (kstack\'s broker), kafka (a local Apache Kafka installation) or docker (Apache Kafka images)', 'native')
    .option('--kafka-home <dir>', '--engine kafka: the Apache Kafka installation (default: KAFKA_HOME, Homebrew, /opt/kafka)')
    .option('--image <name>', '--engine docker: apache, confluent or bitnami (default apache)')
    .option('--version <v>', '--engine docker: image version (default: the newest kstack knows for the mode)')
    .option('--image-name <ref>', '--engine docker: run this image instead (a mirror or local build; env naming follows --image)')
    .option('--docker-base-port <port>', '--engine docker: first host port for containers outside the stack (default 29092)')
    .addHelpText(
      'after',
      `
Examples:
  kstack up                                  one KRaft broker on 127.0.0.1:9092, demo clients, logs in the foreground
  kstack up --detach                         the same, in the background; then: kstack logs consumer, kstack down
  kstack up --mode zk --zookeepers 3 -d      a ZooKeeper ensemble of three and a broker registered in it
  kstack up --mode kraft --brokers 3 -d      three brokers that are also the controller quorum
  kstack up --mode zk --force -d             switch a stopped kraft stack to zk (old state is archived)
  kstack up --base-port 19092 --no-demo -d   other ports, no demo clients
  kstack up --engine kafka --kafka-home ~/kafka_2.13-4.1.0 -d   the same stack on Apache Kafka itself
  kstack up --engine docker --brokers 3 -d   Apache Kafka containers (apache/kafka) through the Docker API`,
    )
    .action(async (opts: UpOptions) => {
      const out = createOutput();
      const rate = Number(opts.rate);
      if (!(rate > 0)) throw new KstackError('KSTACK_BAD_OPTION', `--rate must be a positive number, not "${opts.rate}"`, { exitCode: 2 });
      const engine = engineOption(opts.engine);
      const dockerOnly = [opts.image, opts.version, opts.imageName, opts.dockerBasePort].some((v) => v !== undefined);
      if (dockerOnly && engine !== 'docker') throw new KstackError('KSTACK_BAD_OPTION', '--image, --version, --image-name and --docker-base-port apply to --engine docker only', { exitCode: 2 });
      if (opts.kafkaHome !== undefined && engine !== 'kafka') throw new KstackError('KSTACK_BAD_OPTION', '--kafka-home applies to --engine kafka only', { exitCode: 2 });
      const request = {
        ...stackRequest(opts),
        ...(engine === 'kafka' ? { engine, kafkaHome: opts.kafkaHome } : {}),
        demo: opts.demo ? { topic: opts.topic, rate, group: 'kstack-demo' } : null,
        timeoutMs: integerOption('--timeout', opts.timeout),
      };
      if (engine === 'docker') {
        const { runDockerUp } = await import('./engine-docker.js');
        await runDockerUp(
          { ...request, dockerBasePort: opts.dockerBasePort === undefined ? undefined : integerOption('--docker-base-port', opts.dockerBasePort), detach: Boolean(opts.detach), json: Boolean(opts.json) },
          opts,
          out,
          { node: process.execPath, kstackBin: kstackBinPath() },
        );
        return;
      }
      const probe = systemProcessProbe();
      const result = await upStack(request, {
        platform: systemPlatform(),
        probe,
        launcher: { node: process.execPath, kstackBin: kstackBinPath() },
        phase: (label, work) => out.phase(label, work),
      });
      const summary = renderSummary(result, { color: out.color, platform: process.platform, detached: Boolean(opts.detach) });
      if (opts.json) out.json(summary.json);
      else for (const line of summary.lines) out.info(line);
      if (opts.detach) return;
      // Foreground: interleaved logs until Ctrl-C, then a clean stop of everything.
      await followStack(result.state, { color: out.color, fromEnd: false, until: 'signal' });
      out.info('stopping the stack …');
      const report = await stopStack(result.init.plan.workspace, probe, { purge: false });
      for (const line of report.lines) out.info(line);
    });
}
