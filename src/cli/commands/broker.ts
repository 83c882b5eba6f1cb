/**
 * `kstack broker --config server.properties [--override key=value ...]`: runs one native broker in the
 * foreground. Logging follows `--log4j FILE`, else the log4j.properties next to server.properties (if any),
 * with kafka.logs.dir = `--logs-dir`, else `<config dir>/logs`. SIGTERM / SIGINT stop it cleanly.
 * Prints `kstack-broker listening NAME=host:port ...` on stdout once every listener is bound.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { KstackError } from '../../errors.js';
import { readPropertiesFile } from '../../listeners/properties.js';
import { checkBrokerConfig } from '../../listeners/rules.js';
import { formatFindings } from '../../doctor/finding.js';
import { configureLoggingFromFile, getLogger, shutdownLogging } from '../../logging/index.js';
import { loadBrokerConfig, parseOverrides } from '../../broker/config.js';
import { startBroker } from '../../broker/server.js';

interface BrokerOptions {
  config: string;
  override: string[];
  log4j?: string;
  logsDir?: string;
}

export async function runBroker(opts: BrokerOptions): Promise<number> {
  const configPath = resolve(opts.config);
  if (!existsSync(configPath)) {
    throw new KstackError('KSTACK_BROKER_CONFIG', `server.properties not found: ${configPath}`, { fix: 'render one with `kstack init`, or pass --config <path to server.properties>', exitCode: 2 });
  }
  const file = await readPropertiesFile(configPath);
  const overrides = parseOverrides(opts.override);
  const { config, warnings } = loadBrokerConfig(file, overrides);
  const configDir = dirname(configPath);
  const logsDir = resolve(opts.logsDir ?? join(configDir, 'logs'));
  const log4j = opts.log4j ? resolve(opts.log4j) : join(configDir, 'log4j.properties');
  if (opts.log4j || existsSync(log4j)) {
    const result = configureLoggingFromFile(log4j, { 'kafka.logs.dir': logsDir });
    for (const w of result.warnings) process.stderr.write(`kstack broker: ${w}\n`);
  }
  const log = getLogger('kafka.server.KafkaConfig');
  for (const w of warnings) log.warn(w);
  // The listener doctor's rules, as `kstack init` and `kstack doctor listeners` apply them: Kafka's refusals stop
  // the start-up in Kafka's words; mistakes Kafka accepts but clients trip over are logged with their fix.
  const findings = checkBrokerConfig({
    values: new Map([...file.toMap(), ...overrides]),
    sourceOf: (key) => (overrides.has(key) ? { file: `--override ${key}` } : { file: configPath, line: file.entry(key)?.line }),
    allowStandalone: true,
  });
  for (const f of findings.filter((x) => x.severity === 'warn')) log.warn(`${f.id}: ${f.message}${f.fix ? ` Fix: ${f.fix.replace(/\n/g, ' ')}` : ''}`);
  const errors = findings.filter((x) => x.severity === 'error');
  if (errors.length > 0) {
    throw new KstackError('KSTACK_BROKER_CONFIG', `${configPath} cannot start a broker:\n${formatFindings(errors).slice(0, -1).join('\n')}`, {
      fix: `correct the lines named above; \`kstack doctor listeners --config ${configPath}\` lists every finding`,
      exitCode: 2,
    });
  }

  const broker = await startBroker({ config });
  return new Promise<number>((done) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      getLogger('kafka.Kafka').info(`Received ${signal}; shutting down`);
      broker
        .stop()
        .then(() => shutdownLogging())
        .then(
          () => done(0),
          (err) => {
            process.stderr.write(`kstack broker: shutdown failed: ${(err as Error).message}\n`);
            done(1);
          },
        );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerBroker(program: Command): void {
  program
    .command('broker')
    .description('Run one native Kafka broker in the foreground from a server.properties')
    .requiredOption('-c, --config <file>', 'server.properties (Kafka key names and defaults)')
    .option('--override <key=value>', 'override a server.properties setting (repeatable)', collect, [])
    .option('--log4j <file>', 'log4j.properties to log with (default: the one next to server.properties)')
    .option('--logs-dir <dir>', 'kafka.logs.dir for the log4j appenders (default: <config dir>/logs)')
    .addHelpText(
      'after',
      `
Examples:
  kstack broker --config .kstack/dev/broker-1/server.properties
  kstack broker --config server.properties --override listeners=PLAINTEXT://127.0.0.1:0 --override log.dirs=/tmp/k1`,
    )
    .action(async (opts: BrokerOptions) => {
      process.exitCode = await runBroker(opts);
    });
}
