import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoRecord, formatRecord, parseLine } from '../../../src/client/line-format.js';
import { bootstrapFromWorkspace, resolveBootstrap } from '../../../src/client/bootstrap.js';
import { parseBootstrap } from '../../../src/client/kafka-client.js';

describe('produce line parsing', () => {
  it('splits at the first separator only', () => {
    expect(parseLine('k:v:w', ':')).toEqual({ key: 'k', value: 'v:w' });
    expect(parseLine('no-sep', ':')).toEqual({ key: null, value: 'no-sep' });
    expect(parseLine('k:v', undefined)).toEqual({ key: null, value: 'k:v' });
    expect(parseLine('a<>b', '<>')).toEqual({ key: 'a', value: 'b' });
  });
  it('makes deterministic demo records', () => {
    expect(demoRecord(17, 0).key).toBe('key-1');
    expect(JSON.parse(demoRecord(17, 0).value)).toMatchObject({ seq: 17, at: '1970-01-01T00:00:00.000Z' });
  });
});

describe('consume output formats', () => {
  const record = { topic: 't', partition: 2, offset: '41', timestamp: '1000', key: Buffer.from('k'), value: Buffer.from('v'), headers: { h: Buffer.from('x') } };
  it('formats each way', () => {
    expect(formatRecord(record, 'value')).toBe('v');
    expect(formatRecord(record, 'kv')).toBe('k\tv');
    expect(formatRecord(record, 'detail')).toBe('t[2]@41 key=k v');
    expect(JSON.parse(formatRecord(record, 'json'))).toEqual({ topic: 't', partition: 2, offset: 41, timestamp: 1000, key: 'k', value: 'v', headers: { h: 'x' } });
    expect(formatRecord({ ...record, key: null, value: null }, 'detail')).toBe('t[2]@41 key=(null) (null)');
  });
});

describe('bootstrap resolution', () => {
  it('validates host:port lists', () => {
    expect(parseBootstrap('a:1, b:2')).toEqual(['a:1', 'b:2']);
    expect(parseBootstrap('[::1]:9092')).toEqual(['[::1]:9092']);
    expect(() => parseBootstrap('a')).toThrow(/not host:port/);
    expect(() => parseBootstrap(' , ')).toThrow(/no bootstrap/);
  });
  it('prefers the flag, then the environment, then the workspace, then 127.0.0.1:9092', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kstack-bs-'));
    expect(resolveBootstrap({ dir, env: {} })).toEqual(['127.0.0.1:9092']);
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ bootstrap: '127.0.0.1:19092' }));
    expect(bootstrapFromWorkspace(dir)).toEqual(['127.0.0.1:19092']);
    expect(resolveBootstrap({ dir, env: {} })).toEqual(['127.0.0.1:19092']);
    expect(resolveBootstrap({ dir, env: { KSTACK_BOOTSTRAP: 'h:1' } })).toEqual(['h:1']);
    expect(resolveBootstrap({ dir, bootstrap: 'x:2', env: { KSTACK_BOOTSTRAP: 'h:1' } })).toEqual(['x:2']);
    writeFileSync(join(dir, 'state.json'), '{broken');
    expect(resolveBootstrap({ dir, env: {} })).toEqual(['127.0.0.1:9092']);
  });
});

describe('client properties files', async () => {
  const { parseClientConfig } = await import('../../../src/client/client-config.js');
  it('reads the keys kstack uses, with Kafka names, and lists the rest', () => {
    const { config, ignored } = parseClientConfig('bootstrap.servers=127.0.0.1:9092\nacks=1\ngroup.id=g\nauto.offset.reset=earliest\nlinger.ms=5\n', 'p.properties');
    expect(config).toEqual({ bootstrapServers: '127.0.0.1:9092', clientId: undefined, acks: '1', compressionType: undefined, groupId: 'g', fromBeginning: true });
    expect(ignored).toEqual(['linger.ms']);
  });
  it('refuses an auto.offset.reset Kafka would refuse', () => {
    expect(() => parseClientConfig('auto.offset.reset=smallest\n', 'c.properties')).toThrow(/earliest or latest/);
  });
});
