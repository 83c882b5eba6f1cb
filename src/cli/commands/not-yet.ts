/**
 * Commands whose implementation has not landed yet. They exist so `kstack --help` shows the whole product, and
 * they refuse honestly: a clear message and exit code 2, never fake output.
 */
import type { Command } from 'commander';
import { KstackError } from '../../errors.js';

export interface PendingCommand {
  name: string;
  summary: string;
  /** Which piece of work brings it (shown to the user). */
  arrivesWith: string;
}

export function registerPending(program: Command, pending: PendingCommand): void {
  program
    .command(pending.name)
    .description(`${pending.summary} (not available yet)`)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(() => {
      throw new KstackError(
        'KSTACK_NOT_AVAILABLE',
        `\`kstack ${pending.name}\` is not available yet in this version of kstack; it arrives with ${pending.arrivesWith}.`,
        { exitCode: 2 },
      );
    });
}
