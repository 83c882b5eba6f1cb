/**
 * Java `.properties` files, read and written the way `java.util.Properties.load` / `store` do, because Kafka,
 * ZooKeeper and log4j read their configuration with exactly those rules:
 * - a natural line's leading blanks (space, tab, form feed) are skipped; blank lines and lines whose first
 *   character is `#` or `!` are comments;
 * - a line ending in an odd number of backslashes continues on the next line (whose leading blanks are dropped);
 * - the key ends at the first unescaped `=`, `:` or blank; blanks, then one optional `=`/`:`, then blanks separate
 *   it from the value; trailing blanks of the value are kept;
 * - escapes `\t \n \r \f \uXXXX`; any other escaped character stands for itself.
 * Every entry keeps the 1-based line its key starts on, so errors can point at `server.properties:12`.
 *
 * Kafka loads server.properties from an InputStream, i.e. as ISO-8859-1, so the writer escapes everything outside
 * printable ASCII as `\uXXXX` (as `Properties.store(OutputStream)` does) and the text stays correct either way.
 */
import { readFile } from 'node:fs/promises';

export interface PropertyEntry {
  readonly key: string;
  readonly value: string;
  /** 1-based line where the entry starts. */
  readonly line: number;
}

export interface PropertyProblem {
  readonly line: number;
  readonly message: string;
}

export interface PropertiesFile {
  /** Where the text came from (a path, or a label); used in messages. */
  readonly source: string;
  /** Every entry in file order, duplicates included. */
  readonly entries: readonly PropertyEntry[];
  /** Keys defined more than once (Java keeps the last one; usually a mistake worth reporting). */
  readonly duplicates: readonly { key: string; lines: number[] }[];
  /** Text problems (a malformed `\u` escape); the rest of the file is still read. */
  readonly problems: readonly PropertyProblem[];
  /** The effective value of a key (the last definition), as Java would see it. */
  get(key: string): string | undefined;
  /** The effective entry of a key, with its line. */
  entry(key: string): PropertyEntry | undefined;
  has(key: string): boolean;
  /** Effective key → value, in first-definition order. */
  toMap(): Map<string, string>;
  /** `source:line` of a key's effective entry, for messages. */
  where(key: string): string;
}

const BLANK = new Set([' ', '\t', '\f']);

function skipBlanks(text: string, from: number): number {
  let i = from;
  while (i < text.length && BLANK.has(text[i])) i++;
  return i;
}

function endsWithOddBackslashes(text: string): boolean {
  let n = 0;
  for (let i = text.length - 1; i >= 0 && text[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/** Decodes the escapes of a key or value; `problems` collects malformed `\u` escapes. */
function unescape(raw: string, line: number, problems: PropertyProblem[]): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    i++;
    if (i >= raw.length) break;
    const e = raw[i];
    if (e === 'u') {
      const hex = raw.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        problems.push({ line, message: `Malformed \\uxxxx encoding: \\u${hex}` });
        continue;
      }
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else if (e === 't') out += '\t';
    else if (e === 'n') out += '\n';
    else if (e === 'r') out += '\r';
    else if (e === 'f') out += '\f';
    else out += e;
  }
  return out;
}

/** Splits one logical line into its raw (still escaped) key and value. */
function splitKeyValue(logical: string): [string, string] {
  let i = 0;
  while (i < logical.length) {
    const c = logical[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '=' || c === ':' || BLANK.has(c)) break;
    i++;
  }
  const key = logical.slice(0, Math.min(i, logical.length));
  let j = skipBlanks(logical, i);
  if (j < logical.length && (logical[j] === '=' || logical[j] === ':')) j = skipBlanks(logical, j + 1);
  return [key, logical.slice(j)];
}

export function parseProperties(text: string, source = '<text>'): PropertiesFile {
  const lines = text.split(/\r\n|\r|\n/);
  const entries: PropertyEntry[] = [];
  const problems: PropertyProblem[] = [];
  let i = 0;
  while (i < lines.length) {
    const startLine = i + 1;
    let natural = lines[i].slice(skipBlanks(lines[i], 0));
    i++;
    if (natural === '' || natural[0] === '#' || natural[0] === '!') continue;
    let logical = '';
    while (endsWithOddBackslashes(natural) && i < lines.length) {
      logical += natural.slice(0, -1);
      natural = lines[i].slice(skipBlanks(lines[i], 0));
      i++;
    }
    // A trailing lone backslash on the last line of the file is dropped, as Java does.
    logical += endsWithOddBackslashes(natural) ? natural.slice(0, -1) : natural;
    const [rawKey, rawValue] = splitKeyValue(logical);
    entries.push({ key: unescape(rawKey, startLine, problems), value: unescape(rawValue, startLine, problems), line: startLine });
  }
  return makeFile(source, entries, problems);
}

function makeFile(source: string, entries: PropertyEntry[], problems: PropertyProblem[]): PropertiesFile {
  const effective = new Map<string, PropertyEntry>();
  const linesByKey = new Map<string, number[]>();
  for (const e of entries) {
    effective.set(e.key, e);
    const seen = linesByKey.get(e.key);
    if (seen) seen.push(e.line);
    else linesByKey.set(e.key, [e.line]);
  }
  const duplicates = [...linesByKey].filter(([, lines]) => lines.length > 1).map(([key, lines]) => ({ key, lines }));
  return {
    source,
    entries,
    duplicates,
    problems,
    get: (key) => effective.get(key)?.value,
    entry: (key) => effective.get(key),
    has: (key) => effective.has(key),
    toMap: () => new Map([...linesByKey.keys()].map((k) => [k, effective.get(k)!.value])),
    where: (key) => {
      const e = effective.get(key);
      return e ? `${source}:${e.line}` : source;
    },
  };
}

/** Reads and parses a properties file; the path becomes the source named in messages. */
export async function readPropertiesFile(path: string): Promise<PropertiesFile> {
  return parseProperties(await readFile(path, 'latin1'), path);
}

function escapeChar(c: string, isKey: boolean, atStart: boolean): string {
  switch (c) {
    case '\\':
      return '\\\\';
    case '\t':
      return '\\t';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\f':
      return '\\f';
    case ' ':
      return isKey || atStart ? '\\ ' : ' ';
    case '=':
    case ':':
      return isKey ? `\\${c}` : c;
    case '#':
    case '!':
      return isKey || atStart ? `\\${c}` : c;
    default: {
      const code = c.charCodeAt(0);
      if (code < 0x20 || code > 0x7e) return `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
      return c;
    }
  }
}

function escapeText(text: string, isKey: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += escapeChar(text[i], isKey, i === 0);
  return out;
}

/** A key as it must appear in a properties file. */
export function escapePropertyKey(key: string): string {
  return escapeText(key, true);
}

/**
 * A value as it must appear in a properties file. `=` and `:` stay readable (`listeners=PLAINTEXT://h:9092`);
 * Java reads them back unchanged because only the first separator after the key counts.
 */
export function escapePropertyValue(value: string): string {
  return escapeText(value, false);
}

export type PropertiesLine = { key: string; value: string } | { comment: string } | { blank: true };

/** Writes lines of a properties file: entries, `# comments` (multi-line comments get `#` on every line) and blanks. */
export function formatProperties(lines: readonly PropertiesLine[]): string {
  const out: string[] = [];
  for (const line of lines) {
    if ('blank' in line) out.push('');
    else if ('comment' in line) for (const part of line.comment.split('\n')) out.push(part === '' ? '#' : `# ${part}`);
    else out.push(`${escapePropertyKey(line.key)}=${escapePropertyValue(line.value)}`);
  }
  return `${out.join('\n')}\n`;
}
