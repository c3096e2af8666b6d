// SessionManager: the one API the CLI (and later, library users) call.
// It keeps two maps for the sessions this process hosts: metadata (Session)
// and live PTY handles (HostedProcess). One invariant: every live handle has
// a metadata entry, and one path (endHosting) removes both. Sessions hosted
// by other `csm start` processes are found through the registry and reached
// through their control sockets.

import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { v4 as uuidv4 } from 'uuid';
import type { AttachIo, AttachOptions, AttachOutcome } from './attach-client.js';
import { buildChildEnv } from './child-env.js';
import { request } from './control-client.js';
import { PROTOCOL_VERSION, type SessionExit } from './control-protocol.js';
import { ControlServer } from './control-server.js';
import { SessionNotFoundError, StopError } from './errors.js';
import { DEFAULT_COMMAND, resolveExecutable } from './executable.js';
import { type Guardian, startGuardian } from './guardian.js';
import type { CsmPaths } from './paths.js';
import { socketPathFor } from './paths.js';
import { ensurePrivateDir } from './private-dir.js';
import { isSameProcess, type ProcessIdentity, sessionMembers, startTimeOf } from './process-info.js';
import type { SessionProcess, SpawnSessionProcess } from './pty.js';
import { Registry, unlinkQuietly } from './registry.js';
import type { ScreenModel } from './screen-model.js';
import { createSession, RECORD_VERSION, type Session, type SessionRecord } from './session.js';
import type { SessionClients } from './session-clients.js';
import { DEFAULT_STOP_TIMEOUT_MS } from './stop-defaults.js';
import { terminateProcess, terminateSession } from './terminate.js';
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
}

export interface HostedSession {
  readonly session: Session;
  readonly record: SessionRecord;
  readonly process: SessionProcess;
  /** The terminals showing the session; the start terminal joins as one of them. */
  readonly clients: SessionClients;
  /** Resolves when the child has exited, nothing of its session is left, and its record is gone. */
  readonly ended: Promise<SessionEnd>;
}

export interface SessionEnd {
  readonly exit: SessionExit;
  /** Set when the session was ended by stop (and how hard it had to push). */
  readonly stoppedWith: NodeJS.Signals | 'exit' | undefined;
}

export type SessionState = 'running' | 'orphaned' | 'unresponsive';

export interface ListedSession {
  readonly record: SessionRecord;
  /**
   * orphaned: its host died but processes of its terminal session still run.
   * unresponsive: its host runs but did not answer (set by host-probe.ts).
   */
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

interface HostedProcess {
  readonly process: SessionProcess;
  readonly record: SessionRecord;
  readonly control: ControlServer;
  readonly clients: SessionClients;
  readonly ended: Promise<SessionEnd>;
  /** Set by the first stop; later stops share it. */
  stopping?: Promise<NodeJS.Signals | undefined>;
  /** Control clients waiting to hear how the session ended. */
  readonly endWaiters: ((end: SessionEnd) => void)[];
}

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
  private readonly processes = new Map<string, HostedProcess>();
  private readonly registry: Registry;

