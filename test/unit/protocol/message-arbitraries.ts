/**
 * fast-check arbitraries for any generated message at any version, built from the compact schema description
 * (src/protocol/generated/schema.ts) with this file's own reading of Kafka's rules for presence, nullability and
 * defaults — independent of the generator, so a generator that got a rule wrong disagrees with it.
 * Shared by the round-trip property tests and the Java cross-check.
 */
import fc from 'fast-check';
import type { FieldSchema, MessageSchema } from '../../../src/protocol/generated/schema.js';

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export const inRange = (r: [number, number] | undefined, v: number): boolean => r !== undefined && v >= r[0] && v <= r[1];
export const camel = (s: string): string => s[0].toLowerCase() + s.slice(1);

export function elemType(f: FieldSchema): string {
  return f.type.startsWith('[]') ? f.type.slice(2) : f.type;
}

/** The value a reader must produce for a field that is absent in a version (Kafka's default rules). */
export function defaultOf(f: FieldSchema): unknown {
  if (f.default === 'null') return null;
  if (f.type.startsWith('[]')) return [];
  switch (f.type) {
    case 'bool':
      return f.default === true || f.default === 'true';
    case 'int64':
      return BigInt(f.default ?? 0);
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'float64':
      return Number(f.default ?? 0);
    case 'string':
      return f.default === undefined ? '' : String(f.default);
    case 'uuid':
      return ZERO_UUID;
    case 'bytes':
    case 'records':
      return Buffer.alloc(0);
    default:
      return Object.fromEntries((f.fields ?? []).map((sf) => [camel(sf.name), defaultOf(sf)]));
  }
}

export function scalarArb(type: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'bool':
      return fc.boolean();
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'uint32':
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'int64':
      return fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.constantFrom(-1n, 0n));
    case 'float64':
      return fc.double();
    case 'string':
      return fc.oneof(fc.string({ maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 3 }));
    case 'uuid':
      return fc.oneof(fc.constant(ZERO_UUID), fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64url')));
    case 'bytes':
    case 'records':
      return fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b));
    default:
      throw new Error(`no arbitrary for ${type}`);
  }
}

export function fieldArb(f: FieldSchema, v: number, flexible: boolean): fc.Arbitrary<unknown> {
  const t = elemType(f);
  const one = f.fields ? structArb(f.fields, v, flexible) : scalarArb(t);
  const value = f.type.startsWith('[]') ? fc.array(one, { maxLength: 3 }) : one;
  return inRange(f.nullableVersions, v) ? fc.option(value, { nil: null, freq: 4 }) : value;
}

/** Unknown tags never collide with the struct's known tags; kept sorted as a reader returns them. */
export function unknownTagsArb(fields: FieldSchema[]): fc.Arbitrary<{ tag: number; data: Buffer }[]> {
  const known = new Set(fields.filter((f) => f.tag !== undefined).map((f) => f.tag));
  const free = [...Array(12).keys()].filter((t) => !known.has(t));
  return fc
    .uniqueArray(fc.constantFrom(...free), { maxLength: 2 })
    .chain((tags) => fc.tuple(...tags.sort((a, b) => a - b).map((tag) => fc.uint8Array({ maxLength: 3 }).map((d) => ({ tag, data: Buffer.from(d) })))));
}

export function structArb(fields: FieldSchema[], v: number, flexible: boolean): fc.Arbitrary<Record<string, unknown>> {
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of fields) {
    // Tagged fields exist only in flexible versions; outside their versions every field reads as its default.
    shape[camel(f.name)] = inRange(f.versions, v) ? fieldArb(f, v, flexible) : fc.constant(defaultOf(f));
  }
  const rec = fc.record(shape);
  if (!flexible) return rec;
  return fc.tuple(rec, fc.oneof({ arbitrary: fc.constant([]), weight: 3 }, { arbitrary: unknownTagsArb(fields), weight: 1 })).map(([m, u]) =>
    u.length ? { ...m, _unknownTaggedFields: u } : m,
  );
}


/** Random instances of message `m` at version `v`. */
export function messageArb(m: MessageSchema, v: number): fc.Arbitrary<Record<string, unknown>> {
  return structArb(m.fields, v, inRange(m.flexibleVersions, v));
}

export function versionsOf(m: MessageSchema): number[] {
  const out: number[] = [];
  for (let v = m.validVersions[0]; v <= m.validVersions[1]; v++) out.push(v);
  return out;
}

/** The generated file holding a message: ProduceRequest → produce, ConsumerProtocolAssignment → consumer-protocol-assignment. */
export function fileOf(m: MessageSchema): string {
  return (m.type === 'request' || m.type === 'response' ? m.name.replace(/(Request|Response)$/, '') : m.name)
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}
