// SessionScreen: what the host knows of its session's screen, paid for only
// when it is needed (docs/ARCHITECTURE.md, "Screen model").
//
// A model of the screen (xterm.js, in a worker thread: screen-model.ts) costs
// about as much CPU as the output it parses and some 15–20 MB of memory. The
// host needs one for three things only:
// - the screen as it stands, for a terminal that attaches (or one redrawn
//   after falling behind);
// - the modes to reset in a terminal that detaches;
// - answers to the child's terminal queries while no terminal is attached.
// The output history (output-recorder.ts) already holds every byte of output
// with the size it was written for, so:
// - while a terminal shows the session, no model runs: a snapshot or a reset
//   is computed by a model built for the occasion from the history (the
//   "replay"), which is exact while the history is below its cap;
// - while no terminal does, a live model, seeded from the history, answers
//   the child's questions: it starts at the first question the output scanner
//   sees (so a session whose output goes to a pipe and asks nothing never
//   pays for one), and serves snapshots and resets while it runs;
// - without a history (recording off, or stopped by an error), the live model
//   runs all the time, as it did before the history existed.
import { type SizeChange, sizeAt } from './output-log.js';
import type { ScreenModel } from './screen-model.js';
import type { ReportedColours } from './screen-state.js';

export interface TerminalSize {
  readonly cols: number;
  readonly rows: number;
}

/** The recorded output, contiguous, up to the last byte the child wrote. */
export interface RecordedOutput {
  /** Absolute offset (in the child's output) of the first byte still recorded. */
  readonly start: number;
  readonly bytes: readonly Buffer[];
  /** Size changes by absolute offset, oldest first; the first applies at or before `start`. */
  readonly sizes: readonly SizeChange[];
}

/** What the session observer (session-observer.ts) sees of the output. */
export interface ObservedOutput {
  /** The history; undefined when it cannot be had (recording stopped, files tampered with). */
  recorded(): RecordedOutput | undefined;
  /** Recording stopped for good: from then on only a live model knows the screen. */
  onLost(listener: () => void): void;
  /** The child asked its terminal a question (terminal-scanner.ts), in the chunk being passed on. */
  onQuery(listener: () => void): void;
}

export type ScreenModelFactory = (cols: number, rows: number) => ScreenModel;

export interface ScreenHooks {
  /** The live model's answer to a query asked at `position` in the session's output (fed bytes). */
  reply(data: string, position: number): void;
  /** The live model fell behind the output: hold the PTY until `unblock`. */
  block(model: object): void;
  unblock(model: object): void;
}

/** csm's own output in the start terminal (the id line): shown, but not the child's, so not in the history. */
interface LocalNote {
  /** The child's output offset it was shown at. */
  readonly at: number;
  readonly bytes: Buffer;
}

interface Seeded {
  readonly model: ScreenModel;
  /** Position in the session's output (fed bytes) of the model's first byte. */
  readonly base: number;
}

export class SessionScreen {
  private live: Seeded | undefined;
  /** Bytes of the child's output so far: offsets in the history. */
  private childBytes = 0;
  /** Bytes of output the session has shown, csm's own included: positions for replies. */
  private fed = 0;
  /** Where in the output (fed bytes) the last terminal left: questions before were a terminal's to answer. */
  private unansweredSince = 0;
  private readonly notes: LocalNote[] = [];
  private colours: Partial<ReportedColours> = {};
  private historyLost: boolean;
  /** No terminal is attached to answer the child's questions. */
  private unanswered = true;
  /** The child asked a question since a terminal was last attached. */
  private asked = false;
  private closed = false;

  constructor(
    private readonly createModel: ScreenModelFactory,
    private size: TerminalSize,
    private readonly history: ObservedOutput | undefined,
    private readonly hooks: ScreenHooks,
  ) {
    this.historyLost = history === undefined;
    history?.onLost(() => {
      this.historyLost = true;
      this.update();
    });
    history?.onQuery(() => {
      // A question while a terminal is attached is that terminal's to answer.
      if (this.asked || !this.unanswered) return;
      this.asked = true;
      // After the chunk that asks has reached the history: the model's seed then holds the question.
      queueMicrotask(() => this.update());
    });
    // Without a history, only a model that sees every byte knows the screen.
    this.update();
  }

  /** Bytes of output the session has shown so far (csm's own included): where a reply's question was asked. */
  get position(): number {
    return this.fed;
  }

  /** Whether a live model is running (for tests and diagnostics). */
  get running(): boolean {
    return this.live !== undefined;
  }

  output(chunk: Buffer): void {
    this.childBytes += chunk.length;
    this.feedLive(chunk);
  }

  local(text: string): void {
    const bytes = Buffer.from(text);
    this.notes.push({ at: this.childBytes, bytes });
    this.feedLive(bytes);
  }

  resize(size: TerminalSize): void {
    this.size = size;
    this.live?.model.resize(size.cols, size.rows);
  }

