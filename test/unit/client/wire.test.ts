/**
 * The wire client against small real TCP servers on 127.0.0.1:0 that answer with frames encoded by our codecs
 * (a broker that only knows ApiVersions v0-2, one that answers Metadata), and against non-Kafka peers (HTTP, an SSH
 * banner, a TLS record, a silent server, a closed port).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { guessPeer, WireConnection, WireError } from '../../../src/client/wire.js';
import { decodeRequest, encodeResponseFrame } from '../../../src/protocol/frame.js';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

/** A pretend broker: cuts request frames, hands each decoded request to `answer`. */
function kafkaLike(answer: (req: ReturnType<typeof decodeRequest>, socket: Socket) => void): (socket: Socket) => void {
  return (socket) => {
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const size = buf.readInt32BE(0);
        const frame = buf.subarray(4, 4 + size);
        buf = buf.subarray(4 + size);
        answer(decodeRequest(frame), socket);
      }
    });
    socket.on('error', () => {});
  };
}

const OLD_RANGES = [
  { apiKey: 18, minVersion: 0, maxVersion: 2 },
  { apiKey: 3, minVersion: 0, maxVersion: 7 },
];

describe('WireConnection', () => {
  it('falls back when ApiVersions is answered with UNSUPPORTED_VERSION in v0', async () => {
    const seen: number[] = [];
    const port = await listen(
      kafkaLike((req, socket) => {
        const v = req.header.apiVersion;
        seen.push(v);
        if (v > 2) socket.write(encodeResponseFrame(18, 0, req.header.correlationId, { errorCode: 35, apiKeys: OLD_RANGES }));
        else socket.write(encodeResponseFrame(18, v, req.header.correlationId, { errorCode: 0, apiKeys: OLD_RANGES, throttleTimeMs: 0 }));
      }),
    );
    const conn = await WireConnection.connect({ host: '127.0.0.1', port });
    const result = await conn.apiVersions();
    conn.close();
    expect(seen).toEqual([4, 2]);
    expect(result.downgradedFrom).toBe(4);
    expect(result.version).toBe(2);
    expect(result.response.errorCode).toBe(0);
    expect(result.response.apiKeys.find((k) => k.apiKey === 3)?.maxVersion).toBe(7);
  });

  it('negotiates Metadata down to the broker version and decodes brokers', async () => {
    const port = await listen(
      kafkaLike((req, socket) => {
        const { apiKey, apiVersion, correlationId } = req.header;
        if (apiKey === 18) socket.write(encodeResponseFrame(18, apiVersion, correlationId, { errorCode: 0, apiKeys: OLD_RANGES, throttleTimeMs: 0 }));
        else socket.write(encodeResponseFrame(3, apiVersion, correlationId, { throttleTimeMs: 0, brokers: [{ nodeId: 7, host: 'broker.example', port: 19092, rack: null }], clusterId: 'abc', controllerId: 7, topics: [] }));
      }),
    );
    const conn = await WireConnection.connect({ host: '127.0.0.1', port });
    const versions = await conn.apiVersions();
    const meta = await conn.metadata({ brokerVersions: versions.response });
    conn.close();
    expect(meta.version).toBe(7);
    expect(meta.response.brokers).toEqual([expect.objectContaining({ nodeId: 7, host: 'broker.example', port: 19092 })]);
    expect(meta.response.clusterId).toBe('abc');
  });

  it('matches responses to requests by correlation id, even out of order', async () => {
    const held: { id: number; v: number; socket: Socket }[] = [];
    const port = await listen(
      kafkaLike((req, socket) => {
        held.push({ id: req.header.correlationId, v: req.header.apiVersion, socket });
        if (held.length === 2) {
          for (const h of held.reverse()) h.socket.write(encodeResponseFrame(18, h.v, h.id, { errorCode: h.id, apiKeys: [], throttleTimeMs: 0 }));
        }
      }),
    );
    const conn = await WireConnection.connect({ host: '127.0.0.1', port });
    const [a, b] = await Promise.all([conn.request<{ errorCode: number }>(18, 1, {}), conn.request<{ errorCode: number }>(18, 1, {})]);
    conn.close();
    expect([a.errorCode, b.errorCode]).toEqual([1, 2]);
  });

  it('recognises an HTTP server', async () => {
    const port = await listen((socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')));
    const conn = await WireConnection.connect({ host: '127.0.0.1', port });
    const err = await conn.apiVersions().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WireError);
    expect((err as WireError).reason).toBe('not-kafka');
    expect((err as WireError).guess).toBe('http');
  });

  it('recognises an SSH banner sent before any request', async () => {
    const port = await listen((socket) => socket.write('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'));
    const conn = await WireConnection.connect({ host: '127.0.0.1', port });
    const err = (await conn.apiVersions().catch((e: unknown) => e)) as WireError;
    expect(err.reason).toBe('not-kafka');
    expect(err.guess).toBe('ssh');
  });

  it('recognises a TLS alert record', async () => {
    // What a TLS server sends a plaintext client: an alert record (content type 21, TLS 1.2, fatal, decode_error).
    const port = await listen((socket) => socket.once('data', () => socket.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32]))));
    const conn = await WireConnection.connect({ host: '127.0.0.1', port });
    const err = (await conn.apiVersions().catch((e: unknown) => e)) as WireError;
    expect(err.reason).toBe('not-kafka');
    expect(err.guess).toBe('tls');
    expect(err.firstBytes).toBe('15030300020232');
  });

  it('times out a silent peer and reports a peer that closes without answering', async () => {
    const silent = await listen(() => {});
    const conn = await WireConnection.connect({ host: '127.0.0.1', port: silent });
    const err = (await conn.apiVersions(undefined, { timeoutMs: 200 }).catch((e: unknown) => e)) as WireError;
    expect(err.reason).toBe('request-timeout');
    conn.close();

    const closer = await listen((socket) => socket.once('data', () => socket.destroy()));
    const conn2 = await WireConnection.connect({ host: '127.0.0.1', port: closer });
    const err2 = (await conn2.apiVersions().catch((e: unknown) => e)) as WireError;
    expect(err2.reason).toBe('closed');
    expect(err2.message).toMatch(/closed the connection while waiting for ApiVersions v4/);
  });

  it('reports a refused port and an unresolvable name', async () => {
    const port = await listen(() => {});
    await new Promise((r) => servers.pop()!.close(r));
    const refused = (await WireConnection.connect({ host: '127.0.0.1', port }).catch((e: unknown) => e)) as WireError;
    expect(refused.reason).toBe('refused');
    const dns = (await WireConnection.connect({ host: 'no-such-broker.invalid', port: 9092 }).catch((e: unknown) => e)) as WireError;
    expect(dns.reason).toBe('dns');
    const bad = (await WireConnection.connect({ host: '127.0.0.1', port: 0 }).catch((e: unknown) => e)) as WireError;
    expect(bad).toBeInstanceOf(WireError);
  });
});

describe('guessPeer', () => {
  it('tells TLS, HTTP and SSH from a Kafka frame', () => {
    expect(guessPeer(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x10]))).toBe('tls');
    expect(guessPeer(Buffer.from('HTTP/1.0 200 OK'))).toBe('http');
    expect(guessPeer(Buffer.from('SSH-2.0-x'))).toBe('ssh');
    expect(guessPeer(Buffer.from([0, 0, 0, 12, 0, 0, 0, 1]))).toBe('unknown');
  });
});
