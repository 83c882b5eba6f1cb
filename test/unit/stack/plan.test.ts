import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countPorts, isValidClusterId, newClusterId, planStack, type PlanOptions } from '../../../src/stack/plan.js';
import { renderWorkspace, type Templates } from '../../../src/stack/render/workspace.js';
import { parseProperties, type PropertiesFile } from '../../../src/listeners/properties.js';
import { checkAdvertisedRoutable, parseListeners, parseProtocolMap, parseCsvList } from '../../../src/listeners/endpoints.js';
import { parseVoters } from '../../../src/listeners/voters.js';
import { parseMetaProperties } from '../../../src/stack/render/meta-properties.js';
import { parseStackJson } from '../../../src/stack/render/stack-json.js';
import { checkBrokerConfig } from '../../../src/listeners/rules.js';

const root = join(import.meta.dirname, '..', '..', '..');
const templates: Templates = {
  serverProperties: readFileSync(join(root, 'templates', 'server.properties'), 'utf8'),
  log4jProperties: readFileSync(join(root, 'templates', 'log4j.properties'), 'utf8'),
  zooCfg: readFileSync(join(root, 'templates', 'zoo.cfg'), 'utf8'),
};
const CLUSTER = 'MkU3OEVBNTcwNTJENDM2Qg';
const base = (o: Partial<PlanOptions>): PlanOptions => ({ mode: 'kraft', brokers: 1, workspace: '/ws', host: '127.0.0.1', basePort: 9092, clusterId: CLUSTER, ...o });

