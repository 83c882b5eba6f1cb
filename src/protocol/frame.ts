/**
 * Kafka framing and message headers.
 *
 * Frame: int32 size (bytes that follow), then the header, then the body.
 * Request header: v0 = api_key int16, api_version int16, correlation_id int32; v1 adds client_id (classic nullable
 * string); v2 adds a tagged-field section — and its client_id stays a classic string (RequestHeader.json marks it
 * `flexibleVersions: none`). Which version a request uses: 2 when the API version is flexible, else 1, except
 * ControlledShutdown v0, which uses 0.
 * Response header: v0 = correlation_id int32; v1 adds a tagged-field section. 1 when flexible, else 0, except
 * ApiVersions, which always answers with v0 so a client can read the answer before it knows our versions (KIP-511).
 */
import { type ApiInfo, apiTable, requestHeaderVersion, responseHeaderVersion } from './generated/index.js';
import { readRequestHeader as readRequestHeaderV, writeRequestHeader as writeRequestHeaderV } from './generated/request-header.js';
import { readResponseHeader as readResponseHeaderV, writeResponseHeader as writeResponseHeaderV } from './generated/response-header.js';
import { Reader, type RawTaggedField } from './reader.js';
import { ProtocolEncodeError, Writer } from './writer.js';

/** Bytes of the size prefix in front of every frame. */
export const FRAME_SIZE_BYTES = 4;

export interface RequestHeaderInfo {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  /** null when the client sent a null client id, or the header version has none (v0, unknown API). */
  clientId: string | null;
  /** 0, 1 or 2; -1 for an API key we do not know (only key, version and correlation id were read). */
  headerVersion: number;
  /** The API key is known and the version is in its range: the body can be decoded. */
  supported: boolean;
  _unknownTaggedFields?: RawTaggedField[];
}

/**
 * Reads a request header. For a known API the header version follows Kafka's rules even when the API version
 * is above our range (flexible stays flexible), so the broker can still answer UNSUPPORTED_VERSION with the
 * right correlation id. Check `r.ok` afterwards: a truncated header leaves it false.
 */
export function readRequestHeader(r: Reader): RequestHeaderInfo {
  const start = r.pos;
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const api = apiKey >= 0 ? apiTable[apiKey] : undefined;
  if (api === undefined) {
    const correlationId = r.int32();
    return { apiKey, apiVersion, correlationId, clientId: null, headerVersion: -1, supported: false };
  }
  r.pos = start;
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  const h = readRequestHeaderV(r, headerVersion);
  const info: RequestHeaderInfo = {
    apiKey,
    apiVersion,
    correlationId: h.correlationId,
    clientId: headerVersion >= 1 ? h.clientId : null,
    headerVersion,
    supported: apiVersion >= api.minVersion && apiVersion <= api.maxVersion,
  };
  if (h._unknownTaggedFields !== undefined) info._unknownTaggedFields = h._unknownTaggedFields;
  return info;
}

/** Writes a request header in the version Kafka's rules give for (apiKey, apiVersion). */
export function writeRequestHeader(w: Writer, apiKey: number, apiVersion: number, correlationId: number, clientId: string | null): void {
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  writeRequestHeaderV(w, headerVersion, { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId });
}

/** Writes a response header: v0 (correlation id) or v1 (plus an empty tagged-field section); ApiVersions always v0. */
export function writeResponseHeader(w: Writer, apiKey: number, apiVersion: number, correlationId: number): void {
  writeResponseHeaderV(w, responseHeaderVersion(apiKey, apiVersion), { correlationId });
}

/** Reads a response header for a request of (apiKey, apiVersion); returns the correlation id (check `r.ok`). */
export function readResponseHeader(r: Reader, apiKey: number, apiVersion: number): number {
  return readResponseHeaderV(r, responseHeaderVersion(apiKey, apiVersion)).correlationId;
}

