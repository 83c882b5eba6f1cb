/**
 * The metadata image over a real file-backed Raft log (a quorum of one): records proposed through the
 * controller commit into the image; with snapshots every few entries, a node reopened from disk rebuilds the same
 * image from its latest snapshot plus the log after it.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getLogger } from '../../../../src/logging/index.js';
import { RaftController } from '../../../../src/broker/raft/runtime/controller.js';
import { MetadataImage } from '../../../../src/broker/kraft/metadata-image.js';
import { encodeMetadataRecord } from '../../../../src/broker/kraft/metadata-records.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(dir: string, image: MetadataImage): RaftController {
  return RaftController.open({ nodeId: 1, voters: [{ id: 1, host: '127.0.0.1', port: 1 }], clusterId: 'snapshot-test-cluster0', dir, logger: getLogger('test.raft'), stateMachine: image, maxEntriesBetweenSnapshots: 5, tickIntervalMs: 5 });
}

const until = async (cond: () => boolean, what: string) => {
  const by = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > by) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('metadata image on the Raft log', () => {
  it('commits proposed records into the image and restores it from snapshot + log after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kstack-meta-snap-'));
    dirs.push(dir);
    const image = new MetadataImage();
    const raft = open(dir, image);
    raft.onStep(() => image.flushChanges());
    raft.start();
    await until(() => raft.isLeader, 'leadership');
    for (let i = 0; i < 17; i++) {
      const r = raft.propose([encodeMetadataRecord({ type: 'Topic', name: `t${i}`, topicId: `id-${i}` }), encodeMetadataRecord({ type: 'Partition', topicId: `id-${i}`, partition: 0, replicas: [1], isr: [1], leader: 1, leaderEpoch: i, partitionEpoch: 0 })]);
      expect(r.ok).toBe(true);
      await until(() => image.topics.has(`t${i}`) && image.topics.get(`t${i}`)!.partitions.has(0), `t${i} applied`);
    }
    const before = image.snapshot().toString();
    await raft.stop();
    const files = readdirSync(join(dir, '__cluster_metadata-0'));
    expect(files.some((f) => f.endsWith('.checkpoint')), `a snapshot file in ${files.join(', ')}`).toBe(true);

    const again = new MetadataImage();
    const reopened = open(dir, again);
    reopened.onStep(() => again.flushChanges());
    reopened.start();
    await until(() => again.topics.size === 17, 'the image rebuilt');
    const after = JSON.parse(again.snapshot().toString());
    const expected = JSON.parse(before);
    expect(after.topics).toEqual(expected.topics);
    await reopened.stop();
  });
});
