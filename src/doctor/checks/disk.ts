/** `disk`: free space where the workspace lives (its nearest existing parent when it does not exist yet). */
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { error, ok, warn, type Finding } from '../finding.js';

export const DISK_ERROR_BYTES = 100 * 1024 * 1024;
export const DISK_WARN_BYTES = 1024 * 1024 * 1024;

export type StatFs = (path: string) => Promise<{ bavail: number | bigint; bsize: number | bigint }>;

const mib = (n: number) => `${Math.round(n / (1024 * 1024))} MiB`;

export async function checkDisk(workspace: string, stat: StatFs = statfs): Promise<Finding[]> {
  let path = workspace;
  for (;;) {
    try {
      const s = await stat(path);
      const free = Number(s.bavail) * Number(s.bsize);
      const data = { path, freeBytes: free };
      if (free < DISK_ERROR_BYTES) return [error('disk', `only ${mib(free)} free at ${path}; brokers cannot write their logs`, `free some space, or put the workspace elsewhere: kstack init --dir <path on a bigger disk>`, data)];
      if (free < DISK_WARN_BYTES) return [warn('disk', `${mib(free)} free at ${path}; a busy topic fills that quickly`, 'free some space, or put the workspace on a bigger disk with --dir', data)];
      return [ok('disk', `${mib(free)} free at ${path}`, data)];
    } catch (err) {
      const parent = dirname(path);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === path) {
        return [warn('disk', `cannot read free space at ${path}: ${(err as Error).message}`, `check the path: ls -ld ${path}`, { path })];
      }
      path = parent;
    }
  }
}
