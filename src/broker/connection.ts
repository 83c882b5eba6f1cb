/**
 * One client socket: cuts size-prefixed frames out of the byte stream, hands them to a processor, and writes the
 * answers back in request order.
 *
 * - Frames are views: a frame that arrives inside one chunk is a `subarray` of it (Node never reuses a chunk it
 *   has handed out); a frame split across chunks is gathered into ONE buffer of exactly its size, allocated when
 *   its size prefix is known.
 * - A size prefix above `socket.request.max.bytes` (or below the smallest possible header) closes the connection
 *   before any of the body is buffered, as Kafka's InvalidReceiveException does.
 * - Backpressure: bytes of requests not yet answered are counted; past `maxInFlightBytes` the socket is paused
 *   until answers go out. A `write()` that returns false pauses reading until 'drain'.
 * - Ordering: every frame gets a sequence number; answers (or "no answer" for acks=0 Produce) complete slots,
 *   and slots are flushed strictly in sequence order even when processors finish out of order.
 * - An answer may be several buffers (a Fetch response's fields and the record sets read from the log, which
 *   are not copied into one buffer): they are written back to back under one cork, so they leave as one writev.
 * - A connection idle for connections.max.idle.ms (nothing received, nothing in flight) is closed, as Kafka does.
 * - A processor that throws or rejects is a bug or a malformed request: the error is logged and THIS connection is
 *   closed; nothing else is affected.
 */
import type { Socket } from 'node:net';
import type { Logger } from '../logging/index.js';

/** Smallest request: api_key int16 + api_version int16 + correlation_id int32. */
const MIN_FRAME_SIZE = 8;

/** A response is one buffer or several written back to back (e.g. a Fetch header and the record sets it carries). */
export type FrameProcessor = (frame: Buffer, conn: Connection) => Buffer | Buffer[] | null | Promise<Buffer | Buffer[] | null>;

export interface ConnectionOptions {
  id: number;
  listenerName: string;
  /** socket.request.max.bytes */
  maxRequestBytes: number;
  /** Bytes of unanswered requests past which reading pauses. */
  maxInFlightBytes: number;
  process: FrameProcessor;
  logger: Logger;
  /** connections.max.idle.ms: close a connection with no traffic and nothing in flight for this long (0 = never). */
  idleTimeoutMs?: number;
  onClose?: (conn: Connection) => void;
}

export class Connection {
  readonly id: number;
  readonly listenerName: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  private readonly socket: Socket;
  private readonly opts: ConnectionOptions;

  // Framing state.
  private readonly sizeBytes = Buffer.alloc(4);
  private sizeFill = 0;
  private partial: Buffer | null = null;
  private partialFill = 0;

  // Ordering state.
  private nextSeq = 0;
  private nextToSend = 0;
  private readonly done = new Map<number, { response: Buffer | Buffer[] | null; size: number }>();

  // Backpressure state.
  private inFlightBytes = 0;
  private pausedForInFlight = false;
  private pausedForDrain = false;
  private closed = false;
  /** Bytes received while over the in-flight cap, not yet cut into frames. */
  private backlog: Buffer | null = null;

