/**
 * A zk-mode broker between binding its listener and registering in ZooKeeper answers as a broker joining a
 * cluster (no brokers, no controller, no leaders) — never as a standalone node that leads everything.
 * ZooKeeper is pointed at a port nothing listens on, so the start-up stays in that window until it times out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseProperties } from '../../../../src/listeners/properties.js';
import { loadBrokerConfig } from '../../../../src/broker/config.js';
import { startBroker } from '../../../../src/broker/server.js';
import { WireConnection } from '../../../../src/client/wire.js';
import { freePorts } from '../../../support/ports.js';

describe('a zk-mode broker that has not registered yet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kstack-joining-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists no brokers, no controller and no topics, and refuses CreateTopics with NOT_CONTROLLER', async () => {
    const [port, deadZk] = await freePorts(2);
    const text = `broker.id=7\nlisteners=PLAINTEXT://127.0.0.1:${port}\nlog.dirs=${join(dir, 'data')}\nzookeeper.connect=127.0.0.1:${deadZk}/kstack\nzookeeper.connection.timeout.ms=4000\n`;
    const { config } = loadBrokerConfig(parseProperties(text, join(dir, 'server.properties')));
    const starting = startBroker({ config, out: () => {} });
    const failed = starting.then(
      () => null,
      (err: Error) => err,
    );
    let conn: WireConnection | undefined;
    for (let i = 0; i < 40 && !conn; i++) {
      conn = await WireConnection.connect({ host: '127.0.0.1', port, connectTimeoutMs: 500 }).catch(() => undefined);
      if (!conn) await new Promise((r) => setTimeout(r, 50));
    }
    expect(conn).toBeDefined();
    try {
      const md = (await conn!.metadata({ topics: ['auto-created?'] })).response;
      expect(md.brokers).toEqual([]);
      expect(md.controllerId).toBe(-1);
      expect(md.topics[0].errorCode).not.toBe(0);
      const ct = await conn!.request<{ topics: { errorCode: number }[] }>(19, 4, { topics: [{ name: 't', numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false });
      expect(ct.topics[0].errorCode).toBe(41);
    } finally {
      conn!.close();
    }
    const err = await failed;
    expect(err).not.toBeNull();
    expect(String(err)).toMatch(/ZooKeeper/);
  }, 20_000);
});
