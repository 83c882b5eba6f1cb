/** `kstack compose`: a docker-compose.yml for Apache Kafka in containers, from the same choices as `kstack up`. */
import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { KstackError } from '../../errors.js';
import { generateCompose, renderCompose } from '../../compose/generate.js';
import { IMAGE_FAMILIES, imageRef, type ImageFamily } from '../../compose/images.js';
import { newClusterId } from '../../stack/plan.js';
import { diagnoseListeners } from '../../doctor/listeners/diagnose.js';
import { formatFindings, type Finding } from '../../doctor/finding.js';
import { createOutput } from '../output.js';
import { integerOption, modeOption } from './init.js';

interface ComposeCliOptions {
  mode: string;
  brokers: string;
  controllers?: string;
  zookeepers?: string;
  image: string;
  version?: string;
  out: string;
  host: string;
  basePort: string;
  dockerBasePort: string;
  clusterId?: string;
  force?: boolean;
  json?: boolean;
}

function imageOption(value: string): ImageFamily {
  if (!(IMAGE_FAMILIES as readonly string[]).includes(value)) {
    throw new KstackError('KSTACK_BAD_OPTION', `--image must be one of ${IMAGE_FAMILIES.join(', ')}, not "${value}"`, { exitCode: 2 });
  }
  return value as ImageFamily;
}

export function registerCompose(program: Command): void {
  program
    .command('compose')
    .description('Write a docker-compose.yml for Apache Kafka (KRaft or ZooKeeper) with listeners that work from the host and from containers')
    .option('--mode <mode>', 'metadata mode: kraft or zk', 'kraft')
    .option('--brokers <n>', 'number of brokers', '1')
    .option('--controllers <n>', 'dedicated KRaft controllers (default: brokers double as controllers)')
    .option('--zookeepers <n>', 'ZooKeeper ensemble size in zk mode: 1, 3 or 5', undefined)
    .option('--image <name>', 'image family: apache (apache/kafka), confluent (confluentinc/cp-kafka) or bitnami (bitnamilegacy/kafka)', 'apache')
    .option('--version <v>', 'image version (default: the newest kstack knows for the mode)')
    .option('--out <file>', 'where to write; - for stdout', 'docker-compose.yml')
    .option('--host <host>', 'host that clients on this machine use (advertised by the EXTERNAL listener)', '127.0.0.1')
    .option('--base-port <port>', 'first host port for clients on this machine (one per broker)', '9092')
    .option('--docker-base-port <port>', 'first host port for containers outside the compose network (one per broker)', '29092')
    .option('--cluster-id <id>', 'KRaft cluster id (default: a new random one)')
    .option('--force', 'overwrite an existing file')
    .option('--json', 'print what was written as JSON on stdout')
    .addHelpText(
      'after',
      `
Examples:
  kstack compose                                        one KRaft node, apache/kafka, to ./docker-compose.yml
  kstack compose --brokers 3 --image confluent          three combined nodes on confluentinc/cp-kafka
  kstack compose --mode zk --zookeepers 3 --brokers 3 --image confluent --version 7.9.0
  kstack compose --out - | docker compose -f - config   print it instead of writing it

ZooKeeper mode needs an image version that still has it: Kafka 4.0 and CP 8.0 removed ZooKeeper, and the
apache/kafka image never had it.`,
    )
    .action((opts: ComposeCliOptions) => {
      const out = createOutput();
      const mode = modeOption(opts.mode);
      const result = generateCompose({
        mode,
        brokers: integerOption('--brokers', opts.brokers),
        controllers: opts.controllers === undefined ? undefined : integerOption('--controllers', opts.controllers),
        zookeepers: opts.zookeepers === undefined ? (mode === 'zk' ? 1 : undefined) : integerOption('--zookeepers', opts.zookeepers),
        image: imageOption(opts.image),
        version: opts.version,
        host: opts.host,
        basePort: integerOption('--base-port', opts.basePort),
        dockerBasePort: integerOption('--docker-base-port', opts.dockerBasePort),
        clusterId: opts.clusterId ?? newClusterId((n) => randomBytes(n)),
      });
      const text = renderCompose(result);
      // The static listener doctor reads the file as a user's would be read; kstack never writes one it flags.
      const label = opts.out === '-' ? '<stdout>' : resolve(opts.out);
      const findings = diagnoseListeners({ composes: [label], kafkaMajor: result.image.kafkaMajor, env: {}, readText: (p) => (p === label ? text : '') }).findings;
      const problems = findings.filter((f: Finding) => f.severity !== 'ok');
      if (opts.out === '-') {
        process.stdout.write(text);
        if (problems.length) for (const line of formatFindings(problems)) out.info(line);
        return;
      }
      const path = resolve(opts.out);
      if (existsSync(path) && !opts.force) {
        throw new KstackError('KSTACK_FILE_EXISTS', `${path} already exists`, { exitCode: 2, fix: `kstack compose --out ${opts.out} --force   (or another --out)` });
      }
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, path);
      const summary = {
        file: path,
        image: imageRef(result.image),
        mode,
        clusterId: result.clusterId,
        services: result.nodes.map((n) => ({ service: n.service, role: n.role, id: n.id })),
        bootstrap: result.bootstrap,
        doctor: problems,
      };
      if (opts.json) {
        out.json(summary);
        return;
      }
      out.info(`wrote ${path}: ${imageRef(result.image)}, ${mode}${result.clusterId ? `, cluster id ${result.clusterId}` : ''}`);
      for (const n of result.nodes) out.info(`  ${n.service.padEnd(14)} ${n.role}${n.externalPort ? `  host port ${n.externalPort}, containers elsewhere ${n.dockerPort}` : ''}`);
      out.info(`bootstrap servers — this machine: ${result.bootstrap.host}`);
      out.info(`                    compose network: ${result.bootstrap.network}`);
      out.info(`                    other containers: ${result.bootstrap.otherContainers}`);
      if (problems.length) for (const line of formatFindings(problems)) out.info(line);
      else out.info('listener doctor: no problems in this file');
      out.info(`next: docker compose -f ${opts.out} up -d   then: kstack doctor listeners --compose ${opts.out}`);
    });
}
