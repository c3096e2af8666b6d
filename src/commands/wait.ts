// `csm wait <id> [--until idle|needs-input|exit] [--timeout <s>]`: block a
// script until a session is done with its turn, wants its user, or ends. The
// reached status goes to stdout; the exit status says how the wait ended.

import { SessionManager } from '../manager.js';
import { resolvePaths } from '../paths.js';
import type { WaitTarget } from '../session-wait.js';
import { formatStatus } from '../status.js';
import { type CommandContext, say } from './context.js';

export interface WaitCommandOptions {
  readonly id: string;
  readonly until: WaitTarget;
  readonly timeoutMs: number | undefined;
}

/** The session ended before it reached the state waited for. */
export const WAIT_ENDED_EXIT = 3;
/** The timeout passed first; 124 as in timeout(1). */
export const WAIT_TIMEOUT_EXIT = 124;

export async function waitCommand(options: WaitCommandOptions, ctx: CommandContext): Promise<number> {
  const manager = new SessionManager({ paths: resolvePaths(ctx.env) });
  const result = await manager.waitFor(options.id, options.until, { timeoutMs: options.timeoutMs });
  const status = formatStatus(result.status);
  switch (result.outcome) {
    case 'reached':
      ctx.stdout.write(`${status}\n`);
      return 0;
    case 'ended':
      ctx.stdout.write(`${status}\n`);
      say(ctx, `session ended before it was ${options.until === 'idle' ? 'idle' : 'waiting for input'}`);
      return WAIT_ENDED_EXIT;
    case 'timeout':
      say(ctx, `timed out after ${(options.timeoutMs ?? 0) / 1000} s; the session is ${status}`);
      return WAIT_TIMEOUT_EXIT;
  }
}
