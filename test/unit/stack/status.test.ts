import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planStack } from '../../../src/stack/plan.js';
import { renderStackJson } from '../../../src/stack/render/stack-json.js';
import { writeState } from '../../../src/stack/state.js';
import {
  collectStatus,
  formatStatus,
  parseWatchInterval,
  registrationOf,
  watchFrame,
  type BrokerFacts,
  type BrokerStatus,
  type RouteStatus,
  type StatusReport,
} from '../../../src/stack/status.js';
import { freePortRange } from '../../support/port-range.js';

const active = (id: number): BrokerStatus => ({ id, endpoints: [`PLAINTEXT://127.0.0.1:${9091 + id}`], registered: 'active', source: 'Metadata from broker-1' });
const gone = (id: number): BrokerStatus => ({ id, endpoints: [], registered: 'gone', source: 'state.json, own listener', detail: `process broker-${id} (pid ${1000 + id}) is not running` });
const fenced = (id: number): BrokerStatus => ({ id, endpoints: [], registered: 'fenced', source: 'Metadata from broker-1, own listener', detail: 'its own listener answers, but Metadata from broker-1 does not list it' });

function route(topic: string, partition: number, leader: number, replicas: number[], isr: number[]): RouteStatus {
  return { topic, partition, leader, endpoint: leader >= 0 ? `127.0.0.1:${9091 + leader}` : null, replicas, isr, error: leader >= 0 ? 0 : 5 };
}

function report(brokers: BrokerStatus[], routes: RouteStatus[], mode = 'kraft'): StatusReport {
  return { workspace: '/w', mode, running: true, processes: [], zookeeper: [], brokers, controllerId: 1, clusterId: 'TjKYWV-yZSasHLNe8ZKb_g', routes, problems: [] };
}

