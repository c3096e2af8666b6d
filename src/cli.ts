// The command line: declares commands and options and translates them into
// typed options for one command function each. Each command's module is
// imported inside its action, so `csm --help` and `csm list` load neither
// node-pty nor anything else they do not use.
import { Command, Option } from 'commander';
import type { CommandContext } from './commands/context.js';
import { DEFAULT_DETACH_KEY } from './detach-key.js';
import { parseDuration } from './duration.js';
import { UsageError } from './errors.js';
import { HOST_COMMAND } from './start-fast-path.js';
import { DEFAULT_STOP_TIMEOUT_MS } from './stop-defaults.js';
import { VERSION } from './version.js';

export { VERSION };

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
  CSM_LOG_MAX_BYTES cap on each session's recorded output (default 8M; 0: record none)
  CSM_RECORD=0      neither record output nor track activity (no logs, STATUS unknown)

Examples:
  csm start ./repo                  Claude Code in ./repo, in this terminal
  csm start . -- --model opus       pass arguments to claude after --
  csm start -d ./repo               the same in the background; prints the session id
  csm attach 3f2a                   show a running session here (detach: Ctrl-\\)
  csm list                          every live session, from any terminal
  csm stop 3f2a                     stop a session by id prefix
  csm logs 3f2a --follow            read what a session printed, live
  csm send 3f2a 'run the tests' --enter && csm wait 3f2a
                                    type a prompt, then wait until it is done`,
    );

  program
    .command('start')
    .description('start a session in this terminal and stay attached until it ends')
    .argument('[dir]', 'directory to run in', '.')
    .option('-c, --command <path-or-name>', 'command to run instead of claude (env: CSM_COMMAND)')
    .option('--no-session-id', "don't pass --session-id <csm id> to Claude Code")
    .option('-d, --detach', 'run the session in the background; print its id and return once it runs')
    .usage('[options] [dir] [-- args...]')
    .addHelpText(
      'after',
      `
Arguments after -- are passed to the command unchanged. When the command is
Claude Code (claude) and none of --session-id, --resume/-r, --continue/-c is
given, csm adds --session-id <csm session id>, so that the conversation can be
resumed later with csm resume <id>.`,
    )
    .action(async (dir: string, opts: { command?: string; sessionId: boolean; detach?: boolean }) => {
      const { startCommand } = await import('./commands/start.js');
      exitCode = await startCommand(
        { dir, command: opts.command, args: passthrough, conversationId: opts.sessionId, detach: opts.detach === true },
        ctx,
      );
    });

  program
    .command('attach')
    .description('show a running session in this terminal and type into it; other terminals keep showing it')
    .argument('<id>', 'session id or unique prefix')
    .addOption(
      new Option('--detach-key <key>', 'key that detaches: ctrl-<key> (e.g. ctrl-a, ^]) or none').default(DEFAULT_DETACH_KEY, 'Ctrl-\\'),
    )
    .addHelpText('after', '\nThe session keeps running after you detach; closing this terminal only detaches it.')
    .action(async (id: string, opts: { detachKey: string }) => {
      const { attachCommand } = await import('./commands/attach.js');
      exitCode = await attachCommand({ id, detachKey: opts.detachKey }, ctx);
    });

  // What `start --detach` runs in the background; not for people.
  program
    .command(HOST_COMMAND, { hidden: true })
    .argument('[dir]', 'directory to run in', '.')
    .option('-c, --command <path-or-name>', 'command to run instead of claude')
    .option('--no-session-id', "don't pass --session-id <csm id> to Claude Code")
    .action(async (dir: string, opts: { command?: string; sessionId: boolean }) => {
      const { hostCommand } = await import('./commands/host.js');
      exitCode = await hostCommand({ dir, command: opts.command, args: passthrough, conversationId: opts.sessionId }, ctx);
    });

  program
    .command('list')
    .alias('ls')
    .description('list every live session of this user, with what it is doing')
    .option('-a, --all', 'ended sessions too, with their end time and exit status')
    .option('--json', 'print JSON: id, workingDir, createdAt, pid, hostPid, command, args, state, status, raw activity times')
    .option('-q, --quiet', 'print full ids only, one per line')
    .addHelpText(
      'after',
      `
