// `csm rm <id>...`: delete ended sessions from history, with their recorded
// output. A live session is refused (stop it first), and then nothing is deleted.
import { tildify } from '../format.js';
import { SessionManager } from '../manager.js';
import { resolvePaths } from '../paths.js';
import { shortId } from '../session.js';
import type { CommandContext } from './context.js';

export interface RmCommandOptions {
  readonly ids: readonly string[];
}

export async function rmCommand(options: RmCommandOptions, ctx: CommandContext): Promise<number> {
  const manager = new SessionManager({ paths: resolvePaths(ctx.env) });
  for (const record of manager.remove(options.ids)) ctx.stdout.write(`removed ${shortId(record.id)} ${tildify(record.workingDir)}\n`);
  return 0;
}
