/**
 * Where broker settings come from, turned into one shape (`BrokerSource`): server.properties files, env files
 * (the variables a Kafka image reads), and docker compose services (see compose.ts). Each source knows the line
 * (or service) of every key and how to write a fix line in its own syntax.
 */
import type { FindingSource } from '../finding.js';
import { envToProperty, type EnvScheme, propertyToEnv } from '../../listeners/env-names.js';
import { parseProperties, type PropertiesFile } from '../../listeners/properties.js';

export interface PortMapping {
  hostIp: string | null;
  /** Host port; null when Docker picks one. */
  published: number | null;
  /** Container port. */
  target: number;
  protocol: string;
  /** Where the mapping is written. */
  line?: number;
}

export interface ComposeFacts {
  /** All service names in the file (brokers and others). */
  services: string[];
  /** Image of every service in the file (null when built or unset). */
  serviceImages: Record<string, string | null>;
  image: string | null;
  ports: PortMapping[];
  extraHosts: string[];
  /** Names other containers resolve to this one: service name, hostname, container_name, aliases. */
  names: string[];
  /** Line of the service's key, for findings about the service as a whole. */
  line?: number;
}

export interface BrokerSource {
  kind: 'properties' | 'env' | 'compose';
  /** Short label: the file, or `file#service`. */
  label: string;
  file: string;
  service?: string;
  scheme?: EnvScheme;
  /** Effective server.properties keys and values (image defaults and derivations applied). */
  values: Map<string, string>;
  /** KRaft cluster id from the image's variable (CLUSTER_ID …), when set. */
  clusterId: string | null;
  inContainer: boolean;
  sourceOf(key: string): FindingSource;
  fixLine(key: string, value: string | null): string;
  compose?: ComposeFacts;
  /** Problems reading the source itself (bad lines, unknown variables). */
  readProblems: { line?: number; message: string }[];
}

export function propertiesSource(text: string, file: string): BrokerSource {
  const props: PropertiesFile = parseProperties(text, file);
  const problems = props.problems.map((p) => ({ line: p.line, message: p.message }));
  for (const d of props.duplicates) problems.push({ line: d.lines[d.lines.length - 1], message: `${d.key} is set ${d.lines.length} times (lines ${d.lines.join(', ')}); Kafka uses the last one` });
  return {
    kind: 'properties',
    label: file,
    file,
    values: new Map([...props.toMap()].map(([k, v]) => [k, v])),
    clusterId: null,
    inContainer: false,
    sourceOf: (key) => {
      const e = props.entry(key);
      return e ? { file, line: e.line } : { file };
    },
    fixLine: (key, value) => (value === null ? `# remove line: ${key}=${props.get(key) ?? ''}` : `${key}=${value}`),
    readProblems: problems,
  };
}

/** Variables a Kafka image reads that are not server.properties keys. */
const NOT_PROPERTIES = new Set([
  'KAFKA_HEAP_OPTS', 'KAFKA_OPTS', 'KAFKA_JVM_PERFORMANCE_OPTS', 'KAFKA_LOG4J_OPTS', 'KAFKA_LOG4J_ROOT_LOGLEVEL', 'KAFKA_LOG4J_LOGGERS',
  'KAFKA_TOOLS_LOG4J_LOGLEVEL', 'KAFKA_GC_LOG_OPTS', 'KAFKA_DEBUG', 'KAFKA_JMX_OPTS', 'KAFKA_JMX_PORT', 'KAFKA_JMX_HOSTNAME',
  'KAFKA_CLUSTER_ID', 'KAFKA_KRAFT_CLUSTER_ID', 'KAFKA_ENABLE_KRAFT', 'KAFKA_KRAFT_BOOTSTRAP_SCRIPTS', 'KAFKA_CREATE_TOPICS',
]);

export function isPropertyVariable(scheme: EnvScheme, name: string): boolean {
  if (NOT_PROPERTIES.has(name) || name.startsWith('KAFKA_JMX_')) return false;
  if (scheme === 'bitnami') return name.startsWith('KAFKA_CFG_');
  return name.startsWith('KAFKA_') && !name.startsWith('KAFKA_CFG_');
}

