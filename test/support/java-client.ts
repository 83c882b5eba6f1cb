/**
 * The official Java client (kafka-clients) as a test peer: runs the small CLI in test/peers/java-client/
 * (built into `.peers/java-client-<version>/libs/` by `scripts/fetch-apache-kafka.sh`) and parses its JSON lines.
 *
 *   const out = await javaProduce({ bootstrap, topic: 't', count: 10 });     // idempotent, acks=all (defaults)
 *   const got = await javaConsume({ bootstrap, topic: 't', group: 'g', count: 10 });
 *   got.records[0] // { topic, partition, offset, key: 'key-0', value: 'value-0', headers: { 'kstack-seq': '0', 'kstack-client': 'java' } }
 *
 * Any producer/consumer/admin setting can be passed through `props` (e.g. { 'compression.type': 'lz4' }).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compareVersions, FETCH_HINT, javaBinary, PEERS_DIR } from './apache-kafka.js';

export const JAVA_PEER_MAIN = 'dev.kstack.peer.KafkaPeer';

export interface JavaClientInstall {
  version: string;
  classpath: string;
}

export function findJavaClient(version?: string): JavaClientInstall | null {
  let wanted = version ?? process.env.KSTACK_JAVA_CLIENT_VERSION;
  if (!wanted && existsSync(PEERS_DIR)) {
    wanted = readdirSync(PEERS_DIR)
      .filter((d) => d.startsWith('java-client-') && existsSync(join(PEERS_DIR, d, '.complete')))
      .map((d) => d.slice('java-client-'.length))
      .sort(compareVersions)
      .pop();
  }
  if (!wanted) return null;
  const libs = join(PEERS_DIR, `java-client-${wanted}`, 'libs');
  if (!existsSync(join(libs, 'kstack-java-peer.jar')) || !existsSync(join(libs, `kafka-clients-${wanted}.jar`))) return null;
  return { version: wanted, classpath: join(libs, '*') };
}

export function javaClientSkipReason(version?: string): string | null {
  if (!findJavaClient(version)) return `Java client peer: not built; run \`${FETCH_HINT}\``;
  return null;
}

export function isJavaClientAvailable(version?: string): boolean {
  return javaClientSkipReason(version) === null;
}

export interface JavaRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string | null>;
}

export interface JavaPeerResult {
  code: number | null;
  /** Every JSON line printed on stdout, in order. */
  events: Record<string, unknown>[];
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

export interface JavaPeerOptions {
  bootstrap: string;
  topic: string;
  count?: number;
  group?: string;
  keyPrefix?: string;
  valuePrefix?: string;
  clientId?: string;
  partitions?: number;
  /** Client configuration entries, passed as `--prop name=value`. */
  props?: Record<string, string | number | boolean>;
  /** Consumer: give up after this long (default 30 s). The process itself is killed 15 s later. */
  timeoutMs?: number;
  version?: string;
  /** Client log level on stderr (slf4j-simple): error, warn (default), info, debug. */
  logLevel?: string;
}

export function runJavaClient(command: 'produce' | 'consume' | 'create-topic', o: JavaPeerOptions): Promise<JavaPeerResult> {
  const install = findJavaClient(o.version);
  if (!install) return Promise.reject(new Error(javaClientSkipReason(o.version)!));
  const args = [
    '-Xmx256m',
    `-Dorg.slf4j.simpleLogger.defaultLogLevel=${o.logLevel ?? 'warn'}`,
    '-cp',
    install.classpath,
    JAVA_PEER_MAIN,
    command,
    '--bootstrap',
    o.bootstrap,
    '--topic',
    o.topic,
  ];
  const opt = (name: string, v: string | number | undefined) => {
    if (v !== undefined) args.push(`--${name}`, String(v));
  };
  opt('count', o.count);
  opt('group', o.group);
  opt('key-prefix', o.keyPrefix);
  opt('value-prefix', o.valuePrefix);
  opt('client-id', o.clientId);
  opt('partitions', o.partitions);
  opt('timeout-ms', o.timeoutMs);
  for (const [k, v] of Object.entries(o.props ?? {})) args.push('--prop', `${k}=${String(v)}`);

  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(javaBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), (o.timeoutMs ?? 30_000) + 15_000);
    child.on('error', (err) => {
      clearTimeout(killer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(killer);
      const events: Record<string, unknown>[] = [];
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          events.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // A partial last line from a killed process: the exit code already says it failed.
        }
      }
      resolve({ code, events, stdout, stderr, elapsedMs: performance.now() - t0 });
    });
  });
}

function failure(what: string, r: JavaPeerResult): Error {
  const err = r.events.find((e) => e.event === 'error');
  return new Error(`Java client ${what} failed (exit ${r.code}): ${err ? `${String(err.type)}: ${String(err.message)}` : ''}\n${r.stderr.slice(-2000)}`);
}

/** Produces `count` keyed records with headers; resolves with where each landed. Rejects on any failure. */
export async function javaProduce(o: JavaPeerOptions): Promise<{ sent: { key: string; partition: number; offset: number }[]; result: JavaPeerResult }> {
  const r = await runJavaClient('produce', o);
  if (r.code !== 0) throw failure('produce', r);
  const sent = r.events.filter((e) => e.event === 'sent') as unknown as { key: string; partition: number; offset: number }[];
  return { sent, result: r };
}

/** Consumes `count` records in group `group` from the earliest offset, committing as it goes. */
export async function javaConsume(o: JavaPeerOptions & { group: string }): Promise<{ records: JavaRecord[]; result: JavaPeerResult }> {
  const r = await runJavaClient('consume', o);
  if (r.code !== 0) throw failure('consume', r);
  const records = r.events.filter((e) => e.event === 'record') as unknown as JavaRecord[];
  return { records, result: r };
}

export async function javaCreateTopic(o: JavaPeerOptions): Promise<'created' | 'exists'> {
  const r = await runJavaClient('create-topic', o);
  if (r.code !== 0) throw failure('create-topic', r);
  return r.events.some((e) => e.event === 'created') ? 'created' : 'exists';
}
