/**
 * A reader for the `java.util.Properties` text format that log4j 1.2 reads its configuration from: `#`/`!`
 * comments, `key=value`, `key: value` or `key value`, backslash line continuation, and the escapes `\t \n \r \f
 * \uXXXX` (any other escaped character stands for itself). Each entry keeps the 1-based line its key starts on,
 * so configuration warnings can name the line. As in Java, a later duplicate key replaces an earlier one.
 */
export interface PropertyEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

export interface ParsedProperties {
  /** Entries in file order; a key appears once (at its last definition). */
  readonly entries: PropertyEntry[];
  readonly byKey: Map<string, PropertyEntry>;
  /** Problems in the text itself (a malformed `\u` escape); the rest of the file is still read. */
  readonly problems: { line: number; message: string }[];
}

const WHITESPACE = new Set([' ', '\t', '\f']);

export function parseProperties(text: string): ParsedProperties {
  // A UTF-8 byte order mark (editors on Windows add one) is not part of the first key.
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r\n|\r|\n/);
  const byKey = new Map<string, PropertyEntry>();
  const problems: { line: number; message: string }[] = [];
  let i = 0;
  while (i < lines.length) {
    const startLine = i + 1;
    let natural = stripLeading(lines[i]);
    i++;
    if (natural === '' || natural[0] === '#' || natural[0] === '!') continue;
    // Join continuation lines: a line ending in an odd number of backslashes continues on the next line, whose
    // leading whitespace is dropped.
    let logical = '';
    while (endsWithOddBackslashes(natural) && i < lines.length) {
      logical += natural.slice(0, -1);
      natural = stripLeading(lines[i]);
      i++;
    }
    if (endsWithOddBackslashes(natural)) natural = natural.slice(0, -1);
    logical += natural;

    // The key ends at the first unescaped '=', ':' or whitespace.
    let k = 0;
    while (k < logical.length) {
      const ch = logical[k];
      if (ch === '\\') {
        k += 2;
        continue;
      }
      if (ch === '=' || ch === ':' || WHITESPACE.has(ch)) break;
      k++;
    }
    const rawKey = logical.slice(0, Math.min(k, logical.length));
    let v = k;
    while (v < logical.length && WHITESPACE.has(logical[v])) v++;
    if (v < logical.length && (logical[v] === '=' || logical[v] === ':')) v++;
    while (v < logical.length && WHITESPACE.has(logical[v])) v++;
    const rawValue = logical.slice(v);
    const report = (message: string): void => {
      problems.push({ line: startLine, message });
    };
    const key = unescape(rawKey, report);
    const value = unescape(rawValue, report);
    byKey.delete(key); // keep file order of the last definition
    byKey.set(key, { key, value, line: startLine });
  }
  return { entries: [...byKey.values()], byKey, problems };
}

function stripLeading(line: string): string {
  let s = 0;
  while (s < line.length && WHITESPACE.has(line[s])) s++;
  return line.slice(s);
}

function endsWithOddBackslashes(s: string): boolean {
  let n = 0;
  for (let j = s.length - 1; j >= 0 && s[j] === '\\'; j--) n++;
  return n % 2 === 1;
}

function unescape(s: string, report: (message: string) => void): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let j = 0; j < s.length; j++) {
    const ch = s[j];
    if (ch !== '\\' || j === s.length - 1) {
      out += ch;
      continue;
    }
    const next = s[++j];
    switch (next) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        const hex = s.slice(j + 1, j + 5);
        if (/^[0-9a-fA-F]{4}$/.test(hex)) {
          out += String.fromCharCode(parseInt(hex, 16));
          j += 4;
        } else {
          // Java throws "Malformed \uxxxx encoding"; we keep the text as written and say so.
          report(`malformed \\u escape "\\u${hex}"; kept as written`);
          out += '\\u';
        }
        break;
      }
      default:
        out += next;
    }
  }
  return out;
}
