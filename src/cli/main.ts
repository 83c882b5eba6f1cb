/**
 * kstack's entry point: commander wiring only. Each command lives in commands/<name>.ts and registers itself.
 * Only this module decides exit codes; bin/kstack.js sets process.exitCode from what main returns.
 */
import { Command, CommanderError } from 'commander';
import { isKstackError } from '../errors.js';
import { createOutput } from './output.js';
import { registerCommands } from './commands/index.js';

export const VERSION = '0.1.0';

export async function buildProgram(invoked?: string): Promise<Command> {
  const program = new Command();
  program
    .name('kstack')
    .description('A working Kafka stack in one command: a native Kafka broker (no JVM, no Docker), ZooKeeper or KRaft, and a listener doctor.')
    .version(VERSION)
    // Program options only before the command name, so a command may have its own --version (kstack compose).
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  await registerCommands(program, invoked);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv[2]);
  const out = createOutput();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end up here with exit code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (isKstackError(err)) {
      out.error(`${err.message} [${err.code}]`);
      if (err.fix) out.info(`  fix: ${err.fix}`);
      return err.exitCode;
    }
    out.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    return 1;
  }
}
