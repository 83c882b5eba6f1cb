/**
 * Golden fixtures: request/response frames that real clients (kcat/librdkafka, kafkajs, kafka-python, the Java
 * client) exchanged with real Apache Kafka, captured by scripts/capture-golden.ts. Every frame must decode with
 * the generated codecs, leave no bytes over, and re-encode byte-identical (header + body); a few facts about
 * the decoded content are checked too, so a codec that is wrong the same way in both directions still fails.
 * On a mismatch the message names the first differing byte and the decoded field paths that differ.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeRequest, decodeResponse } from '../../../src/protocol/frame.js';
import { apiTable, requestHeaderVersion, responseHeaderVersion } from '../../../src/protocol/generated/index.js';
import { readRequestHeader, writeRequestHeader } from '../../../src/protocol/generated/request-header.js';
import { readResponseHeader, writeResponseHeader } from '../../../src/protocol/generated/response-header.js';
import { Reader } from '../../../src/protocol/reader.js';
import { Writer } from '../../../src/protocol/writer.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'golden');

interface Fixture {
  client: string;
  apiKey: number;
  apiName: string;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  request: string;
  response: string;
}

const index = JSON.parse(readFileSync(join(GOLDEN, 'index.json'), 'utf8')) as { kafkaVersion: string; fixtures: Fixture[] };

/** Field paths where two decoded values differ (Buffers by bytes, bigints by value), at most `limit`. */
export function diffPaths(a: unknown, b: unknown, path = '$', out: string[] = [], limit = 8): string[] {
  if (out.length >= limit) return out;
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) {
    if (!(Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b))) out.push(`${path}: ${show(a)} vs ${show(b)}`);
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path}.length: ${a.length} vs ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) diffPaths(a[i], b[i], `${path}[${i}]`, out, limit);
    return out;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) diffPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, out, limit);
    return out;
  }
  if (a !== b) out.push(`${path}: ${show(a)} vs ${show(b)}`);
  return out;
}

function show(v: unknown): string {
  if (Buffer.isBuffer(v)) return `<${v.length} bytes ${v.subarray(0, 16).toString('hex')}${v.length > 16 ? '…' : ''}>`;
  if (typeof v === 'bigint') return `${v}n`;
  return JSON.stringify(v) ?? String(v);
}

function firstDifference(a: Buffer, b: Buffer): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const ctx = (buf: Buffer) => buf.subarray(Math.max(0, i - 4), i + 12).toString('hex');
  return `lengths ${a.length} (captured) vs ${b.length} (re-encoded); first difference at byte ${i}: captured …${ctx(a)}… vs ours …${ctx(b)}…`;
}

type Side = 'request' | 'response';

/** Decode header + body exactly as the codecs define, re-encode, and explain any difference. */
function roundTrip(f: Fixture, side: Side): { header: Record<string, unknown>; body: unknown } {
  const api = apiTable[f.apiKey];
  if (!api) throw new Error(`${f.apiName} (key ${f.apiKey}) has no generated codec`);
  if (f.apiVersion < api.minVersion || f.apiVersion > api.maxVersion) {
    throw new Error(`${f.apiName} v${f.apiVersion} is outside the generated range ${api.minVersion}-${api.maxVersion}`);
  }
  const frame = readFileSync(join(GOLDEN, side === 'request' ? f.request : f.response));
  const hv = side === 'request' ? requestHeaderVersion(f.apiKey, f.apiVersion) : responseHeaderVersion(f.apiKey, f.apiVersion);
  const r = new Reader(frame);
  const header = (side === 'request' ? readRequestHeader(r, hv) : readResponseHeader(r, hv)) as unknown as Record<string, unknown>;
  const bodyStart = r.pos;
  const body = side === 'request' ? api.readRequest(r, f.apiVersion) : api.readResponse(r, f.apiVersion);
  const where = `${f.client}/${side === 'request' ? f.request : f.response}`;
  if (!r.ok) throw new Error(`${where}: decode failed: ${r.error} (header v${hv}, body starts at byte ${bodyStart})`);
  if (r.remaining() !== 0) throw new Error(`${where}: ${r.remaining()} bytes left after the body (header v${hv}, ${frame.length} bytes in all)`);

  const w = new Writer();
  if (side === 'request') writeRequestHeader(w, hv, header as never);
  else writeResponseHeader(w, hv, header as never);
  if (side === 'request') api.writeRequest(w, f.apiVersion, body);
  else api.writeResponse(w, f.apiVersion, body);
  const again = Buffer.from(w.finish());
  if (!again.equals(frame)) {
    const r2 = new Reader(again);
    if (side === 'request') readRequestHeader(r2, hv);
    else readResponseHeader(r2, hv);
    const body2 = side === 'request' ? api.readRequest(r2, f.apiVersion) : api.readResponse(r2, f.apiVersion);
    const fields = r2.ok ? diffPaths(body, body2) : [`re-encoded bytes do not decode: ${r2.error}`];
    throw new Error(
      `${where}: re-encoding differs: ${firstDifference(frame, again)}; body starts at byte ${bodyStart}; ` +
        `decoded fields that differ after a second decode: ${fields.length ? fields.join('; ') : 'none (encoding-only difference)'}`,
    );
  }
  return { header, body };
}

