/**
 * Reads a docker compose file the way `docker compose` would for the parts the listener doctor needs: services,
 * their image, environment (map or list form, plus env_file), ports (short and long syntax), extra_hosts,
 * hostname / container_name / network aliases. YAML anchors, aliases and `<<` merge keys are resolved (yaml
 * package, YAML 1.1 merge); `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}` and `$$` are
 * interpolated from the given variables. A service counts as a Kafka broker when its image is a known Kafka
 * image, or when its environment sets Kafka listener variables.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { KstackError } from '../../errors.js';
import { envSource, guessScheme, parseEnvFile, schemeForImage, type BrokerSource, type ComposeFacts, type EnvVar, type PortMapping } from './sources.js';

export interface ComposeReadOptions {
  /** Variables for interpolation (docker compose: the shell environment and the .env / --env-file). */
  variables?: Readonly<Record<string, string | undefined>>;
  /** Reads env_file entries (default: the file system). */
  readText?: (path: string) => string;
}

export interface ComposeFile {
  file: string;
  brokers: BrokerSource[];
  /** Every service name (brokers and others). */
  services: string[];
  problems: { line?: number; message: string }[];
}

export function interpolate(text: string, vars: Readonly<Record<string, string | undefined>>, problems: string[]): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, name: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    if (whole === '$$') return '$';
    const key = name ?? bare!;
    const value = vars[key];
    const unsetOrEmpty = value === undefined || (op?.startsWith(':') && value === '');
    if (op === ':-' || op === '-') return (op === ':-' ? unsetOrEmpty : value === undefined) ? arg ?? '' : value!;
    if (op === ':?' || op === '?') {
      if (op === ':?' ? unsetOrEmpty : value === undefined) problems.push(`required variable ${key} is not set${arg ? `: ${arg}` : ''}`);
      return value ?? '';
    }
    if (value === undefined) problems.push(`variable ${key} is not set; it becomes an empty string`);
    return value ?? '';
  });
}

function scalarText(node: unknown): string | null {
  if (node === null || node === undefined) return null;
  if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean') return String(node);
  return null;
}

function parsePortShort(spec: string): PortMapping[] | string {
  // [host_ip:]published:target[/proto] | target[/proto], ranges allowed; IPv6 host ip in brackets.
  const [body, protocol = 'tcp'] = spec.split('/');
  let hostIp: string | null = null;
  let rest = body;
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(body);
  if (v6) {
    hostIp = v6[1];
    rest = v6[2];
  }
  const parts = rest.split(':');
  if (!v6 && parts.length === 3) hostIp = parts.shift()!;
  if (parts.length > 2 || parts.length === 0) return `cannot read port mapping "${spec}"`;
  const range = (t: string): [number, number] | null => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(t);
    if (!m) return null;
    return [Number(m[1]), Number(m[2] ?? m[1])];
  };
  const target = range(parts[parts.length - 1]);
  const published = parts.length === 2 && parts[0] !== '' ? range(parts[0]) : null;
  if (!target || (parts.length === 2 && parts[0] !== '' && !published)) return `cannot read port mapping "${spec}"`;
  const out: PortMapping[] = [];
  for (let i = 0; i <= target[1] - target[0]; i++) {
    const pub = published ? (published[1] > published[0] ? published[0] + i : published[0]) : null;
    out.push({ hostIp, published: pub, target: target[0] + i, protocol });
  }
  return out;
}

function lineOf(node: YamlNode | null | undefined, lc: LineCounter): number | undefined {
  const r = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return r ? lc.linePos(r[0]).line : undefined;
}

/**
 * Finds the YAML node for a key path, following aliases and `<<` merge keys, so a value that comes from an
 * anchor points at the line where the anchor defines it.
 */