describe('formatStatus', () => {
  it('RF 1: a leaderless partition is explained by its only replica being gone', () => {
    const lines = formatStatus(report([active(1), active(2), gone(3)], [route('orders', 0, 1, [1], [1]), route('orders', 1, -1, [3], [3]), route('orders', 2, -1, [3], [3])]));
    expect(lines).toContain('brokers (controller 1): 2 active, 1 gone');
    expect(lines.some((l) => /✖ 3 +gone/.test(l))).toBe(true);
    expect(lines).toContain('         process broker-3 (pid 1003) is not running');
    expect(lines).toContain('  orders 1 → none → unavailable   replicas 3 isr 3  [offline]  LEADER_NOT_AVAILABLE');
    expect(lines).toContain('  orders 0 → 1 → 127.0.0.1:9092   replicas 1 isr 1');
    const summary = lines.filter((l) => l.includes('no leader'));
    expect(summary).toEqual(['  2 partitions have no leader: their only replica (broker 3) is gone. Expected with replication factor 1; they come back when the broker restarts.']);
    expect(lines.join('\n')).not.toContain('ISR');
  });

  it('RF 3: a leaderless partition is explained by no ISR member being alive, never by "only replica"', () => {
    const lines = formatStatus(report([active(1), gone(2), gone(3)], [route('rep', 0, -1, [2, 3, 1], [2, 3]), route('rep', 1, 1, [1, 2, 3], [1])]));
    const text = lines.join('\n');
    expect(text).not.toContain('only replica');
    expect(text).not.toContain('Expected with replication factor 1');
    expect(lines).toContain(
      '  1 partition with replication factor 3 has no leader: no member of its ISR is alive (ISR broker 2, broker 3), and without unclean leader election (unclean.leader.election.enable=false) an out-of-sync replica is not made leader; it comes back when an ISR member returns.',
    );
    // The partition with a leader but one ISR member of three is under-replicated; the offline one is not counted twice.
    expect(lines).toContain('  rep 1 → 1 → 127.0.0.1:9092   replicas 1,2,3 isr 1  [under-replicated]');
    expect(lines.filter((l) => /under-replicated \(ISR/.test(l))).toEqual([
      '  1 partition under-replicated (ISR smaller than replicas; out of the ISR: broker 2, broker 3): a follower is gone or catching up; it rejoins the ISR once caught up.',
    ]);
  });

  it('mixes RF 1 and RF 3 leaderless partitions: each gets the explanation true for its replication factor', () => {
    const lines = formatStatus(report([active(1), gone(2), gone(3)], [route('a', 0, -1, [2], [2]), route('b', 0, -1, [3, 2, 1], [3, 2])]));
    expect(lines.filter((l) => l.includes('no leader'))).toEqual([
      '  1 partition has no leader: its only replica (broker 2) is gone. Expected with replication factor 1; it comes back when the broker restarts.',
      expect.stringMatching(/^ {2}1 partition with replication factor 3 has no leader: no member of its ISR is alive \(ISR broker 2, broker 3\)/),
    ]);
  });

  it('RF > 1 with no leader while an ISR member is active says the election is pending, not that no ISR member lives', () => {
    const lines = formatStatus(report([active(1), active(2), gone(3)], [route('rep', 0, -1, [3, 1, 2], [3, 1])]));
    expect(lines.join('\n')).not.toContain('no member of');
    expect(lines).toContain('  1 partition has no leader yet, though ISR member 1 is active: the controller has not elected one yet.');
  });

  it('a fenced broker: its own mark, its reason, and RF 1 partitions on it "not serving", not "gone"', () => {
    const lines = formatStatus(report([active(1), fenced(2)], [route('orders', 0, -1, [2], [2])]));
    expect(lines).toContain('brokers (controller 1): 1 active, 1 fenced');
    expect(lines).toContain('  ◐ 2    fenced      -   [Metadata from broker-1, own listener]');
    expect(lines).toContain('         its own listener answers, but Metadata from broker-1 does not list it');
    expect(lines).toContain('  1 partition has no leader: its only replica is not serving (broker 2 fenced). Expected with replication factor 1; it comes back once it is active again.');
  });

  it('under-replicated partitions: a marker on each and one count line; healthy ones carry no marker', () => {
    const lines = formatStatus(report([active(1), active(2), fenced(3)], [route('t', 0, 1, [1, 2, 3], [1, 2]), route('t', 1, 2, [2, 3, 1], [2, 1]), route('t', 2, 1, [1, 2], [1, 2])]));
    expect(lines.filter((l) => l.endsWith('[under-replicated]'))).toHaveLength(2);
    expect(lines).toContain('  t 2 → 1 → 127.0.0.1:9092   replicas 1,2 isr 1,2');
    expect(lines.filter((l) => l.includes('under-replicated ('))).toEqual([
      '  2 partitions under-replicated (ISR smaller than replicas; out of the ISR: broker 3 fenced): a follower is gone or catching up; it rejoins the ISR once caught up.',
    ]);
    expect(lines.join('\n')).not.toContain('no leader');
  });

  it('a route still pointing at a gone leader (not fenced yet) is marked, with when it will move', () => {
    const kraft = formatStatus(report([active(1), gone(2)], [route('t', 0, 2, [2], [2])]));
    expect(kraft).toContain('  t 0 → 2 → 127.0.0.1:9093   replicas 2 isr 2  [leader gone]');
    expect(kraft).toContain('  1 partition is still routed to a leader that is gone (broker 2): clients fail on it until the controller fences it (broker.session.timeout.ms) and leadership moves.');
    const zk = formatStatus(report([active(1), gone(2)], [route('t', 0, 2, [2], [2])], 'zk'));
    expect(zk.join('\n')).toContain('until its ZooKeeper session expires (zookeeper.session.timeout.ms)');
  });

  it('internal topics stay out of the table but their trouble is counted', () => {
    const lines = formatStatus(report([active(1), gone(2)], [route('__consumer_offsets', 0, -1, [2], [2]), route('__consumer_offsets', 1, 1, [1, 2], [1]), route('x', 0, 1, [1], [1])]));
    expect(lines.some((l) => l.includes('__consumer_offsets 0'))).toBe(false);
    expect(lines).toContain('internal topics (__consumer_offsets): 1 without a leader, 1 under-replicated');
    expect(lines.join('\n')).not.toContain('no leader:');
  });

  it('a report without brokers or routes (docker engine, stopped stack) still renders', () => {
    const r = { ...report([], []), running: false, problems: ['no broker answered Metadata'] };
    expect(formatStatus(r)).toEqual(['workspace /w  mode kraft  cluster id TjKYWV-yZSasHLNe8ZKb_g  STOPPED', '! no broker answered Metadata']);
  });
});

describe('registrationOf', () => {
  const base: BrokerFacts = {
    id: 2,
    mode: 'kraft',
    process: { name: 'broker-2', pid: 4242, up: true },
    listener: { endpoint: '127.0.0.1:9093', answered: true },
    registry: { source: 'Metadata from broker-1', endpoints: ['PLAINTEXT://127.0.0.1:9093'] },
  };

  it('active when listed and answering; the source is the registry', () => {
    expect(registrationOf(base)).toEqual({ id: 2, endpoints: ['PLAINTEXT://127.0.0.1:9093'], registered: 'active', source: 'Metadata from broker-1' });
    expect(registrationOf({ ...base, mode: 'zk', registry: { source: 'zookeeper /brokers/ids', endpoints: ['PLAINTEXT://127.0.0.1:9093'] } }).source).toBe('zookeeper /brokers/ids');
  });

  it('fenced (kraft) / registering (zk) when answering but not listed', () => {
    const notListed = { ...base, registry: { source: 'Metadata from broker-1', endpoints: null } };
    const k = registrationOf(notListed);
    expect(k.registered).toBe('fenced');
    expect(k.detail).toContain('fenced by the controller (missed heartbeats) or still catching up with the metadata log');
    expect(k.source).toBe('Metadata from broker-1, own listener');
    const z = registrationOf({ ...notListed, mode: 'zk', registry: { source: 'zookeeper /brokers/ids', endpoints: null } });
    expect(z.registered).toBe('registering');
    expect(z.detail).toContain('zookeeper /brokers/ids does not list it: still registering with ZooKeeper');
  });

  it('gone when the process is down, even while the registry still lists it, and says until when', () => {
    const s = registrationOf({ ...base, process: { name: 'broker-2', pid: 4242, up: false }, listener: { endpoint: '127.0.0.1:9093', answered: false, error: 'connect ECONNREFUSED' } });
    expect(s.registered).toBe('gone');
    expect(s.detail).toBe('process broker-2 (pid 4242) is not running; Metadata from broker-1 still lists it until the controller fences it (broker.session.timeout.ms without a heartbeat)');
    expect(s.source).toBe('state.json, own listener, Metadata from broker-1');
  });

  it('gone when the process runs but does not answer', () => {
    const s = registrationOf({ ...base, registry: { source: 'zookeeper /brokers/ids', endpoints: null }, mode: 'zk', listener: { endpoint: '127.0.0.1:9093', answered: false, error: 'timed out' } });
    expect(s.registered).toBe('gone');
    expect(s.detail).toBe('process broker-2 (pid 4242) runs, but its listener 127.0.0.1:9093 does not answer (timed out)');
  });

  it('a broker restarted by hand (recorded pid dead, listener answering) is judged by its listener', () => {
    const s = registrationOf({ ...base, process: { name: 'broker-2', pid: 4242, up: false } });
    expect(s.registered).toBe('active');
    expect(s.detail).toContain('the pid recorded in state.json (4242) is not running');
  });
});

describe('--watch helpers', () => {
  it('parses the interval in milliseconds, defaulting to 2000', () => {
    expect(parseWatchInterval(true)).toEqual({ ok: true, ms: 2000 });
    expect(parseWatchInterval('300')).toEqual({ ok: true, ms: 300 });
    expect(parseWatchInterval('2')).toEqual({ ok: false, error: '--watch 2: the interval is in milliseconds and must be at least 100 (for 2 s write --watch 2000)' });
    expect(parseWatchInterval('abc')).toEqual({ ok: false, error: '--watch takes an interval in milliseconds, not "abc"' });
    expect(parseWatchInterval('-5').ok).toBe(false);
    expect(parseWatchInterval('1.5').ok).toBe(false);
  });

  it('clears the screen on a TTY, prints a separator with the time otherwise', () => {
    const at = new Date('2026-11-26T10:00:00.000Z');
    expect(watchFrame(['a', 'b'], at, 500, false)).toBe('--- 2026-11-26T10:00:00.000Z ---\na\nb\n');
    const tty = watchFrame(['a'], at, 500, true);
    expect(tty.startsWith('\u001b[2J\u001b[H')).toBe(true);
    expect(tty).toContain('every 500 ms');
    expect(tty.endsWith('\na\n')).toBe(true);
  });
});

describe('collectStatus of a stack that is down', () => {
  it('answers quickly, with every planned broker gone and the reason from state.json', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'kstack-status-'));
    const basePort = await freePortRange(9);
    const plan = planStack({ mode: 'kraft', brokers: 3, workspace, host: '127.0.0.1', basePort, clusterId: 'TjKYWV-yZSasHLNe8ZKb_g' });
    writeFileSync(join(workspace, 'stack.json'), renderStackJson(plan));
    // Recorded pids that no longer run their component (a probe that finds no process for any pid).
    writeState(workspace, {
      version: 1,
      mode: 'kraft',
      engine: 'native',
      bootstrap: plan.bootstrap,
      startedAt: 0,
      components: plan.nodes.map((n, i) => ({ name: n.name, kind: 'broker', command: 'node', args: [], cwd: workspace, logFile: join(workspace, `${n.name}.log`), ports: [], identity: n.dir, pid: 900000 + i, startedAt: 0 })),
    });
    const started = Date.now();
    const r = await collectStatus(workspace, { commandLine: () => null });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.running).toBe(false);
    expect(r.brokers.map((b) => [b.id, b.registered])).toEqual([
      [1, 'gone'],
      [2, 'gone'],
      [3, 'gone'],
    ]);
    expect(r.brokers[0].detail).toBe('process broker-1 (pid 900000) is not running');
    expect(r.quorum).toBeUndefined();
    expect(r.routes).toEqual([]);
  });

  it('reports an unreadable stack.json as a problem instead of throwing', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'kstack-status-'));
    writeFileSync(join(workspace, 'stack.json'), '{ not json');
    const r = await collectStatus(workspace, { commandLine: () => null });
    expect(r.problems).toEqual([expect.stringContaining('stack.json is unreadable: not valid JSON')]);
  });
});
