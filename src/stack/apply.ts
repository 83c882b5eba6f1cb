/**
 * `kstack init`'s side effects: look at what is already in the workspace, decide whether it is safe to (re)write,
 * check the ports, archive the old state on --force, then write every file atomically (temp file + rename), with
 * stack.json last so its presence marks a complete workspace.
 *
 * Safety rules (a workspace must never hold nodes that disagree on the cluster id, or myid files that disagree
 * with zoo.cfg):
 * - same mode, same nodes: keep the cluster id; existing meta.properties/myid that already agree are left alone;
 * - other mode, different nodes, an unreadable stack.json, nodes whose meta.properties disagree, or kstack
 *   directories without a stack.json: refuse (exit 2, nothing written) and say what --force would archive;
 * - --force: move stack.json, state.json and every broker-N / controller-N / zk-N directory to
 *   <workspace>/archive/<UTC timestamp>-<old mode>/ and start clean with a new cluster id.
 * Nothing else in the workspace is touched, so `--dir .` cannot move a user's own files.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KstackError } from '../errors.js';
import { formatFindings } from '../doctor/finding.js';
import { checkBrokerProperties } from '../listeners/rules.js';
import { parseProperties } from '../listeners/properties.js';
import type { PlatformContext } from '../platform.js';
import { newClusterId, planStack, type PlanOptions, type StackPlan } from './plan.js';
import { checkPorts, describePortProblem, type PortProblem } from './ports.js';
import { parseMetaProperties } from './render/meta-properties.js';
import { parseStackJson, STACK_FILE, StackFileError, type StackFile } from './render/stack-json.js';
import { renderWorkspace, type RenderedFile, type Templates } from './render/workspace.js';

export const ARCHIVE_DIR = 'archive';
const NODE_DIR = /^(broker|controller|zk)-\d+$/;
const OWNED_FILES = [STACK_FILE, 'state.json'];

export function defaultTemplatesDir(): string {
  // src/stack/apply.ts and dist/stack/apply.js both sit two levels below the package root.
  return fileURLToPath(new URL('../../templates/', import.meta.url));
}

export async function loadTemplates(dir = defaultTemplatesDir()): Promise<Templates> {
  const read = async (name: string) => {
    try {
      return await readFile(join(dir, name), 'utf8');
    } catch (err) {
      throw new KstackError('KSTACK_TEMPLATE', `cannot read template ${join(dir, name)}: ${(err as Error).message}`, {
        fix: 'reinstall kstack, or restore the templates/ folder of the package',
      });
    }
  };
  return { serverProperties: await read('server.properties'), log4jProperties: await read('log4j.properties'), zooCfg: await read('zoo.cfg') };
}

export interface InitRequest extends Omit<PlanOptions, 'clusterId' | 'workspace'> {
  /** Workspace directory (relative paths resolve against the current directory). */
  dir: string;
  force: boolean;
}

export interface InitContext {
  platform: PlatformContext;
  now?: () => Date;
  randomBytes?: (n: number) => Uint8Array;
  templates?: Templates;
}

export interface InitResult {
  plan: StackPlan;
  written: string[];
  /** Files left as they were because they already agreed with the plan (meta.properties, myid). */
  kept: string[];
  /** Where --force moved the old state, relative to the workspace. */
  archivedTo: string | null;
  /** True when an existing workspace's cluster id was kept. */
  keptClusterId: boolean;
}

/** What is in a workspace directory now. */
export interface ExistingWorkspace {
  stack: StackFile | null;
  stackError: string | null;
  /** broker-N / controller-N / zk-N directories and the owned files present. */
  owned: string[];
}

export async function inspectWorkspace(workspace: string): Promise<ExistingWorkspace> {
  let entries: string[];
  try {
    entries = await readdir(workspace);
  } catch {
    return { stack: null, stackError: null, owned: [] };
  }
  const owned = entries.filter((e) => NODE_DIR.test(e) || OWNED_FILES.includes(e)).sort();
  let stack: StackFile | null = null;
  let stackError: string | null = null;
  if (entries.includes(STACK_FILE)) {
    try {
      stack = parseStackJson(await readFile(join(workspace, STACK_FILE), 'utf8'));
    } catch (err) {
      stackError = err instanceof StackFileError ? err.message : (err as Error).message;
    }
  }
  return { stack, stackError, owned };
}

function nodeKey(s: Pick<StackPlan, 'nodes' | 'zookeepers'>): string {
  return JSON.stringify({ nodes: s.nodes.map((n) => [n.id, n.name, [...n.roles].sort()]), zk: s.zookeepers.map((z) => [z.id, z.name]) });
}

function describeNodes(s: Pick<StackPlan, 'mode' | 'nodes' | 'zookeepers'>): string {
  const brokers = s.nodes.filter((n) => n.roles.includes('broker')).length;
  const controllers = s.nodes.filter((n) => !n.roles.includes('broker')).length;
  const parts = [`${brokers} broker${brokers === 1 ? '' : 's'}`];
  if (controllers) parts.push(`${controllers} controller${controllers === 1 ? '' : 's'}`);
  if (s.zookeepers.length) parts.push(`${s.zookeepers.length} ZooKeeper${s.zookeepers.length === 1 ? '' : 's'}`);
  return `${s.mode} (${parts.join(', ')})`;
}

