import { describe, expect, it } from 'vitest';
import { parseProperties } from '../../../src/logging/properties.js';

describe('parseProperties (java.util.Properties format)', () => {
  it('reads =, : and whitespace separators, comments and blank lines, with line numbers', () => {
    const p = parseProperties(['# comment', '! also a comment', '', 'a=1', 'b : 2', 'c 3', '  d=  4  ', 'e='].join('\n'));
    expect(p.entries.map((e) => [e.key, e.value, e.line])).toEqual([
      ['a', '1', 4],
      ['b', '2', 5],
      ['c', '3', 6],
      ['d', '4  ', 7], // trailing whitespace is part of the value in Java
      ['e', '', 8],
    ]);
  });

  it('joins continuation lines and reports the line the key starts on', () => {
    const p = parseProperties('x=1\nlog4j.rootLogger=INFO, \\\n    stdout, \\\n    file\ny=2\n');
    expect(p.byKey.get('log4j.rootLogger')).toEqual({ key: 'log4j.rootLogger', value: 'INFO, stdout, file', line: 2 });
    expect(p.byKey.get('y')?.line).toBe(5);
  });

  it('an even number of trailing backslashes does not continue the line', () => {
    const p = parseProperties('a=C:\\\\\nb=2');
    expect(p.byKey.get('a')?.value).toBe('C:\\');
    expect(p.byKey.get('b')?.value).toBe('2');
  });

  it('unescapes \\t \\n \\uXXXX and escaped separators in keys', () => {
    const p = parseProperties('k\\=ey\\ x=tab\\there\\nnl \\u0041\\u00e9 \\q');
    expect(p.entries[0].key).toBe('k=ey x');
    expect(p.entries[0].value).toBe('tab\there\nnl Aé q');
  });

  it('a malformed \\u escape is a problem with its line, not a crash', () => {
    const p = parseProperties('a=1\nb=\\u12G4');
    expect(p.problems).toEqual([{ line: 2, message: 'malformed \\u escape "\\u12G4"; kept as written' }]);
    expect(p.byKey.get('b')?.value).toBe('\\u12G4');
  });

  it('a later duplicate wins', () => {
    const p = parseProperties('a=1\nb=2\na=3\n');
    expect(p.byKey.get('a')).toEqual({ key: 'a', value: '3', line: 3 });
    expect(p.entries.map((e) => e.key)).toEqual(['b', 'a']);
  });

  it('handles CRLF line ends', () => {
    const p = parseProperties('a=1\r\nb=2\r\n');
    expect(p.byKey.get('a')?.value).toBe('1');
    expect(p.byKey.get('b')?.line).toBe(2);
  });
});

describe('parseProperties input quirks', () => {
  it('ignores a UTF-8 byte order mark', () => {
    expect(parseProperties('\uFEFFlog4j.rootLogger=INFO').byKey.get('log4j.rootLogger')?.value).toBe('INFO');
  });
});
