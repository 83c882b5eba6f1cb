/**
 * Kafka's listener syntax: `listeners` / `advertised.listeners` (`NAME://host:port,…`) and
 * `listener.security.protocol.map` (`NAME:PROTOCOL,…`), parsed with Kafka's own rules and error wording
 * (kafka.cluster.EndPoint, CoreUtils.listenerListToEndPoints, KafkaConfig; Kafka 2.7–3.9):
 * - an entry must match `^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$`; an empty host means "all interfaces";
 * - listener names are case-insensitive (Kafka upper-cases them);
 * - every name needs a security protocol: its own name when that is a protocol and the map is unset, else a map
 *   entry;
 * - names must be unique; ports too, except port 0, except in advertised.listeners, and except exactly one IPv4
 *   and one IPv6 listener sharing a port.
 * Errors are ListenerConfigError with Kafka's message and the rule number of research/devenv-facts.md §3a.
 */

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

/** Kafka's default `listener.security.protocol.map`: every protocol maps to itself. */
export const DEFAULT_PROTOCOL_MAP: ReadonlyMap<string, SecurityProtocol> = new Map(SECURITY_PROTOCOLS.map((p) => [p, p]));

export interface Endpoint {
  /** Upper-cased listener name, e.g. PLAINTEXT, CONTROLLER, INTERNAL. */
  readonly listenerName: string;
  /** null when the host part is empty (bind to every interface; advertised: the canonical host name). */
  readonly host: string | null;
  readonly port: number;
  readonly securityProtocol: SecurityProtocol;
}

export class ListenerConfigError extends Error {
  /** The property the text came from, e.g. `advertised.listeners`. */
  readonly property: string;
  /** Rule id from research/devenv-facts.md §3a (L1…L20). */
  readonly rule: string;
  constructor(property: string, rule: string, message: string) {
    super(message);
    this.name = 'ListenerConfigError';
    this.property = property;
    this.rule = rule;
  }
}

export function isSecurityProtocol(value: string): value is SecurityProtocol {
  return (SECURITY_PROTOCOLS as readonly string[]).includes(value);
}

/** Kafka's CSV list: split on commas with surrounding blanks, drop empty items. */
export function parseCsvList(value: string): string[] {
  const trimmed = value.trim();
  if (trimmed === '') return [];
  return trimmed.split(/\s*,\s*/).filter((item) => item !== '');
}

export function normaliseListenerName(name: string): string {
  return name.toUpperCase();
}

/**
 * Parses `listener.security.protocol.map`. Kafka splits each entry at its LAST colon; names are upper-cased and
 * protocols must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL (case-insensitive).
 */
export function parseProtocolMap(value: string, property = 'listener.security.protocol.map'): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>();
  for (const item of parseCsvList(value)) {
    const colon = item.lastIndexOf(':');
    if (colon < 0) {
      throw new ListenerConfigError(property, 'L3', `Error parsing configuration property '${property}': entry '${item}' is not of the form NAME:PROTOCOL`);
    }
    const name = item.slice(0, colon).trim();
    const protocol = item.slice(colon + 1).trim().toUpperCase();
    if (!isSecurityProtocol(protocol)) {
      throw new ListenerConfigError(property, 'L3', `Invalid security protocol \`${item.slice(colon + 1).trim()}\` defined in ${property}`);
    }
    map.set(normaliseListenerName(name), protocol);
  }
  return map;
}

const ENDPOINT = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$/;

/** One `NAME://host:port`; `protocolMap` resolves its security protocol. Throws Kafka's messages (unwrapped). */
export function parseEndpoint(text: string, protocolMap: ReadonlyMap<string, SecurityProtocol> = DEFAULT_PROTOCOL_MAP, property = 'listeners'): Endpoint {
  const m = ENDPOINT.exec(text);
  if (!m) throw new ListenerConfigError(property, 'L1', `Unable to parse ${text} to a broker endpoint`);
  const listenerName = normaliseListenerName(m[1]);
  const securityProtocol = protocolMap.get(listenerName);
  if (!securityProtocol) throw new ListenerConfigError(property, 'L2', `No security protocol defined for listener ${listenerName}`);
  const port = Number(m[3]);
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535) {
    // Kafka accepts any int here and fails later at bind time; say so up front.
    throw new ListenerConfigError(property, 'L1', `Port ${m[3]} of ${text} is out of range (0-65535)`);
  }
  return { listenerName, host: m[2] === '' ? null : m[2], port, securityProtocol };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(host: string | null): boolean {
  return host !== null && IPV4.test(host);
}