/** Renders a plan, parses every file back, and checks what Kafka and ZooKeeper would check (and more). */
function checkWorkspace(o: PlanOptions): void {
  const plan = planStack(o);
  const { files } = renderWorkspace(plan, templates);
  const byPath = new Map(files.map((f) => [f.path, f.content]));
  const props = (path: string): PropertiesFile => {
    const text = byPath.get(path);
    expect(text, path).toBeDefined();
    const p = parseProperties(text!, path);
    expect(p.problems).toEqual([]);
    expect(p.duplicates).toEqual([]);
    return p;
  };

  // Ports: unique, contiguous from the base port, as many as countPorts says.
  const ports = plan.ports.map((p) => p.port);
  expect(new Set(ports).size).toBe(ports.length);
  expect(ports).toEqual(Array.from({ length: countPorts(o) }, (_, i) => o.basePort + i));

  const ids = plan.nodes.map((n) => n.id);
  expect(new Set(ids).size).toBe(ids.length);
  const boundPorts: number[] = [];
  const clusterIds = new Set<string>();
  const controllerEndpoints = new Map<number, string>();
  const brokerCount = plan.nodes.filter((n) => n.roles.includes('broker')).length;
  expect(brokerCount).toBe(o.brokers);

  for (const node of plan.nodes) {
    const sp = props(`${node.name}/server.properties`);
    const map = parseProtocolMap(sp.get('listener.security.protocol.map')!);
    const listeners = parseListeners(sp.get('listeners')!, map);
    boundPorts.push(...listeners.map((l) => l.port));
    const isBroker = node.roles.includes('broker');
    // Every rule Kafka 3.x checks at start-up (L1-L20) holds, and none of the mistakes clients trip over (M-rules)
    // is there: the listener doctor (src/listeners/rules.ts) finds nothing.
    expect(checkBrokerConfig({ values: sp.toMap() }).filter((f) => f.severity !== 'ok')).toEqual([]);
    expect(sp.get('log.dirs')).toBe(node.dataDir);
    expect(Number(sp.get('offsets.topic.replication.factor'))).toBeLessThanOrEqual(brokerCount);
    expect(Number(sp.get('transaction.state.log.replication.factor'))).toBeLessThanOrEqual(brokerCount);
    expect(Number(sp.get('transaction.state.log.min.isr'))).toBeLessThanOrEqual(Number(sp.get('transaction.state.log.replication.factor')));
    expect(sp.get('group.initial.rebalance.delay.ms')).toBe('0');
    // Replication: min(3, brokers) replicas; several brokers get a dev-stack replica.lag.time.max.ms.
    expect(Number(sp.get('default.replication.factor'))).toBe(Math.min(3, brokerCount));
    expect(sp.get('replica.lag.time.max.ms')).toBe(brokerCount > 1 ? '10000' : undefined);
    if (isBroker) {
      const advertised = parseListeners(sp.get('advertised.listeners')!, map, { property: 'advertised.listeners' });
      expect(checkAdvertisedRoutable(advertised)).toBeNull();
      expect(advertised.length).toBeGreaterThan(0);
      const names = listeners.map((l) => l.listenerName);
      for (const a of advertised) expect(names).toContain(a.listenerName); // L8
      expect(advertised.map((a) => a.listenerName)).toContain(sp.get('inter.broker.listener.name')); // L9
      expect(advertised.map((a) => a.listenerName)).not.toContain('CONTROLLER'); // L18 (3.x)
    } else {
      expect(sp.has('advertised.listeners')).toBe(false);
    }
    const meta = parseMetaProperties(byPath.get(`${node.name}/data/meta.properties`)!);
    expect(meta.nodeId).toBe(node.id);
    clusterIds.add(meta.clusterId!);

    const log4j = props(`${node.name}/log4j.properties`);
    for (const [appender, file] of [['kafkaAppender', 'server.log'], ['controllerAppender', 'controller.log'], ['stateChangeAppender', 'state-change.log'], ['requestAppender', 'kafka-request.log']]) {
      expect(log4j.get(`log4j.appender.${appender}.File`)).toBe(`\${kafka.logs.dir}/${file}`);
    }

    if (o.mode === 'kraft') {
      expect(sp.get('node.id')).toBe(String(node.id));
      expect(sp.has('broker.id')).toBe(false);
      expect(meta.version).toBe(1);
      const roles = sp.get('process.roles')!.split(',');
      const voters = parseVoters(sp.get('controller.quorum.voters')!);
      const voterIds = voters.map((v) => v.id);
      const ctl = sp.get('controller.listener.names')!;
      if (roles.includes('controller')) {
        expect(voterIds).toContain(node.id); // L15
        const own = listeners.find((l) => l.listenerName === ctl);
        expect(own, 'controller listener bound (L16)').toBeDefined();
        const voter = voters.find((v) => v.id === node.id)!;
        expect(`${voter.host}:${voter.port}`).toBe(`${own!.host}:${own!.port}`);
        controllerEndpoints.set(node.id, `${own!.host}:${own!.port}`);
      } else {
        expect(voterIds).not.toContain(node.id); // L15
        expect(listeners.map((l) => l.listenerName)).not.toContain(ctl); // L17
        expect(map.has(ctl)).toBe(true); // L17
      }
      for (const v of voters) expect(v.host).not.toBe('0.0.0.0');
      expect(sp.has('zookeeper.connect')).toBe(false);
    } else {
      expect(sp.get('broker.id')).toBe(String(node.id));
      expect(meta.version).toBe(0);
      expect(sp.has('process.roles')).toBe(false);
      expect(sp.has('controller.listener.names')).toBe(false); // L20
      const connect = sp.get('zookeeper.connect')!;
      expect(connect.endsWith('/kstack')).toBe(true);
      expect(parseCsvList(connect.replace(/\/kstack$/, ''))).toEqual(plan.zookeepers.map((z) => `127.0.0.1:${z.clientPort}`));
    }
  }
  // Every controller node's endpoint is a voter, and the voters are exactly the controllers.
  if (o.mode === 'kraft') {
    const firstVoters = parseVoters(parseProperties(byPath.get(`${plan.nodes[0].name}/server.properties`)!).get('controller.quorum.voters')!);
    expect(new Map(firstVoters.map((v) => [v.id, `${v.host}:${v.port}`]))).toEqual(controllerEndpoints);
    for (const node of plan.nodes) {
      expect(parseProperties(byPath.get(`${node.name}/server.properties`)!).get('controller.quorum.voters')).toBe(
        parseProperties(byPath.get(`${plan.nodes[0].name}/server.properties`)!).get('controller.quorum.voters'),
      );
    }
  }
  expect([...clusterIds]).toEqual([o.clusterId]);

  // ZooKeeper: server.N lines agree with every myid; ports unique.
  for (const zk of plan.zookeepers) {
    const cfg = props(`${zk.name}/zoo.cfg`);
    const myid = Number(byPath.get(`${zk.name}/data/myid`)!.trim());
    expect(myid).toBe(zk.id);
    expect(cfg.get('dataDir')).toBe(zk.dataDir);
    expect(cfg.get('clientPortAddress')).toBe('127.0.0.1');
    expect(cfg.get('admin.enableServer')).toBe('false');
    expect(cfg.get('4lw.commands.whitelist')).toContain('srvr');
    boundPorts.push(Number(cfg.get('clientPort')));
    const servers = cfg.entries.filter((e) => /^server\.\d+$/.test(e.key));
    if (plan.zookeepers.length === 1) {
      expect(servers).toEqual([]);
    } else {
      expect(servers.map((s) => Number(s.key.slice(7))).sort()).toEqual(plan.zookeepers.map((z) => z.id));
      const own = servers.find((s) => s.key === `server.${myid}`)!;
      expect(own.value).toBe(`127.0.0.1:${zk.quorumPort}:${zk.electionPort}`);
      for (const s of servers) boundPorts.push(...s.value.split(':').slice(1).map(Number));
    }
  }
  // Every port a process binds is unique across the stack (the ensemble's lines repeat per server, so dedupe them).
  const zkServerPorts = plan.zookeepers.length > 1 ? plan.zookeepers.length * plan.zookeepers.length * 2 : 0;
  const unique = new Set(boundPorts);
  expect(boundPorts.length - zkServerPorts + (zkServerPorts ? plan.zookeepers.length * 2 : 0)).toBe(unique.size);
  expect([...unique].sort((a, b) => a - b)).toEqual([...ports].sort((a, b) => a - b));

  const stack = parseStackJson(byPath.get('stack.json')!);
  expect(stack.clusterId).toBe(o.clusterId);
  expect(stack.bootstrap).toBe(plan.nodes.filter((n) => n.roles.includes('broker')).map((n) => `${o.host.includes(':') ? `[${o.host}]` : o.host}:${n.listeners[0].port}`).join(','));
}