/** Which naming convention an image uses. */
export function schemeForImage(image: string | null): EnvScheme | null {
  if (!image) return null;
  const i = image.toLowerCase();
  if (/(^|\/)bitnami(legacy)?\/kafka/.test(i)) return 'bitnami';
  if (/confluentinc\/(cp-kafka|cp-server|confluent-local)/.test(i)) return 'confluent';
  if (/(^|\/)apache\/kafka/.test(i)) return 'apache';
  return null;
}

/** The scheme an environment's variable names suggest when the image does not say. */
export function guessScheme(names: readonly string[]): EnvScheme {
  return names.some((n) => n.startsWith('KAFKA_CFG_')) ? 'bitnami' : 'apache';
}

export interface EnvVar {
  name: string;
  value: string;
  line?: number;
  file: string;
}

/** Parses a docker-style env file: `NAME=value`, `# comments`, optional `export `, optional quotes. */
export function parseEnvFile(text: string, file: string): { vars: EnvVar[]; problems: { line: number; message: string }[] } {
  const vars: EnvVar[] = [];
  const problems: { line: number; message: string }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      problems.push({ line: i + 1, message: `not NAME=value: ${line}` });
      return;
    }
    let value = m[2];
    if ((value.startsWith('"') && value.endsWith('"') && value.length >= 2) || (value.startsWith("'") && value.endsWith("'") && value.length >= 2)) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '');
    vars.push({ name: m[1], value, line: i + 1, file });
  });
  return { vars, problems };
}

/**
 * Turns a container environment into broker settings the way the image does: its naming convention, and the
 * derivation apache/kafka and cp-kafka apply when listeners are unset (advertised.listeners with every host
 * replaced by 0.0.0.0).
 */
export function envSource(vars: readonly EnvVar[], opts: { scheme: EnvScheme; file: string; service?: string; fixStyle: 'compose' | 'env'; compose?: ComposeFacts; extraProblems?: { line?: number; message: string }[] }): BrokerSource {
  const values = new Map<string, string>();
  const origin = new Map<string, FindingSource>();
  let clusterId: string | null = null;
  const service = opts.service;
  const at = (v: EnvVar): FindingSource => ({ file: v.file, ...(v.line !== undefined ? { line: v.line } : {}), ...(service ? { service } : {}) });
  for (const v of vars) {
    if (v.name === 'CLUSTER_ID' || v.name === 'KAFKA_CLUSTER_ID' || v.name === 'KAFKA_KRAFT_CLUSTER_ID') {
      clusterId = v.value;
      origin.set('$cluster.id', at(v));
      continue;
    }
    if (!isPropertyVariable(opts.scheme, v.name)) continue;
    const key = envToProperty(opts.scheme, v.name);
    if (key === null) continue;
    values.set(key, v.value);
    origin.set(key, at(v));
  }
  if (opts.scheme !== 'bitnami' && !values.has('listeners') && values.has('advertised.listeners')) {
    values.set('listeners', values.get('advertised.listeners')!.replace(/:\/\/[^,]*?:(\d+)/g, '://0.0.0.0:$1'));
    origin.set('listeners', origin.get('advertised.listeners')!);
  }
  const fallback: FindingSource = { file: opts.file, ...(opts.compose?.line !== undefined ? { line: opts.compose.line } : {}), ...(service ? { service } : {}) };
  const scheme = opts.scheme;
  return {
    kind: opts.fixStyle === 'compose' ? 'compose' : 'env',
    label: service ? `${opts.file}#${service}` : opts.file,
    file: opts.file,
    ...(service ? { service } : {}),
    scheme,
    values,
    clusterId,
    inContainer: true,
    sourceOf: (key) => origin.get(key) ?? fallback,
    fixLine: (key, value) => {
      const name = propertyToEnv(scheme, key) ?? propertyToEnv('apache', key)!;
      if (value === null) return opts.fixStyle === 'compose' ? `# remove: ${name}` : `# remove line: ${name}=…`;
      return opts.fixStyle === 'compose' ? `${name}: "${value}"` : `${name}=${value}`;
    },
    ...(opts.compose ? { compose: opts.compose } : {}),
    readProblems: opts.extraProblems ?? [],
  };
}
