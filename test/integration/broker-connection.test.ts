/**
 * The native broker's connection pipeline over real sockets on 127.0.0.1:
 * - malformed frames (garbage header, truncated body, unknown API key) and an oversized size prefix close only
 *   their own connection; other clients keep working;
 * - ApiVersions with an unknown version is answered in v0 with UNSUPPORTED_VERSION and the full list (KIP-511);
 * - pipelined requests are answered in request order, even when an earlier one (a long-poll Fetch) finishes last;
 * - acks=0 Produce gets no response, and the next request's response still matches its correlation id.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Reader } from '../../src/protocol/reader.js';
import { encodeRequestFrame, readResponseHeader } from '../../src/protocol/frame.js';
import { readApiVersionsResponse } from '../../src/protocol/generated/api-versions.js';
import { readMetadataResponse } from '../../src/protocol/generated/metadata.js';
import { readFetchResponse } from '../../src/protocol/generated/fetch.js';
import { readProduceResponse } from '../../src/protocol/generated/produce.js';
import { RecordBatchBuilder } from '../../src/protocol/records/batch.js';
import { startNativeBroker, type NativeBroker } from '../support/native-broker.js';

let broker: NativeBroker;

beforeAll(async () => {
  broker = await startNativeBroker({ properties: { 'socket.request.max.bytes': '1048576' } });
});
afterAll(async () => {
  await broker?.cleanup();
});

/** A raw client: sends bytes, collects response frames, notices close. */
class RawClient {
  readonly socket: Socket;
  private buf = Buffer.alloc(0);
  readonly frames: Buffer[] = [];
  closed = false;
  private waiters: (() => void)[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readInt32BE(0)) {
        const size = this.buf.readInt32BE(0);
        this.frames.push(this.buf.subarray(4, 4 + size));
        this.buf = this.buf.subarray(4 + size);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async until(cond: () => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error('timed out waiting');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  send(b: Buffer): void {
    this.socket.write(b);
  }
}

const metadataV1 = (correlationId: number) => encodeRequestFrame(3, 1, correlationId, 'raw', { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });

async function healthy(): Promise<void> {
  const c = await RawClient.open(broker.port);
  c.send(metadataV1(7));
  await c.until(() => c.frames.length === 1);
  const r = new Reader(c.frames[0]);
  expect(readResponseHeader(r, 3, 1)).toBe(7);
  const res = readMetadataResponse(r, 1);
  expect(res.brokers[0]).toMatchObject({ nodeId: 1, host: '127.0.0.1', port: broker.port });
  c.socket.destroy();
}

describe('native broker connection pipeline', () => {
  it('answers ApiVersions with an unknown version in v0 with UNSUPPORTED_VERSION and the full list', async () => {
    const c = await RawClient.open(broker.port);
    // ApiVersions v99: header v2 (flexible), body unknown to us.
    const frame = Buffer.from([0, 0, 0, 12, 0, 18, 0, 99, 0, 0, 0, 5, 0xff, 0xff, 0, 0]);
    frame.writeInt32BE(frame.length - 4, 0);
    c.send(frame);
    await c.until(() => c.frames.length === 1);
    const r = new Reader(c.frames[0]);
    expect(readResponseHeader(r, 18, 0)).toBe(5);
    const res = readApiVersionsResponse(r, 0);
    expect(res.errorCode).toBe(35);
    const keys = new Map(res.apiKeys.map((k) => [k.apiKey, k]));
    expect(keys.get(18)).toMatchObject({ minVersion: 0, maxVersion: 3 });
    expect(keys.get(0)).toMatchObject({ minVersion: 0, maxVersion: 9 });
    for (const k of res.apiKeys) expect(k.minVersion).toBe(0);
    expect(c.closed).toBe(false);
    c.socket.destroy();
  });

  it.each([
    ['a garbage header', Buffer.from([0, 0, 0, 8, 0x7f, 0x7f, 0x7f, 0x7f, 0, 0, 0, 1])],
    ['a truncated Metadata body', (() => {
      const f = metadataV1(3);
      const cut = f.subarray(0, f.length - 2);
      const copy = Buffer.from(cut);
      copy.writeInt32BE(copy.length - 4, 0);
      return copy;
    })()],
    ['a size below any header', Buffer.from([0, 0, 0, 2, 1, 2])],
    ['a negative size', Buffer.from([0xff, 0xff, 0xff, 0xf0, 1, 2, 3])],
  ])('%s closes only that connection', async (_name, bytes) => {
    const other = await RawClient.open(broker.port);
    const bad = await RawClient.open(broker.port);
    bad.send(bytes);
    await bad.until(() => bad.closed);
    expect(bad.frames).toHaveLength(0);
    other.send(metadataV1(11));
    await other.until(() => other.frames.length === 1);
    expect(other.closed).toBe(false);
    other.socket.destroy();
    await healthy();
  });

  it('an oversized frame is refused from its size prefix, before the body is sent', async () => {
    const bad = await RawClient.open(broker.port);
    const prefix = Buffer.alloc(8);
    prefix.writeInt32BE(50 * 1024 * 1024, 0); // 50 MiB > socket.request.max.bytes = 1 MiB
    bad.send(prefix);
    await bad.until(() => bad.closed, 5000);
    await healthy();
  });

  it('answers pipelined requests in order, even when the first (a long-poll Fetch) finishes last', async () => {
    const c = await RawClient.open(broker.port);
    // Create the topic through auto-creation (Metadata v4+, allow_auto_topic_creation).
    c.send(encodeRequestFrame(3, 4, 1, 'raw', { topics: [{ name: 'pipe', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }));
    await c.until(() => c.frames.length === 1);
    const fetch = encodeRequestFrame(1, 4, 2, 'raw', {
      clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1n }, maxWaitMs: 400, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0,
      sessionId: 0, sessionEpoch: -1, topics: [{ topic: 'pipe', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
      forgottenTopicsData: [], rackId: '',
    });
    const started = Date.now();
    c.send(Buffer.concat([fetch, metadataV1(3), metadataV1(4)]));
    await c.until(() => c.frames.length === 4);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    const ids = c.frames.slice(1).map((f) => new Reader(f).int32());
    expect(ids).toEqual([2, 3, 4]);
    const fr = new Reader(c.frames[1]);
    readResponseHeader(fr, 1, 4);
    expect(readFetchResponse(fr, 4).responses[0].partitions[0]).toMatchObject({ errorCode: 0, highWatermark: 0n });
    c.socket.destroy();
  });

  it('a long-poll Fetch is woken by new data; acks=0 Produce gets no response', async () => {
    const c = await RawClient.open(broker.port);
    c.send(encodeRequestFrame(3, 4, 1, 'raw', { topics: [{ name: 'wake', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }));
    await c.until(() => c.frames.length === 1);
    const fetch = encodeRequestFrame(1, 4, 2, 'raw', {
      clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1n }, maxWaitMs: 10_000, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0,
      sessionId: 0, sessionEpoch: -1, topics: [{ topic: 'wake', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
      forgottenTopicsData: [], rackId: '',
    });
    const started = Date.now();
    c.send(fetch);
    const producer = await RawClient.open(broker.port);
    const batch = new RecordBatchBuilder().append({ key: 'k', value: 'hello' }).build();
    const produce = (acks: number, id: number) =>
      encodeRequestFrame(0, 3, id, 'raw', { transactionalId: null, acks, timeoutMs: 1000, topicData: [{ name: 'wake', partitionData: [{ index: 0, records: Buffer.from(batch) }] }] });
    producer.send(Buffer.concat([produce(0, 10), produce(1, 11)]));
    await producer.until(() => producer.frames.length === 1);
    const pr = new Reader(producer.frames[0]);
    expect(readResponseHeader(pr, 0, 3)).toBe(11);
    expect(readProduceResponse(pr, 3).responses[0].partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 1n });
    await c.until(() => c.frames.length === 2);
    expect(Date.now() - started).toBeLessThan(5000);
    const fr = new Reader(c.frames[1]);
    readResponseHeader(fr, 1, 4);
    const part = readFetchResponse(fr, 4).responses[0].partitions[0];
    expect(part.highWatermark).toBeGreaterThanOrEqual(1n);
    expect(part.records!.length).toBeGreaterThan(61);
    c.socket.destroy();
    producer.socket.destroy();
  });
});
