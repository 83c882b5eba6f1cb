/**
 * Property-based tests of every generated codec: every message (requests, responses, headers, data schemas) at
 * every valid version. Random instances come from message-arbitraries.ts (built from schema.ts with its own
 * reading of Kafka's rules for presence, nullability and defaults, so a generator that got a rule wrong
 * disagrees with it). Then: encode → decode → equal, and re-encode → same bytes; every strict prefix of a
 * valid encoding fails cleanly; random and mutated bytes never throw.
 *
 * The number of (apiKey, version) pairs exercised is printed and compared with Kafka's schema files when
 * ../shared/kafka-protocol/messages is present (otherwise with the generated API table, saying so).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION_RANGES, apiTable } from '../../../src/protocol/generated/index.js';
import { MESSAGE_SCHEMAS } from '../../../src/protocol/generated/schema.js';
import { Reader } from '../../../src/protocol/reader.js';
import { Writer } from '../../../src/protocol/writer.js';
import { fileOf, inRange, structArb, versionsOf } from './message-arbitraries.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const GENERATED = join(ROOT, 'src', 'protocol', 'generated');
const SCHEMA_DIR = join(ROOT, '..', 'shared', 'kafka-protocol', 'messages');
const RUNS = 25; // random instances per (message, version)

type Codec = { read: (r: Reader, v: number) => unknown; write: (w: Writer, v: number, m: unknown) => void };

function encode(codec: Codec, v: number, m: unknown): Buffer {
  const w = new Writer(64);
  codec.write(w, v, m);
  return Buffer.from(w.finish());
}

const codecs = new Map<string, Codec>();

beforeAll(async () => {
  for (const m of MESSAGE_SCHEMAS) {
    const mod = (await import(pathToFileURL(join(GENERATED, `${fileOf(m)}.ts`)).href)) as Record<string, unknown>;
    const read = mod[`read${m.name}`];
    const write = mod[`write${m.name}`];
    if (typeof read !== 'function' || typeof write !== 'function') throw new Error(`${fileOf(m)}.ts lacks read/write${m.name}`);
    codecs.set(m.name, { read: read as Codec['read'], write: write as Codec['write'] });
  }
});

/** Version ranges of every API according to Kafka's own schema files, read independently of the generator. */
function apiRangesFromJson(): Map<number, [number, number]> | undefined {
  if (!existsSync(SCHEMA_DIR)) return undefined;
  const ranges = new Map<number, [number, number]>();
  for (const file of readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('Request.json'))) {
    const text = readFileSync(join(SCHEMA_DIR, file), 'utf8')
      .split('\n')
      .filter((l) => !l.trim().startsWith('//'))
      .join('\n');
    const j = JSON.parse(text) as { apiKey: number; validVersions: string };
    const [lo, hi] = j.validVersions.split('-').map(Number);
    ranges.set(j.apiKey, [lo, hi ?? lo]);
  }
  return ranges;
}

describe('generated codecs round-trip every message at every version', () => {
  it('random instances: decode(encode(m)) equals m and re-encodes to the same bytes', () => {
    const exercised = new Map<string, Set<string>>(); // "apiKey:version" → {request, response}
    let pairsOther = 0;
    for (const m of MESSAGE_SCHEMAS) {
      const codec = codecs.get(m.name)!;
      for (const v of versionsOf(m)) {
        const flexible = inRange(m.flexibleVersions, v);
        fc.assert(
          fc.property(structArb(m.fields, v, flexible), (msg) => {
            const bytes = encode(codec, v, msg);
            const r = new Reader(bytes);
            const back = codec.read(r, v);
            if (!r.ok) throw new Error(`${m.name} v${v}: ${r.error}`);
            expect(r.remaining(), `${m.name} v${v} left bytes`).toBe(0);
            expect(back, `${m.name} v${v}`).toEqual(msg);
            expect(encode(codec, v, back).equals(bytes), `${m.name} v${v} re-encode`).toBe(true);
          }),
          { numRuns: RUNS, seed: 42 + v },
        );
        if (m.type === 'request' || m.type === 'response') {
          const key = `${m.apiKey}:${v}`;
          const set = exercised.get(key) ?? new Set<string>();
          set.add(m.type);
          exercised.set(key, set);
        } else pairsOther++;
      }
    }
    const full = [...exercised.values()].filter((s) => s.size === 2).length;
    const apis = new Set([...exercised.keys()].map((k) => k.split(':')[0])).size;
    console.log(`round-trip: ${full} (apiKey, version) pairs (request and response) across ${apis} APIs, plus ${pairsOther} header/data (schema, version) pairs, ${RUNS} random instances each`);

    const fromTable = API_VERSION_RANGES.reduce((n, a) => n + a.maxVersion - a.minVersion + 1, 0);
    const json = apiRangesFromJson();
    if (json) {
      const expected = [...json.values()].reduce((n, [lo, hi]) => n + hi - lo + 1, 0);
      expect(full).toBe(expected);
      expect(apis).toBe(json.size);
    } else {
      console.log(`(${SCHEMA_DIR} not found: comparing the count with the generated API table instead of Kafka's JSON files)`);
      expect(full).toBe(fromTable);
    }
    expect(full).toBe(fromTable);
    expect(pairsOther).toBeGreaterThan(0);
  });

  it('the API table matches the schemas', () => {
    for (const m of MESSAGE_SCHEMAS) {
      if (m.type !== 'request') continue;
      const api = apiTable[m.apiKey];
      expect(api, m.name).toBeDefined();
      expect([api!.minVersion, api!.maxVersion]).toEqual(m.validVersions);
      expect(api!.firstFlexibleVersion).toBe(m.flexibleVersions[0] <= m.flexibleVersions[1] ? m.flexibleVersions[0] : -1);
    }
  });
});

