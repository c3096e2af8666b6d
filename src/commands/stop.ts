// `csm stop <id>... | --all`: end sessions from any terminal, and return only
// when nothing of them is left running.
import { UsageError } from '../errors.js';
import { tildify } from '../format.js';
import { resolveIds } from '../id-prefix.js';
import { SessionManager, type StopResult } from '../manager.js';
import { resolvePaths } from '../paths.js';
import { shortId } from '../session.js';
import { type CommandContext, say } from './context.js';

export interface StopCommandOptions {
  readonly ids: readonly string[];
  readonly all: boolean;
  readonly timeoutMs: number;
}

export async function stopCommand(options: StopCommandOptions, ctx: CommandContext): Promise<number> {
  if (options.all && options.ids.length > 0) throw new UsageError('give session ids or --all, not both');
  if (!options.all && options.ids.length === 0)
    throw new UsageError('name the session(s) to stop, or pass --all; run csm list to see them');

  const manager = new SessionManager({ paths: resolvePaths(ctx.env) });
  const { sessions, warnings } = manager.listSessions();
  for (const warning of warnings) say(ctx, `warning: ${warning}`);
  const records = sessions.map((s) => s.record);
  // Resolve every name before stopping anything: a typo stops nothing.
  const targets = options.all ? records : resolveIds(options.ids, records);
  if (targets.length === 0) {
    ctx.stdout.write('no sessions to stop\n');
    return 0;
  }

  const results = await Promise.allSettled(targets.map((record) => manager.stopSession(record, options.timeoutMs)));
  let failed = 0;
  for (const result of results) {
    if (result.status === 'fulfilled') {
      ctx.stdout.write(`${describeStop(result.value)}\n`);
    } else {
      failed += 1;
      say(ctx, result.reason instanceof Error ? result.reason.message : String(result.reason));
    }
  }
  return failed > 0 ? 1 : 0;
}

function describeStop(result: StopResult): string {
  const how =
    result.escalatedTo === 'SIGKILL'
      ? ' (did not exit on SIGHUP or SIGTERM: killed)'
      : result.via === 'direct'
        ? ' (host did not answer: signalled directly)'
        : '';
  return `stopped ${shortId(result.record.id)} ${tildify(result.record.workingDir)}${how}`;
}