STATUS: active (output or input in the last 2 s), idle 4m (quiet for that long),
needs input (the program rang the bell or sent a notification since the last
keystroke), unknown (its host does not answer); with --all, exited N or killed.`,
    )
    .action(async (opts: { json?: boolean; quiet?: boolean; all?: boolean }) => {
      const { listCommand } = await import('./commands/list.js');
      exitCode = await listCommand({ json: opts.json === true, quiet: opts.quiet === true, all: opts.all === true }, ctx);
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

  program
    .command('logs')
    .description("print a session's recorded output (live or ended) as readable text")
    .argument('<id>', 'session id or unique prefix')
    .option('-f, --follow', 'keep printing new output until the session ends')
    .addOption(new Option('-n, --tail <lines>', 'only the last <lines> lines of what was recorded').argParser(parseCount))
    .option('--raw', 'the exact bytes, escape codes and all (replays with cat in a terminal)')
    .action(async (id: string, opts: { follow?: boolean; tail?: number; raw?: boolean }) => {
      const { logsCommand } = await import('./commands/logs.js');
      exitCode = await logsCommand({ id, follow: opts.follow === true, raw: opts.raw === true, tail: opts.tail }, ctx);
    });

  program
    .command('send')
    .description('type into a session: text, named keys, Enter')
    .argument('<id>', 'session id or unique prefix')
    .argument('[text...]', 'text to type (words joined by spaces); - reads it from stdin')
    .option('--enter', 'press Enter once the program has taken the text')
    .option('-k, --keys <key...>', 'named keys to press after the text: Enter Escape Tab Backspace Up Down Left Right Ctrl-C Ctrl-D ...')
    .addHelpText(
      'after',
      `
Multi-line text goes as one bracketed paste when the program enabled bracketed
paste, and as typed lines otherwise. Text comes first, then keys, then Enter.
Examples:
  csm send 3f2a 'explain this repo' --enter
  git diff | csm send 3f2a - --enter
  csm send 3f2a --keys Escape`,
    )
    .action(async (id: string, text: string[], opts: { enter?: boolean; keys?: string[] }) => {
      const { sendCommand } = await import('./commands/send.js');
      exitCode = await sendCommand({ id, text, keys: opts.keys ?? [], enter: opts.enter === true }, ctx);
    });

  program
    .command('wait')
    .description('wait until a session is idle, needs input, or has exited')
    .argument('<id>', 'session id or unique prefix')
    .addOption(
      new Option('-u, --until <state>', 'idle (not active: idle or needs input), needs-input, or exit')
        .choices(['idle', 'needs-input', 'exit'])
        .default('idle'),
    )
    .addOption(new Option('-t, --timeout <seconds>', 'give up after this many seconds').argParser(parseWaitSeconds))
    .addHelpText(
      'after',
      `
Prints the status reached. Exit status: 0 reached, 3 the session ended first,
124 timed out, 1 no such session.`,
    )
    .action(async (id: string, opts: { until: 'idle' | 'needs-input' | 'exit'; timeout?: number }) => {
      const { waitCommand } = await import('./commands/wait.js');
      exitCode = await waitCommand({ id, until: opts.until, timeoutMs: opts.timeout === undefined ? undefined : opts.timeout * 1000 }, ctx);
    });

  program
    .command('rm')
    .description('delete ended sessions and their recorded output (live ones are refused)')
    .argument('<ids...>', 'session ids or prefixes')
    .action(async (ids: string[]) => {
      const { rmCommand } = await import('./commands/rm.js');
      exitCode = await rmCommand({ ids }, ctx);
    });

  program
    .command('prune')
    .description('delete ended sessions and their recorded output; live sessions are kept')
    .addOption(
      new Option('--older-than <duration>', 'only sessions that ended longer ago than this (30m, 12h, 7d, 2w)').argParser((value) =>
        parseDuration(value, '--older-than'),
      ),
    )
    .action(async (opts: { olderThan?: number }) => {
      const { pruneCommand } = await import('./commands/prune.js');
      exitCode = await pruneCommand({ olderThanMs: opts.olderThan }, ctx);
    });

  program
    .command('resume')
    .description("start a new session in an ended Claude Code session's directory, continuing its conversation")
    .argument('<id>', 'id or prefix of the ended session')
    .usage('[options] <id> [-- args...]')
    .addHelpText('after', '\nRuns claude --resume <id> in that directory; arguments after -- are added.')
    .action(async (id: string) => {
      const { resumeCommand } = await import('./commands/resume.js');
      exitCode = await resumeCommand({ id, args: passthrough }, ctx);
    });

  if (cliArgv.length <= 2) {
    program.outputHelp({ error: true });
    throw new UsageError('no command given; try csm start <dir>');
  }
  if (passthrough.length > 0 && !['start', 'resume', HOST_COMMAND].includes(cliArgv[2] ?? '')) {
    throw new UsageError('arguments after -- are only for csm start and csm resume');
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

function parseCount(value: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(count)) {
    throw new UsageError(`--tail takes a number of lines, not ${JSON.stringify(value)}`);
  }
  return count;
}

/** A week: longer waits belong to a scheduler, not a blocked shell. */
const MAX_WAIT_SECONDS = 7 * 24 * 3600;

function parseWaitSeconds(value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > MAX_WAIT_SECONDS) {
    throw new UsageError(`--timeout takes a number of seconds from 0 to ${MAX_WAIT_SECONDS}, not ${JSON.stringify(value)}`);
  }
  return seconds;
}
