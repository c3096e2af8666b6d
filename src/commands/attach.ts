// `csm attach <id>`: show a running session in this terminal and type into
// it, alongside any other terminal showing it, until the detach key.
import type { AttachOutcome } from '../attach-client.js';
import { type DetachKey, parseDetachKey } from '../detach-key.js';
import { AttachError, UsageError } from '../errors.js';
import { describeExit, exitStatus } from '../format.js';
import { resolveId } from '../id-prefix.js';
import { SessionManager } from '../manager.js';
import { resolvePaths } from '../paths.js';
import { holdRaw } from '../raw-terminal.js';
import { shortId } from '../session.js';
import { signalNumber } from '../signals.js';
import { type CommandContext, say } from './context.js';

export interface AttachCommandOptions {
  readonly id: string;
  /** `ctrl-\`, `ctrl-a`, `^]`, … or `none`. */
  readonly detachKey: string;
}

export async function attachCommand(options: AttachCommandOptions, ctx: CommandContext): Promise<number> {
  const detachKey = parseDetachKey(options.detachKey);
  // Raw before anything else, so that keys typed while the session is found
  // and connected to (up to seconds with a busy host) wait in the terminal as
  // they were typed and reach the session once attached. In the terminal's
  // normal mode they were cooked: Enter arrived as LF, Ctrl-C killed csm.
  const raw = holdRaw(ctx.stdin, ctx.stdout);
  let id: string;
  let outcome: AttachOutcome;
  try {
    ({ id, outcome } = await attachTo(options.id, detachKey, ctx));
  } finally {
    await raw.release();
  }
  switch (outcome.kind) {
    case 'detached':
      // Below whatever the session left on the screen, like a shell prompt after a program.
      if (ctx.stdout.isTTY) ctx.stdout.write(`\x1b[${ctx.stdout.rows};1H\r\n`);
      say(ctx, `detached from session ${id}; it keeps running (csm attach ${id} to return)`);
      return 0;
    case 'ended':
      say(ctx, `session ${id} ended (${describeExit(outcome.exit)})`);
      return exitStatus(outcome.exit);
    case 'hangup':
      return 128 + signalNumber('SIGHUP');
    case 'lost':
      throw new AttachError(`lost session ${id}: ${outcome.reason}; csm list shows whether it still runs`);
  }
}

/** Finds the session and shows it here until the detach key or its end; resolves with its short id and how it ended. */
async function attachTo(
  name: string,
  detachKey: DetachKey | undefined,
  ctx: CommandContext,
): Promise<{ id: string; outcome: AttachOutcome }> {
  const manager = new SessionManager({ paths: resolvePaths(ctx.env) });
  const { sessions, warnings } = manager.listSessions();
  for (const warning of warnings) say(ctx, `warning: ${warning}`);
  const record = resolveId(
    name,
    sessions.map((s) => s.record),
  );
  const id = shortId(record.id);
  if (ctx.env.CSM_SESSION_ID === record.id) {
    // Its output would come back to it as output, for ever.
    throw new UsageError(`this terminal is session ${id} itself; attach to it from another terminal`);
  }
  // After a hang-up, writes to the terminal fail with EIO; the last line is then simply lost.
  ctx.stderr.on('error', () => undefined);

  const outcome = await manager.attachSession(record, ctx, {
    detachKey,
    onAttached: ({ clients }) => {
      const others = clients > 1 ? ` with ${clients - 1} other terminal${clients > 2 ? 's' : ''}` : '';
      const how = detachKey === undefined ? 'no detach key (--detach-key none): end with csm stop' : `detach with ${detachKey.label}`;
      say(ctx, `attached to session ${id}${others}; ${how}`);
    },
  });
  return { id, outcome };
}
