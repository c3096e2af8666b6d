// SessionClients: the terminals showing one hosted session. The start
// terminal is one client, each `csm attach` another; all get every byte of
// output and all may type. Policies (docs/ARCHITECTURE.md, "Attach"):
// - the PTY has the size of the most recently active client (the last to
//   attach, type, click or resize);
// - a terminal's answers to queries reach the child only from that client,
//   and from the host's live screen model while no terminal is attached
//   (session-screen.ts);
// - output waits for the start terminal (the PTY is paused, so the child
//   blocks, as before attach existed), but never for an attached client: one
//   that falls behind is skipped ahead and redrawn from a model of the
//   screen once it catches up and the output pauses, as tmux does.

import { within } from './bounded-wait.js';
import type { SessionExit } from './control-protocol.js';
import type { SessionProcess } from './pty.js';
import { type ObservedOutput, type ScreenModelFactory, SessionScreen, type TerminalSize } from './session-screen.js';
import { splitInput } from './terminal-answers.js';

export type { TerminalSize };

/** Where a client's output goes: the start terminal's stdout, or an attach connection. */
export interface ClientSink {
  /** True when a real terminal shows the output (it then answers the child's queries). */
  readonly isTerminal: boolean;
  /**
   * True for attached clients: when behind, they are skipped ahead and
   * redrawn rather than holding up the session. False for the start
   * terminal, whose slowness pauses the child.
   */
  readonly catchUp: boolean;
  /** Sends output; false means the client is behind and `onceDrained` will say when it caught up. */
  write(chunk: Buffer): boolean;
  onceDrained(listener: () => void): void;
  /** Output written but not yet taken by the client. */
  pendingBytes(): number;
  /** False when the client resets its terminal itself at the end (the start terminal): no reset is computed for it. */
  readonly wantsReset: boolean;
  /** The session ended; `reset` puts the client terminal's modes back. */
  ended(exit: SessionExit, reset: string): void;
}

/** One client's side of the session. */
export interface Client {
  /** Bytes from the client's terminal: keystrokes, pastes, mouse, answers to queries. */
  input(data: Buffer): void;
  /** The client's terminal changed size. */
  resize(size: TerminalSize): void;
  /** Leaves the session; resolves to what resets the modes the child had set in that terminal. */
  leave(): Promise<string>;
}

/** Used when the screen model cannot say which modes are on: resets that are harmless when already off. */
export const GENERIC_RESET = '\x1b[?1l\x1b[?2004l\x1b[?1004l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?25h\x1b[0m';

/** The model answers in microseconds unless megabytes of output are still queued for it; a leaving client does not wait longer. */
const RESET_ANSWER_MS = 1000;
/**
 * An attached client this far behind gets no more output until it has taken
 * what it has, then a redraw. A person typing is never this far behind;
 * a client under a flood of output is, and then sees the latest screen
 * sooner than by reading every byte.
 */
export const CLIENT_LAG_BYTES = 1024 * 1024;
/**
 * A skipped client that has caught up is redrawn once the output pauses this
 * long. A redraw replays the history (up to 8 MiB) through a model made for
 * it, some hundreds of milliseconds of CPU; the output arriving meanwhile is
 * sent after it, which under a flood put the client behind again at once:
 * one replay after another, for as long as the flood lasted, on the cores
 * the session's output also needs.
 */
export const REDRAW_QUIET_MS = 50;
/** Under a flood that does not pause, a caught-up client is redrawn this often at most: it shows the latest screen now and then. */
export const REDRAW_MAX_WAIT_MS = 1000;
/** Before a redraw: the modes and screen a skipped stretch of output may have left, cleared. */
const REDRAW_PREFIX = `\x1b[?1049l\x1b[r${GENERIC_RESET}\x1b[H\x1b[2J`;

class Member {
  /** Output that arrived while the snapshot was being made; sent right after it. */
  queue: Buffer[] | undefined;
  /** Too far behind: output is skipped until the client drains and the output pauses, then it is redrawn. */
  skipping = false;
  /** Waiting for the output to pause before the redraw. */
  redrawTimer: NodeJS.Timeout | undefined;
  gone = false;

  constructor(
    readonly sink: ClientSink,
    public size: TerminalSize | undefined,
  ) {}
}

export class SessionClients {
  /** Ordered by activity: the most recently active client is last. */
  private members: Member[] = [];
  /** Whatever currently holds the PTY paused: slow clients, a lagging live screen model. */
  private readonly blockers = new Set<object>();
  private size: TerminalSize;
  private ended = false;
  /** Chunks of output so far: whether the output paused is whether this moved. */
  private chunks = 0;
  /**
   * From which output offset on a terminal was attached or not. The model
   * answers a query only after parsing it, possibly after a terminal
   * attached; what counts is whether a terminal saw the question.
   */
  private presence: { from: number; terminal: boolean }[] = [{ from: 0, terminal: false }];

