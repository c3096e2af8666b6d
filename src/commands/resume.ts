// `csm resume <id> [-- args]`: a new session, in the ended session's
// directory, that continues its Claude Code conversation (`claude --resume`).
import { SessionManager } from '../manager.js';
import { resolvePaths } from '../paths.js';
import type { CommandContext } from './context.js';
import { startCommand } from './start.js';

export interface ResumeCommandOptions {
  readonly id: string;
  /** More arguments for claude, after --resume <id>. */
  readonly args: readonly string[];
}

export async function resumeCommand(options: ResumeCommandOptions, ctx: CommandContext): Promise<number> {
  const manager = new SessionManager({ paths: resolvePaths(ctx.env) });
  const { record, conversationId } = manager.resumable(options.id);
  return startCommand(
    { dir: record.workingDir, command: record.command, args: ['--resume', conversationId, ...options.args], conversationId: true },
    ctx,
  );
}
