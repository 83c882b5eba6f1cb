/** What the admin commands (`topics`, `groups`) share: where to connect, and one admin session per command. */
import type { Command } from 'commander';
import type { Admin } from 'kafkajs';
import { KstackError } from '../../errors.js';
import { resolveBootstrap } from '../../client/bootstrap.js';
import { connectKafka } from '../../client/kafka-client.js';
import { connectOrExplain } from './produce.js';

export interface AdminOptions {
  bootstrap?: string;
  dir?: string;
  json?: boolean;
}

export function addAdminOptions(cmd: Command): Command {
  return cmd
    .option('-b, --bootstrap <servers>', 'bootstrap servers (default: the running stack, else 127.0.0.1:9092)')
    .option('--dir <dir>', 'stack workspace to read the bootstrap servers from', '.kstack')
    .option('--json', 'print JSON on stdout');
}

/** Connects an admin client, runs `work`, always disconnects; Kafka errors become KSTACK_ADMIN_FAILED. */
export async function withAdmin<T>(opts: AdminOptions, clientId: string, work: (admin: Admin) => Promise<T>): Promise<T> {
  const bootstrap = resolveBootstrap({ bootstrap: opts.bootstrap, dir: opts.dir });
  const admin = connectKafka({ bootstrap, clientId }).admin();
  await connectOrExplain(admin, bootstrap);
  try {
    return await work(admin);
  } catch (err) {
    if (err instanceof KstackError) throw err;
    throw new KstackError('KSTACK_ADMIN_FAILED', (err as Error).message);
  } finally {
    await admin.disconnect();
  }
}
