/**
 * The sarama peer (test/peers/sarama/main.go) built offline against Debian's sarama 1.22
 * (`golang-github-shopify-sarama-dev`, GO111MODULE=off), cached by the hash of its source.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../cli/run.js';

const SOURCE = join(ROOT, 'test', 'peers', 'sarama', 'main.go');
const DEBIAN_GOPATH = '/usr/share/gocode';

export function saramaSkipReason(): string | null {
  if (!existsSync(join(DEBIAN_GOPATH, 'src', 'github.com', 'Shopify', 'sarama'))) return 'Debian\'s sarama is not installed (apt-get install -y golang-go golang-github-shopify-sarama-dev)';
  return null;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(file, args, { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    ),
  );
}

/** Builds (once per source version) and returns the peer binary's path. */
export async function buildSaramaPeer(): Promise<string> {
  const hash = createHash('sha256').update(readFileSync(SOURCE)).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), 'kstack-sarama-peer');
  const binary = join(dir, `sarama-peer-${hash}`);
  if (existsSync(binary)) return binary;
  mkdirSync(join(dir, 'gopath'), { recursive: true });
  const go = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
  const built = await run(go, ['build', '-o', binary, SOURCE], { GO111MODULE: 'off', GOPROXY: 'off', GOFLAGS: '', GOPATH: `${join(dir, 'gopath')}:${DEBIAN_GOPATH}`, GOCACHE: join(dir, 'gocache') }, 600_000);
  if (built.code !== 0) throw new Error(`building the sarama peer failed:\n${built.stderr}`);
  return binary;
}

export async function sarama(binary: string, args: string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(binary, args, {}, timeoutMs);
}
