/**
 * A minimal async Kafka client over kstack's own generated codecs: one TCP connection, requests matched to
 * responses by correlation id, nothing else (no retries, no metadata cache, no partition routing). It is what the
 * listener doctor, `kstack status` and `kstack up` readiness use when they need to see a broker's raw answers.
 *
 *   const conn = await WireConnection.connect({ host: '127.0.0.1', port: 9092, connectTimeoutMs: 2000 });
 *   const versions = await conn.apiVersions();        // negotiates down on UNSUPPORTED_VERSION (error 35)
 *   const meta = await conn.metadata();               // highest Metadata version both sides know; no topics
 *   const body = await conn.request(19, 4, {...});    // any API through the generated codecs
 *   conn.close();
 *
 * Failures are WireError with a `reason` a program can branch on (dns, refused, timeout, …) and, when the peer
 * answered with bytes that are not a Kafka frame, a guess at what it is (TLS, HTTP, SSH) from those bytes.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { decodeResponse, encodeRequestFrame, FRAME_SIZE_BYTES, readResponseHeader } from '../protocol/frame.js';
import { readApiVersionsResponse, type ApiVersionsResponse } from '../protocol/generated/api-versions.js';
import { ErrorCode, kafkaError } from '../protocol/generated/error-codes.js';
import { API_VERSION_RANGES, apiTable } from '../protocol/generated/index.js';
import type { MetadataRequest, MetadataResponse } from '../protocol/generated/metadata.js';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';

export const API_VERSIONS_KEY = 18;
export const METADATA_KEY = 3;

export type WireFailure =
  /** The host name did not resolve. */
  | 'dns'
  /** Nothing listens on the port (ECONNREFUSED). */
  | 'refused'
  /** No route to the host or network. */
  | 'unreachable'
  /** The TCP connection was not established in time. */
  | 'connect-timeout'
  /** Connected, but no complete answer to a request in time. */
  | 'request-timeout'
  /** The peer closed the connection (or reset it) before answering. */
  | 'closed'
  /** The peer answered with bytes that are not a Kafka response frame. */
  | 'not-kafka'
  /** A Kafka-shaped frame that does not decode as the expected response. */
  | 'protocol'
  /** The connection was closed by us. */
  | 'local-close'
  /** Any other socket error. */
  | 'socket';

/** What the first bytes from a non-Kafka peer look like. */
export type PeerGuess = 'tls' | 'http' | 'ssh' | 'smtp-ftp' | 'unknown';

