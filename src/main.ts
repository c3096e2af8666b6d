// The one place errors become exit codes. Expected failures (CsmError,
// commander's usage errors) print one line; anything else is a bug and
// prints its stack.
import { CsmError, ExitCode } from './errors.js';
import { closeHungUpTerminal } from './terminal-link.js';
import { VERSION } from './version.js';
import { currentDir } from './working-dir.js';

/** EX_SOFTWARE from sysexits.h: an internal error. */
const BUG_EXIT_CODE = 70;

export async function main(argv: readonly string[]): Promise<void> {
  // Scripts call `csm --version` to probe for csm: answer it without loading
  // the parser (commander alone costs a quarter of node's own start-up).
  if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  let code: number;
  try {
    const { runCli } = await import('./cli.js');
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
  if (isCommanderError(error)) {
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

/** Commander's errors, known by their code so that main need not import commander. */
function isCommanderError(error: unknown): error is Error & { code: string } {
  return (
    error instanceof Error &&
    (error.name === 'CommanderError' || error.name === 'InvalidArgumentError') &&
    'code' in error &&
    typeof error.code === 'string'
  );
}
