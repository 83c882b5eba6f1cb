/**
 * The Raft runtime behind a real CONTROLLER listener (startBroker, process.roles=controller, loopback): a vote
 * granted over the wire is on disk before the answer leaves, so after a restart the controller refuses to vote
 * for another candidate in the same epoch (and repeats its vote for the same one); old Fetch versions and
 * malformed senders get error answers instead of hanging.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBrokerConfig } from '../../../../../src/broker/config.js';
import { startBroker, type RunningBroker } from '../../../../../src/broker/server.js';
import { WireConnection } from '../../../../../src/client/wire.js';
import { parseProperties } from '../../../../../src/listeners/properties.js';
import type { VoteRequest, VoteResponse } from '../../../../../src/protocol/generated/vote.js';
import type { FetchResponse } from '../../../../../src/protocol/generated/fetch.js';
import { ErrorCode } from '../../../../../src/protocol/generated/error-codes.js';
import { ZERO_UUID } from '../../../../../src/protocol/reader.js';
import { freePorts } from '../../../../support/ports.js';

const dirs: string[] = [];
const running: RunningBroker[] = [];
afterEach(async () => {
  for (const b of running.splice(0)) await b.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function controller(dir: string, peers: number[]): Promise<{ broker: RunningBroker; port: number }> {
  // Peers 2 and 3 are listed at ports nothing listens on: node 1 cannot win an election, only vote.
  const text = [
    'process.roles=controller',
    'node.id=1',
    'listeners=CONTROLLER://127.0.0.1:0',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT',
    `controller.quorum.voters=1@127.0.0.1:1,2@127.0.0.1:${peers[0]},3@127.0.0.1:${peers[1]}`,
    // Long enough that node 1 does not start its own election (epoch 1, 2, …) during the test.
    'controller.quorum.election.timeout.ms=20000',
    `log.dirs=${join(dir, 'data')}`,
    '',
  ].join('\n');
  const broker = await startBroker({ config: loadBrokerConfig(parseProperties(text, 'server.properties')).config, out: () => {} });
  running.push(broker);
  return { broker, port: broker.bound.get('CONTROLLER')!.port };
}

function vote(candidateId: number, epoch: number): VoteRequest {
  return {
    clusterId: null,
    voterId: 1,
    topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0, candidateEpoch: epoch, candidateId, candidateDirectoryId: ZERO_UUID, voterDirectoryId: ZERO_UUID, lastOffsetEpoch: 0, lastOffset: 0n }] }],
  };
}

async function ask<T>(port: number, apiKey: number, version: number, body: unknown): Promise<T> {
  const conn = await WireConnection.connect({ host: '127.0.0.1', port });
  try {
    return await conn.request<T>(apiKey, version, body, { timeoutMs: 5000 });
  } finally {
    conn.close();
  }
}

describe('RaftController behind the CONTROLLER listener', () => {
  it('a granted vote survives a restart: no second vote in the same epoch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kstack-raft-vote-'));
    dirs.push(dir);
    const peers = await freePorts(2);
    let { broker, port } = await controller(dir, peers);

    const first = await ask<VoteResponse>(port, 52, 1, vote(2, 5));
    expect(first.errorCode).toBe(0);
    expect(first.topics[0].partitions[0]).toMatchObject({ errorCode: 0, leaderEpoch: 5, voteGranted: true });
    const state = JSON.parse(readFileSync(join(dir, 'data', '__cluster_metadata-0', 'quorum-state'), 'utf8')) as { leaderEpoch: number; votedId: number };
    expect(state).toMatchObject({ leaderEpoch: 5, votedId: 2 });

    await broker.stop();
    running.splice(running.indexOf(broker), 1);
    ({ broker, port } = await controller(dir, peers));

    const other = await ask<VoteResponse>(port, 52, 1, vote(3, 5));
    expect(other.topics[0].partitions[0]).toMatchObject({ leaderEpoch: 5, voteGranted: false });
    const again = await ask<VoteResponse>(port, 52, 0, vote(2, 5));
    expect(again.topics[0].partitions[0]).toMatchObject({ leaderEpoch: 5, voteGranted: true });
    // A later epoch is a new vote.
    const later = await ask<VoteResponse>(port, 52, 1, vote(3, 6));
    expect(later.topics[0].partitions[0]).toMatchObject({ leaderEpoch: 6, voteGranted: true });
  });

  it('answers what it cannot serve with errors instead of hanging', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kstack-raft-errors-'));
    dirs.push(dir);
    const { port } = await controller(dir, await freePorts(2));
    // KRaft fetches need v13+ (topic ids, lastFetchedEpoch).
    const oldFetch = await ask<FetchResponse>(port, 1, 12, { clusterId: null, replicaId: 2, replicaState: { replicaId: -1, replicaEpoch: -1n }, maxWaitMs: 0, minBytes: 0, maxBytes: 1000, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [], forgottenTopicsData: [], rackId: '' });
    expect(oldFetch.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    // A vote naming a candidate that is not a voter is refused in the answer.
    const stranger = await ask<VoteResponse>(port, 52, 1, vote(9, 7));
    expect(stranger.topics[0]?.partitions[0]?.voteGranted ?? false).toBe(false);
  });
});
