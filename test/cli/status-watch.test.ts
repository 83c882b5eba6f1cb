/**
 * `kstack status --watch` against a real 3-broker KRaft stack (`kstack up --mode kraft --brokers 3`): renders keep
 * coming (separator lines with the time when stdout is not a TTY), kill -9 of a broker turns it `gone` at once and,
 * once the controller fences it (broker.session.timeout.ms, 6 s rendered), the route table says the truth for each
 * replication factor: RF 1 partitions on it lose their leader, RF 3 partitions keep one and are under-replicated.
 * SIGINT ends the watch with exit code 0. `--watch --json` prints one JSON document per line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { readState } from '../../src/stack/state.js';
import { freePortRange } from '../support/port-range.js';
import { kstack, ROOT } from './run.js';

const SEPARATOR = /^--- (\d{4}-\d\d-\d\dT[\d:.]+Z) ---$/m;

/** A running `kstack status --watch …` with its output so far. */
class Watch {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], cwd: string) {
    this.child = spawn(process.execPath, [join(ROOT, 'bin', 'kstack.js'), 'status', ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (c: Buffer) => (this.stdout += c.toString('utf8')));
    this.child.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Complete text renders (a render is complete once the next one's separator has arrived). */
  frames(): { at: string; text: string }[] {
    const parts = this.stdout.split(new RegExp(SEPARATOR.source, 'm'));
    // parts: [before first separator, at1, text1, at2, text2, …]; the last text may still be arriving.
    const out: { at: string; text: string }[] = [];
    for (let i = 1; i + 2 < parts.length; i += 2) out.push({ at: parts[i], text: parts[i + 1] });
    return out;
  }

  /** Waits for a complete render, at or after index `from`, that satisfies `test`. */
  async frame(what: string, from: number, test: (text: string) => boolean, timeoutMs: number): Promise<{ index: number; text: string }> {
    const by = Date.now() + timeoutMs;
    for (;;) {
      const frames = this.frames();
      for (let i = from; i < frames.length; i++) if (test(frames[i].text)) return { index: i, text: frames[i].text };
      if (Date.now() > by || this.child.exitCode !== null) {
        throw new Error(`no render ${what} within ${timeoutMs} ms (${frames.length} renders; last:\n${frames.at(-1)?.text ?? this.stdout}\nstderr: ${this.stderr})`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

async function createTopic(bootstraps: string[], topic: string, numPartitions: number, replicationFactor: number): Promise<void> {
  const admin = new Kafka({ brokers: bootstraps, logLevel: logLevel.NOTHING, retry: { retries: 10 } }).admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor }], waitForLeaders: true }).catch((err: { errors?: unknown[] }) => {
      throw new Error(`createTopics ${topic} failed: ${JSON.stringify(err.errors ?? String(err))}`);
    });
    expect(created).toBe(true);
  } finally {
    await admin.disconnect();
  }
}

describe('kstack status --watch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kstack-status-watch-'));
  const watches: Watch[] = [];
  afterAll(async () => {
    for (const w of watches) w.stop();
    await kstack(['down'], dir);
  });

