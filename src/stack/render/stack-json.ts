/**
 * <workspace>/stack.json: the plan as JSON, so `kstack up`, `status`, the doctor and the client commands (its
 * `bootstrap` field) all read one record of the stack: mode, nodes, ports, cluster id. Written last by init, so
 * its presence marks a complete workspace.
 */
import { isValidClusterId, STACK_MODES, type StackPlan } from '../plan.js';

export const STACK_FILE = 'stack.json';
export const STACK_FORMAT = 'kstack-stack';
export const STACK_FORMAT_VERSION = 1;

export interface StackFile extends StackPlan {
  format: typeof STACK_FORMAT;
  formatVersion: number;
}

export function renderStackJson(plan: StackPlan): string {
  const file: StackFile = { format: STACK_FORMAT, formatVersion: STACK_FORMAT_VERSION, ...plan };
  return `${JSON.stringify(file, null, 2)}\n`;
}

export class StackFileError extends Error {}

/** Parses and checks a stack.json; throws StackFileError naming what is wrong. */
export function parseStackJson(text: string): StackFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StackFileError(`not valid JSON (${(err as Error).message})`);
  }
  const v = value as Partial<StackFile> | null;
  if (!v || typeof v !== 'object') throw new StackFileError('not a JSON object');
  if (v.format !== STACK_FORMAT) throw new StackFileError(`"format" is not "${STACK_FORMAT}"`);
  if (v.formatVersion !== STACK_FORMAT_VERSION) throw new StackFileError(`formatVersion ${String(v.formatVersion)} is not supported (this kstack reads ${STACK_FORMAT_VERSION})`);
  if (!STACK_MODES.includes(v.mode as never)) throw new StackFileError(`"mode" must be kraft or zk`);
  if (typeof v.clusterId !== 'string' || !isValidClusterId(v.clusterId)) throw new StackFileError('"clusterId" is not a Kafka cluster id');
  if (!Array.isArray(v.nodes) || v.nodes.some((n) => typeof n?.id !== 'number' || typeof n?.name !== 'string' || !Array.isArray(n?.roles))) {
    throw new StackFileError('"nodes" must list nodes with id, name and roles');
  }
  if (!Array.isArray(v.zookeepers) || v.zookeepers.some((z) => typeof z?.id !== 'number' || typeof z?.name !== 'string')) {
    throw new StackFileError('"zookeepers" must list servers with id and name');
  }
  if (!Array.isArray(v.ports) || v.ports.some((p) => typeof p?.port !== 'number' || typeof p?.host !== 'string')) {
    throw new StackFileError('"ports" must list ports with port and host');
  }
  if (typeof v.bootstrap !== 'string') throw new StackFileError('"bootstrap" is missing');
  return v as StackFile;
}
