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
