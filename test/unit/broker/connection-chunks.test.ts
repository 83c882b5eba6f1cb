/**
 * A response made of several buffers (a Fetch header and the record sets it references) leaves the Connection
 * intact and in request order, also when a later one-buffer answer is ready first and when the socket backs up.
 */
import { connect, createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Connection, type FrameProcessor } from '../../../src/broker/connection.js';
import { getLogger } from '../../../src/logging/index.js';

const logger = getLogger('kafka.network.SocketServer.test');
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** Answer for request `id`: size prefix + id + `extra` bytes of (id & 0xff), split into `parts` buffers. */
function answer(id: number, extra: number, parts: number): Buffer[] {
  const whole = Buffer.alloc(8 + extra, id & 0xff);
  whole.writeInt32BE(4 + extra, 0);
  whole.writeInt32BE(id, 4);
  const out: Buffer[] = [];
  const step = Math.ceil(whole.length / parts);
  for (let i = 0; i < whole.length; i += step) out.push(whole.subarray(i, i + step));
  return out;
}

describe('Connection multi-buffer responses', () => {
  it('writes every chunk of every answer, in request order', async () => {
    const process: FrameProcessor = (frame) => {
      const id = frame.readInt32BE(4);
      const chunks = id % 3 === 0 ? answer(id, 0, 1)[0] : answer(id, 300_000 + id, 1 + (id % 5));
      // Even ids answer later than the odd ones after them.
      return id % 2 === 0 ? new Promise((r) => setTimeout(() => r(chunks), 5)) : chunks;
    };
    const server = createServer((socket) => {
      new Connection(socket, { id: 1, listenerName: 'PLAINTEXT', maxRequestBytes: 1024, maxInFlightBytes: 1 << 20, process, logger });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const client = connect((server.address() as { port: number }).port, '127.0.0.1');
    await new Promise<void>((r) => client.once('connect', () => r()));
    const N = 24;
    const received: Buffer[] = [];
    let buf = Buffer.alloc(0);
    const done = new Promise<void>((resolve) => {
      client.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
          received.push(buf.subarray(4, 4 + buf.readInt32BE(0)));
          buf = buf.subarray(4 + buf.readInt32BE(0));
        }
        if (received.length === N) resolve();
      });
    });
    // Slow reader first: let the server's writes back up before reading anything.
    client.pause();
    for (let id = 0; id < N; id++) {
      const f = Buffer.alloc(12);
      f.writeInt32BE(8, 0);
      f.writeInt32BE(id, 8);
      client.write(f);
    }
    await new Promise((r) => setTimeout(r, 100));
    client.resume();
    await done;
    client.destroy();
    expect(received.map((r) => r.readInt32BE(0))).toEqual([...Array(N).keys()]);
    for (const [id, r] of received.entries()) {
      expect(r.length).toBe(id % 3 === 0 ? 4 : 4 + 300_000 + id);
      if (r.length > 4) expect(r[r.length - 1]).toBe(id & 0xff);
    }
  });
});
