/**
 * Broker start-up: Kafka's listener rules (with Kafka's wording), PLAINTEXT only, KRaft single-node configs with
 * a bound controller listener, ZooKeeper-mode configs running standalone, meta.properties ownership.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseProperties } from '../../../src/listeners/properties.js';
import { loadBrokerConfig } from '../../../src/broker/config.js';
import { planListeners, startBroker, type RunningBroker } from '../../../src/broker/server.js';
import { encodeRequestFrame, readResponseHeader } from '../../../src/protocol/frame.js';
import { Reader } from '../../../src/protocol/reader.js';
import { readApiVersionsResponse } from '../../../src/protocol/generated/api-versions.js';
import type { DescribeQuorumResponsePartitionData, DescribeQuorumResponse } from '../../../src/protocol/generated/describe-quorum.js';
import { WireConnection } from '../../../src/client/wire.js';

const dirs: string[] = [];
const running: RunningBroker[] = [];
afterEach(async () => {
  for (const b of running.splice(0)) await b.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function cfg(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'kstack-server-'));
  dirs.push(dir);
  return loadBrokerConfig(parseProperties(`log.dirs=${join(dir, 'data')}\n${text}`, 'server.properties')).config;
}

async function start(text: string): Promise<{ broker: RunningBroker; line: string }> {
  let line = '';
  const broker = await startBroker({ config: cfg(text), out: (l) => (line = l) });
  running.push(broker);
  return { broker, line };
}

function apiVersions(port: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(encodeRequestFrame(18, 0, 9, 't', { clientSoftwareName: '', clientSoftwareVersion: '' })));
    let buf = Buffer.alloc(0);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const r = new Reader(buf, 4, 4 + buf.readInt32BE(0));
        readResponseHeader(r, 18, 0);
        resolve(readApiVersionsResponse(r, 0).apiKeys.map((k) => k.apiKey));
        s.destroy();
      }
    });
    s.on('error', reject);
  });
}

async function waitForQuorumLeader(port: number): Promise<DescribeQuorumResponsePartitionData> {
  const conn = await WireConnection.connect({ host: '127.0.0.1', port });
  try {
    for (let i = 0; i < 100; i++) {
      const r = await conn.request<DescribeQuorumResponse>(55, 1, { topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] });
      const p = r.topics[0]?.partitions[0];
      if (p && p.errorCode === 0) return p;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error('no quorum leader within 5 s');
  } finally {
    conn.close();
  }
}

describe('listener rules at start', () => {
  it("refuses what Kafka refuses, in Kafka's words", () => {
    expect(() => planListeners(cfg('broker.id=1\nlisteners=PLAINTEXT://127.0.0.1:1,PLAINTEXT://127.0.0.1:2\n'))).toThrow(/Each listener must have a different name/);
    expect(() => planListeners(cfg('broker.id=1\nlisteners=PLAINTEXT://0.0.0.0:0\n'))).toThrow(/nonroutable meta-address 0\.0\.0\.0/);
    expect(() => planListeners(cfg('broker.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\nadvertised.listeners=OTHER://h:1\n'))).toThrow(/OTHER|security protocol/);
    expect(() => planListeners(cfg('broker.id=1\nlisteners=SSL://127.0.0.1:0\n'))).toThrow(/PLAINTEXT listeners only/);
    expect(() => planListeners(cfg('process.roles=broker,controller\nnode.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\n'))).toThrow(/controller\.listener\.names/);
    expect(() =>
      planListeners(cfg('process.roles=broker,controller\nnode.id=1\ncontroller.listener.names=CONTROLLER\nlisteners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0\nlistener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\nadvertised.listeners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0\n')),
    ).toThrow(/must not contain KRaft controller listeners/);
  });
});

describe('startBroker', () => {
  it('prints the machine-readable listening line with the bound ephemeral port', async () => {
    const { broker, line } = await start('broker.id=4\nlisteners=PLAINTEXT://127.0.0.1:0\n');
    const port = broker.bound.get('PLAINTEXT')!.port;
    expect(port).toBeGreaterThan(0);
    expect(line).toBe(`kstack-broker listening PLAINTEXT=127.0.0.1:${port}`);
    expect(broker.bootstrap).toBe(`127.0.0.1:${port}`);
    expect(broker.nodeId).toBe(4);
  });

  it('KRaft single node: binds the controller listener but serves client APIs only on broker listeners', async () => {
    const { broker, line } = await start(
      'process.roles=broker,controller\nnode.id=1\ncontroller.quorum.voters=1@127.0.0.1:9093\ncontroller.listener.names=CONTROLLER\nlisteners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0\nlistener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n',
    );
    expect(line).toMatch(/PLAINTEXT=127\.0\.0\.1:\d+ CONTROLLER=127\.0\.0\.1:\d+/);
    // The controller listener serves ApiVersions and the KRaft quorum APIs (Fetch, Vote, BeginQuorumEpoch,
    // EndQuorumEpoch, DescribeQuorum, FetchSnapshot) and nothing else.
    expect(await apiVersions(broker.bound.get('CONTROLLER')!.port)).toEqual([1, 18, 52, 53, 54, 55, 59]);
    const client = await apiVersions(broker.bound.get('PLAINTEXT')!.port);
    expect(client).toEqual(expect.arrayContaining([0, 1, 2, 3, 18, 19, 20, 22, 55]));
    expect(client).not.toContain(52);
    expect([...broker.context.listeners.keys()]).toEqual(['PLAINTEXT']);
    // A quorum of one: the node leads it, as DescribeQuorum on the broker listener shows.
    const q = await waitForQuorumLeader(broker.bound.get('PLAINTEXT')!.port);
    expect(q.leaderId).toBe(1);
    expect(q.currentVoters.map((v) => v.replicaId)).toEqual([1]);
  });

  it('KRaft dedicated controller (process.roles=controller): starts with only its controller listener', async () => {
    const { broker, line } = await start(
      'process.roles=controller\nnode.id=7\ncontroller.listener.names=CONTROLLER\nlisteners=CONTROLLER://127.0.0.1:0\nlistener.security.protocol.map=CONTROLLER:PLAINTEXT\n',
    );
    const port = broker.bound.get('CONTROLLER')!.port;
    expect(line).toBe(`kstack-broker listening CONTROLLER=127.0.0.1:${port}`);
    expect(broker.bootstrap).toBe(`127.0.0.1:${port}`);
    expect([...broker.context.listeners.keys()]).toEqual([]);
    expect((await waitForQuorumLeader(port)).leaderId).toBe(7);
  });

  it('a corrupt quorum-state stops the start with an error naming the file', async () => {
    const config = cfg('process.roles=controller\nnode.id=7\ncontroller.listener.names=CONTROLLER\nlisteners=CONTROLLER://127.0.0.1:0\nlistener.security.protocol.map=CONTROLLER:PLAINTEXT\n');
    mkdirSync(join(config.logDirs[0], '__cluster_metadata-0'), { recursive: true });
    writeFileSync(join(config.logDirs[0], '__cluster_metadata-0', 'quorum-state'), '{"leaderEpoch": 3');
    await expect(startBroker({ config, out: () => {} })).rejects.toMatchObject({ code: 'KSTACK_BROKER_METADATA', message: expect.stringMatching(/quorum-state/) });
  });

  it('a controller missing from controller.quorum.voters is refused with a clear error', async () => {
    await expect(
      startBroker({ config: cfg('process.roles=controller\nnode.id=7\ncontroller.quorum.voters=1@127.0.0.1:9093\ncontroller.listener.names=CONTROLLER\nlisteners=CONTROLLER://127.0.0.1:0\nlistener.security.protocol.map=CONTROLLER:PLAINTEXT\n'), out: () => {} }),
    ).rejects.toThrow(/node\.id 7 .*not in controller\.quorum\.voters/);
  });

  it('ZooKeeper-mode configs need their ensemble (registration: zookeeper/broker-zk.ts); none → a clear error, ports released', async () => {
    const text = 'broker.id=2\nzookeeper.connect=127.0.0.1:1/kstack\nzookeeper.connection.timeout.ms=300\nlisteners=PLAINTEXT://127.0.0.1:0\n';
    await expect(startBroker({ config: cfg(text), out: () => {} })).rejects.toThrow(/ZooKeeper/);
  });

  it('keeps the cluster id in meta.properties and refuses a log dir of another node', async () => {
    const config = cfg('broker.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\n');
    const a = await startBroker({ config, out: () => {} });
    const clusterId = a.clusterId;
    await a.stop();
    const b = await startBroker({ config, out: () => {} });
    expect(b.clusterId).toBe(clusterId);
    await b.stop();
    const other = loadBrokerConfig(parseProperties(`log.dirs=${config.logDirs[0]}\nbroker.id=2\nlisteners=PLAINTEXT://127.0.0.1:0\n`)).config;
    await expect(startBroker({ config: other, out: () => {} })).rejects.toThrow(/belongs to node 1/);
  });

  it('reports a port in use with the listener name', async () => {
    const { broker } = await start('broker.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\n');
    const port = broker.bound.get('PLAINTEXT')!.port;
    await expect(startBroker({ config: cfg(`broker.id=1\nlisteners=PLAINTEXT://127.0.0.1:${port}\n`), out: () => {} })).rejects.toThrow(/cannot bind listener PLAINTEXT/);
  });
});

describe('producer ids across restarts', () => {
  it('never hands out a producer id twice, even for producers that never wrote', async () => {
    const config = cfg('broker.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\n');
    const a = await startBroker({ config, out: () => {} });
    const first = a.context.producers.allocateProducerId().producerId;
    await a.stop();
    const b = await startBroker({ config, out: () => {} });
    running.push(b);
    expect(b.context.producers.allocateProducerId().producerId).toBeGreaterThan(first);
  });
});

describe('corrupt topic metadata', () => {
  it('refuses to start with a KstackError that names the file', async () => {
    const config = cfg('broker.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\n');
    const a = await startBroker({ config, out: () => {} });
    await a.stop();
    writeFileSync(join(config.logDirs[0], 'kstack-topics.json'), '{"version": 1, "topics": [');
    await expect(startBroker({ config, out: () => {} })).rejects.toMatchObject({ code: 'KSTACK_BROKER_METADATA', fix: expect.stringContaining('kstack-topics.json') });
  });
});