/** Cluster ids found in existing meta.properties files, by node directory. */
async function existingClusterIds(workspace: string, owned: string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const entry of owned.filter((e) => /^(broker|controller)-\d+$/.test(e))) {
    const path = join(workspace, entry, 'data', 'meta.properties');
    const text = await readFile(path, 'latin1').catch(() => null);
    const id = text === null ? null : parseMetaProperties(text, path).clusterId;
    if (id) ids.set(entry, id);
  }
  return ids;
}

async function existingMyidMismatches(workspace: string, stack: StackFile): Promise<string[]> {
  const bad: string[] = [];
  for (const zk of stack.zookeepers) {
    const text = await readFile(join(workspace, zk.name, 'data', 'myid'), 'utf8').catch(() => null);
    if (text !== null && text.trim() !== String(zk.id)) bad.push(`${zk.name}/data/myid holds ${JSON.stringify(text.trim())}, zoo.cfg says server.${zk.id}`);
  }
  return bad;
}

function refuse(code: string, message: string, fix: string): KstackError {
  return new KstackError(code, message, { exitCode: 2, fix });
}

function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

/**
 * mkdir -p, one level at a time: Node 20's recursive mkdir never returns on some pseudo file systems (it loops
 * on ENOENT under /proc), and a clear error beats a hang.
 */
