/** `kstack compose` end to end: the built CLI writes a file docker-compose accepts, and refuses what cannot work. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kstack } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'kstack-cli-compose-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;

describe('kstack compose', () => {
  it('writes a 3-broker confluent file with one cluster id, prints the bootstrap strings, and will not overwrite it', async () => {
    const r = await kstack(['compose', '--brokers', '3', '--image', 'confluent', '--out', 'stack.yml', '--cluster-id', 'MkU3OEVBNTcwNTJENDM2Qg'], dir);
    expect(r.stderr).toContain('confluentinc/cp-kafka:8.0.0');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094');
    expect(r.stderr).toContain('kafka-1:19092,kafka-2:19092,kafka-3:19092');
    expect(r.stderr).toContain('listener doctor: no problems in this file');
    const file = join(dir, 'stack.yml');
    const doc = parse(readFileSync(file, 'utf8')) as { services: Record<string, { environment: Record<string, string> }> };
    expect(Object.keys(doc.services)).toEqual(['kafka-1', 'kafka-2', 'kafka-3']);
    for (const s of Object.values(doc.services)) expect(s.environment.CLUSTER_ID).toBe('MkU3OEVBNTcwNTJENDM2Qg');
    if (hasCompose) expect(spawnSync('docker-compose', ['-f', file, 'config', '-q'], { encoding: 'utf8' }).status).toBe(0);

    const again = await kstack(['compose', '--out', 'stack.yml'], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    expect(again.stderr).toContain('--force');
    const forced = await kstack(['compose', '--out', 'stack.yml', '--force', '--json'], dir);
    expect(forced.code).toBe(0);
    const summary = JSON.parse(forced.stdout) as { image: string; clusterId: string; services: { service: string }[]; doctor: unknown[] };
    expect(summary.doctor).toEqual([]);
    expect(summary.image).toBe('apache/kafka:4.1.0');
    expect(summary.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(summary.services.map((s) => s.service)).toEqual(['kafka-1']);
  });

  it('--out - prints the YAML; zk mode picks a version that still has ZooKeeper', async () => {
    const r = await kstack(['compose', '--mode', 'zk', '--zookeepers', '3', '--image', 'bitnami', '--out', '-'], dir);
    expect(r.code).toBe(0);
    const doc = parse(r.stdout) as { services: Record<string, { image: string; environment: Record<string, string> }> };
    expect(Object.keys(doc.services)).toEqual(['zookeeper-1', 'zookeeper-2', 'zookeeper-3', 'kafka-1']);
    expect(doc.services['kafka-1'].image).toBe('bitnamilegacy/kafka:3.9');
    expect(doc.services['kafka-1'].environment.KAFKA_CFG_ZOOKEEPER_CONNECT).toBe('zookeeper-1:2181,zookeeper-2:2181,zookeeper-3:2181');
  });

  it('refuses ZooKeeper mode where the image has none, and bad options, with exit 2 and a fix', async () => {
    const apache = await kstack(['compose', '--mode', 'zk', '--out', '-'], dir);
    expect(apache.code).toBe(2);
    expect(apache.stderr).toContain('apache/kafka image has no ZooKeeper mode');
    const cp8 = await kstack(['compose', '--mode', 'zk', '--image', 'confluent', '--version', '8.0.0', '--out', '-'], dir);
    expect(cp8.code).toBe(2);
    expect(cp8.stderr).toContain('CP 7.9 was the last with it');
    const image = await kstack(['compose', '--image', 'wurstmeister', '--out', '-'], dir);
    expect(image.code).toBe(2);
    expect(image.stderr).toContain('--image must be one of apache, confluent, bitnami');
    const brokers = await kstack(['compose', '--brokers', 'three', '--out', '-'], dir);
    expect(brokers.code).toBe(2);
    expect(brokers.stdout).toBe('');
  });
});
