/**
 * The list of commands, in the order `kstack --help` shows them. Each command's module (and what it imports:
 * the broker, kafkajs, the ZooKeeper client …) loads only when that command runs, so `kstack broker` starts
 * without paying for the rest of the CLI; `--help` and unknown words load them all.
 */
import type { Command } from 'commander';

interface CommandEntry {
  name: string;
  load: () => Promise<(program: Command) => void>;
}

const COMMANDS: CommandEntry[] = [
  { name: 'init', load: async () => (await import('./init.js')).registerInit },
  { name: 'up', load: async () => (await import('./up.js')).registerUp },
  { name: 'down', load: async () => (await import('./down.js')).registerDown },
  { name: 'status', load: async () => (await import('./down.js')).registerStatus },
  { name: 'logs', load: async () => (await import('./down.js')).registerLogs },
  { name: 'broker', load: async () => (await import('./broker.js')).registerBroker },
  { name: 'produce', load: async () => (await import('./produce.js')).registerProduce },
  { name: 'consume', load: async () => (await import('./consume.js')).registerConsume },
  { name: 'topics', load: async () => (await import('./topics.js')).registerTopics },
  { name: 'groups', load: async () => (await import('./groups.js')).registerGroups },
  { name: 'doctor', load: async () => (await import('./doctor.js')).registerDoctor },
  { name: 'compose', load: async () => (await import('./compose.js')).registerCompose },
];

export const COMMAND_NAMES: readonly string[] = COMMANDS.map((c) => c.name);

/** Registers the command named `invoked` alone when it is one of ours, else every command. */
export async function registerCommands(program: Command, invoked?: string): Promise<void> {
  const only = COMMANDS.find((c) => c.name === invoked);
  for (const entry of only ? [only] : COMMANDS) (await entry.load())(program);
}
