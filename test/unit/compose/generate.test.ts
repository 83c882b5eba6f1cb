/**
 * `kstack compose` output for every combination the issue names — kraft and zk × 1 and 3 brokers × each image
 * convention — checked three ways: Debian's docker-compose accepts the file (`docker-compose -f FILE config`),
 * the static listener doctor finds no error in it, and the YAML says what the typed model says (one cluster id,
 * voters or ensemble, replication factors, host-gateway, each image's env spelling).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateCompose, renderCompose, type ComposeOptions } from '../../../src/compose/generate.js';
import { IMAGE_FAMILIES, resolveImage, type ImageFamily } from '../../../src/compose/images.js';
import { diagnoseListeners } from '../../../src/doctor/listeners/diagnose.js';
import { envToProperty } from '../../../src/listeners/env-names.js';
import { KstackError } from '../../../src/errors.js';

const CLUSTER_ID = 'MkU3OEVBNTcwNTJENDM2Qg';
const dir = mkdtempSync(join(tmpdir(), 'kstack-compose-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
if (!hasCompose) console.warn('[compose] docker-compose not installed (apt-get install -y docker-compose): `config` validation skipped');

interface Case {
  mode: 'kraft' | 'zk';
  brokers: number;
  image: ImageFamily;
}
const cases: Case[] = [];
for (const mode of ['kraft', 'zk'] as const) for (const brokers of [1, 3]) for (const image of IMAGE_FAMILIES) cases.push({ mode, brokers, image });

function options(c: Case): ComposeOptions {
  return { mode: c.mode, brokers: c.brokers, image: c.image, clusterId: CLUSTER_ID, ...(c.mode === 'zk' ? { zookeepers: c.brokers } : {}) };
}

describe('kstack compose: every mode × broker count × image', () => {
  for (const c of cases) {
    const label = `${c.mode} × ${c.brokers} broker${c.brokers > 1 ? 's' : ''} × ${c.image}`;
    if (c.mode === 'zk' && c.image === 'apache') {
      it(`${label}: refused, saying the apache image has no ZooKeeper mode`, () => {
        expect(() => generateCompose(options(c))).toThrow(/apache\/kafka image has no ZooKeeper mode/);
      });
      continue;
    }
    it(`${label}: docker-compose config accepts it and the listener doctor finds no error`, () => {
      const result = generateCompose(options(c));
      const text = renderCompose(result);
      const file = join(dir, `${c.mode}-${c.brokers}-${c.image}.yml`);
      writeFileSync(file, text);

      if (hasCompose) {
        const r = spawnSync('docker-compose', ['-f', file, 'config', '-q'], { encoding: 'utf8', env: { ...process.env, COMPOSE_PROJECT_NAME: 'kstacktest' } });
        expect(r.stderr, r.stderr).toBe('');
        expect(r.status).toBe(0);
      }

      const diagnosis = diagnoseListeners({ composes: [file], kafkaMajor: result.image.kafkaMajor, platform: 'linux', env: {} });
      const errors = diagnosis.findings.filter((f) => f.severity === 'error');
      expect(errors, JSON.stringify(errors, null, 2)).toEqual([]);
      expect(diagnosis.sources.filter((s) => s.kind === 'compose').length).toBe(result.nodes.filter((n) => n.role !== 'zookeeper').length);

      // The YAML carries the model, and the model what the issue asks for.
      const parsed = parse(text) as { services: Record<string, { environment: Record<string, string>; extra_hosts?: string[]; healthcheck?: unknown; ports?: string[]; depends_on?: Record<string, unknown> }> };
      expect(parsed).toEqual(JSON.parse(JSON.stringify(result.file)));
      const kafka = result.nodes.filter((n) => n.role !== 'zookeeper');
      const scheme = result.image.envScheme;
      for (const node of kafka) {
        const svc = parsed.services[node.service];
        expect(svc.extra_hosts).toEqual(['host.docker.internal:host-gateway']);
        expect(svc.healthcheck).toBeDefined();
        for (const value of Object.values(svc.environment)) expect(typeof value).toBe('string');
        // Every property round-trips through the image's own env spelling.
        const props = Object.fromEntries(Object.entries(svc.environment).flatMap(([k, v]) => {
          const p = envToProperty(scheme, k);
          return p && k !== result.image.clusterIdEnv ? [[p, v]] : [];
        }));
        expect(props).toEqual(node.properties);
        if (node.role === 'broker') {
          const rf = String(Math.min(3, c.brokers));
          expect(node.properties['offsets.topic.replication.factor']).toBe(rf);
          expect(node.properties['transaction.state.log.replication.factor']).toBe(rf);
          expect(node.properties['default.replication.factor']).toBe(rf);
          expect(svc.ports).toEqual([`127.0.0.1:${node.externalPort}:${node.externalPort}`, `${node.dockerPort}:${node.dockerPort}`]);
        }
      }
      if (c.mode === 'kraft') {
        const ids = new Set(kafka.map((n) => parsed.services[n.service].environment[result.image.clusterIdEnv]));
        expect([...ids]).toEqual([CLUSTER_ID]);
        const voters = new Set(kafka.map((n) => n.properties['controller.quorum.voters']));
        expect([...voters]).toEqual([Array.from({ length: c.brokers }, (_, i) => `${i + 1}@kafka-${i + 1}:19093`).join(',')]);
      } else {
        const zks = result.nodes.filter((n) => n.role === 'zookeeper');
        expect(zks.length).toBe(c.brokers);
        for (const node of kafka) {
          expect(node.properties['zookeeper.connect']).toBe(zks.map((z) => `${z.service}:2181`).join(','));
          expect(Object.keys(parsed.services[node.service].depends_on ?? {})).toEqual(zks.map((z) => z.service));
        }
      }
    });
  }

  it('dedicated controllers: brokers wait for them, controllers advertise nothing, and docker-compose accepts it', () => {
    const result = generateCompose({ mode: 'kraft', brokers: 2, controllers: 3, image: 'apache', clusterId: CLUSTER_ID });
    const file = join(dir, 'controllers.yml');
    writeFileSync(file, renderCompose(result));
    if (hasCompose) execFileSync('docker-compose', ['-f', file, 'config', '-q']);
    const controllers = result.nodes.filter((n) => n.role === 'controller');
    expect(controllers.map((n) => n.service)).toEqual(['controller-3', 'controller-4', 'controller-5']);
    for (const n of controllers) {
      expect(n.properties['process.roles']).toBe('controller');
      expect(n.properties['advertised.listeners']).toBeUndefined();
      expect(result.file.services[n.service].ports).toBeUndefined();
    }
    expect(Object.keys(result.file.services['kafka-1'].depends_on ?? {})).toEqual(['controller-3', 'controller-4', 'controller-5']);
    const errors = diagnoseListeners({ composes: [file], kafkaMajor: 4, platform: 'linux', env: {} }).findings.filter((f) => f.severity === 'error');
    expect(errors).toEqual([]);
  });
});

describe('image conventions and refusals', () => {
  it('spells a dotted property the way each image reads it', () => {
    const env = (image: ImageFamily) => generateCompose({ mode: 'kraft', brokers: 1, image, clusterId: CLUSTER_ID }).file.services['kafka-1'].environment;
    expect(env('apache').KAFKA_ADVERTISED_LISTENERS).toContain('EXTERNAL://127.0.0.1:9092');
    expect(env('apache').CLUSTER_ID).toBe(CLUSTER_ID);
    expect(env('confluent').KAFKA_ADVERTISED_LISTENERS).toContain('INTERNAL://kafka-1:19092');
    expect(env('confluent').CLUSTER_ID).toBe(CLUSTER_ID);
    expect(env('bitnami').KAFKA_CFG_ADVERTISED_LISTENERS).toContain('DOCKER://host.docker.internal:29092');
    expect(env('bitnami').KAFKA_CLUSTER_ID).toBe(CLUSTER_ID);
    expect(generateCompose({ mode: 'kraft', brokers: 1, image: 'bitnami', version: '3.9', clusterId: CLUSTER_ID }).file.services['kafka-1'].environment.KAFKA_KRAFT_CLUSTER_ID).toBe(CLUSTER_ID);
  });

  it('zk mode only where the image and version still have it', () => {
    expect(resolveImage('confluent', undefined, 'zk').version).toBe('7.9.0');
    expect(resolveImage('bitnami', undefined, 'zk').version).toBe('3.9');
    expect(() => resolveImage('confluent', '8.0.0', 'zk')).toThrow(/CP 8\.0 ships Kafka 4\.0, which removed ZooKeeper/);
    expect(() => resolveImage('bitnami', '4.0', 'zk')).toThrow(/no ZooKeeper mode \(Kafka 4\.0 removed it\)/);
    expect(resolveImage('confluent', '7.6.1', 'kraft').kafkaMajor).toBe(3);
    expect(resolveImage('confluent', '8.0.0', 'kraft').kafkaMajor).toBe(4);
  });

  it('bad options are refused with KSTACK_BAD_OPTION, never a crash', () => {
    const bad: Partial<ComposeOptions>[] = [
      { brokers: 0 },
      { brokers: 1.5 },
      { mode: 'zk', zookeepers: 2, image: 'confluent' },
      { controllers: 2, mode: 'zk', image: 'confluent' },
      { zookeepers: 3 },
      { host: '0.0.0.0' },
      { host: 'bad host' },
      { basePort: 19091, brokers: 3 },
      { basePort: 65535, brokers: 3 },
      { basePort: 29092, dockerBasePort: 29093, brokers: 3 },
      { clusterId: 'not-a-cluster-id' },
      { version: 'latest' },
      { version: '3.6.0' },
      { image: 'wurstmeister' as ImageFamily },
    ];
    for (const b of bad) {
      const o = { mode: 'kraft' as const, brokers: 1, image: 'apache' as ImageFamily, clusterId: CLUSTER_ID, ...b };
      let caught: unknown;
      try {
        generateCompose(o);
      } catch (err) {
        caught = err;
      }
      expect(caught, JSON.stringify(b)).toBeInstanceOf(KstackError);
      expect((caught as KstackError).code, JSON.stringify(b)).toBe('KSTACK_BAD_OPTION');
    }
  });
});