describe('stack plan and rendering', () => {
  it('defaults: one combined KRaft node on 9092 (client) and 9093 (controller)', () => {
    const plan = planStack(base({}));
    expect(plan.nodes).toHaveLength(1);
    expect(plan.nodes[0].roles).toEqual(['broker', 'controller']);
    expect(plan.ports.map((p) => [p.port, p.purpose])).toEqual([[9092, 'PLAINTEXT'], [9093, 'CONTROLLER']]);
    expect(plan.bootstrap).toBe('127.0.0.1:9092');
    checkWorkspace(base({}));
  });

  it('zk mode, 3 brokers, 3 ZooKeepers', () => {
    const o = base({ mode: 'zk', brokers: 3, zookeepers: 3 });
    const plan = planStack(o);
    expect(plan.zookeeperConnect).toBe('127.0.0.1:9098,127.0.0.1:9099,127.0.0.1:9100/kstack');
    expect(plan.nodes.map((n) => n.interBrokerListener)).toEqual(['INTERNAL', 'INTERNAL', 'INTERNAL']);
    checkWorkspace(o);
  });

  it('kraft with dedicated controllers', () => {
    const o = base({ brokers: 2, controllers: 3 });
    const plan = planStack(o);
    expect(plan.nodes.map((n) => [n.name, n.roles.join(',')])).toEqual([
      ['broker-1', 'broker'],
      ['broker-2', 'broker'],
      ['controller-3', 'controller'],
      ['controller-4', 'controller'],
      ['controller-5', 'controller'],
    ]);
    checkWorkspace(o);
  });

  it('every valid combination renders a consistent workspace', () => {
    const options = fc.oneof(
      fc.record({ mode: fc.constant('kraft' as const), brokers: fc.integer({ min: 1, max: 6 }), controllers: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }) }),
      fc.record({ mode: fc.constant('zk' as const), brokers: fc.integer({ min: 1, max: 6 }), zookeepers: fc.constantFrom(1, 3, 5) }),
    );
    fc.assert(
      fc.property(options, fc.integer({ min: 1024, max: 60000 }), fc.constantFrom('127.0.0.1', 'localhost', 'my-laptop.local', '::1'), (o, basePort, host) => {
        checkWorkspace(base({ ...o, basePort, host }));
      }),
      { numRuns: 60 },
    );
  });

  it.each([
    [{ host: '0.0.0.0' }, /nonroutable meta-address 0.0.0.0/],
    [{ mode: 'zk' as const, zookeepers: 2 }, /--zookeepers must be 1, 3 or 5/],
    [{ zookeepers: 3 }, /--zookeepers applies to zk mode only/],
    [{ mode: 'zk' as const, controllers: 1 }, /--controllers applies to kraft mode only/],
    [{ brokers: 0 }, /--brokers must be/],
    [{ basePort: 65535 }, /too few ports/],
    [{ host: 'bad host' }, /not a host name/],
    [{ clusterId: 'short' }, /not a Kafka cluster id/],
    [{ workspace: 'relative' }, /must be absolute/],
  ])('refuses %o', (o, message) => {
    expect(() => planStack(base(o as Partial<PlanOptions>))).toThrow(message);
  });
});

describe('cluster ids', () => {
  it('are 22 characters of URL-safe base64 from 16 bytes, never starting with "-"', () => {
    const id = newClusterId((n) => new Uint8Array(n).fill(0xab));
    expect(id).toHaveLength(22);
    expect(isValidClusterId(id)).toBe(true);
    expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    let calls = 0;
    const dashFirst = newClusterId((n) => (calls++ === 0 ? new Uint8Array(n).fill(0xf8) : new Uint8Array(n).fill(1)));
    expect(dashFirst.startsWith('-')).toBe(false);
    expect(calls).toBe(2);
    expect(isValidClusterId('5L6g3nShT-eMCtK--X86sw')).toBe(true);
    expect(isValidClusterId('5L6g3nShT-eMCtK--X86s')).toBe(false);
  });
});
