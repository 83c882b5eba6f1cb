import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createServer, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initWorkspace, type InitRequest } from '../../../src/stack/apply.js';
import { countPorts } from '../../../src/stack/plan.js';
import { systemPlatform } from '../../../src/platform.js';
import { parseProperties } from '../../../src/listeners/properties.js';
import { parseStackJson } from '../../../src/stack/render/stack-json.js';
import { isKstackError, type KstackError } from '../../../src/errors.js';
import { freePortRange } from '../../support/port-range.js';

let dir: string;
const ctx = { platform: systemPlatform() };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kstack-apply-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function treeHash(root: string): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      hash.update(relative(root, p));
      if (statSync(p).isDirectory()) walk(p);
      else hash.update(readFileSync(p));
    }
  };
  walk(root);
  return hash.digest('hex');
}

async function refusal(p: Promise<unknown>): Promise<KstackError> {
  try {
    await p;
  } catch (err) {
    if (isKstackError(err)) return err;
    throw err;
  }
  throw new Error('expected init to refuse');
}

const req = async (o: Partial<InitRequest>): Promise<InitRequest> => {
  const base = { mode: 'kraft' as const, brokers: 1, host: '127.0.0.1', force: false, ...o };
  return { dir: join(dir, 'ws'), basePort: o.basePort ?? (await freePortRange(countPorts(base))), ...base };
};

describe('init over an existing workspace', () => {
  it('re-running in the same mode keeps the cluster id and the meta.properties', async () => {
    const first = await initWorkspace(await req({ brokers: 3 }), ctx);
    const meta = readFileSync(join(dir, 'ws', 'broker-2', 'data', 'meta.properties'), 'utf8');
    writeFileSync(join(dir, 'ws', 'broker-2', 'data', 'meta.properties'), `${meta}directory.id=kept-by-kafka\n`);
    const second = await initWorkspace(await req({ brokers: 3 }), ctx);
    expect(second.keptClusterId).toBe(true);
    expect(second.plan.clusterId).toBe(first.plan.clusterId);
    expect(second.kept).toContain('broker-2/data/meta.properties');
    expect(readFileSync(join(dir, 'ws', 'broker-2', 'data', 'meta.properties'), 'utf8')).toContain('directory.id=kept-by-kafka');
  });

  it('switching modes refuses, says what would be lost, and changes nothing', async () => {
    const zk = await initWorkspace(await req({ mode: 'zk', brokers: 3, zookeepers: 3 }), ctx);
    const before = treeHash(dir);
    const err = await refusal(initWorkspace(await req({ mode: 'kraft' }), ctx));
    expect(err.code).toBe('KSTACK_MODE_SWITCH');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(zk.plan.clusterId);
    expect(err.message).toContain('zk-1/data');
    expect(err.fix).toContain('--force');
    expect(treeHash(dir)).toBe(before);
  });

  it('--force archives the old state and starts clean with a new cluster id', async () => {
    const zk = await initWorkspace(await req({ mode: 'zk', zookeepers: 3 }), ctx);
    writeFileSync(join(dir, 'ws', 'mine.txt'), 'not kstack\'s');
    const kraft = await initWorkspace(await req({ mode: 'kraft', force: true, brokers: 2 }), ctx);
    expect(kraft.archivedTo).toMatch(/^archive\/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ-zk$/);
    expect(kraft.plan.clusterId).not.toBe(zk.plan.clusterId);
    const archived = join(dir, 'ws', kraft.archivedTo!);
    expect(readdirSync(archived).sort()).toEqual(['broker-1', 'stack.json', 'zk-1', 'zk-2', 'zk-3']);
    expect(parseStackJson(readFileSync(join(archived, 'stack.json'), 'utf8')).clusterId).toBe(zk.plan.clusterId);
    expect(readdirSync(join(dir, 'ws')).sort()).toEqual(['archive', 'broker-1', 'broker-2', 'mine.txt', 'stack.json']);
    for (const b of ['broker-1', 'broker-2']) {
      expect(parseProperties(readFileSync(join(dir, 'ws', b, 'data', 'meta.properties'), 'utf8')).get('cluster.id')).toBe(kraft.plan.clusterId);
    }
  });

  it('refuses a changed node set in the same mode', async () => {
    await initWorkspace(await req({ brokers: 1 }), ctx);
    const before = treeHash(dir);
    const err = await refusal(initWorkspace(await req({ brokers: 3 }), ctx));
    expect(err.code).toBe('KSTACK_WORKSPACE_CONFLICT');
    expect(treeHash(dir)).toBe(before);
  });

  it('refuses a workspace whose nodes disagree on the cluster id', async () => {
    await initWorkspace(await req({ brokers: 2 }), ctx);
    const path = join(dir, 'ws', 'broker-2', 'data', 'meta.properties');
    writeFileSync(path, readFileSync(path, 'utf8').replace(/cluster\.id=.*/, 'cluster.id=AAAAAAAAAAAAAAAAAAAAAg'));
    const err = await refusal(initWorkspace(await req({ brokers: 2 }), ctx));
    expect(err.message).toContain('InconsistentClusterIdException');
    expect(err.message).toContain('broker-2 has cluster.id AAAAAAAAAAAAAAAAAAAAAg');
  });

  it('refuses a myid that disagrees with zoo.cfg', async () => {
    await initWorkspace(await req({ mode: 'zk', zookeepers: 3 }), ctx);
    writeFileSync(join(dir, 'ws', 'zk-2', 'data', 'myid'), '3\n');
    const err = await refusal(initWorkspace(await req({ mode: 'zk', zookeepers: 3 }), ctx));
    expect(err.message).toContain('zk-2/data/myid holds "3", zoo.cfg says server.2');
  });

  it('refuses kstack directories without a stack.json, and a damaged stack.json', async () => {
    mkdirSync(join(dir, 'ws', 'broker-1'), { recursive: true });
    expect((await refusal(initWorkspace(await req({}), ctx))).message).toContain('no stack.json');
    writeFileSync(join(dir, 'ws', 'stack.json'), '{ nope');
    expect((await refusal(initWorkspace(await req({}), ctx))).message).toContain('not valid JSON');
  });

  it('refuses when a port is in use, naming the holder, and writes nothing', async () => {
    const base = await freePortRange(2);
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(base + 1, '127.0.0.1', r));
    try {
      const err = await refusal(initWorkspace(await req({ basePort: base }), ctx));
      expect(err.code).toBe('KSTACK_PORT_IN_USE');
      expect(err.message).toContain(`port ${base + 1} (broker-1 CONTROLLER, 127.0.0.1) is in use`);
      expect(err.message).toContain(`pid ${process.pid}`);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      server.close();
    }
  });
});

describe('init on paths it cannot use', () => {
  it('a file where the workspace should be: a clear refusal', async () => {
    writeFileSync(join(dir, 'ws'), 'a file');
    const err = await refusal(initWorkspace(await req({}), ctx));
    expect(err.code).toBe('KSTACK_BAD_OPTION');
    expect(err.message).toContain('is a file, not a directory');
  });

  it.skipIf(process.getuid?.() === 0)('a directory it may not write: KSTACK_WRITE_FAILED, not a crash', async () => {
    const { chmodSync } = await import('node:fs');
    chmodSync(dir, 0o500);
    try {
      const err = await refusal(initWorkspace(await req({}), ctx));
      expect(err.code).toBe('KSTACK_WRITE_FAILED');
      expect(err.fix).toContain('--dir');
    } finally {
      chmodSync(dir, 0o700);
    }
  });
});