function knownApi(apiKey: number, apiVersion: number): ApiInfo {
  const api = apiTable[apiKey];
  if (api === undefined) throw new ProtocolEncodeError(`unknown API key ${apiKey}`);
  if (apiVersion < api.minVersion || apiVersion > api.maxVersion) {
    throw new ProtocolEncodeError(`${api.name} version ${apiVersion} is outside ${api.minVersion}-${api.maxVersion}`);
  }
  return api;
}

/**
 * A complete request frame: size prefix, header, body encoded by the generated writer for (apiKey, apiVersion).
 * Pass a Writer to reuse its buffer; the result is a view of it.
 */
export function encodeRequestFrame(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  body: unknown,
  w: Writer = new Writer(),
): Buffer {
  const api = knownApi(apiKey, apiVersion);
  w.reset();
  const at = w.reserveInt32();
  writeRequestHeader(w, apiKey, apiVersion, correlationId, clientId);
  api.writeRequest(w, apiVersion, body);
  w.patchInt32(at, w.length - FRAME_SIZE_BYTES);
  return w.finish();
}

/** A complete response frame: size prefix, response header, body. */
export function encodeResponseFrame(apiKey: number, apiVersion: number, correlationId: number, body: unknown, w: Writer = new Writer()): Buffer {
  const api = knownApi(apiKey, apiVersion);
  w.reset();
  const at = w.reserveInt32();
  writeResponseHeader(w, apiKey, apiVersion, correlationId);
  api.writeResponse(w, apiVersion, body);
  w.patchInt32(at, w.length - FRAME_SIZE_BYTES);
  return w.finish();
}

/**
 * Size of the frame starting at `offset`: the number of bytes after the size prefix, -1 when fewer than 4 bytes
 * are there yet, or -2 when the size is negative (a corrupt stream). The caller compares it with its
 * max request size before buffering anything.
 */
export function peekFrameSize(buf: Buffer, offset = 0): number {
  if (buf.length - offset < FRAME_SIZE_BYTES) return -1;
  const size = buf.readInt32BE(offset);
  return size < 0 ? -2 : size;
}

export interface DecodedRequest {
  header: RequestHeaderInfo;
  /** The decoded body; undefined when the API or version is unsupported or decoding failed. */
  body: unknown;
  /** What went wrong, if anything (truncated, trailing bytes, unsupported version …). */
  error: string | undefined;
}

/** Decodes one request frame's contents (without the size prefix). Never throws. */
export function decodeRequest(frame: Buffer): DecodedRequest {
  const r = new Reader(frame);
  const header = readRequestHeader(r);
  if (!r.ok) return { header, body: undefined, error: `request header: ${r.error}` };
  if (!header.supported) {
    return { header, body: undefined, error: `unsupported API key ${header.apiKey} version ${header.apiVersion}` };
  }
  const body = apiTable[header.apiKey]!.readRequest(r, header.apiVersion);
  if (!r.ok) return { header, body: undefined, error: r.error };
  if (r.remaining() !== 0) return { header, body, error: `${r.remaining()} unexpected bytes after the request body` };
  return { header, body, error: undefined };
}

export interface DecodedResponse {
  correlationId: number;
  body: unknown;
  error: string | undefined;
}

/** Decodes one response frame's contents (without the size prefix) for a request of (apiKey, apiVersion). */
export function decodeResponse(frame: Buffer, apiKey: number, apiVersion: number): DecodedResponse {
  const api = apiTable[apiKey];
  if (api === undefined || apiVersion < api.minVersion || apiVersion > api.maxVersion) {
    return { correlationId: -1, body: undefined, error: `unsupported API key ${apiKey} version ${apiVersion}` };
  }
  const r = new Reader(frame);
  const correlationId = readResponseHeader(r, apiKey, apiVersion);
  const body = api.readResponse(r, apiVersion);
  if (!r.ok) return { correlationId, body: undefined, error: r.error };
  if (r.remaining() !== 0) return { correlationId, body, error: `${r.remaining()} unexpected bytes after the response body` };
  return { correlationId, body, error: undefined };
}
