// SessionManager: the one API the CLI (and later, library users) call.
// It keeps two maps for the sessions this process hosts: metadata (Session)
// and live PTY handles (HostedProcess). One invariant: every live handle has
// a metadata entry, and one path (endHosting) removes both. Sessions hosted
// by other `csm start` processes are found through the registry and reached
// through their control sockets.

import { lstatSync } from 'node:fs';
import { v4 as uuidv4 } from 'uuid';
import type { ActivitySnapshot } from './activity.js';
import { buildChildEnv } from './child-env.js';
import { conversationIdOf, withConversationId } from './claude-args.js';
import { request } from './control-client.js';
import { PROTOCOL_VERSION, type SessionExit } from './control-protocol.js';
import { ControlServer } from './control-server.js';
import { CsmError, NotObservedError, NotResumableError, SessionLiveError, SessionNotFoundError, StopError } from './errors.js';
import { DEFAULT_COMMAND, resolveExecutable } from './executable.js';
import { type EndedRecord, History } from './history.js';
import { resolveId } from './id-prefix.js';
import { type Follower, followLog } from './output-follow.js';
import { type LogBytes, lastOutputTime, logDirFor, logEnd, readLog, readSizes, removeLog, type SizeChange } from './output-log.js';
import { DEFAULT_LOG_MAX_BYTES } from './output-recorder.js';
import type { CsmPaths } from './paths.js';
import { socketPathFor } from './paths.js';
import { ensurePrivateDir } from './private-dir.js';
import { isSameProcess, type ProcessIdentity, sessionMembers, startTimeOf } from './process-info.js';
import type { SessionProcess, SpawnSessionProcess } from './pty.js';
import { Registry, unlinkQuietly } from './registry.js';
import { createSession, RECORD_VERSION, type Session, type SessionRecord } from './session.js';
import type { InputClock, SendInput } from './session-input.js';
import { askActivity, sendRemote, writeRemote } from './session-io-client.js';
import { NOT_OBSERVED, sendToChild, serveSessionIo } from './session-io-server.js';
import { SessionObserver } from './session-observer.js';
import { type Probe, type WaitOutcome, type WaitTarget, waitForState } from './session-wait.js';
import { endedStatus, liveStatus, type SessionStatus } from './status.js';
import { DEFAULT_STOP_TIMEOUT_MS } from './stop-defaults.js';
import { sleep, terminateProcess, terminateSession } from './terminate.js';
import { resolveWorkingDir } from './working-dir.js';

/** A healthy host answers within milliseconds; beyond this it is hung. */
export const HOST_ANSWER_MS = 2000;

export interface StartOptions {
  /** Directory to run in, relative to `cwd`. */
  readonly dir: string;
  readonly cwd: string;
  /** Command name or path; defaults to claude. */
  readonly command?: string | undefined;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cols: number;
  readonly rows: number;
  /** Called once the session exists and just before its child is spawned. */
  readonly beforeSpawn?: (session: Session) => void;
  /** Claude Code only: add `--session-id <csm id>` unless args choose a conversation (default true). */
  readonly conversationId?: boolean | undefined;
  /** Record output history and track activity (default true); off, `logs` and STATUS know nothing of the session. */
  readonly observe?: boolean | undefined;
  /** Cap on recorded output in bytes (default DEFAULT_LOG_MAX_BYTES); 0 records none but still tracks activity. */
  readonly logMaxBytes?: number | undefined;
  /** Problems that do not end the session, e.g. output history that could not be written. */
  readonly onWarning?: ((message: string) => void) | undefined;
}

export interface HostedSession {
  readonly session: Session;
  readonly record: SessionRecord;
  readonly process: SessionProcess;
  /** Resolves when the child has exited, nothing of its session is left, and its record is gone. */
  readonly ended: Promise<SessionEnd>;
}

export interface SessionEnd {
  readonly exit: SessionExit;
  /** Set when the session was ended by stop (and how hard it had to push). */
  readonly stoppedWith: NodeJS.Signals | 'exit' | undefined;
}

export type SessionState = 'running' | 'orphaned';

export interface ListedSession {
  readonly record: SessionRecord;
  /** orphaned: its host died but processes of its terminal session still run. */
  readonly state: SessionState;
}

export interface ListResult {
  readonly sessions: ListedSession[];
  readonly warnings: string[];
}

