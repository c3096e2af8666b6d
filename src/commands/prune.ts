// `csm prune [--older-than <duration>]`: delete ended sessions (and their
// recorded output) from history; live sessions are never touched.
import { tildify } from '../format.js';
import { SessionManager } from '../manager.js';
import { resolvePaths } from '../paths.js';
import { shortId } from '../session.js';
import { type CommandContext, say } from './context.js';

export interface PruneCommandOptions {
  /** Only sessions that ended longer ago than this; undefined: every ended session. */
  readonly olderThanMs: number | undefined;
}

export async function pruneCommand(options: PruneCommandOptions, ctx: CommandContext): Promise<number> {
  const manager = new SessionManager({ paths: resolvePaths(ctx.env) });
  const pruned = manager.prune(options.olderThanMs);
  for (const record of pruned) ctx.stdout.write(`removed ${shortId(record.id)} ${tildify(record.workingDir)}\n`);
  if (pruned.length === 0) say(ctx, 'no ended sessions to remove');
  return 0;
}