/** Content checks per API: what Kafka 3.9 must have said, so symmetric codec bugs are caught too. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Check = (body: any, f: Fixture) => void;
const requestChecks: Record<number, Check> = {
  0: (b, f) => {
    expect(b.topicData.length).toBeGreaterThan(0);
    for (const t of b.topicData) {
      expect(t.name).toMatch(/^golden-/);
      for (const p of t.partitionData) {
        expect(Buffer.isBuffer(p.records)).toBe(true);
        // The magic byte sits at offset 16 in a v2 batch and in a legacy message set entry alike: Produce v3+
        // carries v2 batches; these captures have v2 from 0.10-era clients (magic 1) and v0/v1 with magic 0.
        expect(p.records[16]).toBe(f.apiVersion >= 3 ? 2 : f.apiVersion === 2 ? 1 : 0);
      }
    }
  },
  3: (b) => expect(b.topics === null || Array.isArray(b.topics)).toBe(true),
  19: (b) => {
    for (const t of b.topics) expect(t.name).toMatch(/^golden-/);
  },
};
const responseChecks: Record<number, Check> = {
  0: (b) => {
    for (const t of b.responses) for (const p of t.partitionResponses) {
      expect(p.errorCode).toBe(0);
      expect(p.baseOffset).toBeGreaterThanOrEqual(0n);
    }
  },
  1: (b) => {
    for (const t of b.responses) for (const p of t.partitions) {
      expect(p.errorCode).toBe(0);
      expect(p.highWatermark).toBeGreaterThanOrEqual(0n);
    }
  },
  3: (b) => {
    expect(b.brokers.length).toBe(1);
    expect(b.brokers[0]).toMatchObject({ nodeId: 1, host: '127.0.0.1' });
  },
  18: (b) => {
    // kafkajs probes ApiVersions above 3.9's maximum on purpose; the answer is then v0 with UNSUPPORTED_VERSION.
    expect([0, 35]).toContain(b.errorCode);
    expect(b.apiKeys.find((k: { apiKey: number }) => k.apiKey === 0)).toMatchObject({ apiKey: 0, minVersion: 0, maxVersion: 11 });
    expect(b.apiKeys.find((k: { apiKey: number }) => k.apiKey === 18)).toMatchObject({ minVersion: 0, maxVersion: 4 });
  },
  11: (b) => expect([0, 79]).toContain(b.errorCode),
  19: (b) => {
    for (const t of b.topics) {
      expect(t.name).toMatch(/^golden-/);
      expect([0, 36]).toContain(t.errorCode);
    }
  },
};

describe(`golden protocol fixtures (Apache Kafka ${index.kafkaVersion})`, () => {
  it('has a fixture set covering the core APIs for every client', () => {
    const clients = new Set(index.fixtures.map((f) => f.client));
    for (const c of ['kcat', 'kafkajs', 'kafka-python', 'java']) expect(clients).toContain(c);
    const keys = new Set(index.fixtures.map((f) => f.apiKey));
    for (const k of [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 18, 19, 22]) expect(keys, `api key ${k}`).toContain(k);
  });

  for (const f of index.fixtures) {
    const name = `${f.client} ${f.apiName} v${f.apiVersion}`;
    it(`${name} request decodes and re-encodes byte-identical`, () => {
      const { header, body } = roundTrip(f, 'request');
      expect(header).toMatchObject({ requestApiKey: f.apiKey, requestApiVersion: f.apiVersion, correlationId: f.correlationId });
      if (requestHeaderVersion(f.apiKey, f.apiVersion) >= 1) expect(header.clientId).toBe(f.clientId);
      requestChecks[f.apiKey]?.(body, f);
      // The frame-level helper the broker uses must agree.
      const d = decodeRequest(readFileSync(join(GOLDEN, f.request)));
      expect(d.error).toBeUndefined();
      expect(d.header).toMatchObject({ apiKey: f.apiKey, apiVersion: f.apiVersion, correlationId: f.correlationId, supported: true });
    });
    it(`${name} response decodes and re-encodes byte-identical`, () => {
      const { header, body } = roundTrip(f, 'response');
      expect(header.correlationId).toBe(f.correlationId);
      responseChecks[f.apiKey]?.(body, f);
      const d = decodeResponse(readFileSync(join(GOLDEN, f.response)), f.apiKey, f.apiVersion);
      expect(d.error).toBeUndefined();
      expect(d.correlationId).toBe(f.correlationId);
    });
  }
});

describe('diffPaths (the mismatch explainer)', () => {
  it('names differing nested fields, buffers and bigints', () => {
    const a = { topics: [{ name: 'a', offset: 1n, records: Buffer.from('ab') }], n: 1 };
    const b = { topics: [{ name: 'a', offset: 2n, records: Buffer.from('ac') }], n: 1 };
    expect(diffPaths(a, b)).toEqual(['$.topics[0].offset: 1n vs 2n', '$.topics[0].records: <2 bytes 6162> vs <2 bytes 6163>']);
    expect(diffPaths({ x: [1, 2] }, { x: [1] })).toEqual(['$.x.length: 2 vs 1']);
  });
});