export interface StopResult {
  readonly record: SessionRecord;
  /** host: the host stopped it; direct: the host did not answer and csm signalled. */
  readonly via: 'host' | 'direct';
  readonly escalatedTo: string | undefined;
}

/** Options for a session started in the background; unset fields default to this process's cwd and env, 80x24, no args. */
export type LaunchOptions = Partial<StartOptions>;

export interface ListEndedResult {
  readonly sessions: EndedRecord[];
  readonly warnings: string[];
}

export type FoundSession =
  | { readonly kind: 'live'; readonly record: SessionRecord; readonly state: SessionState }
  | { readonly kind: 'ended'; readonly record: EndedRecord };

export interface StatusReport {
  readonly id: string;
  readonly live: boolean;
  readonly status: SessionStatus;
  /** The raw times and modes behind a live status; null when unknown. */
  readonly activity: ActivitySnapshot | null;
  /** Why a live session's status is unknown (no answer, not tracked). */
  readonly note: string | null;
}

interface HostedProcess {
  readonly process: SessionProcess;
  readonly record: SessionRecord;
  readonly control: ControlServer;
  readonly ended: Promise<SessionEnd>;
  /** Set by the first stop; later stops share it. */
  stopping?: Promise<NodeJS.Signals | undefined>;
  /** Control clients waiting to hear how the session ended. */
  readonly endWaiters: ((end: SessionEnd) => void)[];
  /** Output history and activity; undefined when the session is not observed. */
  readonly observer: SessionObserver | undefined;
  readonly warn: (message: string) => void;
}

export interface ManagerDeps {
  readonly paths: CsmPaths;
  /** How to spawn a PTY child; tests pass a fake. Loaded lazily by default. */
  readonly spawn?: SpawnSessionProcess;
  readonly now?: () => Date;
  readonly newId?: () => string;
}