  constructor(private readonly deps: ManagerDeps) {
    this.registry = new Registry(deps.paths);
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
    // What hosting needs beyond the core (clients, attach, the screen model
    // and with it xterm.js) is loaded here, so list and stop never load it.
    const [{ SessionClients }, { serveAttach }, { createScreenModel }] = await Promise.all([
      import('./session-clients.js'),
      import('./attach-server.js'),
      import('./screen-model.js'),
    ]);
    const control = await ControlServer.listen(socketPath, (req, reply, takeOver) => {
      if (req.op === 'ping') {
        const hosted = this.processes.get(session.id);
        reply({ ok: true, event: 'pong', id: session.id, pid: hosted?.process.pid ?? 0, hostPid: process.pid });
        return;
      }
      const hosted = this.processes.get(session.id);
      if (hosted === undefined || (req.op === 'attach' && hosted.stopping !== undefined)) {
        reply({ ok: false, error: 'session is ending' });
        return;
      }
      if (req.op === 'attach') {
        if (takeOver === undefined) {
          reply({ ok: false, error: 'attach needs a connection of its own' });
          return;
        }
        reply({ ok: true, event: 'attached', id: session.id, pid: hosted.process.pid, clients: hosted.clients.count + 1 });
        void serveAttach(takeOver(), hosted.clients, { cols: req.cols, rows: req.rows });
        return;
      }
      reply({ ok: true, event: 'stopping' });
      // The final reply goes out before the socket closes (see watchExit).
      hosted.endWaiters.push((end) => reply({ ok: true, event: 'stopped', exit: end.exit, escalatedTo: end.stoppedWith ?? null }));
      void this.stopHosted(session.id, req.timeoutMs);
    });

    // Made before the child exists, so that no output can arrive before the model does.
    const model = this.deps.screenModel?.(options.cols, options.rows) ?? (await createScreenModel(options.cols, options.rows));
    let child: SessionProcess;
    try {
      options.beforeSpawn?.(session);
      const spawn = this.deps.spawn ?? (await import('./pty.js')).spawnSessionProcess;
      child = await spawn({
        command,
        args: options.args,
        cwd: workingDir,
        env: buildChildEnv(options.env, session.id),
        cols: options.cols,
        rows: options.rows,
      });
    } catch (error) {
      control.close();
      model.close();
      throw error;
    }

    const hostStart = startTimeOf(process.pid) ?? 'unknown';
    const record: SessionRecord = {
      version: RECORD_VERSION,
      ...session,
      command,
      args: [...options.args],
      hostPid: process.pid,
      hostStartTime: hostStart,
      pid: child.pid,
      // A child that exited within microseconds has no start time left; the
      // token then matches nothing, so nothing is ever signalled through it.
      pidStartTime: startTimeOf(child.pid) ?? 'exited:0',
      tty: child.tty,
      socketPath,
    };
    const clients = new SessionClients(child, model, { cols: options.cols, rows: options.rows });
    // From here on, a host that dies takes its session with it.
    const guardian = startGuardian(record, this.deps.paths);
    const ended = this.watchExit(session, record, child, control, guardian, clients);
    this.sessions.set(session.id, session);
    try {
      this.registry.write(record);
    } catch (error) {
      await this.stopHosted(session.id, DEFAULT_STOP_TIMEOUT_MS);
      throw error;
    }
    return { session, record, process: child, clients, ended };
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
    guardian: Guardian,
    clients: SessionClients,
  ): Promise<SessionEnd> {
    const ended = child.exited.then(async (exit): Promise<SessionEnd> => {
      const hosted = this.processes.get(session.id);
      // Whatever the child left in its terminal session goes with it, as
      // when a terminal window closes: nothing is left running.
      const leftovers = terminateSession(childIdentity(record), { timeoutMs: DEFAULT_STOP_TIMEOUT_MS, tty: record.tty });
      const stoppedWith = hosted?.stopping !== undefined ? await hosted.stopping : undefined;
      await leftovers;
      this.endHosting(session.id, record);
      await guardian.release();
      child.dispose();
      const end: SessionEnd = { exit, stoppedWith: hosted?.stopping !== undefined ? (stoppedWith ?? 'exit') : undefined };
      // Tell waiting `csm stop`s first, then close: end() flushes their reply.
      for (const notify of hosted?.endWaiters ?? []) notify(end);
      // Attached clients hear how it ended (and how to reset their terminal) before the socket closes.
      await clients.end(exit);
      control.close();
      return end;
    });
    this.processes.set(session.id, { process: child, record, control, clients, ended, endWaiters: [] });
    return ended;
  }

  /** The one removal path for hosted sessions: both maps and the record. */
  private endHosting(id: string, record: SessionRecord): void {
    this.processes.delete(id);
    this.sessions.delete(id);
    this.registry.remove(record.id);
  }

  /** Removes what a dead host left behind: its record, and its socket if it is one. */
  private forget(record: SessionRecord): void {
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

function hostIdentity(record: SessionRecord): ProcessIdentity {
  return { pid: record.hostPid, startTime: record.hostStartTime };
}

function childIdentity(record: SessionRecord): ProcessIdentity {
  return { pid: record.pid, startTime: record.pidStartTime };
}
