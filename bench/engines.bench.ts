/**
 * Time to ready per engine: `kstack up` (no demo clients) from the first step to a record produced and consumed
 * back, for one KRaft broker run by the native engine (the reference) and by Apache Kafka from a local
 * installation (the newest jars in .peers/, `bash scripts/fetch-apache-kafka.sh`; storage format included).
 * The docker engine is measured too when a Docker-API engine answers and the podman test image exists
 * (scripts/podman-engine.sh start && scripts/podman-engine.sh image <version>).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemPlatform } from '../src/platform.js';
import { stopStack } from '../src/stack/down.js';
import { connectEngine, downDockerStack, upDockerStack } from '../src/stack/engines/docker.js';
import { countPorts } from '../src/stack/plan.js';
import { systemProcessProbe } from '../src/stack/processes.js';
import { upStack } from '../src/stack/up.js';
import { isApacheKafkaAvailable, listApacheKafkaVersions, PEERS_DIR } from '../test/support/apache-kafka.js';
import { freePortRange } from '../test/support/port-range.js';
import type { Bench } from './harness.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kstack.js');
const probe = systemProcessProbe();
const quiet = <T>(_label: string, work: () => Promise<T>) => work();

async function readyMs(engine: 'native' | 'kafka', kafkaHome?: string): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), `kstack-bench-engine-${engine}-`));
  const dir = join(root, 'ws');
  try {
    const basePort = await freePortRange(countPorts({ mode: 'kraft', brokers: 1 }));
    const result = await upStack(
      { mode: 'kraft', brokers: 1, dir, host: '127.0.0.1', basePort, force: false, demo: null, timeoutMs: 120_000, ...(engine === 'kafka' ? { engine, kafkaHome } : {}) },
      { platform: systemPlatform(), probe, launcher: { node: process.execPath, kstackBin: BIN }, phase: quiet },
    );
    return result.readyAfterMs;
  } finally {
    await stopStack(dir, probe, { purge: false });
    rmSync(root, { recursive: true, force: true });
  }
}

async function dockerReadyMs(image: string): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'kstack-bench-engine-docker-'));
  const dir = join(root, 'ws');
  try {
    const basePort = await freePortRange(1);
    const dockerBasePort = await freePortRange(1);
    const result = await upDockerStack(
      { dir, mode: 'kraft', brokers: 1, image: 'apache', imageName: image, basePort, dockerBasePort, demo: null, timeoutMs: 180_000 },
      { platform: systemPlatform(), probe, launcher: { node: process.execPath, kstackBin: BIN }, phase: quiet },
    );
    return result.readyAfterMs;
  } finally {
    await downDockerStack(dir, systemPlatform(), probe, 2).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}

const bench: Bench = {
  name: 'time to ready per engine',
  slow: true,
  async run(report) {
    const native = await readyMs('native');
    const reference = { name: 'native engine', value: native };
    report({ name: 'native: up → round trip (1 KRaft broker)', value: native, unit: 'ms' });
    const version = listApacheKafkaVersions()[0];
    if (version && isApacheKafkaAvailable(version)) {
      const ms = await readyMs('kafka', join(PEERS_DIR, `apache-kafka-${version}`));
      report({ name: `kafka ${version}: up → round trip (format incl.)`, value: ms, unit: 'ms', reference });
      const image = `localhost/kstack-test-kafka:${version}`;
      const engine = await connectEngine(systemPlatform()).catch(() => null);
      const hasImage = engine ? await engine.docker.getImage(image).inspect().then(() => true, () => false) : false;
      if (engine && hasImage) report({ name: `docker (${engine.name}): up → round trip`, value: await dockerReadyMs(image), unit: 'ms', reference });
      else report({ name: 'docker engine', value: 0, unit: '-', notes: engine ? `no ${image} (bash scripts/podman-engine.sh image ${version})` : 'no Docker-API engine answers; skipped' });
    } else {
      report({ name: 'kafka engine', value: 0, unit: '-', notes: `no Apache Kafka jars in .peers/ (bash scripts/fetch-apache-kafka.sh); skipped` });
    }
  },
};
export default bench;
