// `csm start [dir] [-- args...]`: host a session in this terminal until its
// child exits or someone stops it.
import { describeExit, exitStatus, tildify } from '../format.js';
import { type SessionEnd, SessionManager } from '../manager.js';
import { resolvePaths } from '../paths.js';
import { recordingSettings } from '../recording-env.js';
import { shortId } from '../session.js';
import { signalNumber } from '../signals.js';
import { linkTerminal, readsNothing, resetTerminalModes } from '../terminal-link.js';
import { type CommandContext, say } from './context.js';

export interface StartCommandOptions {
  readonly dir: string;
  readonly command?: string | undefined;
  readonly args: readonly string[];
  /** False (--no-session-id): never add --session-id for Claude Code. */
  readonly conversationId?: boolean | undefined;
  /** Host the session in the background instead of in this terminal. */
  readonly detach?: boolean;
}

/** Signals that end the session the way `csm stop` does. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGTERM', 'SIGINT'];
const DEFAULT_SIZE = { cols: 80, rows: 24 };
const STDIN_FD = 0;

export async function startCommand(options: StartCommandOptions, ctx: CommandContext): Promise<number> {
  if (options.detach === true) return startInBackground(options, ctx);
  const manager = new SessionManager({ paths: resolvePaths(ctx.env) });
  const size = ctx.stdout.isTTY ? { cols: ctx.stdout.columns, rows: ctx.stdout.rows } : DEFAULT_SIZE;
  let idLine = '';
  const hosted = await manager.startSession({
    dir: options.dir,
    cwd: ctx.cwd,
    command: options.command ?? nonEmpty(ctx.env.CSM_COMMAND),
    args: options.args,
    env: ctx.env,
    cols: size.cols > 0 ? size.cols : DEFAULT_SIZE.cols,
    rows: size.rows > 0 ? size.rows : DEFAULT_SIZE.rows,
    ...recordingSettings(ctx.env),
    conversationId: options.conversationId,
    onWarning: (message) => say(ctx, `warning: ${message}`),
    beforeSpawn: (session) => {
      const id = shortId(session.id);
      idLine = `session ${id} in ${tildify(session.workingDir)}; stop it from any terminal with: csm stop ${id}`;
      say(ctx, idLine);
    },
  });
  // This terminal shows the id line above the child's output; so does the
  // screen model, so that terminals attaching later see the same screen.
  if (ctx.stderr.isTTY && ctx.stdout.isTTY) hosted.clients.noteLocalOutput(`csm: ${idLine}\r\n`);
  const link = linkTerminal(hosted.clients, {
    stdin: readsNothing(STDIN_FD) ? undefined : ctx.stdin,
    stdout: ctx.stdout,
  });
  // After a hang-up, writes to the terminal fail with EIO as 'error' events;
  // the end-of-session line is then simply lost, never a crash.
  ctx.stderr.on('error', () => undefined);

  let caught: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    caught ??= signal;
    void manager.stopSession(hosted.record);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);

  try {
    let end: SessionEnd;
    try {
      end = await hosted.ended;
    } finally {
      // Whatever happened, the terminal goes back to the mode it had.
      await link.restore();
    }
    if (end.exit.signal !== undefined || (end.stoppedWith !== undefined && end.stoppedWith !== 'exit')) {
      resetTerminalModes(ctx.stdout);
    }
    const how = end.stoppedWith !== undefined ? `stopped, ${describeExit(end.exit)}` : describeExit(end.exit);
    say(ctx, `session ${shortId(hosted.session.id)} ended (${how})`);
    // Ended by a signal to csm itself: report it the way a shell would.
    return caught !== undefined ? 128 + signalNumber(caught) : exitStatus(end.exit);
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
}

async function startInBackground(options: StartCommandOptions, ctx: CommandContext): Promise<number> {
  const { startBackgroundHost } = await import('../background-host.js');
  const started = await startBackgroundHost({
    dir: options.dir,
    command: options.command,
    args: options.args,
    conversationId: options.conversationId,
    cwd: ctx.cwd,
    env: ctx.env,
  });
  ctx.stdout.write(`${started.id}\n`);
  const id = shortId(started.id);
  say(ctx, `session ${id} runs in the background in ${tildify(started.workingDir)}; see it with: csm attach ${id}`);
  return 0;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
