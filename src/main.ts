// The one place errors become exit codes. Expected failures (CsmError,
// commander's usage errors) print one line; anything else is a bug and
// prints its stack.
import { CommanderError } from 'commander';
import { runCli } from './cli.js';
import { CsmError, ExitCode } from './errors.js';
import { closeHungUpTerminal } from './terminal-link.js';
import { currentDir } from './working-dir.js';

/** EX_SOFTWARE from sysexits.h: an internal error. */
const BUG_EXIT_CODE = 70;

export async function main(argv: readonly string[]): Promise<void> {
  let code: number;
  try {
    const ctx = { cwd: currentDir(process.env), env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
    code = await runCli(argv, ctx);
  } catch (error) {
    code = exitCodeFor(error, process.stderr);
  }
  // Exit explicitly once stdout has drained: a paused stdin or a closing
  // socket must not keep csm alive, and exiting before the drain would lose
  // the tail of the output.
  process.stdout.write('', () => {
    closeHungUpTerminal([process.stdin, process.stdout, process.stderr]);
    process.exit(code);
  });
}

export function exitCodeFor(error: unknown, stderr: NodeJS.WritableStream): number {
  if (error instanceof CommanderError) {
    // Commander already printed the message (see configureOutput in cli.ts).
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
      return ExitCode.ok;
    }
    return ExitCode.usage;
  }
  if (error instanceof CsmError) {
    stderr.write(`csm: ${error.message}\n`);
    return error.exitCode;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  stderr.write(`csm: internal error (this is a bug, please report it):\n${detail}\n`);
  return BUG_EXIT_CODE;
}
