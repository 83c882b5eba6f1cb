/**
 * Protocol codec generator (development time only; its output is committed).
 *
 *   npx tsx scripts/gen-protocol.ts [--schemas DIR] [--out DIR] [--check]
 *
 * Reads Kafka's message schemas (default: ../shared/kafka-protocol/messages relative to the repository; JSON with
 * `//` comments) and writes src/protocol/generated/: one file per API key (request + response), one per header
 * and per `data` schema, index.ts (the API table and header-version rules), error-codes.ts (from
 * scripts/kafka-errors.ts) and schema.ts (a compact description of every message, used by the property tests).
 * With --check it generates into a temporary directory and fails on any difference from the committed files.
 *
 * Wire semantics follow Kafka's own generator (clients/src/main/resources/common/message/README.md):
 * - fields appear only in their `versions`; outside them a read yields the schema default and a write skips them;
 * - flexible versions use compact strings/bytes/arrays and end every struct with a tagged-field section; tagged
 *   fields are written only when they differ from their default, unknown tags are kept and written back in
 *   ascending tag order with the known ones;
 * - nullable structs carry a one-byte presence marker (-1 = null); `records` are bytes, returned as views;
 * - a value our own code passes as null in a version where the field is not nullable is written as empty (the
 *   same bytes an empty value gives), never as an invalid null.
 */
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KAFKA_ERRORS } from './kafka-errors.js';

// ---------------------------------------------------------------------------------------------------------------
// Schema model

interface Range {
  lo: number;
  hi: number; // MAX_VERSION for "N+"
}
const MAX_VERSION = 32767;
const EMPTY_RANGE: Range = { lo: 1, hi: 0 };

interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string | number | boolean;
  flexibleVersions?: string;
  ignorable?: boolean;
  about?: string;
  fields?: RawField[];
}

interface RawMessage {
  apiKey?: number;
  type: 'request' | 'response' | 'header' | 'data';
  name: string;
  validVersions: string;
  flexibleVersions: string;
  latestVersionUnstable?: boolean;
  listeners?: string[];
  fields: RawField[];
  commonStructs?: { name: string; versions: string; fields: RawField[] }[];
}

type Kind = 'bool' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'float64' | 'string' | 'bytes' | 'records' | 'uuid' | 'struct';
const PRIMITIVES = new Set(['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'bytes', 'records', 'uuid']);

interface Field {
  name: string; // schema name
  prop: string; // camelCase
  kind: Kind; // element kind for arrays
  isArray: boolean;
  struct?: Struct;
  versions: Range;
  nullable: Range;
  tagged: Range;
  tag: number;
  flex: Range | undefined; // field-level override
  rawDefault: string | number | boolean | undefined;
  about: string;
}

interface Struct {
  name: string; // schema name
  tsName: string;
  fields: Field[];
  ctx: Range; // versions in which this struct can appear
  flex: Range; // the message's flexible versions
  needDefault: boolean;
  needIsDefault: boolean;
  optionalProps: boolean; // response types: fields absent in some versions are optional
}

interface Message {
  file: string;
  raw: RawMessage;
  name: string;
  type: RawMessage['type'];
  apiKey: number;
  valid: Range;
  flex: Range;
  root: Struct;
  structs: Struct[]; // root first, then nested in definition order
}

export function parseRange(s: string | undefined, what: string): Range {
  if (s === undefined || s === 'none') return EMPTY_RANGE;
  let m = /^(\d+)\+$/.exec(s);
  if (m) return { lo: Number(m[1]), hi: MAX_VERSION };
  m = /^(\d+)-(\d+)$/.exec(s);
  if (m) return { lo: Number(m[1]), hi: Number(m[2]) };
  m = /^(\d+)$/.exec(s);
  if (m) return { lo: Number(m[1]), hi: Number(m[1]) };
  throw new Error(`bad version range ${JSON.stringify(s)} in ${what}`);
}

const isEmpty = (r: Range): boolean => r.lo > r.hi;
const intersect = (a: Range, b: Range): Range => ({ lo: Math.max(a.lo, b.lo), hi: Math.min(a.hi, b.hi) });
const covers = (a: Range, b: Range): boolean => isEmpty(b) || (a.lo <= b.lo && a.hi >= b.hi);

/** Removes `//` comments outside of JSON strings. */
export function stripJsonComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else out += c;
  }
  return out;
}

export function readSchemas(dir: string): RawMessage[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new Error(`no *.json schemas in ${dir}`);
  return files.map((f) => {
    try {
      return JSON.parse(stripJsonComments(readFileSync(join(dir, f), 'utf8'))) as RawMessage;
    } catch (err) {
      throw new Error(`${f}: ${(err as Error).message}`);
    }
  });
}

const camel = (s: string): string => s[0].toLowerCase() + s.slice(1);
export const kebab = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
/** Request/response pairs share one file named after the API (ProduceRequest → produce.ts). */
export function apiBaseName(name: string): string {
  return name.replace(/(Request|Response)$/, '');
}