export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly processes = new Map<string, HostedProcess>();
  private readonly registry: Registry;
  private readonly history: History;
  private readonly inputClock: InputClock = { now: () => this.nowMs(), sleep };

  constructor(private readonly deps: ManagerDeps) {
    this.registry = new Registry(deps.paths);
    this.history = new History(deps.paths);
  }

  /** Sessions hosted by this process (metadata map), newest first. */
  hostedSessions(): Session[] {
    return [...this.sessions.values()].reverse();
  }

  async startSession(options: StartOptions): Promise<HostedSession> {
    const workingDir = resolveWorkingDir(options.dir, options.cwd);
    const command = resolveExecutable(options.command ?? DEFAULT_COMMAND, options.env, options.cwd);
    this.registry.prepare();
    ensurePrivateDir(this.deps.paths.runtimeDir, 'runtime directory', true);

    const session = createSession({
      id: (this.deps.newId ?? uuidv4)(),
      workingDir,
      now: (this.deps.now ?? (() => new Date()))(),
    });
    const socketPath = socketPathFor(this.deps.paths, session.id);
    const control = await ControlServer.listen(socketPath, (req, reply) => {
      if (req.op === 'ping') {
        const hosted = this.processes.get(session.id);
        reply({ ok: true, event: 'pong', id: session.id, pid: hosted?.process.pid ?? 0, hostPid: process.pid });
        return;
      }
      const hosted = this.processes.get(session.id);
      if (hosted === undefined) {
        reply({ ok: false, error: 'session is ending' });
        return;
      }
      if (req.op !== 'stop') {
        void serveSessionIo(req, hosted.process, hosted.observer, this.inputClock).then(reply, (error: unknown) =>
          reply({ ok: false, error: error instanceof Error ? error.message : String(error) }),
        );
        return;
      }
      reply({ ok: true, event: 'stopping' });
      // The final reply goes out before the socket closes (see watchExit).
      hosted.endWaiters.push((end) => reply({ ok: true, event: 'stopped', exit: end.exit, escalatedTo: end.stoppedWith ?? null }));
      void this.stopHosted(session.id, req.timeoutMs);
    });

    const args = withConversationId(
      [options.command ?? DEFAULT_COMMAND, command],
      options.args,
      session.id,
      options.conversationId !== false,
    );
    let child: SessionProcess;
    let observer: SessionObserver | undefined;
    const warn = options.onWarning ?? (() => undefined);
    try {
      options.beforeSpawn?.(session);
      const spawn = this.deps.spawn ?? (await import('./pty.js')).spawnSessionProcess;
      observer = options.observe === false ? undefined : this.observerFor(session.id, options, warn);
      child = await spawn({
        command,
        args,
        cwd: workingDir,
        env: buildChildEnv(options.env, session.id),
        cols: options.cols,
        rows: options.rows,
      });
      if (observer !== undefined) child = observer.attach(child);
    } catch (error) {
      control.close();
      await observer?.close();
      throw error;
    }

    const hostStart = startTimeOf(process.pid) ?? 'unknown';
    const record: SessionRecord = {
      version: RECORD_VERSION,
      ...session,
      command,
      args,
      hostPid: process.pid,
      hostStartTime: hostStart,
      pid: child.pid,
      // A child that exited within microseconds has no start time left; the
      // token then matches nothing, so nothing is ever signalled through it.
      pidStartTime: startTimeOf(child.pid) ?? 'exited:0',
      tty: child.tty,
      socketPath,
    };
    const ended = this.watchExit(session, record, child, control, observer, warn);
    this.sessions.set(session.id, session);
    try {
      this.registry.write(record);
    } catch (error) {
      await this.stopHosted(session.id, DEFAULT_STOP_TIMEOUT_MS);
      throw error;
    }
    return { session, record, process: child, ended };
  }

  /** Every session of this user that still has processes, newest first. */
  listSessions(): ListResult {
    const scan = this.registry.scan();
    const warnings = [...scan.warnings];
    const sessions: ListedSession[] = [];
    for (const record of scan.records) {
      if (this.processes.has(record.id) || isSameProcess(hostIdentity(record))) {
        sessions.push({ record, state: 'running' });
        continue;
      }
      const left = sessionMembers(childIdentity(record), record.tty);
      if (left.length > 0) {
        sessions.push({ record, state: 'orphaned' });
        warnings.push(
          `session ${record.id.slice(0, 8)} lost its host (pid ${record.hostPid}) but ${left.length} of its processes still run; end them with: csm stop ${record.id.slice(0, 8)}`,
        );
        continue;
      }
      // The host died without cleaning up (kill -9, crash, reboot) and
      // nothing of the session is left: the record is a ghost.
      this.forget(record);
    }
    sessions.sort((a, b) => b.record.createdAt.localeCompare(a.record.createdAt));
    return { sessions, warnings };
  }

  /** Ends a session wherever it is hosted; returns once none of its processes is left. */
  async stopSession(record: SessionRecord, timeoutMs: number = DEFAULT_STOP_TIMEOUT_MS): Promise<StopResult> {
    if (this.processes.has(record.id)) {
      const end = await this.stopHosted(record.id, timeoutMs);
      return { record, via: 'host', escalatedTo: end.stoppedWith };
    }
    if (isSameProcess(hostIdentity(record))) {
      const outcome = await request(
        record.socketPath,
        { v: PROTOCOL_VERSION, op: 'stop', timeoutMs },
        // The host acknowledges at once, then reports when the escalation
        // (at most timeoutMs plus a moment for SIGKILL to land) is done.
        { firstReplyMs: HOST_ANSWER_MS, totalMs: timeoutMs + HOST_ANSWER_MS * 2 },
        (reply) => !reply.ok || reply.event === 'stopped',
      );
      const stopped = outcome.kind === 'replies' ? outcome.replies.find((r) => r.ok && r.event === 'stopped') : undefined;
      if (stopped !== undefined && sessionMembers(childIdentity(record), record.tty).length === 0) {
        return {
          record,
          via: 'host',
          escalatedTo: stopped.ok && stopped.event === 'stopped' ? (stopped.escalatedTo ?? undefined) : undefined,
        };
      }
    }
    // The host is gone or did not answer in time: end the session's
    // processes ourselves (each verified), then the host if it is still the
    // same process, then its files.
    const result = await terminateSession(childIdentity(record), { timeoutMs, tty: record.tty });
    await terminateProcess(hostIdentity(record), HOST_ANSWER_MS);
    if (result.remaining.length > 0) {
      throw new StopError(
        `session ${record.id.slice(0, 8)}: process(es) ${result.remaining.join(', ')} survived SIGKILL (stuck in the kernel?); check with ps`,
      );
    }
    this.forget(record);
    return { record, via: 'direct', escalatedTo: result.escalatedTo };
  }

  // ---- Output history, activity and input (the library API) ----
  // Each works for sessions hosted by this process and, through their
  // control sockets and history files, for sessions hosted by any other.

  /** Starts a session in the background, hosted by this process with no terminal attached; it ends with this process. */
  start(options: LaunchOptions = {}): Promise<HostedSession> {
    return this.startSession({ dir: '.', cwd: process.cwd(), args: [], env: process.env, cols: 80, rows: 24, ...options });
  }

  /** Ended sessions kept in history, newest end first; ghosts of dead hosts are archived first. */
  listEnded(): ListEndedResult {
    return this.catalog().ended;
  }

  /** A live or ended session by full id or unique prefix (at least 4 characters). */
  find(name: string): FoundSession {
    const { live, ended } = this.catalog();
    const candidates: FoundSession[] = [
      ...live.sessions.map((s): FoundSession => ({ kind: 'live', record: s.record, state: s.state })),
      ...ended.sessions.map((record): FoundSession => ({ kind: 'ended', record })),
    ];
    return resolveId(
      name,
      candidates.map((found) => ({ id: found.record.id, workingDir: found.record.workingDir, found })),
    ).found;
  }

  /** The session's status now: from its activity while it lives, from its exit once it has ended. */
  status(id: string): Promise<StatusReport> {
    return this.report(this.find(id));
  }

  /** Status of a session already found: what `csm list` asks of every live session at once. */
  async report(found: FoundSession): Promise<StatusReport> {
    const { record } = found;
    if (found.kind === 'ended') return { id: record.id, live: false, status: endedStatus(found.record.exit), activity: null, note: null };
    const hosted = this.processes.get(record.id);
    let asked: ActivitySnapshot | string;
    if (hosted !== undefined) asked = hosted.observer?.snapshot() ?? NOT_OBSERVED;
    else if (found.state === 'orphaned') asked = 'its host died';
    else {
      const answer = await askActivity(record);
      asked = typeof answer === 'string' ? answer : answer.activity;
      if (typeof answer === 'string' && !this.isLive(record)) {
        // It ended while we asked: its host archived it, or died.
        const ended = this.history.get(record.id);
        return { id: record.id, live: false, status: endedStatus(ended?.exit ?? null), activity: null, note: null };
      }
    }
    if (typeof asked === 'string') return { id: record.id, live: true, status: { kind: 'unknown' }, activity: null, note: asked };
    return { id: record.id, live: true, status: liveStatus(asked, this.nowMs()), activity: asked, note: null };
  }

  /** Types text, then named keys, then (after the program took the text) Enter; resolves with the bytes written. */
  send(id: string, input: SendInput): Promise<number> {
    const record = this.liveRecord(id);
    const hosted = this.processes.get(record.id);
    if (hosted !== undefined) return sendToChild(hosted.process, hosted.observer, input, this.inputClock);
    return sendRemote(record, input);
  }

  /** Writes bytes into the session as they are. */
  async write(id: string, data: string | Uint8Array): Promise<number> {
    const record = this.liveRecord(id);
    const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
    const hosted = this.processes.get(record.id);
    if (hosted === undefined) return writeRemote(record, bytes);
    hosted.process.write(bytes);
    return bytes.length;
  }

  /**
   * Live output from now on (from the start of its history with `replay`).
   * Sessions hosted here deliver every chunk at once; others are followed
   * through their history files. `done` resolves once the session has ended.
   */
  subscribe(id: string, listener: (data: Buffer) => void, options: { replay?: boolean } = {}): Follower {
    const found = this.find(id);
    const hosted = this.processes.get(found.record.id);
    if (hosted?.observer !== undefined && options.replay !== true) {
      const unsubscribe = hosted.observer.subscribe(listener);
      return {
        stop: unsubscribe,
        done: hosted.ended.then(() => {
          unsubscribe();
        }),
      };
    }
    const from = options.replay === true ? 0 : logEnd(logDirFor(this.deps.paths, found.record.id));
    return this.followOutput(found, (piece) => listener(piece.bytes), { from });
  }

  /** Follows the session's history files: pieces with their offsets, until the session has ended and all was read. */
  followOutput(
    found: FoundSession,
    deliver: (piece: LogBytes) => void | Promise<void>,
    options: { from?: number; onQuiet?: () => void | Promise<void> } = {},
  ): Follower {
    const dir = logDirFor(this.deps.paths, found.record.id);
    const isLive = () => found.kind === 'live' && this.isLive(found.record);
    return followLog(dir, deliver, { from: options.from, isLive, onQuiet: options.onQuiet, sleep });
  }

  /** The terminal sizes the session had, at the byte offsets where they took effect. */
  outputSizes(id: string): SizeChange[] {
    return readSizes(logDirFor(this.deps.paths, this.find(id).record.id));
  }

  /** Resolves when the session reaches `target`, ends, or `timeoutMs` passes. */
  waitFor(id: string, target: WaitTarget, options: { timeoutMs?: number } = {}): Promise<WaitOutcome> {
    let found = this.find(id);
    const probe = async (): Promise<Probe> => {
      const report = await this.report(found);
      if (report.live && report.note === NOT_OBSERVED && target !== 'exit') {
        throw new NotObservedError(`session ${found.record.id.slice(0, 8)}: ${report.note}`);
      }
      if (!report.live && found.kind === 'live') found = this.find(found.record.id);
      return { status: report.status, ended: !report.live };
    };
    return waitForState(probe, target, { timeoutMs: options.timeoutMs, now: () => this.nowMs(), sleep });
  }

  /** Everything still recorded of the session's output, in contiguous pieces; undefined if nothing was. */
  readOutput(id: string): LogBytes[] | undefined {
    return readLog(logDirFor(this.deps.paths, this.find(id).record.id));
  }

  /** Deletes ended sessions and their history; refuses, before deleting anything, if one is still live. */
  remove(names: readonly string[]): EndedRecord[] {
    const found = names.map((name) => this.find(name));
    const live = found.find((f) => f.kind === 'live');
    if (live !== undefined) {
      const short = live.record.id.slice(0, 8);
      throw new SessionLiveError(`session ${short} is still running; stop it first with: csm stop ${short}`);
    }
    const ended = [...new Map(found.map((f) => [f.record.id, f.record as EndedRecord])).values()];
    for (const record of ended) this.forgetEnded(record.id);
    return ended;
  }

  /** Deletes ended sessions that ended more than `olderThanMs` ago (all of them without it); live ones are never touched. */
  prune(olderThanMs?: number): EndedRecord[] {
    const cutoff = this.nowMs() - (olderThanMs ?? 0);
    const pruned = this.listEnded().sessions.filter((r) => Date.parse(r.endedAt) <= cutoff);
    for (const record of pruned) this.forgetEnded(record.id);
    return pruned;
  }

  /** The ended Claude Code session to resume and its conversation id; a clear error if it cannot be. */
  resumable(name: string): { record: EndedRecord; conversationId: string } {
    const found = this.find(name);
    const short = found.record.id.slice(0, 8);
    if (found.kind === 'live') throw new SessionLiveError(`session ${short} is still running; it can be resumed once it has ended`);
    const conversationId = conversationIdOf(found.record.command, found.record.args);
    if (conversationId === undefined) {
      throw new NotResumableError(
        `session ${short} cannot be resumed: it did not run Claude Code with a conversation id (command: ${found.record.command} ${found.record.args.join(' ')})`.trimEnd(),
      );
    }
    return { record: found.record, conversationId };
  }

  /** Live sessions (ghosts archived first), then history without them. */
  private catalog(): { live: ListResult; ended: ListEndedResult } {
    const live = this.listSessions();
    const liveIds = new Set(live.sessions.map((s) => s.record.id));
    const scan = this.history.scan();
    return { live, ended: { sessions: scan.records.filter((r) => !liveIds.has(r.id)), warnings: [...live.warnings, ...scan.warnings] } };
  }

  private liveRecord(id: string): SessionRecord {
    const found = this.find(id);
    if (found.kind === 'ended') throw new SessionNotFoundError(`session ${found.record.id.slice(0, 8)} has ended; nothing was sent`);
    return found.record;
  }

  /** Its host is the same process and still has the live record: it has not finished ending. */
  private isLive(record: SessionRecord): boolean {
    if (this.processes.has(record.id)) return true;
    return isSameProcess(hostIdentity(record)) && this.registry.has(record.id);
  }

  private forgetEnded(id: string): void {
    this.history.remove(id);
    removeLog(this.deps.paths, id);
  }

  private observerFor(id: string, options: StartOptions, warn: (message: string) => void): SessionObserver {
    const maxBytes = options.logMaxBytes ?? DEFAULT_LOG_MAX_BYTES;
    return new SessionObserver({
      clock: () => this.nowMs(),
      cols: options.cols,
      rows: options.rows,
      log: maxBytes > 0 ? { dir: logDirFor(this.deps.paths, id), maxBytes } : undefined,
      onWarning: warn,
    });
  }

  /** Moves a session that ended here to history; a failure costs the history entry, never the session's end. */
  private async archiveEnded(
    record: SessionRecord,
    exit: SessionExit,
    stoppedWith: string | undefined,
    observer: SessionObserver | undefined,
    warn: (message: string) => void,
  ): Promise<void> {
    await observer?.close();
    const endedAt = new Date(this.nowMs()).toISOString();
    try {
      this.history.archive({ ...record, endedAt, exit, stoppedWith: stoppedWith ?? null, title: observer?.snapshot().title ?? null });
    } catch (error) {
      warn(`session ${record.id.slice(0, 8)} is not kept in history: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** A session whose host died: archived with an unknown end, at about its last output, unless its host archived it. */
  private archiveLost(record: SessionRecord): void {
    const endedAt = (lastOutputTime(logDirFor(this.deps.paths, record.id)) ?? new Date(this.nowMs())).toISOString();
    try {
      this.history.archive({ ...record, endedAt, exit: null, stoppedWith: null, title: null }, false);
    } catch (error) {
      // Cleaning up a ghost must go on even when history cannot be written
      // (read-only or full disk): the live record would otherwise stay wrong.
      if (!(error instanceof CsmError)) throw error;
    }
  }

  private nowMs(): number {
    return this.deps.now?.().getTime() ?? Date.now();
  }

  private async stopHosted(id: string, timeoutMs: number): Promise<SessionEnd> {
    const hosted = this.processes.get(id);
    if (hosted === undefined) throw new StopError(`session ${id} is not hosted here`);
    hosted.stopping ??= terminateSession(childIdentity(hosted.record), { timeoutMs, tty: hosted.record.tty }).then(
      (result) => result.escalatedTo,
    );
    return hosted.ended;
  }

  private watchExit(
    session: Session,
    record: SessionRecord,
    child: SessionProcess,
    control: ControlServer,
    observer: SessionObserver | undefined,
    warn: (message: string) => void,
  ): Promise<SessionEnd> {
    const ended = child.exited.then(async (exit): Promise<SessionEnd> => {
      const hosted = this.processes.get(session.id);
      // Whatever the child left in its terminal session goes with it, as
      // when a terminal window closes: nothing is left running.
      const leftovers = terminateSession(childIdentity(record), { timeoutMs: DEFAULT_STOP_TIMEOUT_MS, tty: record.tty });
      const stoppedWith = hosted?.stopping !== undefined ? await hosted.stopping : undefined;
      await leftovers;
      // History before the live record goes, so the session is never in neither.
      await this.archiveEnded(record, exit, hosted?.stopping !== undefined ? (stoppedWith ?? 'exit') : undefined, observer, warn);
      this.endHosting(session.id, record);
      child.dispose();
      const end: SessionEnd = { exit, stoppedWith: hosted?.stopping !== undefined ? (stoppedWith ?? 'exit') : undefined };
      // Tell waiting `csm stop`s first, then close: end() flushes their reply.
      for (const notify of hosted?.endWaiters ?? []) notify(end);
      control.close();
      return end;
    });
    this.processes.set(session.id, { process: child, record, control, ended, endWaiters: [], observer, warn });
    return ended;
  }

  /** The one removal path for hosted sessions: both maps and the record. */
  private endHosting(id: string, record: SessionRecord): void {
    this.processes.delete(id);
    this.sessions.delete(id);
    this.registry.remove(record.id);
  }

  /** Removes what a dead host left behind: its record, and its socket if it is one. The session goes to history, its end unknown. */
  private forget(record: SessionRecord): void {
    this.archiveLost(record);
    this.registry.remove(record.id);
    try {
      if (lstatSync(record.socketPath).isSocket()) unlinkQuietly(record.socketPath);
    } catch {
      // No socket left: nothing to remove.
    }
  }
}

function hostIdentity(record: SessionRecord): ProcessIdentity {
  return { pid: record.hostPid, startTime: record.hostStartTime };
}

function childIdentity(record: SessionRecord): ProcessIdentity {
  return { pid: record.pid, startTime: record.pidStartTime };
}
