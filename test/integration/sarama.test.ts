/**
 * sarama 1.22 (Debian's, the Go client of many Kafka tutorials) against the native broker. At its default
 * config.Version it speaks the Kafka 0.8.2 protocol: Produce v0 with magic-0 message sets, Fetch v0, OffsetCommit v1.
 * From V0_10_2_0 its ConsumerGroup works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNativeBroker, type NativeBroker } from '../support/native-broker.js';
import { buildSaramaPeer, sarama, saramaSkipReason } from '../support/sarama.js';

describe.skipIf(saramaSkipReason() !== null)('sarama 1.22 against the native broker', () => {
  let broker: NativeBroker;
  let peer: string;
  beforeAll(async () => {
    peer = await buildSaramaPeer();
    broker = await startNativeBroker({ mode: 'child', properties: { 'num.partitions': '3' } });
  }, 700_000);
  afterAll(async () => {
    await broker?.cleanup();
  });

  it('produces and consumes 1,000 records at its default version (Kafka 0.8.2 protocol, magic 0)', async () => {
    const produced = await sarama(peer, ['produce', broker.bootstrap, 'sarama-default', '1000']);
    expect(produced.code, produced.stderr).toBe(0);
    expect(produced.stdout).toContain('produced 1000');
    const consumed = await sarama(peer, ['consume', broker.bootstrap, 'sarama-default', '1000']);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout).toMatch(/^consumed 1000 [0-9a-f]{8}$/m);
  });

  it('runs a ConsumerGroup with Version V0_10_2_0 and later', async () => {
    for (const version of ['0.10.2.0', '1.0.0', '2.1.0']) {
      const topic = `sarama-group-${version.replace(/\./g, '-')}`;
      const produced = await sarama(peer, ['produce', broker.bootstrap, topic, '1000', version]);
      expect(produced.code, produced.stderr).toBe(0);
      const grouped = await sarama(peer, ['group', broker.bootstrap, topic, '1000', `g-${version}`, version]);
      expect(grouped.code, `${version}: ${grouped.stderr}`).toBe(0);
      expect(grouped.stdout).toMatch(/^group-consumed 1000 [0-9a-f]{8}$/m);
    }
  });
});