function buildMessage(raw: RawMessage, takenNames: Set<string>, msgNames: Set<string>): Message {
  const valid = parseRange(raw.validVersions, raw.name);
  const flex = parseRange(raw.flexibleVersions, raw.name);
  const commons = new Map((raw.commonStructs ?? []).map((c) => [c.name, c]));
  const structs: Struct[] = [];
  const byName = new Map<string, Struct>();
  const optionalProps = raw.type === 'response';

  const tsNameFor = (name: string): string => (takenNames.has(name) || msgNames.has(name) ? `${raw.name}${name}` : name);

  const makeStruct = (name: string, tsName: string, rawFields: RawField[], ctx: Range): Struct => {
    const s: Struct = { name, tsName, fields: [], ctx, flex, needDefault: false, needIsDefault: false, optionalProps };
    structs.push(s);
    s.fields = rawFields.map((f) => buildField(f, ctx));
    return s;
  };

  const buildField = (f: RawField, ctx: Range): Field => {
    const isArray = f.type.startsWith('[]');
    const elem = isArray ? f.type.slice(2) : f.type;
    const versions = parseRange(f.versions, `${raw.name}.${f.name}`);
    const field: Field = {
      name: f.name,
      prop: camel(f.name),
      kind: PRIMITIVES.has(elem) ? (elem as Kind) : 'struct',
      isArray,
      versions,
      nullable: parseRange(f.nullableVersions, `${raw.name}.${f.name}`),
      tagged: parseRange(f.taggedVersions, `${raw.name}.${f.name}`),
      tag: f.tag ?? -1,
      flex: f.flexibleVersions === undefined ? undefined : parseRange(f.flexibleVersions, `${raw.name}.${f.name}`),
      rawDefault: f.default,
      about: (f.about ?? '').replace(/\s+/g, ' ').replace(/\*\//g, '* /').trim(),
    };
    if (field.kind === 'struct') {
      if (!/^[A-Z]/.test(elem)) throw new Error(`${raw.name}.${f.name}: unknown type ${f.type}`);
      const fieldCtx = intersect(ctx, versions);
      if (f.fields) {
        if (byName.has(elem)) throw new Error(`${raw.name}: struct ${elem} defined twice`);
        const s = makeStruct(elem, tsNameFor(elem), f.fields, fieldCtx);
        byName.set(elem, s);
        field.struct = s;
      } else {
        let s = byName.get(elem);
        if (!s) {
          const c = commons.get(elem);
          if (!c) throw new Error(`${raw.name}.${f.name}: no definition for struct ${elem}`);
          // A common struct may be used from several places: read it under the message's whole range.
          s = makeStruct(elem, tsNameFor(elem), [], intersect(valid, parseRange(c.versions, `${raw.name}.${c.name}`)));
          byName.set(elem, s);
          s.fields = c.fields.map((cf) => buildField(cf, s!.ctx));
        }
        field.struct = s;
      }
    }
    if (field.tag >= 0 && (isEmpty(field.tagged) || !covers(field.tagged, intersect(versions, field.tagged)))) {
      throw new Error(`${raw.name}.${f.name}: tag without taggedVersions`);
    }
    if (field.tag >= 0 && (field.tagged.lo !== versions.lo || field.tagged.hi !== versions.hi)) {
      // Kafka's schemas never do this; supporting it would need fields both tagged and positional.
      throw new Error(`${raw.name}.${f.name}: taggedVersions differ from versions (unsupported)`);
    }
    return field;
  };

  const root = makeStruct(raw.name, raw.name, [], valid);
  root.fields = raw.fields.map((f) => buildField(f, valid));
  return {
    file: raw.type === 'request' || raw.type === 'response' ? kebab(apiBaseName(raw.name)) : kebab(raw.name),
    raw,
    name: raw.name,
    type: raw.type,
    apiKey: raw.apiKey ?? -1,
    valid,
    flex,
    root,
    structs,
  };
}

/** Struct names (inline and common) a message defines; used to decide which need a message prefix. */
function structNames(raw: RawMessage): string[] {
  const names: string[] = [];
  const walk = (fields: RawField[]): void => {
    for (const f of fields) {
      if (f.fields) {
        names.push(f.type.replace(/^\[\]/, ''));
        walk(f.fields);
      }
    }
  };
  walk(raw.fields);
  for (const c of raw.commonStructs ?? []) {
    names.push(c.name);
    walk(c.fields);
  }
  return names;
}

// ---------------------------------------------------------------------------------------------------------------
// Code generation helpers

/** A condition on `version`, simplified against the versions `ctx` the code runs under. */
function cond(r: Range, ctx: Range): string {
  const x = intersect(r, ctx);
  if (isEmpty(x)) return 'false';
  const lo = x.lo > ctx.lo;
  const hi = x.hi < ctx.hi;
  if (lo && hi) return x.lo === x.hi ? `version === ${x.lo}` : `version >= ${x.lo} && version <= ${x.hi}`;
  if (lo) return `version >= ${x.lo}`;
  if (hi) return `version <= ${x.hi}`;
  return 'true';
}

function choose(c: string, a: string, b: string): string {
  if (c === 'true') return a;
  if (c === 'false') return b;
  return `(${c} ? ${a} : ${b})`;
}

function tsType(f: Field): string {
  let t: string;
  switch (f.kind) {
    case 'bool':
      t = 'boolean';
      break;
    case 'int64':
      t = 'bigint';
      break;
    case 'string':
    case 'uuid':
      t = 'string';
      break;
    case 'bytes':
    case 'records':
      t = 'Buffer';
      break;
    case 'struct':
      t = f.struct!.tsName;
      break;
    default:
      t = 'number';
  }
  if (f.isArray) t = `${t}[]`;
  if (!isEmpty(f.nullable)) t = `${t} | null`;
  return t;
}

function fail(msg: string): never {
  throw new Error(msg);
}

/** The default value of a field as a TypeScript expression (Kafka's rules for missing `default`). */
function defaultExpr(f: Field, ctxName: string): string {
  const d = f.rawDefault;
  const nullable = !isEmpty(f.nullable);
  if (d === 'null') {
    if (!nullable) fail(`${ctxName}.${f.name}: default null on a non-nullable field`);
    return 'null';
  }
  if (f.isArray) {
    if (d !== undefined) fail(`${ctxName}.${f.name}: unsupported array default ${JSON.stringify(d)}`);
    return '[]';
  }
  switch (f.kind) {
    case 'bool':
      return d === undefined ? 'false' : String(d === true || d === 'true');
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'float64': {
      if (d === undefined) return '0';
      const n = Number(d);
      if (!Number.isFinite(n)) fail(`${ctxName}.${f.name}: bad default ${JSON.stringify(d)}`);
      return String(n);
    }
    case 'int64':
      return d === undefined ? '0n' : `${BigInt(d as string | number)}n`;
    case 'string':
      return JSON.stringify(d === undefined ? '' : String(d));
    case 'uuid':
      if (d !== undefined) fail(`${ctxName}.${f.name}: unsupported uuid default`);
      return 'ZERO_UUID';
    case 'bytes':
    case 'records':
      if (d !== undefined) fail(`${ctxName}.${f.name}: unsupported bytes default`);
      return 'EMPTY';
    case 'struct':
      if (d !== undefined) fail(`${ctxName}.${f.name}: unsupported struct default ${JSON.stringify(d)}`);
      f.struct!.needDefault = true;
      return `default${f.struct!.tsName}()`;
  }
}

/** Expression true when `v` differs from the field's default (decides whether a tagged field is written). */
function differsFromDefault(f: Field, v: string, ctxName: string): string {
  if (f.rawDefault === 'null') return `${v} !== null`;
  const d = f.kind === 'struct' && !f.isArray ? '' : defaultExpr(f, ctxName);
  const nullable = !isEmpty(f.nullable);
  const orNull = nullable ? `${v} === null || ` : '';
  if (f.isArray) return `${orNull}${v}.length !== 0`;
  switch (f.kind) {
    case 'bytes':
    case 'records':
      return `${orNull}${v}.length !== 0`;
    case 'struct':
      f.struct!.needIsDefault = true;
      return `${orNull}!isDefault${f.struct!.tsName}(${v})`;
    case 'float64':
      return `!Object.is(${v}, ${d})`;
    default:
      return `${v} !== ${d}`;
  }
}

const MIN_SIZE: Record<string, number> = { bool: 1, int8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, float64: 8, uuid: 16 };

const SCALAR_READ: Record<string, string> = {
  bool: 'r.bool()',
  int8: 'r.int8()',
  int16: 'r.int16()',
  uint16: 'r.uint16()',
  int32: 'r.int32()',
  uint32: 'r.uint32()',
  int64: 'r.int64()',
  float64: 'r.float64()',
  uuid: 'r.uuid()',
};
const SCALAR_WRITE: Record<string, string> = {
  bool: 'writeBool',
  int8: 'writeInt8',
  int16: 'writeInt16',
  uint16: 'writeUint16',
  int32: 'writeInt32',
  uint32: 'writeUint32',
  int64: 'writeInt64',
  float64: 'writeFloat64',
  uuid: 'writeUuid',
};

/** Read expression of one (non-array) value. `flex`/`nullable` are condition strings. */
function readValue(f: Field, flex: string, nullable: string): string {
  switch (f.kind) {
    case 'string':
      return choose(flex, choose(nullable, 'r.compactNullableString()', 'r.compactString()'), choose(nullable, 'r.nullableString()', 'r.string()'));
    case 'bytes':
    case 'records':
      return choose(flex, choose(nullable, 'r.compactNullableBytes()', 'r.compactBytes()'), choose(nullable, 'r.nullableBytes()', 'r.bytes()'));
    case 'struct': {
      const call = `read${f.struct!.tsName}(r, version)`;
      // Nullable structs carry a presence byte: -1 = null, 1 = present.
      return nullable === 'false' ? call : choose(nullable, `(r.int8() < 0 ? null : ${call})`, call);
    }
    default:
      return SCALAR_READ[f.kind];
  }
}

function readElement(f: Field, flex: string): string {
  return readValue(f, flex, 'false');
}

/** A statement choosing between two statements on a version condition (braces keep nested if/else clear). */
function chooseStmt(c: string, a: string, b: string): string {
  if (c === 'true') return a;
  if (c === 'false') return b;
  const wrap = (x: string): string => (x.startsWith('if ') ? `{ ${x} }` : x);
  return `if (${c}) ${wrap(a)} else ${wrap(b)}`;
}

/** Statements writing one (non-array) value `v`. */
function writeValue(f: Field, v: string, flex: string, nullable: string, nullableType: boolean, ind: string): string[] {
  const orEmpty = (e: string): string => (nullableType ? `${v} ?? ${e}` : v);
  switch (f.kind) {
    case 'string':
      return [
        `${ind}${chooseStmt(
          flex,
          chooseStmt(nullable, `w.writeCompactNullableString(${v});`, `w.writeCompactString(${orEmpty("''")});`),
          chooseStmt(nullable, `w.writeNullableString(${v});`, `w.writeString(${orEmpty("''")});`),
        )}`,
      ];
    case 'bytes':
    case 'records':
      return [
        `${ind}${chooseStmt(
          flex,
          chooseStmt(nullable, `w.writeCompactNullableBytes(${v});`, `w.writeCompactBytes(${orEmpty('EMPTY')});`),
          chooseStmt(nullable, `w.writeNullableBytes(${v});`, `w.writeBytes(${orEmpty('EMPTY')});`),
        )}`,
      ];
    case 'struct': {
      const t = f.struct!.tsName;
      if (!nullableType) return [`${ind}write${t}(w, version, ${v});`];
      f.struct!.needDefault = true;
      const nonNull = `${ind}write${t}(w, version, ${v} ?? default${t}());`;
      if (nullable === 'false') return [nonNull];
      const nullBranch = [`${ind}if (${v} === null) w.writeInt8(-1);`, `${ind}else {`, `${ind}  w.writeInt8(1);`, `${ind}  write${t}(w, version, ${v});`, `${ind}}`];
      if (nullable === 'true') return nullBranch;
      return [`${ind}if (${nullable}) {`, ...nullBranch.map((l) => '  ' + l), `${ind}} else {`, '  ' + nonNull, `${ind}}`];
    }
    default:
      return [`${ind}w.${SCALAR_WRITE[f.kind]}(${v});`];
  }
}

function writeElement(f: Field, v: string, flex: string, ind: string): string[] {
  return writeValue(f, v, flex, 'false', false, ind);
}

function minElementSize(f: Field, flex: string): string {
  if (f.kind in MIN_SIZE) return String(MIN_SIZE[f.kind]);
  if (f.kind === 'string') return choose(flex, '1', '2');
  if (f.kind === 'bytes' || f.kind === 'records') return choose(flex, '1', '4');
  return '1';
}

/** Statements reading field `f` (present in this version) into `m.<prop>`. */
function readField(f: Field, ctx: Range, flexR: Range, ind: string, forceFlex = false): string[] {
  const present = intersect(f.versions, ctx);
  const flex = forceFlex ? 'true' : cond(f.flex ?? flexR, present);
  const nullable = cond(f.nullable, present);
  const target = `m.${f.prop}`;
  if (!f.isArray) return [`${ind}${target} = ${readValue(f, flex, nullable)};`];
  const elemType = tsType({ ...f, isArray: false, nullable: EMPTY_RANGE });
  const min = minElementSize(f, flex);
  const nullExpr = choose(nullable, 'null', 'r.nullArray()');
  return [
    `${ind}{`,
    `${ind}  const n = ${choose(flex, `r.compactArrayLength(${min})`, `r.arrayLength(${min})`)};`,
    `${ind}  if (n < 0) ${target} = ${nullExpr};`,
    `${ind}  else {`,
    `${ind}    const a = new Array<${elemType}>(n);`,
    `${ind}    for (let i = 0; i < n; i++) a[i] = ${readElement(f, flex)};`,
    `${ind}    ${target} = a;`,
    `${ind}  }`,
    `${ind}}`,
  ];
}

function writeField(f: Field, v: string, ctx: Range, flexR: Range, ind: string, forceFlex = false): string[] {
  const present = intersect(f.versions, ctx);
  const flex = forceFlex ? 'true' : cond(f.flex ?? flexR, present);
  const nullable = cond(f.nullable, present);
  const nullableType = !isEmpty(f.nullable);
  if (!f.isArray) return writeValue(f, v, flex, nullable, nullableType, ind);
  const len = (n: string): string => chooseStmt(flex, `w.writeCompactArrayLength(${n});`, `w.writeArrayLength(${n});`);
  const out = [`${ind}{`, `${ind}  const a = ${v};`];
  let inner = `${ind}  `;
  if (nullableType) {
    // null where the version has no null is written as an empty array
    const nullLen = nullable === 'false' ? '0' : nullable === 'true' ? '-1' : `${nullable} ? -1 : 0`;
    out.push(`${ind}  if (a === null) ${choose(flex, `w.writeCompactArrayLength(${nullLen})`, `w.writeArrayLength(${nullLen})`)};`);
    out.push(`${ind}  else {`);
    inner += '  ';
  }
  out.push(`${inner}${len('a.length')}`);
  const body = writeElement(f, 'a[i]', flex, '');
  if (body.length === 1) out.push(`${inner}for (let i = 0; i < a.length; i++) ${body[0]}`);
  else out.push(`${inner}for (let i = 0; i < a.length; i++) {`, ...body.map((l) => `${inner}  ${l}`), `${inner}}`);
  if (nullableType) out.push(`${ind}  }`);
  out.push(`${ind}}`);
  return out;
}

/** Wraps statements in a version guard (or drops them when the guard is always false). */
function guarded(c: string, body: string[], ind: string, elseBody?: string[]): string[] {
  if (c === 'true') return body;
  if (c === 'false') return elseBody ?? [];
  const shift = (ls: string[]): string[] => ls.map((l) => '  ' + l);
  if (body.length === 1 && (!elseBody || elseBody.length === 1)) {
    const out = [`${ind}if (${c}) ${body[0].trimStart()}`];
    if (elseBody) out.push(`${ind}else ${elseBody[0].trimStart()}`);
    return out;
  }
  const out = [`${ind}if (${c}) {`, ...shift(body), `${ind}}`];
  if (elseBody) {
    out[out.length - 1] = `${ind}} else {`;
    out.push(...shift(elseBody), `${ind}}`);
  }
  return out;
}

function structFlexible(s: Struct): boolean {
  return !isEmpty(intersect(s.flex, s.ctx));
}

function isOptional(s: Struct, f: Field): boolean {
  return s.optionalProps && (f.tag >= 0 || !covers(f.versions, s.ctx));
}

function genInterface(s: Struct, out: string[]): void {
  out.push(`export interface ${s.tsName} {`);
  for (const f of s.fields) {
    const notes: string[] = [];
    const present = intersect(f.versions, s.ctx);
    if (!covers(f.versions, s.ctx)) notes.push(isEmpty(present) ? 'not in any version' : `v${rangeText(present)}`);
    if (!isEmpty(f.nullable)) notes.push(`nullable v${rangeText(intersect(f.nullable, s.ctx))}`);
    if (f.tag >= 0) notes.push(`tag ${f.tag}`);
    const about = f.about + (notes.length ? ` (${notes.join(', ')})` : '');
    if (about) out.push(`  /** ${about} */`);
    out.push(`  ${f.prop}${isOptional(s, f) ? '?' : ''}: ${tsType(f)};`);
  }
  if (structFlexible(s)) out.push('  _unknownTaggedFields?: RawTaggedField[];');
  out.push('}', '');
}

function rangeText(r: Range): string {
  if (r.hi >= MAX_VERSION) return `${r.lo}+`;
  return r.lo === r.hi ? `${r.lo}` : `${r.lo}-${r.hi}`;
}

function genReader(s: Struct, exported: boolean, out: string[]): void {
  const ctxName = s.tsName;
  out.push(`${exported ? 'export ' : ''}function read${s.tsName}(r: Reader, version: number): ${s.tsName} {`);
  out.push(`  const m = {} as ${s.tsName};`);
  const tagged: Field[] = [];
  for (const f of s.fields) {
    if (f.tag >= 0) {
      tagged.push(f);
      out.push(`  m.${f.prop} = ${defaultExpr(f, ctxName)};`);
      continue;
    }
    const c = cond(f.versions, s.ctx);
    const body = readField(f, s.ctx, s.flex, '  ');
    out.push(...guarded(c, body, '  ', [`  m.${f.prop} = ${defaultExpr(f, ctxName)};`]));
  }
  const flexC = cond(s.flex, s.ctx);
  if (flexC !== 'false') {
    const body: string[] = [];
    const live = tagged.filter((f) => !isEmpty(intersect(f.tagged, s.ctx)));
    if (live.length === 0) {
      body.push('  const u = r.unknownTaggedFields();', '  if (u !== undefined) m._unknownTaggedFields = u;');
    } else {
      body.push('  const nt = r.taggedFieldCount();', '  for (let t = 0; t < nt && r.ok; t++) {', '    const tag = r.uvarint();', '    const end = r.taggedFieldEnd();');
      let first = true;
      for (const f of live) {
        const vc = cond(f.tagged, s.ctx);
        const test = vc === 'true' ? `tag === ${f.tag}` : `tag === ${f.tag} && ${vc}`;
        body.push(`    ${first ? '' : '} else '}if (${test}) {`);
        body.push(...readField(f, intersect(f.tagged, s.ctx), s.flex, '      ', true));
        body.push('      r.endTaggedField(end);');
        first = false;
      }
      body.push('    } else m._unknownTaggedFields = r.unknownTaggedField(m._unknownTaggedFields, tag, end);', '  }');
    }
    out.push(...guarded(flexC, body, '  '));
  }
  out.push('  return m;', '}', '');
}

function genWriter(s: Struct, exported: boolean, out: string[]): void {
  const ctxName = s.tsName;
  out.push(`${exported ? 'export ' : ''}function write${s.tsName}(w: Writer, version: number, m: ${s.tsName}): void {`);
  const tagged: Field[] = [];
  for (const f of s.fields) {
    if (f.tag >= 0) {
      tagged.push(f);
      continue;
    }
    const c = cond(f.versions, s.ctx);
    if (c === 'false') continue;
    if (isOptional(s, f)) {
      // Optional in the interface: a missing value is written as the schema default.
      const local = `v_${f.prop}`;
      const body = [`    const ${local} = m.${f.prop} === undefined ? ${defaultExpr(f, ctxName)} : m.${f.prop};`, ...writeField(f, local, s.ctx, s.flex, '    ')];
      out.push(c === 'true' ? '  {' : `  if (${c}) {`, ...body, '  }');
    } else {
      out.push(...guarded(c, writeField(f, `m.${f.prop}`, s.ctx, s.flex, '  '), '  '));
    }
  }
  const flexC = cond(s.flex, s.ctx);
  if (flexC !== 'false') {
    const live = tagged.filter((f) => !isEmpty(intersect(f.tagged, s.ctx))).sort((a, b) => a.tag - b.tag);
    const body: string[] = [];
    if (live.length === 0) {
      body.push('  w.writeUnknownTaggedFields(m._unknownTaggedFields);');
    } else {
      body.push('  const u = m._unknownTaggedFields;');
      live.forEach((f, i) => {
        const vc = cond(f.tagged, s.ctx);
        const val = isOptional(s, f) ? `m.${f.prop} !== undefined && ` : '';
        body.push(`  const t${i} = ${vc === 'true' ? '' : `${vc} && `}${val}(${differsFromDefault(f, `m.${f.prop}`, ctxName)});`);
      });
      body.push(`  w.writeUvarint((u === undefined ? 0 : u.length)${live.map((_, i) => ` + (t${i} ? 1 : 0)`).join('')});`);
      body.push('  let ui = 0;');
      live.forEach((f, i) => {
        body.push(`  if (t${i}) {`, `    ui = w.writeRawTaggedFields(u, ui, ${f.tag});`, `    const s = w.beginTaggedField(${f.tag});`);
        const v = isOptional(s, f) ? `(m.${f.prop} as ${tsType(f)})` : `m.${f.prop}`;
        body.push(...writeField(f, v, intersect(f.tagged, s.ctx), s.flex, '    ', true));
        body.push('    w.endTaggedField(s);', '  }');
      });
      body.push('  w.writeRawTaggedFields(u, ui, Infinity);');
    }
    out.push(...guarded(flexC, body, '  '));
  }
  out.push('}', '');
}

function genDefault(s: Struct, out: string[]): void {
  out.push(`function default${s.tsName}(): ${s.tsName} {`, '  return {');
  for (const f of s.fields) out.push(`    ${f.prop}: ${defaultExpr(f, s.tsName)},`);
  out.push('  };', '}', '');
}

function genIsDefault(s: Struct, out: string[]): void {
  const parts = s.fields.map((f) => `!(${differsFromDefault(f, `m.${f.prop}`, s.tsName)})`);
  if (structFlexible(s)) parts.push('(m._unknownTaggedFields === undefined || m._unknownTaggedFields.length === 0)');
  out.push(`function isDefault${s.tsName}(m: ${s.tsName}): boolean {`, `  return ${parts.length ? parts.join(' &&\n    ') : 'true'};`, '}', '');
}

function header(source: string): string[] {
  return [`// Generated by scripts/gen-protocol.ts from ${source}. DO NOT EDIT.`, ''];
}

function genMessageCode(msg: Message, out: string[]): void {
  const v = msg.valid;
  const flexNote = isEmpty(msg.flex) ? 'never flexible' : `flexible v${rangeText(msg.flex)}`;
  out.push(`// ${msg.name}: versions ${rangeText(v)}, ${flexNote}.`, '');
  for (const s of msg.structs) genInterface(s, out);
  const code: string[] = [];
  for (const s of msg.structs) {
    genReader(s, s === msg.root, code);
    genWriter(s, s === msg.root, code);
  }
  // Defaults and equality helpers are discovered while generating readers/writers; a struct's default may
  // need its nested structs' defaults, so iterate to a fixed point.
  const helpers: string[] = [];
  const done = new Set<string>();
  for (let again = true; again; ) {
    again = false;
    for (const s of msg.structs) {
      if (s.needDefault && !done.has(`d${s.tsName}`)) {
        done.add(`d${s.tsName}`);
        genDefault(s, helpers);
        again = true;
      }
      if (s.needIsDefault && !done.has(`i${s.tsName}`)) {
        done.add(`i${s.tsName}`);
        genIsDefault(s, helpers);
        again = true;
      }
    }
  }
  out.push(...code, ...helpers);
}

function genFile(msgs: Message[]): string {
  const body: string[] = [];
  for (const m of msgs) genMessageCode(m, body);
  const text = body.join('\n');
  const readerTypes = text.includes('RawTaggedField') ? 'RawTaggedField, Reader' : 'Reader';
  const imports = [`import type { ${readerTypes} } from '../reader.js';`];
  if (text.includes('ZERO_UUID')) imports.push("import { ZERO_UUID } from '../reader.js';");
  imports.push("import type { Writer } from '../writer.js';", '');
  if (/\bEMPTY\b/.test(text)) imports.push('const EMPTY: Buffer = Buffer.alloc(0);', '');
  const files = msgs.map((m) => `${m.name}.json`).join(', ');
  return [...header(`Kafka 3.9 message schemas (${files})`), ...imports, ...body].join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

// ---------------------------------------------------------------------------------------------------------------
// index.ts, error-codes.ts, schema.ts

function genIndex(apis: { req: Message; res: Message }[], headers: Message[]): string {
  const out = header('Kafka 3.9 message schemas (*Request.json, *Response.json)');
  out.push("import type { Reader } from '../reader.js';", "import type { Writer } from '../writer.js';");
  for (const { req, res } of apis) {
    out.push(`import { read${req.name}, write${req.name}, read${res.name}, write${res.name} } from './${req.file}.js';`);
  }
  out.push('');
  out.push('/** API name (as in the schema files, without Request/Response) → API key. */');
  out.push('export const API_KEYS = {');
  for (const { req } of apis) out.push(`  ${apiBaseName(req.name)}: ${req.apiKey},`);
  out.push('} as const;', '');
  out.push('export type ApiName = keyof typeof API_KEYS;', '');
  out.push(
    '/** One API key: its version range, where flexible versions start, and its codecs (typed loosely here; import',
    ' * the per-API functions for precise types). */',
    'export interface ApiInfo {',
    '  apiKey: number;',
    '  name: ApiName;',
    '  minVersion: number;',
    '  maxVersion: number;',
    '  /** First flexible version, -1 when the API has none. */',
    '  firstFlexibleVersion: number;',
    '  /** The highest version is still in development upstream (not enabled by default in Kafka). */',
    '  latestVersionUnstable: boolean;',
    '  readRequest(r: Reader, version: number): unknown;',
    '  writeRequest(w: Writer, version: number, m: any): void;',
    '  readResponse(r: Reader, version: number): unknown;',
    '  writeResponse(w: Writer, version: number, m: any): void;',
    '}',
    '',
    '/** Sparse array indexed by API key. */',
    'export const apiTable: (ApiInfo | undefined)[] = [];',
  );
  for (const { req, res } of apis) {
    const flexLo = isEmpty(req.flex) ? -1 : req.flex.lo;
    out.push(
      `apiTable[${req.apiKey}] = { apiKey: ${req.apiKey}, name: '${apiBaseName(req.name)}', minVersion: ${req.valid.lo}, maxVersion: ${req.valid.hi}, firstFlexibleVersion: ${flexLo}, latestVersionUnstable: ${req.raw.latestVersionUnstable === true}, readRequest: read${req.name}, writeRequest: write${req.name}, readResponse: read${res.name}, writeResponse: write${res.name} };`,
    );
  }
  out.push('');
  out.push('/** Every API key with its version range, in key order (also what the tests count against). */');
  out.push('export const API_VERSION_RANGES: readonly { apiKey: number; minVersion: number; maxVersion: number }[] = [');
  for (const { req } of apis) out.push(`  { apiKey: ${req.apiKey}, minVersion: ${req.valid.lo}, maxVersion: ${req.valid.hi} },`);
  out.push('];', '');
  const [reqH, resH] = headers;
  out.push(
    '/** True when `version` of `apiKey` uses the flexible encoding. Unknown keys and versions: false. */',
    'export function isFlexibleVersion(apiKey: number, version: number): boolean {',
    '  const api = apiTable[apiKey];',
    '  return api !== undefined && api.firstFlexibleVersion >= 0 && version >= api.firstFlexibleVersion;',
    '}',
    '',
    `/** Request header version (${reqH.valid.lo}-${reqH.valid.hi}): 2 for flexible versions, else 1; ControlledShutdown v0 uses 0 (no client id). */`,
    'export function requestHeaderVersion(apiKey: number, version: number): number {',
    `  if (apiKey === ${apis.find((a) => a.req.name === 'ControlledShutdownRequest')!.req.apiKey} && version === 0) return 0;`,
    '  return isFlexibleVersion(apiKey, version) ? 2 : 1;',
    '}',
    '',
    `/** Response header version (${resH.valid.lo}-${resH.valid.hi}): 1 for flexible versions, else 0; ApiVersions always 0 (KIP-511). */`,
    'export function responseHeaderVersion(apiKey: number, version: number): number {',
    `  if (apiKey === ${apis.find((a) => a.req.name === 'ApiVersionsRequest')!.req.apiKey}) return 0;`,
    '  return isFlexibleVersion(apiKey, version) ? 1 : 0;',
    '}',
  );
  return out.join('\n') + '\n';
}

function genErrorCodes(): string {
  const out = header('scripts/kafka-errors.ts (the error codes of Apache Kafka 3.9)');
  const seen = new Set<number>();
  for (const e of KAFKA_ERRORS) {
    if (seen.has(e.code)) throw new Error(`duplicate error code ${e.code}`);
    seen.add(e.code);
  }
  const sorted = [...KAFKA_ERRORS].sort((a, b) => a.code - b.code);
  out.push('/** Kafka error codes by name. */', 'export const ErrorCode = {');
  for (const e of sorted) out.push(`  ${e.name}: ${e.code},`);
  out.push('} as const;', '', 'export type ErrorCodeName = keyof typeof ErrorCode;', '');
  out.push(
    'export interface KafkaErrorInfo {',
    '  code: number;',
    '  name: ErrorCodeName;',
    '  /** A client may retry the request that failed with this error. */',
    '  retriable: boolean;',
    '  message: string;',
    '}',
    '',
    'export const KAFKA_ERRORS: readonly KafkaErrorInfo[] = [',
  );
  for (const e of sorted) out.push(`  { code: ${e.code}, name: '${e.name}', retriable: ${e.retriable}, message: ${JSON.stringify(e.message)} },`);
  out.push('];', '');
  out.push(
    'const byCode = new Map<number, KafkaErrorInfo>(KAFKA_ERRORS.map((e) => [e.code, e]));',
    '',
    '/** The table entry for `code`, or undefined for a code Kafka 3.9 does not define. */',
    'export function kafkaError(code: number): KafkaErrorInfo | undefined {',
    '  return byCode.get(code);',
    '}',
  );
  return out.join('\n') + '\n';
}

/** Compact, comment-free description of every message (field layout per version), for tests and tools. */
function genSchema(msgs: Message[]): string {
  const out = header('Kafka 3.9 message schemas (*.json)');
  out.push(
    '/** A field as the schema declares it; versions are [lo, hi] with hi = 32767 for "N+", [1, 0] for none. */',
    'export interface FieldSchema {',
    '  name: string;',
    '  /** Schema type: a primitive name, a struct name, or `[]` + either. */',
    '  type: string;',
    '  versions: [number, number];',
    '  nullableVersions?: [number, number];',
    '  tag?: number;',
    '  /** Field-level override of the message\'s flexible versions. */',
    '  flexibleVersions?: [number, number];',
    '  default?: string | number | boolean;',
    '  fields?: FieldSchema[];',
    '}',
    '',
    'export interface MessageSchema {',
    '  name: string;',
    "  type: 'request' | 'response' | 'header' | 'data';",
    '  apiKey: number;',
    '  validVersions: [number, number];',
    '  flexibleVersions: [number, number];',
    '  fields: FieldSchema[];',
    '}',
    '',
    'export const MESSAGE_SCHEMAS: readonly MessageSchema[] = [',
  );
  const r = (x: Range): string => `[${x.lo}, ${x.hi}]`;
  const field = (f: Field, ind: string): string[] => {
    const parts = [`name: '${f.name}'`, `type: '${f.isArray ? '[]' : ''}${f.kind === 'struct' ? f.struct!.name : f.kind}'`, `versions: ${r(f.versions)}`];
    if (!isEmpty(f.nullable)) parts.push(`nullableVersions: ${r(f.nullable)}`);
    if (f.tag >= 0) parts.push(`tag: ${f.tag}`);
    if (f.flex) parts.push(`flexibleVersions: ${r(f.flex)}`);
    if (f.rawDefault !== undefined) parts.push(`default: ${JSON.stringify(f.rawDefault)}`);
    if (!f.struct) return [`${ind}{ ${parts.join(', ')} },`];
    return [`${ind}{ ${parts.join(', ')}, fields: [`, ...f.struct.fields.flatMap((sf) => field(sf, ind + '  ')), `${ind}] },`];
  };
  for (const m of msgs) {
    out.push(`  { name: '${m.name}', type: '${m.type}', apiKey: ${m.apiKey}, validVersions: ${r(m.valid)}, flexibleVersions: ${r(m.flex)}, fields: [`);
    for (const f of m.root.fields) out.push(...field(f, '    '));
    out.push('  ] },');
  }
  out.push('];');
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------------
// Driver

export function generate(schemaDir: string): Map<string, string> {
  const raws = readSchemas(schemaDir);
  const msgNames = new Set(raws.map((r) => r.name));
  const files = new Map<string, string>();
  const byFile = new Map<string, RawMessage[]>();
  for (const raw of raws) {
    if (!raw.name || !raw.type || !raw.validVersions || !Array.isArray(raw.fields)) throw new Error(`${raw.name ?? '?'}: not a message schema`);
    const file = raw.type === 'request' || raw.type === 'response' ? kebab(apiBaseName(raw.name)) : kebab(raw.name);
    const list = byFile.get(file) ?? [];
    list.push(raw);
    byFile.set(file, list);
  }
  const all: Message[] = [];
  const apis: { req: Message; res: Message }[] = [];
  const headers: Message[] = [];
  for (const [file, group] of [...byFile].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // Request before response; struct names defined in both get a message-name prefix.
    group.sort((a, b) => (a.type === b.type ? 0 : a.type === 'request' ? -1 : 1));
    const counts = new Map<string, number>();
    for (const g of group) for (const n of new Set(structNames(g))) counts.set(n, (counts.get(n) ?? 0) + 1);
    const taken = new Set([...counts].filter(([, c]) => c > 1).map(([n]) => n));
    for (const reserved of ['Reader', 'Writer', 'RawTaggedField', 'Buffer']) taken.add(reserved);
    const msgs = group.map((g) => buildMessage(g, taken, msgNames));
    all.push(...msgs);
    files.set(`${file}.ts`, genFile(msgs));
    if (msgs[0].type === 'request' || msgs[0].type === 'response') {
      const req = msgs.find((m) => m.type === 'request');
      const res = msgs.find((m) => m.type === 'response');
      if (!req || !res) throw new Error(`${file}: request and response schemas must come in pairs`);
      if (req.apiKey !== res.apiKey || req.valid.lo !== res.valid.lo || req.valid.hi !== res.valid.hi || req.flex.lo !== res.flex.lo) {
        throw new Error(`${file}: request and response disagree on apiKey, versions or flexible versions`);
      }
      apis.push({ req, res });
    }
  }
  apis.sort((a, b) => a.req.apiKey - b.req.apiKey);
  for (const name of ['RequestHeader', 'ResponseHeader']) {
    const h = all.find((m) => m.name === name);
    if (!h) throw new Error(`missing ${name}.json`);
    headers.push(h);
  }
  files.set('index.ts', genIndex(apis, headers));
  files.set('error-codes.ts', genErrorCodes());
  all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  files.set('schema.ts', genSchema(all));
  return files;
}

function main(argv: string[]): number {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  let schemas = resolve(root, '..', 'shared', 'kafka-protocol', 'messages');
  let outDir = join(root, 'src', 'protocol', 'generated');
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') check = true;
    else if (a === '--schemas' && argv[i + 1]) schemas = resolve(argv[++i]);
    else if (a === '--out' && argv[i + 1]) outDir = resolve(argv[++i]);
    else {
      process.stderr.write(`gen-protocol: unknown argument ${a}\nusage: tsx scripts/gen-protocol.ts [--schemas DIR] [--out DIR] [--check]\n`);
      return 2;
    }
  }
  if (!existsSync(schemas)) {
    process.stderr.write(
      `gen-protocol: schema directory not found: ${schemas}\n` +
        'Kafka 3.9 message schemas are expected in ../shared/kafka-protocol/messages next to the repository;\n' +
        'pass another place with --schemas DIR (apache/kafka clients/src/main/resources/common/message at 3.9.0).\n',
    );
    return 2;
  }
  const files = generate(schemas);
  if (!check) {
    mkdirSync(outDir, { recursive: true });
    for (const old of readdirSync(outDir)) if (old.endsWith('.ts') && !files.has(old)) rmSync(join(outDir, old));
    for (const [name, text] of files) writeFileSync(join(outDir, name), text);
    process.stdout.write(`gen-protocol: wrote ${files.size} files to ${outDir}\n`);
    return 0;
  }
  // --check: write into a temp dir (so the output can be inspected on failure), then compare.
  const tmp = mkdtempSync(join(tmpdir(), 'kstack-gen-'));
  for (const [name, text] of files) writeFileSync(join(tmp, name), text);
  const problems: string[] = [];
  const committed = existsSync(outDir) ? readdirSync(outDir).filter((f) => f.endsWith('.ts')) : [];
  for (const [name, text] of files) {
    const p = join(outDir, name);
    if (!existsSync(p)) problems.push(`missing: ${name}`);
    else if (readFileSync(p, 'utf8') !== text) problems.push(`differs: ${name}`);
  }
  for (const name of committed) if (!files.has(name)) problems.push(`not generated (stale): ${name}`);
  if (problems.length) {
    process.stderr.write(
      `gen-protocol --check: ${problems.length} difference(s) between ${outDir} and a fresh generation (${tmp}):\n` +
        problems.map((p) => `  ${p}\n`).join('') +
        'Run `npm run gen` and commit the result.\n',
    );
    return 1;
  }
  rmSync(tmp, { recursive: true, force: true });
  process.stdout.write(`gen-protocol --check: ${files.size} generated files are up to date\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`gen-protocol: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