export class WireError extends Error {
  readonly code = 'KSTACK_WIRE';
  readonly reason: WireFailure;
  /** For `not-kafka`: what the bytes suggest. */
  readonly guess: PeerGuess | undefined;
  /** The first bytes the peer sent (up to 16), hex, when any arrived. */
  readonly firstBytes: string | undefined;
  /** The errno code behind socket failures (ECONNREFUSED, ENOTFOUND …). */
  readonly errno: string | undefined;
  constructor(reason: WireFailure, message: string, extra: { guess?: PeerGuess; firstBytes?: Buffer; errno?: string; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'WireError';
    this.reason = reason;
    this.guess = extra.guess;
    this.firstBytes = extra.firstBytes && extra.firstBytes.length > 0 ? extra.firstBytes.subarray(0, 16).toString('hex') : undefined;
    this.errno = extra.errno;
  }
}

export function isWireError(value: unknown): value is WireError {
  return value instanceof WireError;
}

/**
 * Guesses what kind of server sent `bytes` when they are not a Kafka frame. A Kafka response starts with a
 * 4-byte size, so text banners and TLS records show up as absurd sizes (`HTTP` = 1.2 GB, a TLS alert ≈ 352 MB).
 */
export function guessPeer(bytes: Buffer): PeerGuess {
  if (bytes.length >= 3 && (bytes[0] === 0x15 || bytes[0] === 0x16 || bytes[0] === 0x14 || bytes[0] === 0x17) && bytes[1] === 0x03 && bytes[2] <= 0x04) return 'tls';
  const head = bytes.subarray(0, 8).toString('latin1');
  if (head.startsWith('HTTP/') || /^(GET|POST|PUT|HEAD) /.test(head)) return 'http';
  if (head.startsWith('SSH-')) return 'ssh';
  if (/^(220|421)[ -]/.test(head)) return 'smtp-ftp';
  return 'unknown';
}

const GUESS_WORDS: Record<PeerGuess, string> = {
  tls: 'a TLS record (the port speaks SSL/TLS; connect with security.protocol=SSL or SASL_SSL)',
  http: 'an HTTP response (an HTTP server, not Kafka)',
  ssh: 'an SSH banner (an SSH server, not Kafka)',
  'smtp-ftp': 'a mail/FTP greeting (not Kafka)',
  unknown: 'bytes that are not a Kafka response',
};

export function describeGuess(guess: PeerGuess): string {
  return GUESS_WORDS[guess];
}

export interface WireConnectOptions {
  host: string;
  port: number;
  /** TCP connect timeout, ms (default 5000). */
  connectTimeoutMs?: number;
  /** Default per-request timeout, ms (default 10000). */
  requestTimeoutMs?: number;
  /** client.id in request headers (default "kstack"). */
  clientId?: string;
  /** Larger response frames are treated as "not Kafka" (default 100 MiB, Kafka's socket.request.max.bytes). */
  maxResponseBytes?: number;
}

interface Pending {
  apiKey: number;
  apiVersion: number;
  resolve(frame: Buffer): void;
  reject(err: WireError): void;
  timer: NodeJS.Timeout;
}

function socketFailure(err: NodeJS.ErrnoException, host: string, port: number): WireError {
  const where = `${host}:${port}`;
  switch (err.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
      return new WireError('dns', `cannot resolve ${host} (${err.code})`, { errno: err.code, cause: err });
    case 'ECONNREFUSED':
      return new WireError('refused', `connection to ${where} refused: nothing listens there`, { errno: err.code, cause: err });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return new WireError('unreachable', `${where} is unreachable (${err.code})`, { errno: err.code, cause: err });
    case 'ECONNRESET':
    case 'EPIPE':
      return new WireError('closed', `${where} reset the connection (${err.code})`, { errno: err.code, cause: err });
    default:
      return new WireError('socket', `${where}: ${err.message}`, { errno: err.code, cause: err });
  }
}

export class WireConnection {
  readonly host: string;
  readonly port: number;
  readonly clientId: string;
  /** Milliseconds the TCP handshake took. */
  readonly connectMs: number;
  private readonly socket: Socket;
  private readonly requestTimeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly pending = new Map<number, Pending>();
  private readonly writer = new Writer();
  private nextCorrelationId = 1;
  private buffered: Buffer = Buffer.alloc(0);
  /** The first bytes ever received (kept for diagnosis). */
  private firstBytes: Buffer | undefined;
  private failure: WireError | undefined;

  private constructor(socket: Socket, opts: WireConnectOptions, connectMs: number) {
    this.socket = socket;
    this.host = opts.host;
    this.port = opts.port;
    this.clientId = opts.clientId ?? 'kstack';
    this.connectMs = connectMs;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.maxResponseBytes = opts.maxResponseBytes ?? 100 * 1024 * 1024;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => this.fail(socketFailure(err, this.host, this.port)));
    socket.on('close', () => this.fail(this.closedError()));
  }

