/** `open-files`: each log segment keeps 3 files open; a low `ulimit -n` (macOS defaults to 256) ends in EMFILE. */
import { openFileLimit, raiseOpenFilesCommand, type PlatformContext } from '../../platform.js';
import { ok, warn, type Finding } from '../finding.js';

export const MIN_OPEN_FILES = 1024;

export async function checkOpenFiles(ctx: PlatformContext): Promise<Finding[]> {
  const limit = await openFileLimit(ctx);
  if (limit === null) return [warn('open-files', 'cannot read the open-file limit (`ulimit -n` failed)', raiseOpenFilesCommand(ctx))];
  if (limit !== 'unlimited' && limit < MIN_OPEN_FILES) {
    return [warn('open-files', `the open-file limit is ${limit}; brokers with many partitions need more than ${MIN_OPEN_FILES}`, raiseOpenFilesCommand(ctx), { limit })];
  }
  return [ok('open-files', `open-file limit ${limit}`, { limit })];
}
