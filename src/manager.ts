// SessionManager: the one API the CLI (and later, library users) call.
// It keeps two maps for the sessions this process hosts: metadata (Session)
// and live handles (SessionHost: the PTY child, its SessionProcess, and what
// lives as long as it: session-host.ts). One invariant: every live handle has
// a metadata entry, and one path (endHosting) removes both. Sessions hosted
// by other `csm start` processes are found through the registry and reached
// through their control sockets.

import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { AttachIo, AttachOptions, AttachOutcome } from './attach-client.js';
import { buildChildEnv } from './child-env.js';
import { withConversationId } from './claude-args.js';
import { request } from './control-client.js';
import { PROTOCOL_VERSION, type SessionExit } from './control-protocol.js';
import { NotObservedError, SessionNotFoundError, StopError } from './errors.js';
import { DEFAULT_COMMAND, resolveExecutable } from './executable.js';
import type { EndedRecord } from './history.js';
import { type Follower, followLog } from './output-follow.js';
import { type LogBytes, logDirFor, logEnd, readLog, readSizes, removeLog, type SizeChange } from './output-log.js';
import type { CsmPaths } from './paths.js';
import { socketPathFor } from './paths.js';
import { ensurePrivateDir } from './private-dir.js';
import { isSameProcess, sameProcessState, sessionMembers, startTimeOf } from './process-info.js';
import type { SessionProcess, SpawnSessionProcess } from './pty.js';
import { Registry, unlinkQuietly } from './registry.js';
import type { ScreenModel } from './screen-model.js';
import { childIdentity, createSession, hostIdentity, newestFirst, RECORD_VERSION, type Session, type SessionRecord } from './session.js';
import { type FoundSession, type ListEndedResult, resumeTarget, SessionCatalog } from './session-catalog.js';
import type { SessionClients } from './session-clients.js';
import type { SessionEnd, SessionHost } from './session-host.js';
import type { InputClock, SendInput } from './session-input.js';
import { sendRemote, writeRemote } from './session-io-client.js';
import { NOT_OBSERVED, sendToChild } from './session-io-server.js';
import type { SessionObserver } from './session-observer.js';
import { reportSession, type StatusReport } from './session-report.js';
import { type Probe, type WaitOutcome, type WaitTarget, waitForState } from './session-wait.js';
import { DEFAULT_STOP_TIMEOUT_MS } from './stop-defaults.js';
import { sleep, terminateProcess, terminateSession } from './terminate.js';
import { resolveWorkingDir } from './working-dir.js';

type Hosting = typeof import('./hosting.js');

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

export type { FoundSession, ListEndedResult } from './session-catalog.js';
export type { StatusReport } from './session-report.js';

export interface HostedSession {
  readonly session: Session;
  readonly record: SessionRecord;
  readonly process: SessionProcess;
  /** The terminals showing the session; the start terminal joins as one of them. */
  readonly clients: SessionClients;
  /** Resolves when the child has exited, nothing of its session is left, and its record is gone. */
  readonly ended: Promise<SessionEnd>;
}

export type { SessionEnd } from './session-host.js';

export type SessionState = 'running' | 'orphaned' | 'unresponsive';

export interface ListedSession {
  readonly record: SessionRecord;
  /**
   * orphaned: its host died but processes of its terminal session still run.
   * unresponsive: its host runs but did not answer (set by host-probe.ts).
   */
  readonly state: SessionState;
  /**
   * The state letter of its host process from proc(5) (R running, S waiting,
   * T stopped, D stuck in the kernel), read while it was listed; absent when
   * this process hosts it, and `?` where there is no /proc.
   */
  readonly hostState?: string;
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

export interface ManagerDeps {
  readonly paths: CsmPaths;
  /** How to spawn a PTY child; tests pass a fake. Loaded lazily by default. */
  readonly spawn?: SpawnSessionProcess;
  readonly now?: () => Date;
  readonly newId?: () => string;
  /** The host's model of the session's screen; tests may pass an inline one. */
  readonly screenModel?: (cols: number, rows: number) => ScreenModel;
}

export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly processes = new Map<string, SessionHost>();
  private readonly registry: Registry;
  private readonly catalog: SessionCatalog;
  private readonly inputClock: InputClock = { now: () => this.nowMs(), sleep };

