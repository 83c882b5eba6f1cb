/**
 * Kafka client properties files (`--config producer.properties`), as kafka-console-producer's
 * `--producer.config` reads them: the keys kstack's produce/consume understand, with Kafka's names.
 * Command-line flags override what the file says.
 */
import { readFileSync } from 'node:fs';
import { KstackError } from '../errors.js';
import { parseProperties } from '../listeners/properties.js';

export interface ClientConfig {
  bootstrapServers?: string;
  clientId?: string;
  acks?: string;
  compressionType?: string;
  groupId?: string;
  /** auto.offset.reset=earliest means --from-beginning. */
  fromBeginning?: boolean;
}

const KNOWN = new Set(['bootstrap.servers', 'client.id', 'acks', 'compression.type', 'group.id', 'auto.offset.reset']);

export function parseClientConfig(text: string, source: string): { config: ClientConfig; ignored: string[] } {
  const file = parseProperties(text, source);
  const get = (key: string) => file.get(key);
  const reset = get('auto.offset.reset');
  if (reset !== undefined && reset !== 'earliest' && reset !== 'latest') {
    throw new KstackError('KSTACK_BAD_CONFIG', `${source}: auto.offset.reset must be earliest or latest, not "${reset}"`, { exitCode: 2 });
  }
  const config: ClientConfig = {
    bootstrapServers: get('bootstrap.servers'),
    clientId: get('client.id'),
    acks: get('acks'),
    compressionType: get('compression.type'),
    groupId: get('group.id'),
    fromBeginning: reset === undefined ? undefined : reset === 'earliest',
  };
  const ignored = file.entries.map((e) => e.key).filter((k) => !KNOWN.has(k));
  return { config, ignored };
}

export function readClientConfig(path: string): ClientConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new KstackError('KSTACK_BAD_CONFIG', `cannot read client config ${path}: ${(err as Error).message}`, { exitCode: 2 });
  }
  const { config, ignored } = parseClientConfig(text, path);
  if (ignored.length > 0) process.stderr.write(`kstack: ${path}: ignoring ${ignored.join(', ')} (not used by kstack's client commands)\n`);
  return config;
}
