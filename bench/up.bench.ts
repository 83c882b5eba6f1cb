/**
 * Time from `kstack up --detach` to the first record the demo consumer prints, in kraft and zk mode (zk includes
 * starting a ZooKeeper server). Reference: Apache Kafka's own start-up to first Metadata for one KRaft node, measured
 * in the same run, when its jars are present (`bash scripts/fetch-apache-kafka.sh`).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isApacheKafkaAvailable, startApacheKafka } from '../test/support/apache-kafka.js';
import { freePortRange } from '../test/support/port-range.js';
import { findZooKeeper } from '../src/stack/zookeeper.js';
import type { Bench } from './harness.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kstack.js');

function kstack(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } }, (err, _out, stderr) => (err ? reject(new Error(`kstack ${args.join(' ')}: ${stderr}`)) : resolve())),
  );
}

async function timeToFirstRecord(mode: 'kraft' | 'zk'): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), `kstack-bench-up-${mode}-`));
  const base = await freePortRange(mode === 'zk' ? 2 : 2);
  const consumerLog = join(dir, '.kstack', 'clients', 'consumer.log');
  try {
    const started = performance.now();
    await kstack(['up', '--detach', '--mode', mode, '--base-port', String(base), '--rate', '50'], dir);
    for (;;) {
      if (existsSync(consumerLog) && readFileSync(consumerLog, 'utf8').includes('kstack-demo[')) return performance.now() - started;
      if (performance.now() - started > 60_000) throw new Error(`${mode}: no record consumed within 60 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await kstack(['down', '--purge'], dir).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

const bench: Bench = {
  name: 'kstack up to first consumed record',
  slow: true,
  async run(report) {
    let reference: { name: string; value: number } | undefined;
    if (isApacheKafkaAvailable()) {
      const kafka = await startApacheKafka();
      reference = { name: `Apache Kafka ${kafka.version} start-up to first Metadata`, value: kafka.startupMs };
      await kafka.stop();
    }
    report({ name: 'up → first record consumed (kraft)', value: await timeToFirstRecord('kraft'), unit: 'ms', reference });
    if (findZooKeeper()) report({ name: 'up → first record consumed (zk, 1 ZooKeeper)', value: await timeToFirstRecord('zk'), unit: 'ms', reference });
    else report({ name: 'up (zk)', value: 0, unit: '-', notes: 'no ZooKeeper installation; skipped' });
  },
};
export default bench;
