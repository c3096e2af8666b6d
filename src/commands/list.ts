// `csm list`: every live session of this user, from any terminal, with what
// each is doing; with --all, ended sessions from history too.
import { formatAge, formatTable, tildify } from '../format.js';
import type { EndedRecord } from '../history.js';
import { type ProbedSession, probeHosts } from '../host-probe.js';
import { type ListedSession, SessionManager, type SessionState, type StatusReport } from '../manager.js';
import { resolvePaths } from '../paths.js';
import { type SessionRecord, shortId } from '../session.js';
import { liveReport } from '../session-report.js';
import { endedStatus, formatStatus } from '../status.js';
import { type OutputContext, say } from './context.js';

export interface ListCommandOptions {
  readonly json: boolean;
  readonly quiet: boolean;
  /** Ended sessions too. */
  readonly all: boolean;
}

export async function listCommand(options: ListCommandOptions, ctx: OutputContext): Promise<number> {
  const paths = resolvePaths(ctx.env);
  const manager = new SessionManager({ paths });
  // Every host is asked at once, bounded: hung ones (SIGSTOP, deadlock) are
  // found, and the others say what their session is doing in the same answer.
  const { sessions, warnings } = await probeHosts(manager.listSessions(), paths);
  const ended = options.all ? manager.listEnded() : { sessions: [], warnings: [] };
  for (const warning of new Set([...warnings, ...ended.warnings])) say(ctx, `warning: ${warning}`);

  if (options.quiet) {
    const ids = [...sessions.map(({ record }) => record.id), ...ended.sessions.map((record) => record.id)];
    if (ids.length > 0) ctx.stdout.write(`${ids.join('\n')}\n`);
    return 0;
  }
  const reports = await Promise.all(sessions.map((s) => reportOf(s, manager)));

  if (options.json) {
    const rows = [...sessions.map((s, i) => liveJson(s, reports[i])), ...ended.sessions.map(endedJson)];
    ctx.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else if (sessions.length === 0 && ended.sessions.length === 0) {
    ctx.stdout.write(
      options.all ? 'no sessions, live or ended; start one with: csm start <dir>\n' : 'no sessions; start one with: csm start <dir>\n',
    );
  } else {
    const now = new Date();
    const live = sessions.map(({ record, state }, i) => [
      shortId(record.id),
      formatAge(record.createdAt, now),
      ...(options.all ? ['-'] : []),
      statusText(reports[i]),
      String(record.pid),
      tildify(record.workingDir) + STATE_NOTE[state],
    ]);
    const past = ended.sessions.map((record) => [
      shortId(record.id),
      formatAge(record.createdAt, now),
      formatAge(record.endedAt, now),
      formatStatus(endedStatus(record.exit)),
      '-',
      tildify(record.workingDir),
    ]);
    const header = ['ID', 'STARTED', ...(options.all ? ['ENDED'] : []), 'STATUS', 'PID', 'DIR'];
    ctx.stdout.write(`${formatTable([header, ...live, ...past])}\n`);
  }
  return 0;
}

/** From what the probe learnt; the rest (orphans, hung hosts, a host that did not say) as any status report. */
function reportOf(session: ProbedSession, manager: SessionManager): Promise<StatusReport> {
  const { record, state, activity } = session;
  if (state === 'running' && activity !== undefined) return Promise.resolve(liveReport(record.id, activity, Date.now()));
  return manager.report({ kind: 'live', record, state });
}

/** What the table adds after the directory of a session that is not simply running. */
const STATE_NOTE: Record<SessionState, string> = {
  running: '',
  orphaned: '  (host died)',
  unresponsive: '  (not responding)',
};

function statusText(report: StatusReport | undefined): string {
  return report === undefined ? 'unknown' : formatStatus(report.status);
}

/** The fields `list --json` always had, live or ended. */
function recordJson(record: SessionRecord | EndedRecord) {
  const { id, workingDir, createdAt, pid, hostPid, command, args } = record;
  return { id, workingDir, createdAt, pid, hostPid, command, args };
}

/** The record's fields, then status and the raw times behind it. */
function liveJson({ record, state }: ListedSession, report: StatusReport | undefined) {
  const activity = report?.activity ?? null;
  return {
    ...recordJson(record),
    state,
    status: report?.status.kind ?? 'unknown',
    statusText: statusText(report),
    lastOutputAt: activity?.lastOutputAt ?? null,
    lastInputAt: activity?.lastInputAt ?? null,
    attention: activity?.attention ?? null,
    title: activity?.title ?? null,
    endedAt: null,
    exit: null,
  };
}

function endedJson(record: EndedRecord) {
  const status = endedStatus(record.exit);
  return {
    ...recordJson(record),
    state: 'ended',
    status: status.kind,
    statusText: formatStatus(status),
    lastOutputAt: null,
    lastInputAt: null,
    attention: null,
    title: record.title,
    endedAt: record.endedAt,
    exit: record.exit === null ? null : { exitCode: record.exit.exitCode ?? null, signal: record.exit.signal ?? null },
  };
}
