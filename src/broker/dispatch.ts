/**
 * The handler table: one entry per implemented API key, built from src/broker/handlers/index.ts. The connection
 * decodes the request header, looks the key up here, checks the version against the entry's range, decodes the
 * body with the generated codec and calls `handle`. ApiVersions answers from this same table, so what is
 * advertised is exactly what is implemented (research/broker-facts.md P1/P2/P11).
 *
 * A handler returns the response message (the generated `XResponse` type), a promise of it (Fetch long-poll,
 * JoinGroup/SyncGroup waits), or `null` for "send nothing" (acks=0 Produce). Kafka errors are data in the
 * response; a throw is a bug — the connection logs it and closes that one socket.
 */
import type { BrokerContext } from './context.js';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';
import { readRequestHeader, writeResponseHeader } from '../protocol/frame.js';
import { apiTable } from '../protocol/generated/index.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';

export interface ConnectionInfo {
  /** Unique per broker process, increasing. */
  id: number;
  /** Upper-cased listener name the client connected on (PLAINTEXT, INTERNAL, …). */
  listenerName: string;
  remoteAddress: string;
  remotePort?: number;
}

export interface RequestContext {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  connection: ConnectionInfo;
  broker: BrokerContext;
}

export interface HandlerEntry<Req = any, Res = any> {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
  handle(req: Req, ctx: RequestContext): Res | null | Promise<Res | null>;
}

/** Sparse array indexed by API key. */
export type HandlerTable = readonly (HandlerEntry | undefined)[];

export class HandlerTableError extends Error {}

/** Builds the table, refusing duplicate keys and ranges that do not start at 0 (every minimum is 0: P1/P2). */
export function buildHandlerTable(entries: readonly HandlerEntry[]): HandlerTable {
  const table: (HandlerEntry | undefined)[] = [];
  for (const e of entries) {
    if (table[e.apiKey] !== undefined) throw new HandlerTableError(`two handlers for API key ${e.apiKey}`);
    if (e.minVersion !== 0) throw new HandlerTableError(`API key ${e.apiKey}: minimum version must be 0, not ${e.minVersion}`);
    if (e.maxVersion < e.minVersion) throw new HandlerTableError(`API key ${e.apiKey}: empty version range`);
    table[e.apiKey] = e;
  }
  return table;
}

/** The advertised ranges, ascending by key (what ApiVersions returns). */
export function advertisedVersions(table: HandlerTable): { apiKey: number; minVersion: number; maxVersion: number }[] {
  const out: { apiKey: number; minVersion: number; maxVersion: number }[] = [];
  for (const e of table) if (e !== undefined) out.push({ apiKey: e.apiKey, minVersion: e.minVersion, maxVersion: e.maxVersion });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Frame → handler → frame.

export class RequestError extends Error {}

/** How the connection layer calls into dispatch: the frame (without its size prefix) and who sent it. */
export interface RequestSource {
  id: number;
  listenerName: string;
  remoteAddress: string;
  remotePort: number;
}

const API_VERSIONS_KEY = 18;

/**
 * Byte fields from this size on (Fetch record sets) are written by reference: the response leaves as the encoded
 * fields plus the record buffers read from the log, in one corked socket write, instead of being copied into one
 * big buffer first.
 */
const REFERENCE_BYTES_FROM = 16 * 1024;

/** A response frame: one buffer, or several to be written back to back (see REFERENCE_BYTES_FROM). */
export type ResponseFrame = Buffer | Buffer[];

function encodeResponse(apiKey: number, apiVersion: number, correlationId: number, body: unknown): ResponseFrame {
  const api = apiTable[apiKey]!;
  const w = new Writer(256, { referenceBytesFrom: REFERENCE_BYTES_FROM });
  const at = w.reserveInt32();
  writeResponseHeader(w, apiKey, apiVersion, correlationId);
  api.writeResponse(w, apiVersion, body);
  w.patchInt32(at, w.length - 4);
  const chunks = w.finishChunks();
  return chunks.length === 1 ? chunks[0] : chunks;
}

/**
 * Builds the processor a Connection calls for every frame. Errors thrown from here (malformed header or body,
 * unknown API, unsupported version other than ApiVersions') make the connection log and close, as Kafka does.
 */
export function createRequestProcessor(
  table: HandlerTable,
  broker: BrokerContext,
): (frame: Buffer, source: RequestSource) => ResponseFrame | null | Promise<ResponseFrame | null> {
  const requestLogger = broker.requestLogger;
  return (frame, source) => {
    const r = new Reader(frame);
    const header = readRequestHeader(r);
    if (!r.ok) throw new RequestError(`malformed request header: ${r.error}`);
    const { apiKey, apiVersion, correlationId } = header;
    const entry = apiKey >= 0 ? table[apiKey] : undefined;
    if (entry === undefined) throw new RequestError(`unknown API key ${apiKey} (version ${apiVersion}, correlation id ${correlationId})`);
    const ctx: RequestContext = {
      apiKey,
      apiVersion,
      correlationId,
      clientId: header.clientId,
      connection: { id: source.id, listenerName: source.listenerName, remoteAddress: source.remoteAddress, remotePort: source.remotePort },
      broker,
    };
    if (apiVersion < entry.minVersion || apiVersion > entry.maxVersion) {
      if (apiKey === API_VERSIONS_KEY) {
        // KIP-511: answer an unknown ApiVersions version in v0 with UNSUPPORTED_VERSION and the full list, so the
        // client can retry with a version we know (research/broker-facts.md P4). The body is not parsed.
        const res = { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: advertisedVersions(table) };
        return encodeResponse(apiKey, 0, correlationId, res);
      }
      throw new RequestError(`unsupported version ${apiVersion} of API key ${apiKey} (supported ${entry.minVersion}-${entry.maxVersion})`);
    }
    const body = apiTable[apiKey]!.readRequest(r, apiVersion);
    if (!r.ok) throw new RequestError(`malformed ${apiTable[apiKey]!.name} v${apiVersion} request (correlation id ${correlationId}): ${r.error}`);
    const started = requestLogger.isEnabled('DEBUG') ? broker.clock() : 0;
    const result = entry.handle(body, ctx);
    const finish = (res: unknown): ResponseFrame | null => {
      if (started !== 0) {
        requestLogger.debug(
          `Completed request:{api=${apiTable[apiKey]!.name},version=${apiVersion},correlationId=${correlationId},clientId=${header.clientId}} from connection ${source.remoteAddress}:${source.remotePort}-${source.id};totalTime:${broker.clock() - started},listener:${source.listenerName}`,
        );
      }
      if (res === null) return null;
      return encodeResponse(apiKey, apiVersion, correlationId, res);
    };
    if (result instanceof Promise) return result.then(finish);
    return finish(result);
  };
}