  constructor(socket: Socket, opts: ConnectionOptions) {
    this.socket = socket;
    this.opts = opts;
    this.id = opts.id;
    this.listenerName = opts.listenerName;
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    this.remotePort = socket.remotePort ?? 0;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.pausedForDrain = false;
      this.updatePause();
    });
    socket.on('error', (err) => {
      if (this.opts.logger.isEnabled('DEBUG')) this.opts.logger.debug(`Connection ${this.describe()} error: ${err.message}`);
    });
    if (opts.idleTimeoutMs && opts.idleTimeoutMs > 0) {
      const idleMs = opts.idleTimeoutMs;
      socket.setTimeout(idleMs);
      socket.on('timeout', () => {
        // Kafka's Selector closes idle connections quietly; a parked request (long-poll Fetch) is not idleness.
        // Node does not re-arm the timer after it fired, so re-arm it while a request is in flight.
        if (this.inFlightBytes > 0) {
          socket.setTimeout(idleMs);
          return;
        }
        if (this.opts.logger.isEnabled('DEBUG')) this.opts.logger.debug(`Closing idle connection ${this.describe()}`);
        this.close();
      });
    }
    socket.on('close', () => {
      this.closed = true;
      this.done.clear();
      this.opts.onClose?.(this);
    });
  }

  describe(): string {
    return `${this.remoteAddress}:${this.remotePort}-${this.id} on ${this.listenerName}`;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes of requests received but not yet answered (tests watch the cap). */
  get bytesInFlight(): number {
    return this.inFlightBytes;
  }

  /** Closes this connection (e.g. after a malformed request); logs why at WARN. */
  close(reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    if (reason) this.opts.logger.warn(`Closing socket for ${this.describe()} because of error: ${reason}`);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.backlog !== null) {
      // Still holding unread bytes from before a pause: keep order by appending (rare; only past the cap).
      this.backlog = Buffer.concat([this.backlog, chunk]);
      return;
    }
    this.cut(chunk);
  }

  /** Cuts frames from chunk; stops (keeping the rest as backlog) past the in-flight cap or while writes back up. */
  private cut(chunk: Buffer): void {
    let pos = 0;
    const len = chunk.length;
    while (pos < len && !this.closed) {
      if (this.pausedForInFlight || this.pausedForDrain) {
        this.backlog = chunk.subarray(pos);
        return;
      }
      if (this.partial !== null) {
        const n = Math.min(this.partial.length - this.partialFill, len - pos);
        chunk.copy(this.partial, this.partialFill, pos, pos + n);
        this.partialFill += n;
        pos += n;
        if (this.partialFill === this.partial.length) {
          const frame = this.partial;
          this.partial = null;
          this.partialFill = 0;
          this.emit(frame);
        }
        continue;
      }
      let size: number;
      if (this.sizeFill === 0 && len - pos >= 4) {
        size = chunk.readInt32BE(pos);
        pos += 4;
      } else {
        while (this.sizeFill < 4 && pos < len) this.sizeBytes[this.sizeFill++] = chunk[pos++];
        if (this.sizeFill < 4) return;
        this.sizeFill = 0;
        size = this.sizeBytes.readInt32BE(0);
      }
      if (size < MIN_FRAME_SIZE || size > this.opts.maxRequestBytes) {
        this.close(
          size > this.opts.maxRequestBytes
            ? `Invalid receive (size = ${size} larger than ${this.opts.maxRequestBytes}) (socket.request.max.bytes)`
            : `Invalid receive (size = ${size}): too small for a request header`,
        );
        return;
      }
      if (len - pos >= size) {
        const frame = chunk.subarray(pos, pos + size);
        pos += size;
        this.emit(frame);
      } else {
        this.partial = Buffer.allocUnsafe(size);
        this.partialFill = 0;
      }
    }
  }

  private emit(frame: Buffer): void {
    const seq = this.nextSeq++;
    const size = frame.length;
    this.inFlightBytes += size;
    this.updatePause();
    let result: Buffer | Buffer[] | null | Promise<Buffer | Buffer[] | null>;
    try {
      result = this.opts.process(frame, this);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (response) => this.complete(seq, response, size),
        (err) => this.fail(err),
      );
    } else {
      this.complete(seq, result, size);
    }
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    const e = err instanceof Error ? err : new Error(String(err));
    this.opts.logger.error(`Closing socket for ${this.describe()} because of an error while processing a request: ${e.message}`, e);
    this.close();
  }

  private complete(seq: number, response: Buffer | Buffer[] | null, size: number): void {
    if (this.closed) return;
    this.done.set(seq, { response, size });
    if (seq !== this.nextToSend) return;
    this.socket.cork();
    let ok = true;
    for (;;) {
      const slot = this.done.get(this.nextToSend);
      if (slot === undefined) break;
      this.done.delete(this.nextToSend);
      this.nextToSend++;
      this.inFlightBytes -= slot.size;
      const r = slot.response;
      if (r === null) continue;
      if (Array.isArray(r)) {
        for (const chunk of r) ok = this.socket.write(chunk) && ok; // corked: leaves as one writev
      } else ok = this.socket.write(r) && ok;
    }
    process.nextTick(() => this.socket.uncork());
    if (!ok) this.pausedForDrain = true;
    this.updatePause();
  }

  private updatePause(): void {
    if (this.closed) return;
    this.pausedForInFlight = this.inFlightBytes > this.opts.maxInFlightBytes;
    if (!this.pausedForInFlight && !this.pausedForDrain && this.backlog !== null) {
      const rest = this.backlog;
      this.backlog = null;
      this.cut(rest);
      if (this.closed) return;
      this.pausedForInFlight = this.inFlightBytes > this.opts.maxInFlightBytes;
    }
    if (this.pausedForInFlight || this.pausedForDrain) {
      if (!this.socket.isPaused()) this.socket.pause();
    } else if (this.socket.isPaused()) {
      this.socket.resume();
    }
  }
}