  setColours(colours: Partial<ReportedColours>): void {
    this.colours = { ...this.colours, ...colours };
    this.live?.model.setColours(colours);
  }

  /** Whether the host must answer questions itself (no terminal attached): a live model then runs once one is asked. */
  needLive(needed: boolean): void {
    if (needed && !this.unanswered) this.unansweredSince = this.fed;
    this.unanswered = needed;
    if (!needed) this.asked = false;
    this.update();
  }

  /** The screen as it stands after the output so far, for a terminal that shows nothing yet. */
  snapshot(scrollback: boolean): Promise<string> {
    return this.ask((model) => model.snapshot({ scrollback }));
  }

  /** What puts a terminal that showed the output so far back into its ordinary modes. */
  resetSequence(): Promise<string> {
    return this.ask((model) => model.resetSequence());
  }

  close(): void {
    this.closed = true;
    this.retire();
  }

  private feedLive(bytes: Buffer): void {
    this.fed += bytes.length;
    const live = this.live;
    if (live !== undefined && !live.model.feed(bytes)) this.hooks.block(live.model);
  }

  private update(): void {
    if (this.closed) return;
    const needed = (this.unanswered && this.asked) || this.historyLost;
    if (needed && this.live === undefined) this.startLive();
    else if (!needed && this.live !== undefined) this.retire();
  }

  private startLive(): void {
    // Questions before were a terminal's (or an earlier live model's while no terminal was attached) to answer.
    const floor = this.historyLost ? this.fed : this.unansweredSince;
    const seeded = this.seed(floor);
    const { model, base } = seeded;
    model.onDrain(() => this.hooks.unblock(model));
    model.onReply((reply, position) => {
      if (base + position > floor) this.hooks.reply(reply, base + position);
    });
    this.live = seeded;
  }

  /** Stops the live model; it still answers for the output it was fed, then closes. */
  private retire(): void {
    const live = this.live;
    if (live === undefined) return;
    this.live = undefined;
    // The reset is a barrier: once it is answered, every question fed before it was answered.
    void live.model
      .resetSequence()
      .catch(() => '')
      .finally(() => live.model.close());
  }

  private async ask(question: (model: ScreenModel) => Promise<string>): Promise<string> {
    if (this.live !== undefined) return question(this.live.model);
    const { model } = this.seed();
    try {
      return await question(model);
    } finally {
      model.close();
    }
  }

  /**
   * A model fed the output so far: the recorded history with csm's own lines
   * in their places, each stretch at the size it was written for. A write
   * ends at `split` (a position in the output), so that answers to questions
   * before it can be told from those after.
   */
  private seed(split = Number.POSITIVE_INFINITY): Seeded {
    const recorded = this.historyLost ? undefined : this.history?.recorded();
    const start = recorded?.start ?? this.childBytes;
    const sizes = recorded?.sizes ?? [];
    const initial: TerminalSize = recorded === undefined ? this.size : (sizeAt(sizes, start) ?? sizes[0] ?? this.size);
    const model = this.createModel(initial.cols, initial.rows);
    if (Object.keys(this.colours).length > 0) model.setColours(this.colours);
    let current = initial;
    // Sizes and notes at the same offset as output come before it, a size before a note (the sort is stable).
    const events: { at: number; apply: () => void }[] = [];
    for (const change of sizes) {
      if (change.offset <= start) continue;
      events.push({
        at: change.offset,
        apply: () => {
          current = change;
          model.resize(change.cols, change.rows);
        },
      });
    }
    let base = start;
    for (const note of this.notes) if (note.at < start) base += note.bytes.length;
    let position = base;
    const feed = (bytes: Buffer) => {
      const cut = split - position;
      if (cut > 0 && cut < bytes.length) {
        model.feed(bytes.subarray(0, cut));
        model.endWrite();
        model.feed(bytes.subarray(cut));
      } else {
        model.feed(bytes);
        if (cut === bytes.length) model.endWrite();
      }
      position += bytes.length;
    };
    for (const note of this.notes) if (note.at >= start) events.push({ at: note.at, apply: () => feed(note.bytes) });
    events.sort((a, b) => a.at - b.at);
    let offset = start;
    let next = 0;
    const applyUpTo = (at: number) => {
      for (let event = events[next]; event !== undefined && event.at <= at; event = events[++next]) event.apply();
    };
    for (const chunk of recorded?.bytes ?? []) {
      let from = 0;
      while (from < chunk.length) {
        applyUpTo(offset);
        const until = Math.min(chunk.length, from + ((events[next]?.at ?? Number.POSITIVE_INFINITY) - offset));
        feed(chunk.subarray(from, until));
        offset += until - from;
        from = until;
      }
    }
    applyUpTo(Number.POSITIVE_INFINITY);
    // The history stops noting size changes past a cap: the model ends at today's size whatever it says.
    if (current.cols !== this.size.cols || current.rows !== this.size.rows) model.resize(this.size.cols, this.size.rows);
    return { model, base };
  }
}
