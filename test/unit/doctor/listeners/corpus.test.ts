/**
 * The corpus of broken setups in test/fixtures/listeners/: server.properties files, compose files for each image
 * convention (apache/kafka, confluentinc/cp-kafka, bitnami/kafka) and env files, each with one mistake. Every
 * fixture must yield exactly its expected finding ids (warnings and errors); good setups yield none.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { diagnoseListeners } from '../../../../src/doctor/listeners/diagnose.js';
import type { EnvScheme } from '../../../../src/listeners/env-names.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures', 'listeners');

interface Case {
  name: string;
  config?: string[];
  compose?: string[];
  env?: string[];
  image?: EnvScheme;
  expect: string[];
}

const cases: Case[] = [
  ...(JSON.parse(readFileSync(join(DIR, 'cases-properties.json'), 'utf8')) as Case[]),
  ...(JSON.parse(readFileSync(join(DIR, 'cases-compose-env.json'), 'utf8')) as Case[]),
];

describe('listener fixture corpus', () => {
  it('has at least 25 broken setups and some good ones', () => {
    expect(cases.filter((c) => c.expect.length > 0).length).toBeGreaterThanOrEqual(25);
    expect(cases.filter((c) => c.expect.length === 0).length).toBeGreaterThanOrEqual(5);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const d = diagnoseListeners({
      configs: (c.config ?? []).map((p) => join(DIR, p)),
      composes: (c.compose ?? []).map((p) => join(DIR, p)),
      envFiles: (c.env ?? []).map((p) => join(DIR, p)),
      ...(c.image ? { image: c.image } : {}),
      platform: 'linux',
      env: {},
    });
    const problems = d.findings.filter((f) => f.severity !== 'ok' && f.id !== 'source');
    const ids = [...new Set(problems.map((f) => f.id))].sort();
    expect(ids, JSON.stringify(problems, null, 1)).toEqual([...c.expect].sort());
    // Every problem says where it comes from and how to fix it.
    for (const f of problems) {
      expect(f.source?.file).toBeTruthy();
      expect(f.fix).toBeTruthy();
    }
    if (c.expect.length === 0) expect(d.findings.some((f) => f.severity === 'ok')).toBe(true);
    // Nothing unexpected about reading the source (unset variables, unreadable env_file) in the corpus.
    expect(d.findings.filter((f) => f.id === 'source')).toEqual([]);
  });
});
