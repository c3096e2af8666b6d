// Every session csm knows of, live or ended, and the history of ended ones:
// finding a session by id or prefix among both, archiving a session as it
// ends (or as its dead host is found), and deleting ended sessions with their
// recorded output. Live sessions come from the manager's registry scan, so
// that what counts as live is decided in one place.
import { conversationIdOf } from './claude-args.js';
import type { SessionExit } from './control-protocol.js';
import { CsmError, NotResumableError, SessionLiveError } from './errors.js';
import { type EndedRecord, History } from './history.js';
import { resolveId } from './id-prefix.js';
import type { SessionState } from './manager.js';
import { lastOutputTime, logDirFor, removeLog } from './output-log.js';
import type { CsmPaths } from './paths.js';
import type { SessionRecord } from './session.js';

/** What the manager's registry scan found (ListResult in manager.ts). */
export interface LiveScan {
  readonly sessions: readonly { readonly record: SessionRecord; readonly state: SessionState }[];
  readonly warnings: readonly string[];
}

export interface ListEndedResult {
  readonly sessions: EndedRecord[];
  readonly warnings: string[];
}

export type FoundSession =
  | { readonly kind: 'live'; readonly record: SessionRecord; readonly state: SessionState }
  | { readonly kind: 'ended'; readonly record: EndedRecord };

export class SessionCatalog {
  private readonly history: History;

  constructor(
    private readonly paths: CsmPaths,
    private readonly now: () => number,
  ) {
    this.history = new History(paths);
  }

  /** Ended sessions, newest end first, without any that `live` still lists. */
  ended(live: LiveScan): ListEndedResult {
    const liveIds = new Set(live.sessions.map((s) => s.record.id));
    const scan = this.history.scan();
    return { sessions: scan.records.filter((r) => !liveIds.has(r.id)), warnings: [...live.warnings, ...scan.warnings] };
  }

  /** A live or ended session by full id or unique prefix (at least 4 characters). */
  find(name: string, live: LiveScan): FoundSession {
    const candidates: FoundSession[] = [
      ...live.sessions.map((s): FoundSession => ({ kind: 'live', record: s.record, state: s.state })),
      ...this.ended(live).sessions.map((record): FoundSession => ({ kind: 'ended', record })),
    ];
    return resolveId(
      name,
      candidates.map((found) => ({ id: found.record.id, workingDir: found.record.workingDir, found })),
    ).found;
  }

  endedRecord(id: string): EndedRecord | undefined {
    return this.history.get(id);
  }

  /** Deletes ended sessions with their output; refuses, before deleting anything, if one is live. */
  remove(found: readonly FoundSession[]): EndedRecord[] {
    const ended: EndedRecord[] = [];
    for (const f of found) {
      if (f.kind === 'live') {
        const short = f.record.id.slice(0, 8);
        throw new SessionLiveError(`session ${short} is still running; stop it first with: csm stop ${short}`);
      }
      if (!ended.some((r) => r.id === f.record.id)) ended.push(f.record);
    }
    for (const record of ended) this.forget(record.id);
    return ended;
  }

  /** Deletes ended sessions that ended at least `olderThanMs` ago (all without it). */
  prune(live: LiveScan, olderThanMs: number | undefined): EndedRecord[] {
    const cutoff = this.now() - (olderThanMs ?? 0);
    const pruned = this.ended(live).sessions.filter((r) => Date.parse(r.endedAt) <= cutoff);
    for (const record of pruned) this.forget(record.id);
    return pruned;
  }

  /** A session that ended in this host; returns a warning instead of throwing, since the session ends regardless. */
  archiveEnded(record: SessionRecord, exit: SessionExit, stoppedWith: string | undefined, title: string | null): string | undefined {
    const endedAt = new Date(this.now()).toISOString();
    try {
      this.history.archive({ ...record, endedAt, exit, stoppedWith: stoppedWith ?? null, title });
      return undefined;
    } catch (error) {
      if (!(error instanceof CsmError)) throw error;
      return `session ${record.id.slice(0, 8)} is not kept in history: ${error.message}`;
    }
  }

  /** A session whose host died: its end unknown, at about its last output; what its host archived wins. */
  archiveLost(record: SessionRecord): void {
    const endedAt = (lastOutputTime(logDirFor(this.paths, record.id)) ?? new Date(this.now())).toISOString();
    try {
      this.history.archive({ ...record, endedAt, exit: null, stoppedWith: null, title: null }, false);
    } catch (error) {
      // Cleaning up a ghost must go on even when history cannot be written
      // (read-only or full disk): the live record would otherwise stay wrong.
      if (!(error instanceof CsmError)) throw error;
    }
  }

  private forget(id: string): void {
    this.history.remove(id);
    removeLog(this.paths, id);
  }
}

/** The ended Claude Code session to resume and its conversation id; a clear error if it cannot be. */
export function resumeTarget(found: FoundSession): { record: EndedRecord; conversationId: string } {
  const short = found.record.id.slice(0, 8);
  if (found.kind === 'live') throw new SessionLiveError(`session ${short} is still running; it can be resumed once it has ended`);
  const conversationId = conversationIdOf(found.record.command, found.record.args);
  if (conversationId === undefined) {
    const command = [found.record.command, ...found.record.args].join(' ');
    throw new NotResumableError(
      `session ${short} cannot be resumed: it did not run Claude Code with a conversation id (command: ${command})`,
    );
  }
  return { record: found.record, conversationId };
}
