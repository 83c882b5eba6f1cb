import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TopicRegistry, TopicRegistryError, newTopicId, validateTopicName } from '../../../../src/broker/metadata/topic-registry.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'kstack-topics-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('topic registry', () => {
  it('persists topics, ids, epochs and configs across instances', () => {
    const dir = tmp();
    const a = new TopicRegistry(dir);
    const t = a.create('orders', 3, new Map([['retention.ms', '1000']]));
    a.create('__consumer_offsets', 2);
    a.addPartitions('orders', 5);
    const b = new TopicRegistry(dir);
    b.load();
    expect(b.get('orders')).toMatchObject({ topicId: t.topicId, leaderEpochs: [0, 0, 0, 0, 0], internal: false });
    expect(b.get('orders')!.configs.get('retention.ms')).toBe('1000');
    expect(b.getById(t.topicId)?.name).toBe('orders');
    expect(b.get('__consumer_offsets')?.internal).toBe(true);
    b.delete('orders');
    const c = new TopicRegistry(dir);
    c.load();
    expect(c.get('orders')).toBeUndefined();
    expect(JSON.parse(readFileSync(join(dir, 'kstack-topics.json'), 'utf8')).version).toBe(1);
  });

  it('refuses duplicates and shrinking, and a corrupt file', () => {
    const dir = tmp();
    const r = new TopicRegistry(dir);
    r.create('t', 2);
    expect(() => r.create('t', 1)).toThrow(TopicRegistryError);
    expect(() => r.addPartitions('t', 2)).toThrow(/higher than the requested/);
    writeFileSync(join(dir, 'kstack-topics.json'), '{oops');
    expect(() => new TopicRegistry(dir).load()).toThrow(/not valid JSON/);
  });

  it("validates names with Kafka's rules and makes Kafka-style topic ids", () => {
    expect(validateTopicName('a.b_c-1')).toBeNull();
    expect(validateTopicName('')).toMatch(/empty/);
    expect(validateTopicName('..')).toMatch(/cannot be/);
    expect(validateTopicName('a b')).toMatch(/illegal/);
    expect(validateTopicName('x'.repeat(250))).toMatch(/longer than 249/);
    const id = newTopicId();
    expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(16);
  });
});
