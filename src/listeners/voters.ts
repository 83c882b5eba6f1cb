/**
 * `controller.quorum.voters`: `{id}@{host}:{port},…`, parsed as Kafka's QuorumConfig.parseVoterConnections does
 * (Kafka 3.x), with its messages: every entry needs exactly one `@`, an integer id, a `host:port` (IPv6 in brackets),
 * and a routable host (not 0.0.0.0).
 */
import { ListenerConfigError, parseCsvList } from './endpoints.js';

export const VOTERS_PROPERTY = 'controller.quorum.voters';

export interface Voter {
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

const FORM = `Each entry should be in the form \`{id}@{host}:{port}\`.`;
const HOST_PORT = /^\[?([0-9a-zA-Z\-%._:]*)\]?:([0-9]+)$/;

export function parseVoters(value: string): Voter[] {
  const voters: Voter[] = [];
  for (const entry of parseCsvList(value)) {
    const parts = entry.split('@');
    if (parts.length !== 2) throw new ListenerConfigError(VOTERS_PROPERTY, 'L14', `Invalid configuration value for ${VOTERS_PROPERTY}. ${FORM}`);
    const [idText, address] = parts;
    if (!/^-?\d+$/.test(idText) || !Number.isSafeInteger(Number(idText)) || Math.abs(Number(idText)) > 2 ** 31 - 1) {
      throw new ListenerConfigError(VOTERS_PROPERTY, 'L14', `Failed to parse voter ID as an integer from ${idText}`);
    }
    const m = HOST_PORT.exec(address);
    if (!m || m[1] === '') {
      throw new ListenerConfigError(VOTERS_PROPERTY, 'L14', `Failed to parse host name from entry ${entry} for the configuration ${VOTERS_PROPERTY}. ${FORM}`);
    }
    const port = Number(m[2]);
    if (port > 65535) {
      throw new ListenerConfigError(VOTERS_PROPERTY, 'L14', `Failed to parse host port from entry ${entry} for the configuration ${VOTERS_PROPERTY}. ${FORM}`);
    }
    if (m[1] === '0.0.0.0') throw new ListenerConfigError(VOTERS_PROPERTY, 'L14', `Host string (${m[1]}) is not routeable`);
    voters.push({ id: Number(idText), host: m[1], port });
  }
  const ids = voters.map((v) => v.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup !== undefined) throw new ListenerConfigError(VOTERS_PROPERTY, 'L14', `Invalid configuration value for ${VOTERS_PROPERTY}: voter id ${dup} appears more than once`);
  return voters;
}

export function formatVoters(voters: readonly Voter[]): string {
  return voters.map((v) => `${v.id}@${v.host.includes(':') ? `[${v.host}]` : v.host}:${v.port}`).join(',');
}
