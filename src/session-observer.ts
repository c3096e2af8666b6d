// The one place where a hosted session's I/O is observed. The PTY child is
// wrapped so that every output chunk reaches the output history before
// anyone else sees it and the activity tracker right after, and every input
// (the user's terminal, `csm send`, library writes) reaches the tracker,
// whoever writes.
// Per chunk this costs a clock read, an escape scan and an array push: the
// writing to disk happens later, batched (output-recorder.ts), and so does
// the status file that `csm list` reads (status-file.ts). Only the push comes
// before the chunk is passed on (to the terminal, where a keystroke's echo
// waits for it); the rest follows it, and input is noted after it is written.
import { join } from 'node:path';
import { type ActivitySnapshot, ActivityTracker } from './activity.js';
import { OutputRecorder } from './output-recorder.js';
import type { SessionProcess } from './pty.js';
import type { ObservedOutput } from './session-screen.js';
import { STATUS_FILE, StatusFile } from './status-file.js';

export interface ObserverOptions {
  readonly clock: () => number;
  readonly cols: number;
  readonly rows: number;
  /** Where to record output; undefined records nothing. */
  readonly log: { readonly dir: string; readonly maxBytes: number } | undefined;
  readonly onWarning: (message: string) => void;
}

export type OutputListener = (data: Buffer) => void;

export class SessionObserver {
  readonly activity: ActivityTracker;
  private readonly recorder: OutputRecorder | undefined;
  private readonly status: StatusFile | undefined;
  private readonly listeners = new Set<OutputListener>();
  private readonly lostListeners: (() => void)[] = [];
  private readonly queryListeners: (() => void)[] = [];

  constructor(options: ObserverOptions) {
    this.activity = new ActivityTracker(options.clock, options);
    this.activity.onQuery = () => {
      for (const listener of this.queryListeners) listener();
    };
    this.recorder =
      options.log === undefined
        ? undefined
        : OutputRecorder.open({
            ...options.log,
            cols: options.cols,
            rows: options.rows,
            onStop: (message) => {
              options.onWarning(message);
              for (const listener of this.lostListeners.splice(0)) listener();
            },
          });
    // After the recorder, which creates the directory.
    this.status =
      options.log === undefined ? undefined : new StatusFile(join(options.log.dir, STATUS_FILE), () => this.snapshot(), options.clock);
  }

  /** The recorded output and the child's questions, for a model of the screen on demand; undefined when nothing is recorded. */
  get observedOutput(): ObservedOutput | undefined {
    const recorder = this.recorder;
    if (recorder === undefined || !recorder.recording) return undefined;
    return {
      recorded: () => recorder.recorded(),
      onLost: (listener) => this.lostListeners.push(listener),
      onQuery: (listener) => this.queryListeners.push(listener),
    };
  }

  /** The child as everyone else should see it: observed on the way in and out. */
  attach(child: SessionProcess): SessionProcess {
    return new ObservedProcess(child, this);
  }

  /** Live output from now on; returns the unsubscribe function. */
  subscribe(listener: OutputListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get recording(): boolean {
    return this.recorder?.recording ?? false;
  }

  snapshot(): ActivitySnapshot {
    return this.activity.snapshot();
  }

  input(data: Buffer | string): void {
    const needed = this.activity.needsInput;
    this.activity.input(data);
    this.status?.changed(this.activity.needsInput !== needed);
  }

  resize(cols: number, rows: number): void {
    this.activity.resize(cols, rows);
    this.recorder?.resize(cols, rows);
  }

  /** Writes out the rest of the history; subscribers hear nothing more. */
  async close(): Promise<void> {
    this.status?.close();
    this.listeners.clear();
    await this.recorder?.close();
  }

  /**
   * A chunk of output before it is passed on: only what must hold it by then.
   * A client that catches up while the chunk is passed on has its screen
   * rebuilt from the history at once (session-screen.ts), so the chunk must
   * be in the history first.
   */
  beforeOutput(chunk: Buffer): void {
    this.recorder?.hold(chunk);
  }

  /** The same chunk once passed on: the rest of the bookkeeping, off the path of a keystroke's echo. */
  afterOutput(chunk: Buffer): void {
    const needed = this.activity.needsInput;
    this.activity.output(chunk);
    this.status?.changed(this.activity.needsInput !== needed);
    this.recorder?.schedule();
    for (const listener of this.listeners) listener(chunk);
  }
}

class ObservedProcess implements SessionProcess {
  private readonly listeners: ((data: Buffer) => void)[] = [];

  constructor(
    private readonly inner: SessionProcess,
    private readonly observer: SessionObserver,
  ) {
    // Observed whether or not anyone listens.
    inner.onData((chunk) => {
      observer.beforeOutput(chunk);
      for (const listener of this.listeners) listener(chunk);
      observer.afterOutput(chunk);
    });
  }

  get pid(): number {
    return this.inner.pid;
  }

  get tty(): string | undefined {
    return this.inner.tty;
  }

  get exited() {
    return this.inner.exited;
  }

  onData(listener: (data: Buffer) => void): void {
    this.listeners.push(listener);
  }

  write(data: Buffer | string): void {
    // The keystroke first, the bookkeeping after: the child cannot answer
    // before this turn of the event loop ends, so nothing sees the difference
    // but the echo, which comes back sooner.
    this.inner.write(data);
    this.observer.input(data);
  }

  resize(cols: number, rows: number): void {
    if (cols > 0 && rows > 0) this.observer.resize(cols, rows);
    this.inner.resize(cols, rows);
  }

  pause(): void {
    this.inner.pause();
  }

  resume(): void {
    this.inner.resume();
  }

  dispose(): void {
    this.inner.dispose();
  }
}
