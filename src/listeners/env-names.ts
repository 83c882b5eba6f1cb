/**
 * How Kafka docker images turn environment variables into server.properties keys (research/devenv-facts.md §1b):
 * - apache/kafka:        KAFKA_ prefix; `.`→`_`, `_`→`__`, `-`→`___`
 * - confluentinc/cp-kafka: KAFKA_ prefix; `.`→`_`, `-`→`__`, `_`→`___` (the two escapes swapped)
 * - bitnami/kafka:       KAFKA_CFG_ prefix; `.`→`_` only (no way to spell `-` or `_`)
 * Names are upper-case in the environment and lower-case as properties.
 */
export type EnvScheme = 'apache' | 'confluent' | 'bitnami';

const PREFIX: Record<EnvScheme, string> = { apache: 'KAFKA_', confluent: 'KAFKA_', bitnami: 'KAFKA_CFG_' };

/** The environment variable an image of `scheme` reads for `property`, or null when the scheme cannot spell it. */
export function propertyToEnv(scheme: EnvScheme, property: string): string | null {
  let body: string;
  if (scheme === 'apache') body = property.replace(/_/g, '__').replace(/-/g, '___').replace(/\./g, '_');
  else if (scheme === 'confluent') body = property.replace(/_/g, '___').replace(/-/g, '__').replace(/\./g, '_');
  else {
    if (/[-_]/.test(property)) return null;
    body = property.replace(/\./g, '_');
  }
  return PREFIX[scheme] + body.toUpperCase();
}

/** The property an environment variable stands for under `scheme`, or null when it is not such a variable. */
export function envToProperty(scheme: EnvScheme, name: string): string | null {
  const prefix = PREFIX[scheme];
  if (!name.startsWith(prefix) || name.length === prefix.length) return null;
  const body = name.slice(prefix.length).toLowerCase();
  if (scheme === 'bitnami') return body.replace(/_/g, '.');
  // Longest run first: three underscores, then two, then one.
  const [three, two] = scheme === 'apache' ? ['-', '_'] : ['_', '-'];
  return body.replace(/_{1,3}/g, (run) => (run.length === 3 ? three : run.length === 2 ? two : '.'));
}
