/**
 * Connection over a real loopback socket pair, with a processor under the test's control: framing across
 * arbitrary chunk boundaries, in-order answers when processors finish out of order, "no answer" slots, the
 * in-flight byte cap (socket paused), oversized frames and throwing processors closing only this connection.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Connection, type FrameProcessor } from '../../../src/broker/connection.js';
import { getLogger } from '../../../src/logging/index.js';

const logger = getLogger('kafka.network.SocketServer.test');
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function pair(process: FrameProcessor, opts: { maxRequestBytes?: number; maxInFlightBytes?: number } = {}): Promise<{ client: Socket; conn: Promise<Connection>; received: Buffer[]; closed: Promise<void> }> {
  let resolveConn!: (c: Connection) => void;
  const conn = new Promise<Connection>((r) => (resolveConn = r));
  const server = createServer((socket) => {
    resolveConn(new Connection(socket, { id: 1, listenerName: 'PLAINTEXT', maxRequestBytes: opts.maxRequestBytes ?? 1024, maxInFlightBytes: opts.maxInFlightBytes ?? 1 << 20, process, logger }));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const client = connect(port, '127.0.0.1');
  const received: Buffer[] = [];
  let buf = Buffer.alloc(0);
  client.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
      received.push(buf.subarray(4, 4 + buf.readInt32BE(0)));
      buf = buf.subarray(4 + buf.readInt32BE(0));
    }
  });
  client.on('error', () => {});
  const closed = new Promise<void>((r) => client.on('close', () => r()));
  await new Promise<void>((r) => client.once('connect', () => r()));
  return { client, conn, received, closed };
}

function frame(id: number, extra = 0): Buffer {
  const f = Buffer.alloc(4 + 8 + extra);
  f.writeInt32BE(8 + extra, 0);
  f.writeInt32BE(id, 8);
  return f;
}

const answer = (frameBody: Buffer): Buffer => {
  const out = Buffer.alloc(8);
  out.writeInt32BE(4, 0);
  out.writeInt32BE(frameBody.readInt32BE(4), 4);
  return out;
};

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
};

describe('Connection', () => {
  it('cuts frames split at every byte boundary and hands out views of the right bytes', async () => {
    const seen: number[] = [];
    const p = await pair((f) => {
      seen.push(f.readInt32BE(4));
      expect(f.length).toBe(8 + 3);
      return answer(f);
    });
    const all = Buffer.concat([frame(1, 3), frame(2, 3), frame(3, 3)]);
    for (let i = 0; i < all.length; i++) p.client.write(all.subarray(i, i + 1));
    await until(() => p.received.length === 3);
    expect(seen).toEqual([1, 2, 3]);
    // Several frames in one chunk, too.
    p.client.write(Buffer.concat([frame(4, 3), frame(5, 3)]));
    await until(() => p.received.length === 5);
    expect(p.received.map((r) => r.readInt32BE(0))).toEqual([1, 2, 3, 4, 5]);
    p.client.destroy();
  });

  it('answers in request order when processors finish out of order, and skips "no answer" slots', async () => {
    const p = await pair((f) => {
      const id = f.readInt32BE(4);
      if (id === 2) return null;
      return new Promise((r) => setTimeout(() => r(answer(f)), id === 1 ? 150 : 5));
    });
    p.client.write(Buffer.concat([frame(1), frame(2), frame(3), frame(4)]));
    await until(() => p.received.length === 3);
    expect(p.received.map((r) => r.readInt32BE(0))).toEqual([1, 3, 4]);
    p.client.destroy();
  });

  it('pauses reading past the in-flight byte cap and resumes when answers go out', async () => {
    const pending: (() => void)[] = [];
    const p = await pair(
      (f) =>
        new Promise((r) => {
          pending.push(() => r(answer(f)));
        }),
      { maxInFlightBytes: 100 },
    );
    const conn = await p.conn;
    p.client.write(Buffer.concat(Array.from({ length: 20 }, (_, i) => frame(i, 40))));
    await until(() => pending.length > 0 && conn.bytesInFlight > 100);
    // Paused: it stopped taking frames long before all 20 (each is 48 bytes).
    await new Promise((r) => setTimeout(r, 50));
    expect(pending.length).toBeLessThan(20);
    while (p.received.length < 20) {
      pending.splice(0).forEach((f) => f());
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(p.received.map((r) => r.readInt32BE(0))).toEqual(Array.from({ length: 20 }, (_, i) => i));
    p.client.destroy();
  });

  it('closes on a frame above socket.request.max.bytes without waiting for its body', async () => {
    let calls = 0;
    const p = await pair(() => {
      calls++;
      return null;
    });
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(5000, 0);
    p.client.write(prefix);
    await p.closed;
    expect(calls).toBe(0);
  });

  it('closes when the processor throws or rejects', async () => {
    const a = await pair(() => {
      throw new Error('boom');
    });
    a.client.write(frame(1));
    await a.closed;
    const b = await pair(() => Promise.reject(new Error('later boom')));
    b.client.write(frame(1));
    await b.closed;
    expect(b.received).toHaveLength(0);
  });
});

describe('Connection idle timeout', () => {
  it('closes a connection idle for connections.max.idle.ms, but not while a request is parked', async () => {
    let release!: () => void;
    let resolveConn!: (c: Connection) => void;
    const conn = new Promise<Connection>((r) => (resolveConn = r));
    const server = createServer((socket) => {
      resolveConn(
        new Connection(socket, {
          id: 1, listenerName: 'PLAINTEXT', maxRequestBytes: 1024, maxInFlightBytes: 1 << 20, logger, idleTimeoutMs: 100,
          process: (f) => new Promise((r) => (release = () => r(answer(f)))),
        }),
      );
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const client = connect((server.address() as { port: number }).port, '127.0.0.1');
    client.on('error', () => {});
    await new Promise<void>((r) => client.once('connect', () => r()));
    client.write(frame(1));
    const c = await conn;
    await new Promise((r) => setTimeout(r, 300));
    expect(c.isClosed).toBe(false);
    release();
    await until(() => c.isClosed);
  });
});

describe('Connection write backpressure', () => {
  it('stops reading while the client does not read its answers, and resumes on drain', async () => {
    let processed = 0;
    const big = (f: Buffer) => {
      processed++;
      const out = Buffer.alloc(4 + 1024 * 1024);
      out.writeInt32BE(1024 * 1024, 0);
      out.writeInt32BE(f.readInt32BE(4), 4);
      return out;
    };
    let resolveConn!: (c: Connection) => void;
    const conn = new Promise<Connection>((r) => (resolveConn = r));
    const server = createServer((socket) => resolveConn(new Connection(socket, { id: 1, listenerName: 'PLAINTEXT', maxRequestBytes: 1024, maxInFlightBytes: 1 << 20, logger, process: big })));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const client = connect((server.address() as { port: number }).port, '127.0.0.1');
    client.on('error', () => {});
    await new Promise<void>((r) => client.once('connect', () => r()));
    client.pause(); // never read: the broker's writes back up
    await conn;
    for (let i = 0; i < 200; i++) client.write(frame(i));
    await new Promise((r) => setTimeout(r, 500));
    const stalled = processed;
    expect(stalled).toBeLessThan(200);
    let received = 0;
    client.on('data', (d: Buffer) => (received += d.length));
    client.resume();
    await until(() => processed === 200);
    await until(() => received === 200 * (4 + 1024 * 1024));
    client.destroy();
  });
});
