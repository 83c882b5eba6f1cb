/**
 * A typed docker-compose model (the subset kstack writes) and its YAML form. The YAML is produced by the `yaml`
 * library from this model — never pasted together from strings — so quoting is always right: every environment
 * value and port is a string (docker-compose rejects numbers there: "contains {...}, which is an invalid type,
 * it should be a string"), and comments are attached to nodes rather than spliced into text.
 *
 * The file follows the Compose Specification without a top-level `version:` key, which docker-compose 1.27+
 * (Debian's 1.29.2) and `docker compose` v2 both accept; `depends_on` with `condition: service_healthy` is part
 * of that specification.
 */
import { Document, isMap, isScalar, isSeq, YAMLMap } from 'yaml';

export interface ComposeHealthcheck {
  /** ["CMD-SHELL", "<shell command>"] or ["CMD", exe, ...args]. */
  test: string[];
  interval: string;
  timeout: string;
  retries: number;
  start_period: string;
}

export interface ComposeService {
  image: string;
  hostname: string;
  container_name?: string;
  /** "hostIp:hostPort:containerPort" or "hostPort:containerPort". */
  ports?: string[];
  environment: Record<string, string>;
  extra_hosts?: string[];
  depends_on?: Record<string, { condition: 'service_healthy' | 'service_started' }>;
  healthcheck?: ComposeHealthcheck;
  restart?: 'no' | 'on-failure' | 'unless-stopped';
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
}

/** Comments to attach: one block at the top, and one line above a service (keyed by service name). */
export interface ComposeComments {
  header: string[];
  services?: Record<string, string[]>;
  /** Above a service's key inside it, e.g. { 'kafka-1': { extra_hosts: ['…'] } }. */
  fields?: Record<string, Record<string, string[]>>;
}

const comment = (lines: readonly string[]) => lines.map((l) => (l === '' ? '' : ` ${l}`)).join('\n');

/** The compose file as YAML text. */
export function composeToYaml(file: ComposeFile, comments: ComposeComments = { header: [] }): string {
  // docker-compose (PyYAML) reads YAML 1.1: written as 1.1, `yes`, `on` and `22:22` come out quoted (else a boolean, a base-60 int).
  const doc = new Document(file, { version: '1.1' });
  if (comments.header.length) doc.commentBefore = comment(comments.header);
  const services = doc.get('services');
  if (isMap(services)) {
    for (const pair of (services as YAMLMap).items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '';
      const above = comments.services?.[name];
      if (above?.length && isScalar(pair.key)) pair.key.commentBefore = comment(above);
      // Ports always double-quoted: YAML 1.1 readers (docker-compose's PyYAML) read "22:22" as a base-60 number.
      if (isMap(pair.value)) {
        const ports = (pair.value as YAMLMap).get('ports');
        if (isSeq(ports)) for (const item of ports.items) if (isScalar(item)) item.type = 'QUOTE_DOUBLE';
      }
      const fields = comments.fields?.[name];
      if (fields && isMap(pair.value)) {
        for (const inner of (pair.value as YAMLMap).items) {
          const key = isScalar(inner.key) ? String(inner.key.value) : '';
          if (fields[key]?.length && isScalar(inner.key)) inner.key.commentBefore = comment(fields[key]);
        }
      }
    }
  }
  return doc.toString({ lineWidth: 0 });
}
