/**
 * A recording TCP proxy for the Kafka protocol, on 127.0.0.1: bytes are forwarded unchanged in both directions
 * while a copy is cut into frames and each request is paired with its response by correlation id.
 *
 * It parses only what it must, by hand (no dependency on kstack's protocol code): the int32 size prefix, the
 * request header's apiKey/apiVersion/correlationId (+ client id, best effort), and a response's correlation id
 * (the first 4 bytes of every response header version).
 *
 * Kafka clients follow the addresses in Metadata responses, so after bootstrap they would talk to the broker
 * directly. Rather than rewrite responses, start the broker so it ADVERTISES the proxy: the proxy listens first,
 * then Kafka binds its own port but advertises the proxy's:
 *
 *   const proxy = await startRecordingProxy();
 *   const kafka = await startApacheKafka({ advertisedPort: proxy.port });
 *   proxy.setTarget('127.0.0.1', kafka.port);
 *   // clients bootstrap from `127.0.0.1:${proxy.port}` and every exchange is in proxy.exchanges
 *
 * Recorded frames exclude the 4-byte size prefix: `request` = request header + body, `response` = response
 * header + body. Produce with acks=0 has no response: such exchanges keep `response: null`.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface Exchange {
  /** Connection number (1, 2, …) in accept order. */
  connectionId: number;
  /** Order of the request over the whole proxy (0, 1, …). */
  seq: number;
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  /** Request header client id (null when absent or unparsable). */
  clientId: string | null;
  /** Request frame without the size prefix (header + body), or null when larger than maxRecordedFrameBytes. */
  request: Buffer | null;
  requestSize: number;
  response: Buffer | null;
  responseSize: number | null;
  requestAt: number;
  responseAt: number | null;
}

export interface RecordingProxyOptions {
  targetHost?: string;
  targetPort?: number;
  /** Frames above this size are forwarded but stored as null (sizes kept). Default 4 MiB. */
  maxRecordedFrameBytes?: number;
  onExchange?: (e: Exchange) => void;
}

export interface RecordingProxy {
  host: string;
  port: number;
  /** Every request seen, in arrival order; `response` filled in when it arrives. */
  exchanges: Exchange[];
  /** Frames that could not be parsed or matched (e.g. a response whose correlation id was never requested). */
  anomalies: string[];
  setTarget(host: string, port: number): void;
  clear(): void;
  /** Resolves with the first completed exchange matching `pred` (already recorded or future). */
  waitFor(pred: (e: Exchange) => boolean, timeoutMs?: number): Promise<Exchange>;
  connections(): number;
  stop(): Promise<void>;
}

/** Parsed request header prefix, or null when the frame is too short to hold one. Exported for tests. */
export function parseRequestHeaderPrefix(frame: Buffer): { apiKey: number; apiVersion: number; correlationId: number; clientId: string | null } | null {
  if (frame.length < 8) return null;
  const apiKey = frame.readInt16BE(0);
  const apiVersion = frame.readInt16BE(2);
  const correlationId = frame.readInt32BE(4);
  let clientId: string | null = null;
  // Header v1/v2 carry a classic nullable string client id; only ControlledShutdown v0 (header v0) does not.
  if (!(apiKey === 7 && apiVersion === 0) && frame.length >= 10) {
    const n = frame.readInt16BE(8);
    if (n >= 0 && 10 + n <= frame.length) clientId = frame.toString('utf8', 10, 10 + n);
  }
  return { apiKey, apiVersion, correlationId, clientId };
}

/**
 * Cuts a byte stream into size-prefixed frames. Returns the frames (without prefix) completed by `chunk`.
 * Stops cutting (and reports) on a negative size, which no Kafka peer sends.
 */
