/**
 * Where a client command connects: --bootstrap, else $KSTACK_BOOTSTRAP, else the running stack recorded in the
 * workspace (--dir, default ./.kstack), else Kafka's conventional 127.0.0.1:9092.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBootstrap } from './kafka-client.js';

export interface BootstrapSource {
  bootstrap?: string;
  dir?: string;
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';

export function resolveBootstrap(src: BootstrapSource): string[] {
  if (src.bootstrap) return parseBootstrap(src.bootstrap);
  const env = src.env ?? process.env;
  if (env.KSTACK_BOOTSTRAP) return parseBootstrap(env.KSTACK_BOOTSTRAP);
  const fromWorkspace = bootstrapFromWorkspace(src.dir ?? '.kstack');
  return fromWorkspace ?? [DEFAULT_BOOTSTRAP];
}

/** Reads the client bootstrap list that `kstack up` records in <dir>/state.json (or the plan in stack.json). */
export function bootstrapFromWorkspace(dir: string): string[] | null {
  for (const file of ['state.json', 'stack.json']) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    try {
      const body = JSON.parse(readFileSync(path, 'utf8')) as { bootstrap?: unknown; bootstrapServers?: unknown };
      const value = body.bootstrap ?? body.bootstrapServers;
      if (typeof value === 'string' && value !== '') return parseBootstrap(value);
      if (Array.isArray(value) && value.length > 0) return value.map(String);
    } catch {
      // A damaged state file is not trusted; fall through to the default.
    }
  }
  return null;
}
