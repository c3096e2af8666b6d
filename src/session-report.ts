// A session's status as one report, wherever it is hosted: from the
// observer of a session hosted here, from its host's answer over the control
// socket, or from history once it has ended (also when it ends while asked).
import type { ActivitySnapshot } from './activity.js';
import type { EndedRecord } from './history.js';
import type { SessionRecord } from './session.js';
import type { FoundSession } from './session-catalog.js';
import { askActivity } from './session-io-client.js';
import { NOT_OBSERVED } from './session-io-server.js';
import type { SessionObserver } from './session-observer.js';
import { endedStatus, liveStatus, type SessionStatus } from './status.js';

export interface StatusReport {
  readonly id: string;
  readonly live: boolean;
  readonly status: SessionStatus;
  /** The raw times and modes behind a live status; null when unknown. */
  readonly activity: ActivitySnapshot | null;
  /** Why a live session's status is unknown (no answer, not tracked). */
  readonly note: string | null;
}

export interface ReportSources {
  /** The session when this process hosts it. */
  readonly hostedHere: (id: string) => { readonly observer: SessionObserver | undefined } | undefined;
  readonly isLive: (record: SessionRecord) => boolean;
  readonly ended: (id: string) => EndedRecord | undefined;
  readonly now: () => number;
}

export async function reportSession(found: FoundSession, sources: ReportSources): Promise<StatusReport> {
  const { record } = found;
  if (found.kind === 'ended') return endedReport(record.id, found.record);
  const hosted = sources.hostedHere(record.id);
  let asked: ActivitySnapshot | string;
  if (hosted !== undefined) asked = hosted.observer?.snapshot() ?? NOT_OBSERVED;
  else if (found.state === 'orphaned') asked = 'its host died';
  else if (found.state === 'unresponsive') asked = 'its host does not answer';
  else {
    const answer = await askActivity(record);
    if (typeof answer === 'string' && !sources.isLive(record)) {
      // It ended while we asked: its host archived it, or died.
      return endedReport(record.id, sources.ended(record.id));
    }
    asked = typeof answer === 'string' ? answer : answer.activity;
  }
  return liveReport(record.id, asked, sources.now());
}

/** A live session's report from its activity, or from the reason there is none. */
export function liveReport(id: string, asked: ActivitySnapshot | string, now: number): StatusReport {
  if (typeof asked === 'string') return { id, live: true, status: { kind: 'unknown' }, activity: null, note: asked };
  return { id, live: true, status: liveStatus(asked, now), activity: asked, note: null };
}

function endedReport(id: string, record: EndedRecord | undefined): StatusReport {
  return { id, live: false, status: endedStatus(record?.exit ?? null), activity: null, note: null };
}
