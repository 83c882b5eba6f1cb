/** `node`: kstack needs Node.js 20 or newer. */
import { installCommand, type PlatformContext } from '../../platform.js';
import { error, ok, type Finding } from '../finding.js';

export const MIN_NODE_MAJOR = 20;

export function checkNode(ctx: Pick<PlatformContext, 'platform'>, version: string): Finding[] {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (!Number.isFinite(major) || major < MIN_NODE_MAJOR) {
    return [error('node', `Node.js ${version} is too old; kstack needs ${MIN_NODE_MAJOR} or newer`, installCommand(ctx, 'node'), { version })];
  }
  return [ok('node', `Node.js ${version}`, { version })];
}
