// A session's status, computed from its activity snapshot (live) or its
// history record (ended). Pure: the caller supplies the time.
//
// A pending bell or notification wins over everything else, since it means
// the program is waiting for a person; otherwise output or input in the
// last ACTIVE_WINDOW_MS is "active" and anything quieter is "idle".
import type { ActivitySnapshot } from './activity.js';
import type { SessionExit } from './control-protocol.js';
import { formatDuration } from './duration.js';
import type { NotificationKind } from './terminal-scanner.js';

/**
 * Claude Code redraws its spinner several times a second while it works, and
 * an echo follows a keystroke within milliseconds: two seconds without either
 * is a pause, not a blink.
 */
export const ACTIVE_WINDOW_MS = 2000;

export type SessionStatus =
  | { readonly kind: 'active' }
  | { readonly kind: 'idle'; readonly idleMs: number }
  | { readonly kind: 'needs-input'; readonly reason: NotificationKind }
  | { readonly kind: 'exited'; readonly exitCode: number }
  | { readonly kind: 'killed'; readonly signal: number }
  /** Nobody can tell: its host died, did not answer, or does not track activity. */
  | { readonly kind: 'unknown' };

export type StatusKind = SessionStatus['kind'];

export function liveStatus(activity: ActivitySnapshot, now: number): SessionStatus {
  if (activity.attention !== null) return { kind: 'needs-input', reason: activity.attention.kind };
  const last = Math.max(time(activity.startedAt), time(activity.lastOutputAt), time(activity.lastInputAt));
  const quiet = Math.max(0, now - last);
  return quiet < ACTIVE_WINDOW_MS ? { kind: 'active' } : { kind: 'idle', idleMs: quiet };
}

/** `exit` is null when csm could not learn how the session ended. */
export function endedStatus(exit: SessionExit | null): SessionStatus {
  if (exit === null) return { kind: 'unknown' };
  if (exit.signal !== undefined) return { kind: 'killed', signal: exit.signal };
  return { kind: 'exited', exitCode: exit.exitCode ?? 0 };
}

/** "active", "idle 4m", "needs input", "exited 0", "killed", "unknown" */
export function formatStatus(status: SessionStatus): string {
  switch (status.kind) {
    case 'active':
      return 'active';
    case 'idle':
      return `idle ${formatDuration(status.idleMs)}`;
    case 'needs-input':
      return 'needs input';
    case 'exited':
      return `exited ${status.exitCode}`;
    case 'killed':
      return 'killed';
    case 'unknown':
      return 'unknown';
  }
}

function time(iso: string | null): number {
  if (iso === null) return Number.NEGATIVE_INFINITY;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}