export async function makeDirs(path: string): Promise<void> {
  const missing: string[] = [];
  let p = resolve(path);
  while (!existsSync(p)) {
    missing.unshift(p);
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  for (const dir of missing) {
    await mkdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
}

/** Writes a file through a temporary sibling and a rename, so readers never see half a file. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await makeDirs(dirname(path));
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await writeFile(tmp, content, { encoding: 'utf8', flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function archive(workspace: string, owned: string[], mode: string, now: Date): Promise<string> {
  let rel = join(ARCHIVE_DIR, `${timestamp(now)}-${mode}`);
  for (let n = 2; existsSync(join(workspace, rel)); n++) rel = join(ARCHIVE_DIR, `${timestamp(now)}-${mode}-${n}`);
  await makeDirs(join(workspace, rel));
  // stack.json moves last, so an interrupted archive still leaves a workspace init refuses to treat as complete.
  const ordered = [...owned.filter((e) => e !== STACK_FILE), ...owned.filter((e) => e === STACK_FILE)];
  for (const entry of ordered) await rename(join(workspace, entry), join(workspace, rel, entry));
  return rel;
}

/** Plans, checks and writes a workspace; throws KstackError (exit 2) when it refuses, having written nothing. */
export async function initWorkspace(request: InitRequest, ctx: InitContext): Promise<InitResult> {
  const workspace = resolve(request.dir);
  const now = ctx.now ?? (() => new Date());
  const random = ctx.randomBytes ?? ((n: number) => cryptoRandomBytes(n));
  const kind = await stat(workspace).catch(() => null);
  if (kind && !kind.isDirectory()) {
    throw new KstackError('KSTACK_BAD_OPTION', `--dir ${request.dir} is a file, not a directory`, { exitCode: 2, fix: 'choose a directory for the workspace: kstack init --dir <dir>' });
  }
  const existing = await inspectWorkspace(workspace);
  const forceFix = (what: string) => `kstack init ${optionsText(request)} --force   (moves ${what} to ${join(workspace, ARCHIVE_DIR)}/<time>-<mode>/ and starts clean)`;

  let clusterId: string | null = null;
  let mustArchive = false;
  let archiveMode: string = 'unknown';
  const planFor = (id: string) => planStack({ ...request, workspace, clusterId: id });

  if (existing.stack) {
    const old = existing.stack;
    archiveMode = old.mode;
    const candidate = planFor(old.clusterId);
    const lost = `its cluster id ${old.clusterId} and the data in ${old.nodes.map((n) => `${n.name}/data`).concat(old.zookeepers.map((z) => `${z.name}/data`)).join(', ')}`;
    const problems: string[] = [];
    if (old.mode !== request.mode) {
      problems.push(`${workspace} holds a ${describeNodes(old)} stack; switching it to ${request.mode} would lose ${lost}.`);
    } else if (nodeKey(old) !== nodeKey(candidate)) {
      problems.push(`${workspace} holds a ${describeNodes(old)} stack; changing it to ${describeNodes(candidate)} would leave its data inconsistent with the new ${request.mode === 'kraft' ? 'quorum' : 'ensemble and broker set'}, and would lose ${lost}.`);
    } else {
      const ids = await existingClusterIds(workspace, existing.owned);
      const foreign = [...ids].filter(([, id]) => id !== old.clusterId);
      if (foreign.length > 0) {
        problems.push(`${workspace} is inconsistent: ${foreign.map(([dir, id]) => `${dir} has cluster.id ${id}`).join('; ')}, but stack.json says ${old.clusterId} (Kafka would stop with InconsistentClusterIdException).`);
      }
      problems.push(...(await existingMyidMismatches(workspace, old)).map((m) => `${workspace} is inconsistent: ${m}.`));
    }
    if (problems.length > 0) {
      if (!request.force) throw refuse(old.mode !== request.mode ? 'KSTACK_MODE_SWITCH' : 'KSTACK_WORKSPACE_CONFLICT', `${problems.join(' ')} Nothing was changed.`, forceFix(`${existing.owned.join(', ')}`));
      mustArchive = true;
    } else {
      clusterId = old.clusterId;
    }
  } else if (existing.owned.length > 0) {
    const why = existing.stackError ? `its stack.json cannot be read (${existing.stackError})` : `it has ${existing.owned.join(', ')} but no stack.json (an interrupted init, or not a kstack workspace)`;
    if (!request.force) throw refuse('KSTACK_WORKSPACE_CONFLICT', `${workspace} is not a workspace kstack can update: ${why}. Nothing was changed.`, forceFix(existing.owned.join(', ')));
    mustArchive = true;
  }

  const plan = planFor(clusterId ?? newClusterId(random));
  const templates = ctx.templates ?? (await loadTemplates());
  const rendered = renderWorkspace(plan, templates);
  // The listener doctor's rules over every rendered server.properties, before anything is written or started.
  const listenerErrors = rendered.files
    .filter((f) => f.path.endsWith('/server.properties'))
    .flatMap((f) => checkBrokerProperties(parseProperties(f.content, join(workspace, f.path))).filter((x) => x.severity === 'error'));
  if (listenerErrors.length > 0) {
    throw new KstackError('KSTACK_LISTENER_CONFIG', `these settings would not make a working stack; nothing was written:\n${formatFindings(listenerErrors).slice(0, -1).join('\n')}`, {
      exitCode: 2,
      fix: 'choose another --host (a name or address clients can reach); each finding above names its own fix',
    });
  }

  const portProblems: PortProblem[] = await checkPorts(plan.ports, ctx.platform);
  if (portProblems.length > 0) {
    throw new KstackError('KSTACK_PORT_IN_USE', `cannot use the ports this stack needs; nothing was written:\n  ${portProblems.map(describePortProblem).join('\n  ')}`, {
      exitCode: 2,
      fix: `stop the process(es) named above, or choose other ports: kstack init ${optionsText({ ...request, basePort: request.basePort + 1000 })}`,
    });
  }

  try {
    const archivedTo = mustArchive ? await archive(workspace, existing.owned, archiveMode, now()) : null;
    const written: string[] = [];
    const kept: string[] = [];
    for (const file of rendered.files) {
      if (await agreesAlready(workspace, file, plan)) kept.push(file.path);
      else {
        await writeFileAtomic(join(workspace, file.path), file.content);
        written.push(file.path);
      }
    }
    for (const dir of rendered.dirs) await makeDirs(join(workspace, dir));
    return { plan, written, kept, archivedTo, keptClusterId: clusterId !== null };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // stack.json is written last, so a workspace cut short here is refused by the next init until --force.
    throw new KstackError('KSTACK_WRITE_FAILED', `cannot write the workspace ${workspace}: ${e.code ? `${e.code} ${e.path ?? ''}`.trim() : e.message}`, {
      fix: e.code === 'EACCES' || e.code === 'EPERM' ? `choose a directory you can write: kstack init --dir <dir>` : `check the disk and the path, then run the same kstack init again with --force`,
      cause: err,
    });
  }
}

/**
 * meta.properties and myid that already say the same thing are left alone: Kafka adds its own fields to
 * meta.properties (directory.id) that a rewrite would drop.
 */
async function agreesAlready(workspace: string, file: RenderedFile, plan: StackPlan): Promise<boolean> {
  if (!file.path.endsWith('/meta.properties') && !file.path.endsWith('/myid')) return false;
  const current = await readFile(join(workspace, file.path), 'latin1').catch(() => null);
  if (current === null) return false;
  if (file.path.endsWith('/myid')) return current.trim() === file.content.trim();
  const have = parseMetaProperties(current);
  const want = parseMetaProperties(file.content);
  return have.clusterId === plan.clusterId && have.nodeId === want.nodeId && have.version === want.version;
}

/** The init options as command-line text, for fix lines. */
export function optionsText(o: Pick<InitRequest, 'mode' | 'brokers' | 'zookeepers' | 'controllers' | 'dir' | 'host' | 'basePort'>): string {
  const parts = [`--mode ${o.mode}`, `--brokers ${o.brokers}`];
  if (o.zookeepers !== undefined) parts.push(`--zookeepers ${o.zookeepers}`);
  if (o.controllers !== undefined) parts.push(`--controllers ${o.controllers}`);
  parts.push(`--dir ${o.dir}`);
  if (o.host !== '127.0.0.1') parts.push(`--host ${o.host}`);
  if (o.basePort !== 9092) parts.push(`--base-port ${o.basePort}`);
  return parts.join(' ');
}

