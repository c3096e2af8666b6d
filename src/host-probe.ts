// Asking each session's host whether it still answers, and what its session
// is doing. A host whose process exists can still be useless: stopped with
// SIGSTOP (or Ctrl-Z where it runs), deadlocked, or stuck in the kernel.
// `list` used to check only that the host process existed, so such a session
// showed as running. Every host is asked at once with a short bound, so a
// hung host costs `list` at most PROBE_MS in all, however many sessions there
// are, and never a hang. One round trip per host: the ping (is it the host of
// this very session?) and the status request go out in one write.
//
// Most hosts are not asked at all: asking wakes every host, and on a machine
// with few cores 100 of them cost `list` over 100 ms. A host whose process is
// running or waiting for work (not stopped, not stuck in the kernel), whose
// socket is in place and who keeps its status file (status-file.ts) is taken
// at its word. The price: a host that spins in a loop or deadlocks while its
// process looks healthy is listed as running with its last status, not as
// (not responding); `csm stop` still ends it (it signals a host that does not
// answer). Where there is no /proc (macOS), every host is asked.
import { lstatSync } from 'node:fs';
import type { ActivitySnapshot } from './activity.js';
import { request } from './control-client.js';
import { type ControlReply, PROTOCOL_VERSION } from './control-protocol.js';
import type { ListedSession, ListResult } from './manager.js';
import { type CsmPaths, recordPathFor } from './paths.js';
import { isSameProcess, processState } from './process-info.js';
import { hostIdentity, shortId } from './session.js';
import { readStatusFile, statusPathFor } from './status-file.js';

/** A healthy host answers a ping in well under a millisecond; a loaded machine may need a few hundred. */
export const PROBE_MS = 500;

export interface ProbedSession extends ListedSession {
  /**
   * What its host answered to the status request: its activity, or why there
   * is none (it does not track activity, it is ending). Absent when it was
   * not asked or did not say.
   */
  readonly activity?: ActivitySnapshot | string;
}

export interface ProbeResult {
  readonly sessions: ProbedSession[];
  readonly warnings: string[];
}

/**
 * Asks the host of every running session; those that do not answer in
 * `timeoutMs` become 'unresponsive', with a warning saying how to end them.
 * A session that ended while it was asked is dropped.
 */
export async function probeHosts(listed: ListResult, paths: CsmPaths, timeoutMs: number = PROBE_MS): Promise<ProbeResult> {
  const probed = await Promise.all(listed.sessions.map((session) => probe(session, paths, timeoutMs)));
  const sessions: ProbedSession[] = [];
  const warnings = [...listed.warnings];
  for (const session of probed) {
    if (session === undefined) continue;
    sessions.push(session);
    if (session.state === 'unresponsive') {
      const { id, hostPid } = session.record;
      warnings.push(
        `session ${shortId(id)}: its csm (pid ${hostPid}) did not answer within ${timeoutMs} ms (stopped or hung?); csm stop ${shortId(id)} still ends it`,
      );
    }
  }
  return { sessions, warnings };
}

async function probe(session: ListedSession, paths: CsmPaths, timeoutMs: number): Promise<ProbedSession | undefined> {
  const { record } = session;
  // Orphans have no host to ask; a session hosted by this process is answered by this very code.
  if (session.state !== 'running' || record.hostPid === process.pid) return session;
  const written = writtenActivity(session, paths);
  if (written !== undefined) return { ...session, activity: written };
  let replies = 0;
  const outcome = await request(
    record.socketPath,
    [
      { v: PROTOCOL_VERSION, op: 'ping' },
      { v: PROTOCOL_VERSION, op: 'status' },
    ],
    { firstReplyMs: timeoutMs, totalMs: timeoutMs },
    () => ++replies === 2,
  );
  const answers = outcome.kind === 'unreachable' ? [] : outcome.replies;
  if (answers.some((r) => r.ok && r.event === 'pong' && r.id === record.id)) {
    const activity = statusAnswer(answers);
    return activity === undefined ? session : { ...session, activity };
  }
  // A host removes its record before it closes its socket, and exits a
  // moment later: under load, sessions being stopped showed as unresponsive.
  if (!isSameProcess(hostIdentity(record)) || !exists(recordPathFor(paths, record.id))) {
    return undefined;
  }
  return { record, state: 'unresponsive' };
}

/** What the host last wrote, when nothing suggests it stopped answering; undefined means: ask it. */
function writtenActivity({ record, hostState }: ListedSession, paths: CsmPaths): ActivitySnapshot | undefined {
  // Read by listSessions with the host's identity a moment ago; read it here
  // for a session listed without it.
  const state = hostState ?? processState(record.hostPid);
  if (state !== 'R' && state !== 'S') return undefined;
  if (!isSocket(record.socketPath)) return undefined;
  return readStatusFile(statusPathFor(paths, record.id));
}

function isSocket(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false; // gone, or not reachable: asking will tell
  }
}

/** The answer to the status request: the host's activity, or its reason for having none. */
function statusAnswer(replies: readonly ControlReply[]): ActivitySnapshot | string | undefined {
  for (const reply of replies) {
    if (reply.ok && reply.event === 'status') return reply.activity;
    if (!reply.ok) return reply.error;
  }
  return undefined;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false; // ENOENT: removed; anything else cannot happen in our own 0700 directory
  }
}