export class FrameCutter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  broken: string | null = null;

  push(chunk: Buffer): Buffer[] {
    if (this.broken) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const head = this.chunks[0].length >= 4 ? this.chunks[0] : this.flatten();
      const size = head.readInt32BE(0);
      if (size < 0) {
        this.broken = `negative frame size ${size}`;
        this.chunks = [];
        this.buffered = 0;
        break;
      }
      if (this.buffered < 4 + size) break;
      const all = this.flatten();
      frames.push(Buffer.from(all.subarray(4, 4 + size)));
      const rest = all.subarray(4 + size);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
    }
    return frames;
  }

  private flatten(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0];
  }
}

export async function startRecordingProxy(opts: RecordingProxyOptions = {}): Promise<RecordingProxy> {
  let target: { host: string; port: number } | null =
    opts.targetPort !== undefined ? { host: opts.targetHost ?? '127.0.0.1', port: opts.targetPort } : null;
  const maxRecorded = opts.maxRecordedFrameBytes ?? 4 << 20;
  const exchanges: Exchange[] = [];
  const anomalies: string[] = [];
  const sockets = new Set<Socket>();
  const waiters: { pred: (e: Exchange) => boolean; resolve: (e: Exchange) => void }[] = [];
  let nextConnection = 1;
  let seq = 0;

  const completed = (e: Exchange) => {
    opts.onExchange?.(e);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].pred(e)) {
        waiters[i].resolve(e);
        waiters.splice(i, 1);
      }
    }
  };

  const server: Server = createServer((client) => {
    const connectionId = nextConnection++;
    sockets.add(client);
    if (!target) {
      anomalies.push(`connection ${connectionId}: no target set yet; closed`);
      client.destroy();
      return;
    }
    const upstream = connect({ host: target.host, port: target.port });
    sockets.add(upstream);
    const pending = new Map<number, Exchange>();
    const requests = new FrameCutter();
    const responses = new FrameCutter();

    client.on('data', (chunk) => {
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
      for (const frame of requests.push(chunk)) {
        const h = parseRequestHeaderPrefix(frame);
        if (!h) {
          anomalies.push(`connection ${connectionId}: request frame of ${frame.length} bytes has no header`);
          continue;
        }
        const e: Exchange = {
          connectionId,
          seq: seq++,
          ...h,
          request: frame.length <= maxRecorded ? frame : null,
          requestSize: frame.length,
          response: null,
          responseSize: null,
          requestAt: Date.now(),
          responseAt: null,
        };
        exchanges.push(e);
        if (pending.has(h.correlationId)) anomalies.push(`connection ${connectionId}: correlation id ${h.correlationId} reused while pending`);
        pending.set(h.correlationId, e);
      }
      if (requests.broken) anomalies.push(`connection ${connectionId}: request stream: ${requests.broken}`);
    });
    upstream.on('data', (chunk) => {
      if (!client.write(chunk)) {
        upstream.pause();
        client.once('drain', () => upstream.resume());
      }
      for (const frame of responses.push(chunk)) {
        if (frame.length < 4) {
          anomalies.push(`connection ${connectionId}: response frame of ${frame.length} bytes`);
          continue;
        }
        const correlationId = frame.readInt32BE(0);
        const e = pending.get(correlationId);
        if (!e) {
          anomalies.push(`connection ${connectionId}: response for unknown correlation id ${correlationId}`);
          continue;
        }
        pending.delete(correlationId);
        e.response = frame.length <= maxRecorded ? frame : null;
        e.responseSize = frame.length;
        e.responseAt = Date.now();
        completed(e);
      }
    });
    // Half-close and errors travel both ways; the proxy never outlives either side of a connection.
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => {
      sockets.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    host: '127.0.0.1',
    port,
    exchanges,
    anomalies,
    setTarget(host, p) {
      target = { host, port: p };
    },
    clear() {
      exchanges.length = 0;
      anomalies.length = 0;
    },
    waitFor(pred, timeoutMs = 30_000) {
      const found = exchanges.find((e) => e.responseAt !== null && pred(e));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = {
          pred,
          resolve: (e: Exchange) => {
            clearTimeout(timer);
            resolve(e);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`recording proxy: no matching exchange within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    connections: () => nextConnection - 1,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
