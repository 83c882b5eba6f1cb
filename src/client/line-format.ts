/** Pure conversions between text lines and Kafka records, for `kstack produce` and `kstack consume`. */

export interface LineRecord {
  key: string | null;
  value: string;
}

/** Splits "key<sep>value" at the first separator; a line without the separator is a value with no key. */
export function parseLine(line: string, keySeparator: string | undefined): LineRecord {
  if (!keySeparator) return { key: null, value: line };
  const at = line.indexOf(keySeparator);
  if (at < 0) return { key: null, value: line };
  return { key: line.slice(0, at), value: line.slice(at + keySeparator.length) };
}

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

export type OutputFormat = 'value' | 'kv' | 'json' | 'detail';

export function formatRecord(r: ConsumedRecord, format: OutputFormat, keySeparator = '\t'): string {
  const key = r.key === null ? null : r.key.toString('utf8');
  const value = r.value === null ? null : r.value.toString('utf8');
  switch (format) {
    case 'value':
      return value ?? '';
    case 'kv':
      return `${key ?? ''}${keySeparator}${value ?? ''}`;
    case 'detail':
      return `${r.topic}[${r.partition}]@${r.offset} key=${key ?? '(null)'} ${value ?? '(null)'}`;
    case 'json': {
      const headers: Record<string, string> = {};
      for (const [name, h] of Object.entries(r.headers ?? {})) if (h !== undefined) headers[name] = Array.isArray(h) ? h.map(String).join(',') : String(h);
      return JSON.stringify({ topic: r.topic, partition: r.partition, offset: Number(r.offset), timestamp: Number(r.timestamp), key, value, headers });
    }
  }
}

/** The demo generator's n-th record: deterministic, so a consumer can check what it got. */
export function demoRecord(n: number, now: number): LineRecord {
  return { key: `key-${n % 16}`, value: JSON.stringify({ seq: n, at: new Date(now).toISOString(), note: 'kstack demo record' }) };
}
