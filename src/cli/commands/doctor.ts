/**
 * `kstack doctor <check>`: each subcommand lives in its own doctor-<name>.ts and is listed in SUBCOMMANDS;
 * adding one (e.g. `listeners`) is one more file and one more line here. Findings print through printFindings.
 */
import type { Command } from 'commander';
import { formatFindings, hasErrors, type Finding } from '../../doctor/finding.js';
import { createOutput, paint } from '../output.js';
import { registerDoctorEnv } from './doctor-env.js';
import { registerDoctorListeners } from './doctor-listeners.js';

const SUBCOMMANDS: ((doctor: Command) => void)[] = [registerDoctorEnv, registerDoctorListeners];

/** Prints findings (JSON on stdout with --json, a report on stderr otherwise) and sets exit code 1 on any error. */
export function printFindings(findings: Finding[], json: boolean): void {
  const out = createOutput();
  if (json) out.json(findings);
  else {
    const colours = { ok: 'green', warn: 'yellow', error: 'red' } as const;
    for (const line of formatFindings(findings, (s, t) => paint(out.color, colours[s], t))) out.info(line);
  }
  if (hasErrors(findings)) process.exitCode = 1;
}

export function registerDoctor(program: Command): void {
  const doctor = program
    .command('doctor')
    .description('Check the machine and diagnose listener misconfiguration')
    .addHelpText(
      'after',
      `
Examples:
  kstack doctor env                        is this machine ready for the default stack?
  kstack doctor env --mode zk              ... for a ZooKeeper-mode stack (checks Java and ZooKeeper too)
  kstack doctor env --engine docker --json findings as JSON; exit code 1 when any is an error`,
    );
  for (const register of SUBCOMMANDS) register(doctor);
}
