/**
 * `kstack broker` as a user runs it (node bin/kstack.js broker --config F): invalid values are errors naming the
 * key and line (exit 2), unknown keys are warnings, --override wins, the log4j.properties next to
 * server.properties routes Kafka's logger names into <config dir>/logs (server.log, kafka-request.log at DEBUG),
 * and SIGTERM shuts down cleanly (exit 0, clean-shutdown marker).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'kstack.js');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function workspace(props: string): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kstack-broker-cli-'));
  dirs.push(dir);
  const config = join(dir, 'server.properties');
  writeFileSync(config, `broker.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=${join(dir, 'data')}\n${props}`);
  return { dir, config };
}

describe('kstack broker', () => {
  it('refuses an invalid value, naming the key and its line, with exit code 2', async () => {
    const { config } = workspace('num.partitions=many\n');
    const r = await execa(process.execPath, [BIN, 'broker', '--config', config], { reject: false, timeout: 30_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`Invalid value many for configuration num.partitions (${config}:4)`);
    expect(r.stderr).toContain('KSTACK_BROKER_CONFIG');
  });

  it('refuses a missing config file with a hint', async () => {
    const r = await execa(process.execPath, [BIN, 'broker', '--config', '/nonexistent/server.properties'], { reject: false, timeout: 30_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/server\.properties not found/);
  });

  it('logs through log4j.properties next to server.properties, honours --override, and stops cleanly on SIGTERM', async () => {
    const { dir, config } = workspace('no.such.key=1\n');
    copyFileSync(join(ROOT, 'templates', 'log4j.properties'), join(dir, 'log4j.properties'));
    writeFileSync(join(dir, 'log4j.properties'), readFileSync(join(dir, 'log4j.properties'), 'utf8') + '\nlog4j.logger.kafka.request.logger=DEBUG, requestAppender\n');
    const child = spawn(process.execPath, [BIN, 'broker', '--config', config, '--override', 'num.partitions=4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const port = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(out)), 30_000);
      const check = () => {
        const m = /kstack-broker listening PLAINTEXT=127\.0\.0\.1:(\d+)/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(Number(m[1]));
        }
      };
      child.stdout.on('data', check);
    });
    // Auto-created topic gets num.partitions from --override.
    await execa('kcat', ['-b', `127.0.0.1:${port}`, '-P', '-t', 'auto-four'], { input: 'hello\n', timeout: 30_000 });
    const meta = await execa('kcat', ['-b', `127.0.0.1:${port}`, '-L', '-t', 'auto-four'], { timeout: 30_000 });
    expect(meta.stdout).toMatch(/topic "auto-four" with 4 partitions/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(dir, 'data', '.kafka_cleanshutdown'))).toBe(true);
    const serverLog = readFileSync(join(dir, 'logs', 'server.log'), 'utf8');
    expect(serverLog).toMatch(/INFO \[KafkaServer id=1\] started .*\(kafka\.server\.KafkaServer\)/);
    expect(serverLog).toMatch(/WARN The configuration 'no.such.key' was supplied but isn't a known config .*\(kafka\.server\.KafkaConfig\)/);
    expect(serverLog).toMatch(/shut down completed/);
    const requestLog = readFileSync(join(dir, 'logs', 'kafka-request.log'), 'utf8');
    expect(requestLog).toMatch(/DEBUG Completed request:\{api=Metadata,version=\d+,correlationId=\d+,clientId=rdkafka\}/);
  });
});