function nodeAt(root: unknown, path: (string | number)[], doc?: Document): YamlNode | undefined {
  const deref = (n: unknown): unknown => (isAlias(n) && doc ? n.resolve(doc) : n);
  let cur: unknown = deref(root);
  for (const p of path) {
    if (isMap(cur)) {
      let next: unknown = cur.get(p, true);
      if (next === undefined && doc) {
        for (const item of cur.items) {
          if (!isScalar(item.key) || (item.key.value !== '<<' && item.key.source !== '<<')) continue;
          const sources = isSeq(item.value) ? item.value.items : [item.value];
          for (const src of sources) {
            const m = deref(src);
            if (isMap(m) && m.has(p)) next = m.get(p, true);
          }
        }
      }
      cur = deref(next);
    } else if (isSeq(cur) && typeof p === 'number') cur = deref(cur.get(p, true));
    else return undefined;
  }
  return cur as YamlNode | undefined;
}

export function parseCompose(text: string, file: string, opts: ComposeReadOptions = {}): ComposeFile {
  const lc = new LineCounter();
  const doc = parseDocument(text, { merge: true, lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? (e.pos ? lc.linePos(e.pos[0]).line : undefined);
    throw new KstackError('KSTACK_COMPOSE_UNREADABLE', `${file}${line ? `:${line}` : ''}: not valid YAML: ${e.message.split('\n')[0]}`, { exitCode: 2, fix: 'fix the YAML syntax at that line (docker compose config shows the same error)' });
  }
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new KstackError('KSTACK_COMPOSE_UNREADABLE', `${file}: ${(err as Error).message}`, { exitCode: 2 });
  }
  const root = js as { services?: Record<string, Record<string, unknown>> } | null;
  if (!root || typeof root !== 'object' || !root.services || typeof root.services !== 'object') {
    throw new KstackError('KSTACK_COMPOSE_UNREADABLE', `${file}: no "services:" section; is this a docker compose file?`, { exitCode: 2 });
  }
  const vars = opts.variables ?? {};
  const readText = opts.readText ?? ((p: string) => readFileSync(p, 'utf8'));
  const services = Object.keys(root.services);
  const serviceImages: Record<string, string | null> = {};
  for (const n of services) {
    const img = (root.services[n] ?? {}).image;
    serviceImages[n] = typeof img === 'string' ? interpolate(img, opts.variables ?? {}, []) : null;
  }
  const brokers: BrokerSource[] = [];
  const problems: { line?: number; message: string }[] = [];
  for (const name of services) {
    const svc = root.services[name] ?? {};
    const svcNode = nodeAt(doc.contents, ['services', name]);
    const svcKey = isMap(nodeAt(doc.contents, ['services'])) ? (nodeAt(doc.contents, ['services']) as unknown as { items: { key: YamlNode; value: YamlNode }[] }).items.find((i) => isScalar(i.key) && i.key.value === name)?.key : undefined;
    const svcLine = lineOf(svcKey, lc) ?? lineOf(svcNode, lc);
    const interp = (s: string, line?: number): string => {
      const local: string[] = [];
      const out = interpolate(s, vars, local);
      for (const m of local) problems.push({ ...(line !== undefined ? { line } : {}), message: `service ${name}: ${m}` });
      return out;
    };
    const image = scalarText(svc.image) === null ? null : interp(String(svc.image), svcLine);

    const env: EnvVar[] = [];
    const envFiles = svc.env_file === undefined ? [] : Array.isArray(svc.env_file) ? svc.env_file : [svc.env_file];
    for (const ef of envFiles) {
      const p = typeof ef === 'string' ? ef : (ef as { path?: string })?.path;
      if (!p) continue;
      const full = isAbsolute(p) ? p : join(dirname(file), p);
      try {
        const parsed = parseEnvFile(readText(full), full);
        env.push(...parsed.vars);
        for (const pr of parsed.problems) problems.push({ message: `${full}:${pr.line}: ${pr.message}` });
      } catch (err) {
        if ((ef as { required?: boolean })?.required !== false) problems.push({ ...(svcLine !== undefined ? { line: svcLine } : {}), message: `service ${name}: env_file ${full} cannot be read: ${(err as Error).message}` });
      }
    }
    const environment = svc.environment;
    if (Array.isArray(environment)) {
      environment.forEach((item, i) => {
        const line = lineOf(nodeAt(doc.contents, ['services', name, 'environment', i]), lc) ?? svcLine;
        const text = String(item);
        const eq = text.indexOf('=');
        if (eq < 0) return; // `- NAME` passes the shell's value through; unknown here.
        env.push({ name: text.slice(0, eq), value: interp(text.slice(eq + 1), line), file, ...(line !== undefined ? { line } : {}) });
      });
    } else if (environment && typeof environment === 'object') {
      for (const [k, v] of Object.entries(environment as Record<string, unknown>)) {
        const line = lineOf(nodeAt(doc.contents, ['services', name, 'environment', k], doc), lc) ?? lineOf(nodeAt(doc.contents, ['services', name, 'environment']), lc) ?? svcLine;
        env.push({ name: k, value: v === null || v === undefined ? '' : interp(String(v), line), file, ...(line !== undefined ? { line } : {}) });
      }
    }

    const ports: PortMapping[] = [];
    const rawPorts = Array.isArray(svc.ports) ? svc.ports : [];
    rawPorts.forEach((p, i) => {
      const line = lineOf(nodeAt(doc.contents, ['services', name, 'ports', i]), lc) ?? svcLine;
      if (p && typeof p === 'object') {
        const o = p as { target?: unknown; published?: unknown; host_ip?: unknown; protocol?: unknown };
        const target = Number(o.target);
        const published = o.published === undefined ? null : Number(interp(String(o.published), line));
        if (!Number.isInteger(target)) problems.push({ ...(line !== undefined ? { line } : {}), message: `service ${name}: port entry without a numeric target` });
        else ports.push({ hostIp: o.host_ip ? String(o.host_ip) : null, published: Number.isInteger(published) ? published : null, target, protocol: o.protocol ? String(o.protocol) : 'tcp', ...(line !== undefined ? { line } : {}) });
        return;
      }
      const parsed = parsePortShort(interp(String(p), line));
      if (typeof parsed === 'string') problems.push({ ...(line !== undefined ? { line } : {}), message: `service ${name}: ${parsed}` });
      else ports.push(...parsed.map((m) => ({ ...m, ...(line !== undefined ? { line } : {}) })));
    });

    const extraHosts: string[] = [];
    const eh = svc.extra_hosts;
    if (Array.isArray(eh)) extraHosts.push(...eh.map((x) => interp(String(x))));
    else if (eh && typeof eh === 'object') for (const [k, v] of Object.entries(eh as Record<string, unknown>)) extraHosts.push(`${k}:${String(v)}`);

    const names = [name];
    if (typeof svc.hostname === 'string') names.push(interp(svc.hostname));
    if (typeof svc.container_name === 'string') names.push(interp(svc.container_name));
    const nets = svc.networks;
    if (nets && typeof nets === 'object' && !Array.isArray(nets)) {
      for (const cfg of Object.values(nets as Record<string, unknown>)) {
        const aliases = (cfg as { aliases?: unknown } | null)?.aliases;
        if (Array.isArray(aliases)) names.push(...aliases.map(String));
      }
    }

    const scheme = schemeForImage(image);
    const kafkaEnv = env.some((e) => /^KAFKA_(CFG_)?(ADVERTISED_LISTENERS|LISTENERS|PROCESS_ROLES|ZOOKEEPER_CONNECT|NODE_ID|BROKER_ID)$/.test(e.name));
    if (scheme === null && !kafkaEnv) continue;
    if (scheme !== null && env.filter((e) => e.name.startsWith('KAFKA_')).length === 0) {
      // The image's own default configuration (apache/kafka: a single localhost node); nothing to check here.
      problems.push({ ...(svcLine !== undefined ? { line: svcLine } : {}), message: `service ${name}: no KAFKA_* settings, so the ${image} image's defaults apply (not checked)` });
      continue;
    }
    const facts: ComposeFacts = { services, serviceImages, image, ports, extraHosts, names: [...new Set(names)], ...(svcLine !== undefined ? { line: svcLine } : {}) };
    brokers.push(envSource(env, { scheme: scheme ?? guessScheme(env.map((e) => e.name)), file, service: name, fixStyle: 'compose', compose: facts }));
  }
  return { file, brokers, services, problems };
}