  private readonly screen: SessionScreen;

  /**
   * `history` is the session's recorded output: with it, a model of the
   * screen runs only while no terminal is attached (session-screen.ts).
   */
  constructor(
    private readonly child: SessionProcess,
    createModel: ScreenModelFactory,
    size: TerminalSize,
    history?: ObservedOutput,
  ) {
    this.size = size;
    this.screen = new SessionScreen(createModel, size, history, {
      reply: (reply, position) => {
        // A terminal that saw the question answers for itself; two answers would confuse the child.
        if (!this.terminalSaw(position)) child.write(reply);
      },
      block: (blocker) => this.block(blocker),
      unblock: (blocker) => this.unblock(blocker),
    });
    child.onData((chunk) => this.output(chunk));
    // The start terminal joins right after the session is made; only a
    // session without one (--detach, a library host) needs the live model.
    setImmediate(() => this.updateScreen());
  }

  /** Whether a live screen model runs (it does while no terminal is attached). */
  get modelRunning(): boolean {
    return this.screen.running;
  }

  get count(): number {
    return this.members.length;
  }

  /** The PTY's current size. */
  get currentSize(): TerminalSize {
    return this.size;
  }

  /**
   * Output that the start terminal shows but that did not come from the
   * child (csm's own id line): it goes into the screen model only.
   */
  noteLocalOutput(text: string): void {
    this.screen.local(text);
  }

  /** Joins a client that has shown the session from the start (the start terminal): no replay. */
  join(sink: ClientSink, size: TerminalSize | undefined): Client {
    const member = new Member(sink, size);
    this.members.push(member);
    this.notePresence();
    this.applySize();
    this.updateScreen();
    return this.handle(member);
  }

  /**
   * Joins a client arriving later: it first becomes the most recently active
   * client (so the PTY takes its size), then gets the current screen, then
   * live output.
   */
  async attach(sink: ClientSink, size: TerminalSize): Promise<Client> {
    if (this.ended) throw new Error('the session has ended');
    const member = new Member(sink, size);
    this.members.push(member);
    this.notePresence();
    this.applySize();
    try {
      await this.replay(member, '', true);
    } catch (error) {
      this.remove(member);
      throw error;
    }
    // After the replay, which a live model serves while it runs.
    this.updateScreen();
    return this.handle(member);
  }

  /**
   * Sends `member` the screen as it stands, then the output that arrived
   * while it was being made. The snapshot is asked for after the output fed
   * so far and before any that follows, which is queued: nothing is shown
   * twice or lost.
   */
  private async replay(member: Member, prefix: string, scrollback: boolean): Promise<void> {
    member.queue = [];
    let screen = '';
    try {
      screen = prefix + (await this.screen.snapshot(scrollback));
    } finally {
      // Also when the model failed: the client then follows live output from here.
      const queued = member.queue ?? [];
      member.queue = undefined;
      if (!member.gone) {
        if (screen !== '') this.send(member, Buffer.from(screen));
        for (const chunk of queued) this.send(member, chunk);
      }
    }
  }

  /** A skipped client took all it had: redraw it once the output pauses (REDRAW_QUIET_MS), or at the latest after REDRAW_MAX_WAIT_MS. */
  private redrawWhenQuiet(member: Member): void {
    let waited = 0;
    let seen = this.chunks;
    const check = () => {
      member.redrawTimer = undefined;
      waited += REDRAW_QUIET_MS;
      if (this.chunks === seen || waited >= REDRAW_MAX_WAIT_MS) {
        this.redraw(member);
        return;
      }
      seen = this.chunks;
      member.redrawTimer = setTimeout(check, REDRAW_QUIET_MS);
    };
    member.redrawTimer = setTimeout(check, REDRAW_QUIET_MS);
  }

  /** Redraws a skipped client's screen, without the scrollback it missed. */
  private redraw(member: Member): void {
    if (member.gone) return;
    member.skipping = false;
    this.replay(member, REDRAW_PREFIX, false).catch(() => {
      // The model failed: the client stays as it is and follows live output from here.
    });
  }

