import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProperties } from '../../src/listeners/properties.js';
import { parseVoters } from '../../src/listeners/voters.js';
import { parseListeners, parseProtocolMap } from '../../src/listeners/endpoints.js';
import { freePortRange } from '../support/port-range.js';
import { kstack } from './run.js';

let cwd: string;
beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'kstack-cli-init-'));
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

function treeHash(root: string): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      hash.update(`${relative(root, p)}\n`);
      if (statSync(p).isDirectory()) walk(p);
      else hash.update(readFileSync(p));
    }
  };
  walk(root);
  return hash.digest('hex');
}

const props = (...path: string[]) => parseProperties(readFileSync(join(cwd, ...path), 'latin1'), path.join('/'));

describe('kstack init', () => {
  it('zk mode: 3 brokers, 3 ZooKeepers', async () => {
    const base = await freePortRange(12);
    const r = await kstack(['init', '--mode', 'zk', '--brokers', '3', '--zookeepers', '3', '--dir', 'D', '--base-port', String(base)], cwd);
    expect(r.stderr).toContain('zk stack in');
    expect(r.code).toBe(0);
    const ids = new Set<string>();
    for (const b of [1, 2, 3]) {
      const sp = props('D', `broker-${b}`, 'server.properties');
      expect(sp.get('broker.id')).toBe(String(b));
      expect(sp.get('zookeeper.connect')).toBe(`127.0.0.1:${base + 6},127.0.0.1:${base + 7},127.0.0.1:${base + 8}/kstack`);
      expect(sp.get('offsets.topic.replication.factor')).toBe('3');
      ids.add(props('D', `broker-${b}`, 'data', 'meta.properties').get('cluster.id')!);
      expect(props('D', `broker-${b}`, 'log4j.properties').get('log4j.appender.kafkaAppender.File')).toBe('${kafka.logs.dir}/server.log');
    }
    expect(ids.size).toBe(1);
    for (const z of [1, 2, 3]) {
      const cfg = props('D', `zk-${z}`, 'zoo.cfg');
      expect(readFileSync(join(cwd, 'D', `zk-${z}`, 'data', 'myid'), 'utf8').trim()).toBe(String(z));
      expect(cfg.get(`server.${z}`)).toBe(`127.0.0.1:${base + 8 + z}:${base + 11 + z}`);
      expect(cfg.get('clientPort')).toBe(String(base + 5 + z));
    }
    const stack = JSON.parse(readFileSync(join(cwd, 'D', 'stack.json'), 'utf8'));
    expect(stack.mode).toBe('zk');
    expect(stack.clusterId).toBe([...ids][0]);
    expect(stack.bootstrap).toBe(`127.0.0.1:${base},127.0.0.1:${base + 1},127.0.0.1:${base + 2}`);
  });

  it('kraft mode: 3 combined nodes, voters matching the controller listeners', async () => {
    const base = await freePortRange(9);
    const r = await kstack(['init', '--mode', 'kraft', '--brokers', '3', '--dir', 'D2', '--base-port', String(base), '--json'], cwd);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout);
    expect(printed.plan.mode).toBe('kraft');
    const voters = parseVoters(props('D2', 'broker-1', 'server.properties').get('controller.quorum.voters')!);
    expect(voters.map((v) => v.id)).toEqual([1, 2, 3]);
    for (const v of voters) {
      const sp = props('D2', `broker-${v.id}`, 'server.properties');
      expect(sp.get('process.roles')).toBe('broker,controller');
      const ctl = parseListeners(sp.get('listeners')!, parseProtocolMap(sp.get('listener.security.protocol.map')!)).find((l) => l.listenerName === 'CONTROLLER');
      expect(`${ctl?.host}:${ctl?.port}`).toBe(`${v.host}:${v.port}`);
      expect(props('D2', `broker-${v.id}`, 'data', 'meta.properties').get('cluster.id')).toBe(printed.plan.clusterId);
    }
  });

  it('kraft over the zk workspace refuses with exit 2 and changes nothing', async () => {
    const before = treeHash(join(cwd, 'D'));
    const base = await freePortRange(2);
    const r = await kstack(['init', '--mode', 'kraft', '--dir', 'D', '--base-port', String(base)], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('KSTACK_MODE_SWITCH');
    expect(r.stderr).toContain('would lose its cluster id');
    expect(r.stderr).toContain('--force');
    expect(treeHash(join(cwd, 'D'))).toBe(before);
  });

  it('refuses bad options with exit 2', async () => {
    for (const [args, text] of [
      [['--brokers', 'three'], '--brokers takes a whole number'],
      [['--mode', 'zk', '--zookeepers', '2'], '--zookeepers must be 1, 3 or 5'],
      [['--mode', 'raft'], '--mode must be kraft or zk'],
      [['--host', '0.0.0.0'], 'nonroutable meta-address 0.0.0.0'],
    ] as const) {
      const r = await kstack(['init', '--dir', 'bad', ...args], cwd);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(text);
    }
    expect(readdirSync(cwd).sort()).toEqual(['D', 'D2']);
  });

  it('a port in use: exit 2, the holder named, nothing written', async () => {
    const { createServer } = await import('node:net');
    const base = await freePortRange(2);
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(base, '127.0.0.1', r));
    try {
      const r = await kstack(['init', '--dir', 'P', '--base-port', String(base)], cwd);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('KSTACK_PORT_IN_USE');
      expect(r.stderr).toContain(`port ${base} (broker-1 PLAINTEXT, 127.0.0.1) is in use`);
      expect(r.stderr).toContain(`pid ${process.pid}`);
      expect(existsSync(join(cwd, 'P'))).toBe(false);
    } finally {
      holder.close();
    }
  });

  it('--help shows examples', async () => {
    const r = await kstack(['init', '--help'], cwd);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('kstack init --mode zk --brokers 3 --zookeepers 3');
  });
});