  constructor(private readonly deps: ManagerDeps) {
    this.registry = new Registry(deps.paths);
    this.catalog = new SessionCatalog(deps.paths, () => this.nowMs());
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

    // What hosting needs beyond the core (hosting.ts) is loaded here, so list and stop never load it.
    const hosting = await import('./hosting.js');
    const { SessionClients, SessionHost, startGuardian } = hosting;
    const session = createSession({
      id: this.deps.newId?.() ?? hosting.newSessionId(),
      workingDir,
      now: (this.deps.now ?? (() => new Date()))(),
    });
    const socketPath = socketPathFor(this.deps.paths, session.id);
    const control = await hosting.ControlServer.listen(socketPath, (req, reply, takeOver) => {
      const hosted = this.processes.get(session.id);
      if (req.op === 'ping') {
        reply({ ok: true, event: 'pong', id: session.id, pid: hosted?.process.pid ?? 0, hostPid: process.pid });
      } else if (hosted === undefined) {
        reply({ ok: false, error: 'session is ending' });
      } else {
        hosted.answer(req, reply, takeOver, this.inputClock);
      }
    });

    const args = withConversationId(
      [options.command ?? DEFAULT_COMMAND, command],
      options.args,
      session.id,
      options.conversationId !== false,
    );
    // Models are made only when needed (session-screen.ts): none before the child runs.
    const screenModel = this.deps.screenModel ?? (await hosting.loadScreenModelFactory());
    let child: SessionProcess;
    let observer: SessionObserver | undefined;
    const warn = options.onWarning ?? (() => undefined);
    try {
      options.beforeSpawn?.(session);
      const spawn = this.deps.spawn ?? hosting.spawnSessionProcess;
      observer = options.observe === false ? undefined : this.observerFor(hosting, session.id, options, warn);
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
      // A session that never ran keeps no (empty) history.
      await observer?.close();
      removeLog(this.deps.paths, session.id);
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
    const clients = new SessionClients(child, screenModel, { cols: options.cols, rows: options.rows }, observer?.observedOutput);
    // From here on, a host that dies takes its session with it.
    const guardian = startGuardian(record, this.deps.paths);
    const host = new SessionHost(
      { record, process: child, control, guardian, clients, observer },
      {
        archive: (exit, stoppedWith) => this.archiveEnded(record, exit, stoppedWith, observer, warn),
        release: () => this.endHosting(session.id, record),
      },
    );
    this.processes.set(session.id, host);
    this.sessions.set(session.id, session);
    try {
      this.registry.write(record);
    } catch (error) {
      await host.stop();
      throw error;
    }
    return { session, record, process: child, clients, ended: host.ended };
  }

  /** Every session of this user that still has processes, newest first. */
  listSessions(): ListResult {
    const scan = this.registry.scan();
    const warnings = [...scan.warnings];
    const sessions: ListedSession[] = [];
    for (const record of scan.records) {
      if (this.processes.has(record.id)) {
        sessions.push({ record, state: 'running' });
        continue;
      }
      // Read with the host's identity, for host-probe.ts: /proc once per host.
      const hostState = sameProcessState(hostIdentity(record));
      if (hostState !== undefined) {
        sessions.push({ record, state: 'running', hostState });
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
    sessions.sort((a, b) => newestFirst(a.record.createdAt, b.record.createdAt));
    return { sessions, warnings };
  }

  /**
   * Joins a terminal to a session hosted by another process until it
   * detaches, the session ends, or the terminal goes away.
   */
  async attachSession(record: SessionRecord, io: AttachIo, options: AttachOptions): Promise<AttachOutcome> {
    if (!isSameProcess(hostIdentity(record))) {
      throw new SessionNotFoundError(
        `session ${record.id.slice(0, 8)} has no host any more, so there is nothing to attach to; end what is left of it with: csm stop ${record.id.slice(0, 8)}`,
      );
    }
    const { attachTerminal } = await import('./attach-client.js');
    return attachTerminal(record.socketPath, io, options);
  }

  /** Ends a session wherever it is hosted; returns once none of its processes is left. */
  async stopSession(record: SessionRecord, timeoutMs: number = DEFAULT_STOP_TIMEOUT_MS): Promise<StopResult> {
    const hosted = this.processes.get(record.id);
    if (hosted !== undefined) {
      const end = await hosted.stop(timeoutMs);
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
    // Never this process: a session it hosted has ended, not hung.
    if (record.hostPid !== process.pid) await terminateProcess(hostIdentity(record), HOST_ANSWER_MS);
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
  // Sessions are named by full id or unique prefix, live or ended.

  /** Starts a session in the background, hosted by this process with no terminal attached; it ends with this process. */
  start(options: LaunchOptions = {}): Promise<HostedSession> {
    return this.startSession({ dir: '.', cwd: process.cwd(), args: [], env: process.env, cols: 80, rows: 24, ...options });
  }

  /** Ended sessions kept in history, newest end first; ghosts of dead hosts are archived first. */
  listEnded(): ListEndedResult {
    return this.catalog.ended(this.listSessions());
  }

  find(name: string): FoundSession {
    return this.catalog.find(name, this.listSessions());
  }

  /** The session's status now: from its activity while it lives, from its exit once it has ended. */
  status(id: string): Promise<StatusReport> {
    return this.report(this.find(id));
  }

  /** Status of a session already found: what `csm list` asks of every live session at once. */
  report(found: FoundSession): Promise<StatusReport> {
    return reportSession(found, {
      hostedHere: (id) => this.processes.get(id),
      isLive: (record) => this.isLive(record),
      ended: (id) => this.catalog.endedRecord(id),
      now: () => this.nowMs(),
    });
  }

  /** Types text, then named keys, then (once the program took the text) Enter; resolves with the bytes written. */
  send(id: string, input: SendInput): Promise<number> {
    const record = this.liveRecord(id);
    const hosted = this.processes.get(record.id);
    if (hosted !== undefined) return sendToChild(hosted.process, hosted.observer, input, this.inputClock);
    return sendRemote(record, input);
  }

  /** Writes bytes into the session as they are. */
  async write(id: string, data: string | Uint8Array): Promise<number> {
    const record = this.liveRecord(id);
    const bytes = Buffer.from(data);
    const hosted = this.processes.get(record.id);
    if (hosted === undefined) return writeRemote(record, bytes);
    hosted.process.write(bytes);
    return bytes.length;
  }

  /**
   * Output from now on (from the start of its history with `replay`), until
   * the session ends (`done`). Sessions hosted here deliver each chunk as it
   * comes; others are followed through their history files.
   */
  subscribe(id: string, listener: (data: Buffer) => void, options: { replay?: boolean } = {}): Follower {
    const found = this.find(id);
    const hosted = this.processes.get(found.record.id);
    if (hosted?.observer !== undefined && options.replay !== true) {
      const unsubscribe = hosted.observer.subscribe(listener);
      return { stop: unsubscribe, done: hosted.ended.then(unsubscribe) };
    }
    const from = options.replay === true ? 0 : logEnd(logDirFor(this.deps.paths, found.record.id));
    return this.followOutput(found, (piece) => listener(piece.bytes), { from });
  }

  /** Follows the session's history files: pieces with their offsets, until it has ended and all was read. */
  followOutput(
    found: FoundSession,
    deliver: (piece: LogBytes) => void | Promise<void>,
    options: { from?: number; onQuiet?: () => void | Promise<void> } = {},
  ): Follower {
    const isLive = () => found.kind === 'live' && this.isLive(found.record);
    return followLog(logDirFor(this.deps.paths, found.record.id), deliver, { ...options, isLive, sleep });
  }

  /** Everything still recorded of the session's output, in contiguous pieces; undefined if nothing was. */
  readOutput(id: string): LogBytes[] | undefined {
    return readLog(logDirFor(this.deps.paths, this.find(id).record.id));
  }

  /** The recorded output rendered as lines of text, as `csm logs` prints it; undefined if nothing was recorded. */
  async readText(id: string): Promise<string[] | undefined> {
    const dir = logDirFor(this.deps.paths, this.find(id).record.id);
    const pieces = readLog(dir);
    if (pieces === undefined) return undefined;
    // The terminal emulator loads only when someone asks for text.
    const { renderLines } = await import('./log-render.js');
    return renderLines(pieces, readSizes(dir));
  }

  /** The terminal sizes the session had, at the byte offsets where they took effect. */
  outputSizes(id: string): SizeChange[] {
    return readSizes(logDirFor(this.deps.paths, this.find(id).record.id));
  }

  /** Resolves when the session reaches `target`, ends, or `timeoutMs` passes. */
  waitFor(id: string, target: WaitTarget, options: { timeoutMs?: number | undefined } = {}): Promise<WaitOutcome> {
    const found = this.find(id);
    const probe = async (): Promise<Probe> => {
      const report = await this.report(found);
      if (report.live && report.note === NOT_OBSERVED && target !== 'exit') {
        throw new NotObservedError(`session ${found.record.id.slice(0, 8)}: ${report.note}`);
      }
      return { status: report.status, ended: !report.live };
    };
    return waitForState(probe, target, { timeoutMs: options.timeoutMs, now: () => this.nowMs(), sleep });
  }

  /** Deletes ended sessions and their output; refuses, before deleting anything, if one is still live. */
  remove(names: readonly string[]): EndedRecord[] {
    return this.catalog.remove(names.map((name) => this.find(name)));
  }

  /** Deletes ended sessions that ended at least `olderThanMs` ago (all of them without it); live ones are never touched. */
  prune(olderThanMs?: number): EndedRecord[] {
    return this.catalog.prune(this.listSessions(), olderThanMs);
  }

  /** The ended Claude Code session to resume and its conversation id; a clear error if it cannot be. */
  resumable(name: string): { record: EndedRecord; conversationId: string } {
    return resumeTarget(this.find(name));
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

  private observerFor(hosting: Hosting, id: string, options: StartOptions, warn: (message: string) => void): SessionObserver {
    const maxBytes = options.logMaxBytes ?? hosting.DEFAULT_LOG_MAX_BYTES;
    return new hosting.SessionObserver({
      clock: () => this.nowMs(),
      cols: options.cols,
      rows: options.rows,
      log: maxBytes > 0 ? { dir: logDirFor(this.deps.paths, id), maxBytes } : undefined,
      onWarning: warn,
    });
  }

  /** Moves a session that ended here to history, after the last of its output; never fails the session's end. */
  private async archiveEnded(
    record: SessionRecord,
    exit: SessionExit,
    stoppedWith: string | undefined,
    observer: SessionObserver | undefined,
    warn: (message: string) => void,
  ): Promise<void> {
    await observer?.close();
    const problem = this.catalog.archiveEnded(record, exit, stoppedWith, observer?.snapshot().title ?? null);
    if (problem !== undefined) warn(problem);
  }

  private nowMs(): number {
    return this.deps.now?.().getTime() ?? Date.now();
  }

  /** The one removal path for hosted sessions: both maps and the record. */
  private endHosting(id: string, record: SessionRecord): void {
    this.processes.delete(id);
    this.sessions.delete(id);
    this.registry.remove(record.id);
  }

  /** Removes what a dead host left behind: its record, and its socket if it is one. The session goes to history, its end unknown. */
  private forget(record: SessionRecord): void {
    this.catalog.archiveLost(record);
    this.registry.remove(record.id);
    // Only the socket csm would have made for this id: a record naming any
    // other path (edited by hand, or written under another CSM_RUNTIME_DIR)
    // never makes csm remove a file it did not create.
    if (record.socketPath !== join(this.deps.paths.runtimeDir, `${record.id}.sock`)) return;
    try {
      if (lstatSync(record.socketPath).isSocket()) unlinkQuietly(record.socketPath);
    } catch {
      // No socket left: nothing to remove.
    }
  }
}
