// SessionHost: one session this process hosts, with everything that lives
// exactly as long as it does (its PTY child, control socket, guardian,
// terminals and observer), what it answers on its control socket, and the
// one way it ends. SessionManager keeps these in its map of live handles and
// does the bookkeeping (both maps, the record, the history) through the
// hooks it passes in.
import type { Socket } from 'node:net';
import { serveAttach } from './attach-server.js';
import type { ControlReply, ControlRequest, SessionExit } from './control-protocol.js';
import type { ControlServer } from './control-server.js';
import type { Guardian } from './guardian.js';
import type { SessionProcess } from './pty.js';
import { childIdentity, type SessionRecord } from './session.js';
import type { SessionClients } from './session-clients.js';
import type { InputClock } from './session-input.js';
import { serveSessionIo } from './session-io-server.js';
import type { SessionObserver } from './session-observer.js';
import { DEFAULT_STOP_TIMEOUT_MS } from './stop-defaults.js';
import { openTerminal } from './terminal-device.js';
import { terminateSession } from './terminate.js';

export interface SessionEnd {
  readonly exit: SessionExit;
  /** Set when the session was ended by stop (and how hard it had to push). */
  readonly stoppedWith: NodeJS.Signals | 'exit' | undefined;
}

export interface HostParts {
  readonly record: SessionRecord;
  readonly process: SessionProcess;
  readonly control: ControlServer;
  readonly guardian: Guardian;
  readonly clients: SessionClients;
  /** Output history and activity; undefined when the session is not observed. */
  readonly observer: SessionObserver | undefined;
}

/** What the manager does when the session ends, in this order. */
export interface HostHooks {
  /** Moves the session to history; never fails the session's end. */
  archive(exit: SessionExit, stoppedWith: string | undefined): Promise<void>;
  /** Removes the session from the manager's maps and the registry. */
  release(): void;
}

export class SessionHost {
  readonly record: SessionRecord;
  readonly process: SessionProcess;
  readonly clients: SessionClients;
  readonly observer: SessionObserver | undefined;
  /** Resolves when the child has exited, nothing of its session is left, and its record is gone. */
  readonly ended: Promise<SessionEnd>;
  /** Set by the first stop; later stops share it. */
  private stopping: Promise<NodeJS.Signals | undefined> | undefined;
  /** Control clients waiting to hear how the session ended. */
  private readonly endWaiters: ((end: SessionEnd) => void)[] = [];

  constructor(parts: HostParts, hooks: HostHooks) {
    this.record = parts.record;
    this.process = parts.process;
    this.clients = parts.clients;
    this.observer = parts.observer;
    this.ended = parts.process.exited.then((exit) => this.end(exit, parts, hooks));
  }

  /** Ends the session: HUP, then TERM, then KILL to every process of its terminal session. */
  stop(timeoutMs: number = DEFAULT_STOP_TIMEOUT_MS): Promise<SessionEnd> {
    this.stopping ??= terminateSession(childIdentity(this.record), { timeoutMs, tty: this.record.tty }).then(
      (result) => result.escalatedTo,
    );
    return this.ended;
  }

  /** Answers one control request (any but ping, which the socket answers even before the child runs). */
  answer(
    req: Exclude<ControlRequest, { op: 'ping' }>,
    reply: (message: ControlReply) => void,
    takeOver: (() => Socket) | undefined,
    inputClock: InputClock,
  ): void {
    if (req.op === 'attach') {
      this.attach(req, reply, takeOver);
      return;
    }
    if (req.op !== 'stop') {
      void serveSessionIo(req, this.process, this.observer, inputClock).then(reply, (error: unknown) =>
        reply({ ok: false, error: error instanceof Error ? error.message : String(error) }),
      );
      return;
    }
    reply({ ok: true, event: 'stopping' });
    // The final reply goes out before the socket closes (see end).
    this.endWaiters.push((end) => reply({ ok: true, event: 'stopped', exit: end.exit, escalatedTo: end.stoppedWith ?? null }));
    void this.stop(req.timeoutMs);
  }

  private attach(
    req: Extract<ControlRequest, { op: 'attach' }>,
    reply: (message: ControlReply) => void,
    takeOver: (() => Socket) | undefined,
  ): void {
    if (this.stopping !== undefined) {
      reply({ ok: false, error: 'session is ending' });
      return;
    }
    if (takeOver === undefined) {
      reply({ ok: false, error: 'attach needs a connection of its own' });
      return;
    }
    // Output goes straight to the client's terminal if the host can open that very terminal; otherwise through the connection.
    const terminal = req.terminal === undefined ? undefined : openTerminal(req.terminal);
    reply({
      ok: true,
      event: 'attached',
      id: this.record.id,
      pid: this.process.pid,
      clients: this.clients.count + 1,
      direct: terminal !== undefined,
    });
    void serveAttach(takeOver(), this.clients, { cols: req.cols, rows: req.rows }, terminal);
  }

  private async end(exit: SessionExit, parts: HostParts, hooks: HostHooks): Promise<SessionEnd> {
    // Whatever the child left in its terminal session goes with it, as
    // when a terminal window closes: nothing is left running.
    const leftovers = terminateSession(childIdentity(this.record), { timeoutMs: DEFAULT_STOP_TIMEOUT_MS, tty: this.record.tty });
    const stopped = this.stopping !== undefined;
    const stoppedWith = stopped ? ((await this.stopping) ?? 'exit') : undefined;
    await leftovers;
    // History before the live record goes, so the session is never in neither.
    await hooks.archive(exit, stoppedWith);
    hooks.release();
    await parts.guardian.release();
    this.process.dispose();
    const end: SessionEnd = { exit, stoppedWith };
    // Tell waiting `csm stop`s first, then close: end() flushes their reply.
    for (const notify of this.endWaiters) notify(end);
    // Attached clients hear how it ended (and how to reset their terminal) before the socket closes.
    await this.clients.end(exit);
    parts.control.close();
    return end;
  }
}