  it('refuses an interval that is not milliseconds, with the command that fixes it', async () => {
    const r = await kstack(['status', '--watch', '2'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--watch 2: the interval is in milliseconds and must be at least 100 (for 2 s write --watch 2000)');
  });

  it('re-renders a 3-broker KRaft stack, shows a kill -9ed broker gone then fenced out, and exits 0 on SIGINT', async () => {
    const base = await freePortRange(12);
    const up = await kstack(['up', '--mode', 'kraft', '--brokers', '3', '--detach', '--no-demo', '--base-port', String(base)], dir);
    expect(up.code, up.stderr + up.stdout).toBe(0);
    const state = readState(join(dir, '.kstack'))!;
    const bootstraps = [base, base + 1, base + 2].map((p) => `127.0.0.1:${p}`);
    await createTopic(bootstraps, 'single', 6, 1);
    await createTopic(bootstraps, 'tripled', 3, 3);

    // --json with --watch: one JSON document per line.
    const json = new Watch(['--watch', '200', '--json'], dir);
    watches.push(json);
    const by = Date.now() + 20_000;
    while (json.stdout.split('\n').length < 3 && Date.now() < by) await new Promise((r) => setTimeout(r, 100));
    const docs = json.stdout.split('\n').slice(0, 2).map((l) => JSON.parse(l) as { at: string; brokers: { id: number; registered: string }[]; routes: unknown[] });
    expect(docs).toHaveLength(2);
    for (const d of docs) {
      expect(Number.isNaN(Date.parse(d.at))).toBe(false);
      expect(d.brokers.map((b) => b.registered)).toEqual(['active', 'active', 'active']);
    }
    expect(Date.parse(docs[1].at)).toBeGreaterThan(Date.parse(docs[0].at));
    json.child.kill('SIGINT');
    expect(await json.exited).toEqual({ code: 0, signal: null });

    const watch = new Watch(['--watch', '300'], dir);
    watches.push(watch);
    const first = await watch.frame('with 3 active brokers', 0, (t) => /brokers \(controller \d\): 3 active/.test(t), 20_000);
    const second = await watch.frame('a second time', first.index + 1, (t) => t.includes('3 active'), 10_000);
    const frames = watch.frames();
    expect(Date.parse(frames[second.index].at)).toBeGreaterThan(Date.parse(frames[first.index].at));
    expect(second.text).toMatch(/quorum \(__cluster_metadata\): leader \d {2}epoch \d+/);
    expect(second.text).toMatch(/single 5 → \d → 127\.0\.0\.1:\d+ {3}replicas \d isr \d\n/);
    expect(second.text).toMatch(/tripled 0 → \d → 127\.0\.0\.1:\d+ {3}replicas \d,\d,\d isr \d,\d,\d\n/);
    expect(second.text).not.toMatch(/partitions? under-replicated \(/);

    // kill -9 a broker that is not the quorum leader (it is fenced by the session timeout alone).
    const leader = Number(/quorum \(__cluster_metadata\): leader (\d)/.exec(second.text)![1]);
    const victim = [1, 2, 3].find((id) => id !== leader)!;
    const pid = state.components.find((c) => c.name === `broker-${victim}`)!.pid;
    process.kill(pid, 'SIGKILL');
    const killedAt = watch.frames().length;
    const down = await watch.frame(`with broker ${victim} gone or fenced`, killedAt, (t) => new RegExp(`^ {2}[✖◐] ${victim} +(gone|fenced) `, 'm').test(t), 10_000);
    expect(down.text).toMatch(new RegExp(`process broker-${victim} \\(pid ${pid}\\) is not running`));

    // Once the controller fences it: RF 1 partitions on it have no leader ("only replica … gone"), RF 3 ones keep a
    // leader and are under-replicated — broker.session.timeout.ms (6 s) + a margin.
    const fencedOut = await watch.frame(
      'with the route table after fencing',
      down.index,
      (t) => t.includes(`their only replica (broker ${victim}) is gone`) && /3 partitions under-replicated \(ISR smaller than replicas/.test(t),
      15_000,
    );
    expect(fencedOut.text).toContain('Expected with replication factor 1');
    expect(fencedOut.text).toMatch(new RegExp(`^ {2}tripled 0 → \\d → 127\\.0\\.0\\.1:\\d+ {3}replicas [\\d,]+ isr [\\d,]+ {2}\\[under-replicated\\]$`, 'm'));
    expect(fencedOut.text).toMatch(/^ {2}single \d → none → unavailable {3}replicas \d isr \d {2}\[offline\] {2}LEADER_NOT_AVAILABLE$/m);
    // RF 3 partitions never get the RF 1 wording.
    expect(fencedOut.text).not.toMatch(/replication factor 3 has no leader/);

    watch.child.kill('SIGINT');
    expect(await watch.exited).toEqual({ code: 0, signal: null });
    expect(watch.stderr).toBe('');
  }, 120_000);
});