  /** Opens a TCP connection; rejects with WireError (dns, refused, unreachable, connect-timeout, socket). */
  static connect(opts: WireConnectOptions): Promise<WireConnection> {
    if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) {
      return Promise.reject(new WireError('socket', `port ${opts.port} is not a TCP port (1-65535)`));
    }
    const timeoutMs = opts.connectTimeoutMs ?? 5000;
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host: opts.host, port: opts.port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new WireError('connect-timeout', `no TCP connection to ${opts.host}:${opts.port} within ${timeoutMs} ms (a firewall drops packets, or the address is wrong)`));
      }, timeoutMs);
      const onError = (err: NodeJS.ErrnoException): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(socketFailure(err, opts.host, opts.port));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(new WireConnection(socket, opts, performance.now() - started));
      });
    });
  }

  /** The local and remote addresses of the socket, for reports. */
  get addresses(): { local: string; remote: string } {
    return { local: `${this.socket.localAddress}:${this.socket.localPort}`, remote: `${this.socket.remoteAddress}:${this.socket.remotePort}` };
  }

  get closed(): boolean {
    return this.failure !== undefined;
  }

  /**
   * Sends one request through the generated codecs and resolves with the decoded response body.
   * Rejects with WireError; a Kafka error code inside the body is data, not a rejection.
   */
  async request<T = unknown>(apiKey: number, apiVersion: number, body: unknown, options: { timeoutMs?: number } = {}): Promise<T> {
    const frame = await this.roundTrip(apiKey, apiVersion, body, options.timeoutMs);
    const decoded = decodeResponse(frame, apiKey, apiVersion);
    if (decoded.error !== undefined && decoded.body === undefined) {
      throw new WireError('protocol', `${apiTable[apiKey]?.name ?? `API ${apiKey}`} v${apiVersion} response from ${this.host}:${this.port} does not decode: ${decoded.error}`);
    }
    return decoded.body as T;
  }

  /**
   * ApiVersions, starting at `version` (default: our highest). A broker that does not know that version answers
   * in v0 with error 35 (UNSUPPORTED_VERSION) and its own range; we then retry once at the highest version both
   * sides support, as Kafka's own clients do.
   */
  async apiVersions(version = maxVersionOf(API_VERSIONS_KEY), options: { timeoutMs?: number; clientSoftwareName?: string; clientSoftwareVersion?: string } = {}): Promise<ApiVersionsResult> {
    const body = { clientSoftwareName: options.clientSoftwareName ?? 'kstack', clientSoftwareVersion: options.clientSoftwareVersion ?? '0.1.0' };
    const first = this.readApiVersions(await this.roundTrip(API_VERSIONS_KEY, version, body, options.timeoutMs), version);
    if (first.response.errorCode !== ErrorCode.UNSUPPORTED_VERSION) return first;
    const theirs = first.response.apiKeys.find((k) => k.apiKey === API_VERSIONS_KEY);
    const retry = theirs ? Math.min(theirs.maxVersion, maxVersionOf(API_VERSIONS_KEY)) : 0;
    if (retry >= version) return first; // Nothing lower to try; report the error as it came.
    const second = this.readApiVersions(await this.roundTrip(API_VERSIONS_KEY, retry, body, options.timeoutMs), retry);
    return { ...second, downgradedFrom: version };
  }

  /**
   * Metadata at `version` (default: the highest we know, capped by `brokerVersions` when given). `topics`
   * defaults to none at all (brokers, cluster id and controller only; v0 has no way to ask for no topics, so it
   * lists every topic).
   */
  async metadata(options: { version?: number; topics?: string[] | null; brokerVersions?: ApiVersionsResponse; timeoutMs?: number } = {}): Promise<MetadataResult> {
    let version = options.version ?? maxVersionOf(METADATA_KEY);
    if (options.version === undefined && options.brokerVersions) {
      const theirs = options.brokerVersions.apiKeys.find((k) => k.apiKey === METADATA_KEY);
      if (theirs) version = Math.min(version, theirs.maxVersion);
    }
    const topics = options.topics === undefined ? [] : options.topics;
    const body: MetadataRequest = {
      topics: topics === null ? (version >= 1 ? null : []) : topics.map((name) => ({ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name })),
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    };
    const response = await this.request<MetadataResponse>(METADATA_KEY, version, body, { timeoutMs: options.timeoutMs });
    return { version, response };
  }

  /** Closes the socket; pending requests reject with `local-close`. */
  close(): void {
    this.fail(new WireError('local-close', `connection to ${this.host}:${this.port} closed by kstack`));
  }

  private readApiVersions(frame: Buffer, version: number): ApiVersionsResult {
    const r = new Reader(frame);
    readResponseHeader(r, API_VERSIONS_KEY, version); // always header v0
    const bodyStart = r.pos;
    const errorCode = frame.length - bodyStart >= 2 ? frame.readInt16BE(bodyStart) : -1;
    // An UNSUPPORTED_VERSION answer is in v0 whatever version was asked (KIP-511).
    const decodeAs = errorCode === ErrorCode.UNSUPPORTED_VERSION ? 0 : version;
    const response = readApiVersionsResponse(r, decodeAs);
    if (!r.ok) throw new WireError('protocol', `ApiVersions v${decodeAs} response from ${this.host}:${this.port} does not decode: ${r.error}`);
    return { version: decodeAs, requestedVersion: version, response };
  }

  private roundTrip(apiKey: number, apiVersion: number, body: unknown, timeoutMs = this.requestTimeoutMs): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    let frame: Buffer;
    try {
      // Copy: the writer's buffer is reused by the next request.
      frame = Buffer.from(encodeRequestFrame(apiKey, apiVersion, correlationId, this.clientId, body, this.writer));
    } catch (err) {
      return Promise.reject(new WireError('protocol', `cannot encode ${apiTable[apiKey]?.name ?? `API ${apiKey}`} v${apiVersion}: ${(err as Error).message}`, { cause: err }));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        const what = `${apiTable[apiKey]?.name ?? `API ${apiKey}`} v${apiVersion}`;
        const got = this.buffered.length > 0 ? ` (${this.buffered.length} bytes of an incomplete frame arrived)` : '';
        reject(new WireError('request-timeout', `no answer to ${what} from ${this.host}:${this.port} within ${timeoutMs} ms${got}`, { firstBytes: this.firstBytes }));
      }, timeoutMs);
      this.pending.set(correlationId, { apiKey, apiVersion, resolve, reject, timer });
      this.socket.write(frame);
    });
  }

  private onData(chunk: Buffer): void {
    if (this.failure) return;
    if (this.firstBytes === undefined) this.firstBytes = Buffer.from(chunk.subarray(0, 16));
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= FRAME_SIZE_BYTES) {
      const size = this.buffered.readInt32BE(0);
      if (size < 4 || size > this.maxResponseBytes || guessPeer(this.buffered) !== 'unknown') {
        const guess = guessPeer(this.buffered);
        this.fail(new WireError('not-kafka', `${this.host}:${this.port} answered with ${describeGuess(guess)}: first bytes ${this.buffered.subarray(0, 16).toString('hex')}`, { guess, firstBytes: this.buffered }));
        return;
      }
      if (this.buffered.length < FRAME_SIZE_BYTES + size) return;
      const frame = this.buffered.subarray(FRAME_SIZE_BYTES, FRAME_SIZE_BYTES + size);
      this.buffered = this.buffered.subarray(FRAME_SIZE_BYTES + size);
      const correlationId = frame.readInt32BE(0);
      const p = this.pending.get(correlationId);
      if (!p) {
        this.fail(new WireError('protocol', `${this.host}:${this.port} answered correlation id ${correlationId}, which no request used`, { firstBytes: this.firstBytes }));
        return;
      }
      this.pending.delete(correlationId);
      clearTimeout(p.timer);
      p.resolve(frame);
    }
  }

  private closedError(): WireError {
    const pendingNames = [...this.pending.values()].map((p) => `${apiTable[p.apiKey]?.name ?? p.apiKey} v${p.apiVersion}`);
    const during = pendingNames.length > 0 ? ` while waiting for ${pendingNames.join(', ')}` : '';
    if (this.buffered.length > 0) {
      const guess = guessPeer(this.buffered);
      return new WireError(guess === 'unknown' ? 'closed' : 'not-kafka', `${this.host}:${this.port} closed the connection${during} after sending ${describeGuess(guess)}`, { guess, firstBytes: this.buffered });
    }
    return new WireError('closed', `${this.host}:${this.port} closed the connection${during} without answering`, { firstBytes: this.firstBytes });
  }

  private fail(err: WireError): void {
    if (this.failure) return;
    this.failure = err;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    this.socket.destroy();
  }
}

