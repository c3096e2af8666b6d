// `csm list`: every live session of this user, from any terminal.
import { formatAge, formatTable, tildify } from '../format.js';
import { probeHosts } from '../host-probe.js';
import { SessionManager, type SessionState } from '../manager.js';
import { resolvePaths } from '../paths.js';
import { shortId } from '../session.js';
import { type CommandContext, say } from './context.js';

export interface ListCommandOptions {
  readonly json: boolean;
  readonly quiet: boolean;
}

export async function listCommand(options: ListCommandOptions, ctx: CommandContext): Promise<number> {
  const paths = resolvePaths(ctx.env);
  const manager = new SessionManager({ paths });
  const { sessions, warnings } = await probeHosts(manager.listSessions(), paths);
  for (const warning of warnings) say(ctx, `warning: ${warning}`);

  if (options.json) {
    const rows = sessions.map(({ record, state }) => ({
      id: record.id,
      workingDir: record.workingDir,
      createdAt: record.createdAt,
      pid: record.pid,
      hostPid: record.hostPid,
      command: record.command,
      args: record.args,
      state,
    }));
    ctx.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else if (options.quiet) {
    for (const { record } of sessions) ctx.stdout.write(`${record.id}\n`);
  } else if (sessions.length === 0) {
    ctx.stdout.write('no sessions; start one with: csm start <dir>\n');
  } else {
    const now = new Date();
    const rows = sessions.map(({ record, state }) => [
      shortId(record.id),
      formatAge(record.createdAt, now),
      String(record.pid),
      tildify(record.workingDir) + STATE_NOTE[state],
    ]);
    ctx.stdout.write(`${formatTable([['ID', 'STARTED', 'PID', 'DIR'], ...rows])}\n`);
  }
  return 0;
}

/** What the table adds after the directory of a session that is not simply running. */
const STATE_NOTE: Record<SessionState, string> = {
  running: '',
  orphaned: '  (host died)',
  unresponsive: '  (not responding)',
};
