/**
 * `kstack doctor listeners`: static diagnosis of broker settings (server.properties, compose files, env files)
 * and/or a live probe of running brokers (--bootstrap). JSON shape: docs/doctor-json.md.
 */
import type { Command } from 'commander';
import { KstackError } from '../../errors.js';
import { diagnoseListeners, type Diagnosis } from '../../doctor/listeners/diagnose.js';
import { formatFindings, hasErrors, type Finding } from '../../doctor/finding.js';
import { probeListeners, STEPS, type ProbeReport } from '../../doctor/probe.js';
import type { EnvScheme } from '../../listeners/env-names.js';
import { createOutput, paint } from '../output.js';

interface ListenersOptions {
  config: string[];
  compose: string[];
  envFile: string[];
  image?: string;
  kafkaVersion?: string;
  native?: boolean;
  bootstrap?: string;
  timeout?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The stable JSON document (docs/doctor-json.md). */
export interface ListenersReport {
  schema: 'kstack.doctor.listeners/1';
  ok: boolean;
  findings: Finding[];
  static: { sources: Diagnosis['sources'] } | null;
  probe: Omit<ProbeReport, 'findings'> | null;
}

export function renderProbeTable(report: Pick<ProbeReport, 'endpoints' | 'skippedVantages'>, color: boolean): string[] {
  const mark = { ok: paint(color, 'green', '✔'), failed: paint(color, 'red', '✖'), skipped: paint(color, 'gray', '·') } as const;
  const rows = report.endpoints.map((e) => ({
    name: `${e.role === 'bootstrap' ? 'bootstrap' : `node ${e.nodeId}`} ${e.endpoint}`,
    cells: STEPS.map((s) => {
      const r = e.steps.find((x) => x.step === s);
      return r ? mark[r.status] : ' ';
    }),
    failure: e.steps.find((x) => x.status === 'failed'),
  }));
  const width = Math.max(8, ...rows.map((r) => r.name.length));
  const header = `${'endpoint'.padEnd(width)}  ${STEPS.map((s) => s.padEnd(14)).join('')}`;
  const lines = [paint(color, 'bold', header)];
  for (const r of rows) {
    lines.push(`${r.name.padEnd(width)}  ${r.cells.map((c) => `${c}${' '.repeat(13)}`).join('')}`);
    if (r.failure) lines.push(`${' '.repeat(width)}  ${paint(color, 'red', `${r.failure.step}: ${r.failure.detail}`)}`);
  }
  for (const v of report.skippedVantages) lines.push(paint(color, 'gray', `vantage "${v.vantage}" skipped: ${v.reason}`));
  return lines;
}

export function registerDoctorListeners(doctor: Command): void {
  doctor
    .command('listeners')
    .description('Diagnose Kafka listener settings (server.properties, compose, env files) and probe running brokers')
    .option('--config <file>', 'a server.properties file (repeatable)', collect, [])
    .option('--compose <file>', 'a docker compose file (repeatable); with --bootstrap and a Docker engine, also probe from inside its networks', collect, [])
    .option('--env-file <file>', 'with --compose: variables for interpolation (as docker compose --env-file); alone: a broker container\'s environment (repeatable)', collect, [])
    .option('--image <scheme>', 'naming convention of env files given alone: apache, confluent or bitnami (default: guessed)')
    .option('--kafka-version <major>', 'apply the rules of Kafka 3 or 4', '3')
    .option('--native', 'the --config files are for the kstack native broker (standalone mode, without process.roles or zookeeper.connect, is valid)')
    .option('--bootstrap <host:port,...>', 'probe running brokers: DNS, TCP, ApiVersions, Metadata for each bootstrap and advertised endpoint (and, when a Docker engine answers, DNS and TCP from inside the brokers\' networks)')
    .option('--timeout <ms>', 'per-step timeout of the probe', '3000')
    .option('--json', 'print the report as JSON on stdout (docs/doctor-json.md)')
    .addHelpText(
      'after',
      `
Findings carry a stable id: L1-L20 are rules Kafka enforces at start-up (Kafka's own wording), M1-M11 mistakes
Kafka accepts but clients trip over. The exit code is 1 when any finding is an error.
(Node 20 itself stops with "node: <file>: not found" when an --env-file path does not exist.)

Examples:
  kstack doctor listeners --config config/server.properties
  kstack doctor listeners --compose docker-compose.yml
  kstack doctor listeners --env-file kafka.env --image bitnami
  kstack doctor listeners --bootstrap localhost:9092
  kstack doctor listeners --compose docker-compose.yml --bootstrap localhost:9092 --json`,
    )
    .action(async (opts: ListenersOptions) => {
      const image = opts.image;
      if (image !== undefined && !['apache', 'confluent', 'bitnami'].includes(image)) {
        throw new KstackError('KSTACK_BAD_OPTION', `--image must be apache, confluent or bitnami, not "${image}"`, { exitCode: 2 });
      }
      const major = Number(opts.kafkaVersion ?? '3');
      if (major !== 3 && major !== 4) throw new KstackError('KSTACK_BAD_OPTION', `--kafka-version must be 3 or 4, not "${opts.kafkaVersion}"`, { exitCode: 2 });
      const timeoutMs = Number(opts.timeout ?? '3000');
      if (!Number.isInteger(timeoutMs) || timeoutMs < 50 || timeoutMs > 120_000) throw new KstackError('KSTACK_BAD_OPTION', `--timeout must be a number of milliseconds (50-120000), not "${opts.timeout}"`, { exitCode: 2 });
      const wantsStatic = opts.config.length + opts.compose.length + opts.envFile.length > 0;
      if (!wantsStatic && !opts.bootstrap) {
        throw new KstackError('KSTACK_NOTHING_TO_CHECK', 'nothing to check', { exitCode: 2, fix: 'kstack doctor listeners --config server.properties | --compose docker-compose.yml | --env-file kafka.env | --bootstrap host:port' });
      }
      const diagnosis = wantsStatic
        ? diagnoseListeners({ configs: opts.config, composes: opts.compose, envFiles: opts.envFile, ...(image ? { image: image as EnvScheme } : {}), kafkaMajor: major, native: Boolean(opts.native) })
        : null;
      let probe: ProbeReport | null = null;
      if (opts.bootstrap) {
        const bootstrap = opts.bootstrap.split(',').map((s) => s.trim()).filter((s) => s !== '');
        if (bootstrap.length === 0) throw new KstackError('KSTACK_BAD_OPTION', '--bootstrap needs host:port[,host:port]', { exitCode: 2 });
        try {
          probe = await probeListeners({ bootstrap, timeoutMs, ...(opts.compose.length > 0 ? { compose: opts.compose } : {}) });
        } catch (err) {
          if ((err as { code?: string }).code === 'KSTACK_BAD_OPTION') throw new KstackError('KSTACK_BAD_OPTION', (err as Error).message, { exitCode: 2, fix: '--bootstrap localhost:9092' });
          throw err;
        }
      }
      const findings = [...(diagnosis?.findings ?? []), ...(probe?.findings ?? [])];
      const out = createOutput();
      if (opts.json) {
        const report: ListenersReport = {
          schema: 'kstack.doctor.listeners/1',
          ok: !hasErrors(findings),
          findings,
          static: diagnosis ? { sources: diagnosis.sources } : null,
          probe: probe ? { vantage: probe.vantage, endpoints: probe.endpoints, skippedVantages: probe.skippedVantages, dockerVantages: probe.dockerVantages, publishedPorts: probe.publishedPorts, verdict: probe.verdict } : null,
        };
        out.json(report);
      } else {
        const colours = { ok: 'green', warn: 'yellow', error: 'red' } as const;
        if (diagnosis) {
          out.info(paint(out.color, 'bold', `Settings: ${diagnosis.sources.map((s) => s.label).join(', ') || '(none found)'}`));
          for (const line of formatFindings(diagnosis.findings, (s, t) => paint(out.color, colours[s], t))) out.info(line);
        }
        if (probe) {
          if (diagnosis) out.info('');
          out.info(paint(out.color, 'bold', `Probe from this machine: ${opts.bootstrap}`));
          for (const line of renderProbeTable(probe, out.color)) out.info(line);
          for (const v of probe.dockerVantages) {
            out.info(paint(out.color, 'bold', `Probe from inside Docker network ${v.network} (a ${v.image} container: DNS and TCP)`));
            for (const line of renderProbeTable({ endpoints: v.endpoints, skippedVantages: [] }, out.color)) out.info(line);
          }
          const problems = probe.findings.filter((f) => f.severity !== 'ok');
          if (problems.length > 0) for (const line of formatFindings(problems, (s, t) => paint(out.color, colours[s], t)).slice(0, -1)) out.info(line);
          out.info(paint(out.color, hasErrors(probe.findings) ? 'red' : 'green', probe.verdict));
        }
      }
      if (hasErrors(findings)) process.exitCode = 1;
    });
}
