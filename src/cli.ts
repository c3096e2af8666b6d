// The command line: declares commands and options and translates them into
// typed options for one command function each. Each command's module is
// imported inside its action, so `csm --help` and `csm list` load neither
// node-pty nor anything else they do not use.
import { Command, Option } from 'commander';
import type { CommandContext } from './commands/context.js';
import { UsageError } from './errors.js';
import { DEFAULT_STOP_TIMEOUT_MS } from './stop-defaults.js';

export const VERSION = '0.1.0';

/**
 * Parses argv and runs one command; resolves to the exit code. Commander's
 * own errors (unknown option, missing argument) surface as CommanderError.
 */
export async function runCli(argv: readonly string[], ctx: CommandContext): Promise<number> {
  let exitCode = 0;
  const { cliArgv, passthrough } = splitPassthrough(argv);
  const program = new Command('csm')
    .description('Run several Claude Code sessions at once; list and stop them from any terminal.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      writeErr: (text) => ctx.stderr.write(text),
      // One line: commander puts its "(Did you mean ...?)" on a line of its own.
      outputError: (text, write) =>
        write(
          `csm: ${text
            .replace(/^error: /, '')
            .trimEnd()
            .replace(/\s*\n\s*/g, ' ')
            .replace(/\.$/, '')}; see csm --help\n`,
        ),
    })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
Environment:
  CSM_COMMAND       command to run instead of claude (--command wins)
  CSM_HOME          state directory (default: $XDG_STATE_HOME/csm or ~/.local/state/csm)
  CSM_RUNTIME_DIR   control sockets (default: $XDG_RUNTIME_DIR/csm or /tmp/csm-<uid>)

Examples:
  csm start ./repo                  Claude Code in ./repo, in this terminal
  csm start . -- --model opus       pass arguments to claude after --
  csm list                          every live session, from any terminal
  csm stop 3f2a                     stop a session by id prefix`,
    );

  program
    .command('start')
    .description('start a session in this terminal and stay attached until it ends')
    .argument('[dir]', 'directory to run in', '.')
    .option('-c, --command <path-or-name>', 'command to run instead of claude (env: CSM_COMMAND)')
    .usage('[options] [dir] [-- args...]')
    .addHelpText('after', '\nArguments after -- are passed to the command unchanged.')
    .action(async (dir: string, opts: { command?: string }) => {
      const { startCommand } = await import('./commands/start.js');
      exitCode = await startCommand({ dir, command: opts.command, args: passthrough }, ctx);
    });

  program
    .command('list')
    .alias('ls')
    .description('list every live session of this user')
    .option('--json', 'print JSON: id, workingDir, createdAt, pid, hostPid, command, args, state')
    .option('-q, --quiet', 'print full ids only, one per line')
    .action(async (opts: { json?: boolean; quiet?: boolean }) => {
      const { listCommand } = await import('./commands/list.js');
      exitCode = await listCommand({ json: opts.json === true, quiet: opts.quiet === true }, ctx);
    });

  program
    .command('stop')
    .description('stop sessions by id or unique prefix (4+ characters); waits until nothing of them runs')
    .argument('[ids...]', 'session ids or prefixes')
    .option('-a, --all', 'stop every session')
    .addOption(
      new Option('-t, --timeout <seconds>', 'seconds from SIGHUP to SIGKILL')
        .default(DEFAULT_STOP_TIMEOUT_MS / 1000)
        .argParser(parseSeconds),
    )
    .action(async (ids: string[], opts: { all?: boolean; timeout: number }) => {
      const { stopCommand } = await import('./commands/stop.js');
      exitCode = await stopCommand({ ids, all: opts.all === true, timeoutMs: opts.timeout * 1000 }, ctx);
    });

  if (cliArgv.length <= 2) {
    program.outputHelp({ error: true });
    throw new UsageError('no command given; try csm start <dir>');
  }
  if (passthrough.length > 0 && cliArgv[2] !== 'start') {
    throw new UsageError('arguments after -- are only for csm start');
  }
  await program.parseAsync([...cliArgv], { from: 'node' });
  return exitCode;
}

/** `csm start dir -- a b`: everything after the first -- belongs to the child. */
function splitPassthrough(argv: readonly string[]): { cliArgv: string[]; passthrough: string[] } {
  const dash = argv.indexOf('--', 2);
  if (dash === -1) return { cliArgv: [...argv], passthrough: [] };
  return { cliArgv: argv.slice(0, dash), passthrough: argv.slice(dash + 1) };
}

/** Plain decimal seconds: Number() alone also took "0x10", "1e2" and " 5 ". */
const SECONDS = /^\d+(\.\d+)?$/;

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!SECONDS.test(value) || seconds > 3600) {
    throw new UsageError(`--timeout takes a number of seconds from 0 to 3600, not ${JSON.stringify(value)}`);
  }
  return seconds;
}