export interface ApiVersionsResult {
  /** The version the response was decoded as (0 for an UNSUPPORTED_VERSION answer). */
  version: number;
  /** The version the final request used. */
  requestedVersion: number;
  /** Set when the first request was answered with UNSUPPORTED_VERSION and a lower version was used. */
  downgradedFrom?: number;
  response: ApiVersionsResponse;
}

export interface MetadataResult {
  version: number;
  response: MetadataResponse;
}

/** Our highest version of an API (from the generated codecs). */
export function maxVersionOf(apiKey: number): number {
  const range = API_VERSION_RANGES.find((r) => r.apiKey === apiKey);
  if (!range) throw new Error(`unknown API key ${apiKey}`);
  return range.maxVersion;
}

/** The highest version of `apiKey` both we and the broker (from its ApiVersions answer) support, or null. */
export function negotiateVersion(apiKey: number, broker: ApiVersionsResponse): number | null {
  const ours = API_VERSION_RANGES.find((r) => r.apiKey === apiKey);
  const theirs = broker.apiKeys.find((k) => k.apiKey === apiKey);
  if (!ours || !theirs) return null;
  const max = Math.min(ours.maxVersion, theirs.maxVersion);
  return max >= Math.max(ours.minVersion, theirs.minVersion) ? max : null;
}

/** Kafka's name for an error code ("LISTENER_NOT_FOUND (72)"). */
export function errorName(code: number): string {
  return `${kafkaError(code)?.name ?? 'UNKNOWN_SERVER_ERROR'} (${code})`;
}

/** Connect, run `work`, always close. */
export async function withConnection<T>(opts: WireConnectOptions, work: (conn: WireConnection) => Promise<T>): Promise<T> {
  const conn = await WireConnection.connect(opts);
  try {
    return await work(conn);
  } finally {
    conn.close();
  }
}
