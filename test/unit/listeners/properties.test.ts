import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { escapePropertyKey, formatProperties, parseProperties } from '../../../src/listeners/properties.js';

describe('reading .properties like java.util.Properties', () => {
  it('reads key=value, key: value and key value, skipping comments and blanks, with line numbers', () => {
    const p = parseProperties(['# comment', '! also a comment', '', '  a=1', 'b: 2', 'c 3', 'd', 'e   =   spaced  '].join('\n'), 'x.properties');
    expect(p.entries.map((e) => [e.key, e.value, e.line])).toEqual([
      ['a', '1', 4],
      ['b', '2', 5],
      ['c', '3', 6],
      ['d', '', 7],
      ['e', 'spaced  ', 8],
    ]);
    expect(p.where('c')).toBe('x.properties:6');
    expect(p.get('missing')).toBeUndefined();
  });

  it('joins continuation lines and keeps the line the entry starts on', () => {
    const p = parseProperties('x=1\nlisteners=PLAINTEXT://a:1,\\\n    CONTROLLER://b:2\ny=3\n');
    expect(p.get('listeners')).toBe('PLAINTEXT://a:1,CONTROLLER://b:2');
    expect(p.entry('listeners')?.line).toBe(2);
    expect(p.entry('y')?.line).toBe(4);
  });

  it('an even number of trailing backslashes does not continue', () => {
    const p = parseProperties('a=x\\\\\nb=y');
    expect(p.get('a')).toBe('x\\');
    expect(p.get('b')).toBe('y');
  });

  it('decodes escapes, including in keys', () => {
    const p = parseProperties('my\\ key\\=x=tab\\there\\u00e9\\q');
    expect(p.get('my key=x')).toBe('tab\there\u00e9q');
  });

  it('reports a malformed \\u escape with its line and keeps reading', () => {
    const p = parseProperties('a=1\nb=\\u12G4\nc=3');
    expect(p.problems).toEqual([{ line: 2, message: 'Malformed \\uxxxx encoding: \\u12G4' }]);
    expect(p.get('c')).toBe('3');
  });

  it('the last duplicate wins and duplicates are reported', () => {
    const p = parseProperties('a=1\nb=2\na=3');
    expect(p.get('a')).toBe('3');
    expect(p.duplicates).toEqual([{ key: 'a', lines: [1, 3] }]);
    expect([...p.toMap()]).toEqual([['a', '3'], ['b', '2']]);
  });

  it('writes entries that read back to the same key and value (any text)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), (key, value) => {
        const text = formatProperties([{ comment: 'header' }, { key, value }, { blank: true }]);
        const back = parseProperties(text);
        expect(back.entries).toHaveLength(1);
        expect(back.get(key)).toBe(value);
      }),
      { numRuns: 300 },
    );
  });

  it('writes only printable ASCII (Kafka reads the file as ISO-8859-1)', () => {
    const text = formatProperties([{ key: 'ключ', value: 'ü\n' }]);
    expect(/^[\x20-\x7e\n]*$/.test(text)).toBe(true);
    expect(escapePropertyKey('#a b')).toBe('\\#a\\ b');
  });
});