describe('malformed input never throws and never decodes as valid', () => {
  it('every strict prefix of a valid encoding fails cleanly', () => {
    let prefixes = 0;
    for (const m of MESSAGE_SCHEMAS) {
      const codec = codecs.get(m.name)!;
      for (const v of versionsOf(m)) {
        const flexible = inRange(m.flexibleVersions, v);
        const samples = fc.sample(structArb(m.fields, v, flexible), { numRuns: 2, seed: 7 + v });
        for (const msg of samples) {
          const bytes = encode(codec, v, msg);
          for (let len = 0; len < bytes.length; len++) {
            const r = new Reader(bytes, 0, len);
            codec.read(r, v); // must not throw
            if (r.ok) throw new Error(`${m.name} v${v}: prefix of ${len}/${bytes.length} bytes decoded without error`);
            prefixes++;
          }
        }
      }
    }
    console.log(`truncation: ${prefixes} truncated encodings rejected`);
    expect(prefixes).toBeGreaterThan(10000);
  });

  it('mutated and random bytes: no exception, and anything that decodes re-encodes', () => {
    let decodedOk = 0;
    let rejected = 0;
    for (const m of MESSAGE_SCHEMAS) {
      const codec = codecs.get(m.name)!;
      for (const v of versionsOf(m)) {
        const flexible = inRange(m.flexibleVersions, v);
        const valid = fc.sample(structArb(m.fields, v, flexible), { numRuns: 2, seed: 99 + v }).map((x) => encode(codec, v, x));
        const mutated = fc.tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })).map(([b, edits]) => {
          const c = Buffer.from(b);
          for (const [at, val] of edits) if (c.length) c[at % c.length] = val;
          return c;
        });
        const input = fc.oneof(mutated, fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b)));
        fc.assert(
          fc.property(input, (bytes) => {
            const r = new Reader(bytes);
            const out = codec.read(r, v);
            if (r.ok) {
              decodedOk++;
              encode(codec, v, out); // a decoded value is always encodable
            } else rejected++;
          }),
          { numRuns: 20, seed: 1234 + v },
        );
      }
    }
    console.log(`fuzz: ${decodedOk} inputs decoded, ${rejected} rejected cleanly`);
    expect(rejected).toBeGreaterThan(0);
  });

  it('a huge array count is refused before allocating, for every message starting with an array', () => {
    let checked = 0;
    for (const m of MESSAGE_SCHEMAS) {
      const codec = codecs.get(m.name)!;
      for (const v of versionsOf(m)) {
        const first = m.fields.find((f) => inRange(f.versions, v) && f.tag === undefined);
        if (!first || !first.type.startsWith('[]')) continue;
        const flexible = inRange(m.flexibleVersions, v) && !(first.flexibleVersions && !inRange(first.flexibleVersions, v));
        const bytes = flexible ? Buffer.from('ffffffff0f000000', 'hex') : Buffer.from('7fffffff00000000', 'hex');
        const r = new Reader(bytes);
        codec.read(r, v);
        expect(r.error, `${m.name} v${v}`).toMatch(/cannot fit/);
        if (!flexible) {
          const neg = new Reader(Buffer.from('fffffff000000000', 'hex')); // -16
          codec.read(neg, v);
          expect(neg.error, `${m.name} v${v} negative count`).toMatch(/invalid array length -16/);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