  /** The session ended: every client is told, with what resets its terminal. */
  async end(exit: SessionExit): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const reset = this.members.some((m) => m.sink.wantsReset) ? await this.resetSequence() : GENERIC_RESET;
    const members = this.members;
    this.members = [];
    this.notePresence();
    for (const member of members) {
      this.forget(member);
      member.sink.ended(exit, reset);
    }
    this.screen.close();
  }

  private handle(member: Member): Client {
    return {
      input: (data) => this.input(member, data),
      resize: (size) => {
        member.size = size;
        this.touch(member);
        this.applySize();
      },
      leave: async () => {
        if (member.gone) return GENERIC_RESET;
        this.remove(member);
        // Ordered after all output this client was sent, so it resets exactly the modes it has.
        return this.resetSequence();
      },
    };
  }

  /** The model's reset, or the generic one if the model failed or is too far behind to answer in time. */
  private resetSequence(): Promise<string> {
    const fromModel = this.screen.resetSequence().catch(() => GENERIC_RESET);
    return within(fromModel, RESET_ANSWER_MS, GENERIC_RESET);
  }

  private output(chunk: Buffer): void {
    this.chunks += 1;
    this.screen.output(chunk);
    for (const member of this.members) {
      if (member.queue !== undefined) member.queue.push(chunk);
      else this.send(member, chunk);
    }
  }

  private send(member: Member, chunk: Buffer): void {
    if (member.skipping) return;
    if (member.sink.write(chunk)) return;
    if (member.sink.catchUp) {
      if (member.sink.pendingBytes() <= CLIENT_LAG_BYTES) return;
      member.skipping = true;
      member.sink.onceDrained(() => this.redrawWhenQuiet(member));
      return;
    }
    if (this.blockers.has(member)) return;
    this.block(member);
    member.sink.onceDrained(() => this.unblock(member));
  }

  private input(member: Member, data: Buffer): void {
    if (member.gone) return;
    if (!member.sink.isTerminal) {
      // A pipe answers no queries: whatever it sends is input, passed on as it is.
      this.child.write(data);
      return;
    }
    for (const part of splitInput(data)) {
      if (part.kind === 'user' || part.kind === 'focus-in') {
        this.touch(member);
        this.child.write(part.bytes);
        continue;
      }
      // Answers and focus-out count only from the client the child is talking to.
      if (member !== this.answerer()) continue;
      if (part.colours !== undefined) this.screen.setColours(part.colours);
      this.child.write(part.bytes);
    }
  }

  /** The client whose terminal answers the child's queries: the most recently active real terminal. */
  private answerer(): Member | undefined {
    for (let i = this.members.length - 1; i >= 0; i--) {
      const member = this.members[i];
      if (member?.sink.isTerminal) return member;
    }
    return undefined;
  }

  private notePresence(): void {
    const terminal = this.members.some((m) => m.sink.isTerminal);
    const last = this.presence[this.presence.length - 1];
    if (last?.terminal !== terminal) this.presence.push({ from: this.screen.position, terminal });
  }

  /** Whether a terminal was attached when the output up to `position` was sent. */
  private terminalSaw(position: number): boolean {
    // Output ending exactly where a client joined was sent before it joined.
    let index = 0;
    for (let i = 0; i < this.presence.length; i++) if ((this.presence[i]?.from ?? 0) < position) index = i;
    // Replies come in stream order: what lies before this one is never asked about again.
    this.presence = this.presence.slice(index);
    return this.presence[0]?.terminal ?? false;
  }

  private touch(member: Member): void {
    if (this.members[this.members.length - 1] === member) return;
    this.members = [...this.members.filter((m) => m !== member), member];
    this.applySize();
  }

  /** The PTY (and the model) take the size of the most recently active client that has one. */
  private applySize(): void {
    for (let i = this.members.length - 1; i >= 0; i--) {
      const size = this.members[i]?.size;
      if (size === undefined) continue;
      if (size.cols !== this.size.cols || size.rows !== this.size.rows) {
        this.size = size;
        this.child.resize(size.cols, size.rows);
        this.screen.resize(size);
      }
      return;
    }
  }

  private remove(member: Member): void {
    if (member.gone) return;
    this.members = this.members.filter((m) => m !== member);
    this.notePresence();
    this.forget(member);
    this.applySize();
    this.updateScreen();
  }

  /** The host answers queries itself, through a live model, exactly while no terminal is attached. */
  private updateScreen(): void {
    if (!this.ended) this.screen.needLive(!this.members.some((m) => m.sink.isTerminal));
  }

  private forget(member: Member): void {
    member.gone = true;
    member.queue = undefined;
    clearTimeout(member.redrawTimer);
    this.unblock(member);
  }

  private block(blocker: object): void {
    if (this.blockers.size === 0) this.child.pause();
    this.blockers.add(blocker);
  }

  private unblock(blocker: object): void {
    if (!this.blockers.delete(blocker)) return;
    if (this.blockers.size === 0) this.child.resume();
  }
}