export function isIPv6(host: string | null): boolean {
  if (host === null || !host.includes(':')) return false;
  const bare = host.split('%')[0];
  return /^[0-9a-fA-F:.]+$/.test(bare) && (bare.match(/::/g) ?? []).length <= 1;
}

export interface ParseListenersOptions {
  /** Property name used in messages (listeners, advertised.listeners). */
  property?: string;
  /** false for advertised.listeners, which may repeat ports (L6). */
  requireDistinctPorts?: boolean;
}

/** A whole listener list, validated as Kafka's CoreUtils.listenerListToEndPoints does. */
export function parseListeners(value: string, protocolMap: ReadonlyMap<string, SecurityProtocol> = DEFAULT_PROTOCOL_MAP, options: ParseListenersOptions = {}): Endpoint[] {
  const property = options.property ?? 'listeners';
  const requireDistinctPorts = options.requireDistinctPorts ?? property !== 'advertised.listeners';
  let endpoints: Endpoint[];
  try {
    endpoints = parseCsvList(value).map((item) => parseEndpoint(item, protocolMap, property));
  } catch (err) {
    const inner = err as ListenerConfigError;
    throw new ListenerConfigError(property, inner.rule ?? 'L1', `Error creating broker listeners from '${value}': ${inner.message}`);
  }
  const names = new Set(endpoints.map((e) => e.listenerName));
  if (names.size !== endpoints.length) throw new ListenerConfigError(property, 'L4', `Each listener must have a different name, listeners: ${value}`);
  if (requireDistinctPorts) {
    const byPort = new Map<number, Endpoint[]>();
    for (const e of endpoints) {
      if (e.port === 0) continue; // Kafka exempts port 0 (an ephemeral port per listener).
      byPort.set(e.port, [...(byPort.get(e.port) ?? []), e]);
    }
    for (const [port, shared] of byPort) {
      if (shared.length === 1) continue;
      if (shared.length > 2) {
        throw new ListenerConfigError(property, 'L5', `Each listener must have a different port unless exactly one listener has an IPv4 address and the other IPv6 address, listeners: ${value}, port: ${port}`);
      }
      const [a, b] = shared;
      const mixed = (isIPv4(a.host) && isIPv6(b.host)) || (isIPv6(a.host) && isIPv4(b.host));
      if (!mixed) {
        throw new ListenerConfigError(property, 'L5', `If you have two listeners on the same port then one needs to be IPv4 and the other IPv6, listeners: ${value}, port: ${port}`);
      }
    }
  }
  return endpoints;
}

/** `NAME://host:port` (IPv6 hosts in brackets, a null host as empty). */
export function formatEndpoint(e: Pick<Endpoint, 'listenerName' | 'host' | 'port'>): string {
  const host = e.host === null ? '' : isIPv6(e.host) ? `[${e.host}]` : e.host;
  return `${e.listenerName}://${host}:${e.port}`;
}

export function formatListeners(endpoints: readonly Pick<Endpoint, 'listenerName' | 'host' | 'port'>[]): string {
  return endpoints.map(formatEndpoint).join(',');
}

export function formatProtocolMap(map: ReadonlyMap<string, SecurityProtocol> | readonly (readonly [string, SecurityProtocol])[]): string {
  return [...map].map(([name, protocol]) => `${name}:${protocol}`).join(',');
}

/** The meta-address Kafka refuses to advertise (L7) and voters refuse as a host (L14). */
export function isNonRoutable(host: string | null): boolean {
  return host === '0.0.0.0';
}

/**
 * L7: advertised endpoints (or, when advertised.listeners is unset, the listeners they fall back to) must not use
 * 0.0.0.0. Returns Kafka's message or null.
 */
export function checkAdvertisedRoutable(advertised: readonly Endpoint[]): string | null {
  return advertised.some((e) => isNonRoutable(e.host)) ? 'advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.' : null;
}
