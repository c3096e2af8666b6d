// ScreenModel: the host's handle on its model of the session's screen
// (screen-state.ts). The host feeds it every chunk of output; it can resize
// it, ask it for a snapshot (what an attaching terminal must be sent) or a
// reset (what a detaching terminal must be sent), and hears its answers to
// terminal queries. Every request is ordered after the output fed before it,
// so a snapshot shows exactly the output sent before it was asked for.
//
// The default model runs in a worker thread (screen-worker.ts): xterm.js
// parses at about the speed a PTY delivers, and on the main thread it would
// halve the session's output throughput. This module does not load xterm.js;
// the inline model (inline-screen-model.ts) is for tests.
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import type { ReportedColours } from './screen-state.js';

/**
 * node:worker_threads, loaded with the first model: a session whose
 * terminal shows it runs none (session-screen.ts), and loading it was 0.3 to
 * 0.6 ms of every `csm start` before the child's first output.
 */
function workerThreads(): typeof import('node:worker_threads') {
  return createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
}

export interface ScreenModel {
  /** Feeds output; false means the model is behind and the caller should stop reading until `onDrain`. */
  feed(chunk: Buffer): boolean;
  onDrain(listener: () => void): void;
  /**
   * Ends the current write: the position given with an answer is the end of
   * the write that held the question, and output fed in one event-loop turn
   * is otherwise one write.
   */
  endWrite(): void;
  resize(cols: number, rows: number): void;
  /** The screen (and by default the scrollback) for a terminal that shows nothing yet. */
  snapshot(options?: { scrollback: boolean }): Promise<string>;
  resetSequence(): Promise<string>;
  setColours(colours: Partial<ReportedColours>): void;
  /**
   * What a terminal would answer to the child's queries, with the offset in
   * the output fed so far at which the question had been fed.
   */
  onReply(listener: (reply: string, position: number) => void): void;
  close(): void;
}

/** Unparsed output the model may fall behind by before the PTY is paused; xterm.js itself drops data past 50 MB. */
export const MODEL_BACKLOG_HIGH = 8 * 1024 * 1024;
const MODEL_BACKLOG_LOW = 1024 * 1024;

/** @internal The worker's start data and message shapes (screen-worker.ts). */
export interface WorkerStart {
  readonly cols: number;
  readonly rows: number;
}
export type ModelRequest =
  | { readonly kind: 'data'; readonly data: Uint8Array }
  | { readonly kind: 'resize'; readonly cols: number; readonly rows: number }
  | { readonly kind: 'colours'; readonly colours: Partial<ReportedColours> }
  | { readonly kind: 'snapshot'; readonly id: number; readonly scrollback: boolean }
  | { readonly kind: 'reset'; readonly id: number };
export type ModelResponse =
  | { readonly kind: 'parsed'; readonly bytes: number }
  | { readonly kind: 'reply'; readonly data: string; readonly position: number }
  | { readonly kind: 'result'; readonly id: number; readonly value: string };

/** Counts unparsed bytes and says when to pause and resume the producer. */
export class Backlog {
  private bytes = 0;
  private blocked = false;
  private readonly drainListeners: (() => void)[] = [];

  add(bytes: number): boolean {
    this.bytes += bytes;
    if (this.bytes > MODEL_BACKLOG_HIGH) this.blocked = true;
    return !this.blocked;
  }

  done(bytes: number): void {
    this.bytes -= bytes;
    if (this.blocked && this.bytes <= MODEL_BACKLOG_LOW) {
      this.blocked = false;
      for (const listener of this.drainListeners) listener();
    }
  }

  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
  }
}

export class WorkerScreenModel implements ScreenModel {
  private readonly worker: Worker;
  private readonly backlog = new Backlog();
  private readonly pending = new Map<number, { resolve: (value: string) => void; reject: (error: Error) => void }>();
  private readonly replyListeners: ((reply: string, position: number) => void)[] = [];
  private nextId = 1;
  private failure: Error | undefined;
  /** Output of this turn of the event loop, sent to the worker as one message at its end. */
  private batch: Buffer[] = [];

  constructor(cols: number, rows: number) {
    const start: WorkerStart = { cols, rows };
    // The build's one-file CommonJS worker (scripts/bundle.mjs), beside this module in dist/ and beside every part.
    this.worker = new (workerThreads().Worker)(new URL('./screen-worker.cjs', import.meta.url), { workerData: start });
    // The session's PTY keeps the host alive, never its screen model.
    this.worker.unref();
    this.worker.on('message', (message: ModelResponse) => this.receive(message));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the screen model stopped (exit ${code})`)));
  }

  feed(chunk: Buffer): boolean {
    if (this.failure !== undefined) return true;
    if (this.batch.length === 0) setImmediate(() => this.flush());
    this.batch.push(chunk);
    return this.backlog.add(chunk.byteLength);
  }

  onDrain(listener: () => void): void {
    this.backlog.onDrain(listener);
  }

  endWrite(): void {
    this.flush();
  }

  resize(cols: number, rows: number): void {
    this.post({ kind: 'resize', cols, rows });
  }

  snapshot(options = { scrollback: true }): Promise<string> {
    return this.request((id) => ({ kind: 'snapshot', id, scrollback: options.scrollback }));
  }

  resetSequence(): Promise<string> {
    return this.request((id) => ({ kind: 'reset', id }));
  }

  setColours(colours: Partial<ReportedColours>): void {
    this.post({ kind: 'colours', colours });
  }

  onReply(listener: (reply: string, position: number) => void): void {
    this.replyListeners.push(listener);
  }

  close(): void {
    this.fail(new Error('the session ended'));
    void this.worker.terminate();
  }

  private request(message: (id: number) => ModelRequest): Promise<string> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post(message(id));
    });
  }

  /** Sends the batched output; every other message sends it first, so the worker sees stream order. */
  private flush(): void {
    if (this.batch.length === 0) return;
    // One copy of exactly these bytes, handed over without a second copy:
    // the PTY's Buffers may be views into much larger allocations.
    let total = 0;
    for (const chunk of this.batch) total += chunk.byteLength;
    const data = new Uint8Array(total);
    let offset = 0;
    for (const chunk of this.batch) {
      data.set(chunk, offset);
      offset += chunk.byteLength;
    }
    this.batch = [];
    if (this.failure === undefined) this.worker.postMessage({ kind: 'data', data } satisfies ModelRequest, [data.buffer]);
  }

  private post(message: ModelRequest): void {
    this.flush();
    if (this.failure === undefined) this.worker.postMessage(message);
  }

  private receive(message: ModelResponse): void {
    if (message.kind === 'parsed') {
      this.backlog.done(message.bytes);
    } else if (message.kind === 'reply') {
      for (const listener of this.replyListeners) listener(message.data, message.position);
    } else {
      this.pending.get(message.id)?.resolve(message.value);
      this.pending.delete(message.id);
    }
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
    // Nothing is parsed any more, so nothing may wait for it.
    this.backlog.done(Number.POSITIVE_INFINITY);
  }
}

/**
 * Makes worker models where they can run: from the built dist/. Run from
 * source (tests under tsx) there is no built worker file, and tsx's loader
 * does not reach worker threads, so the model runs inline there.
 */
export async function loadScreenModelFactory(): Promise<(cols: number, rows: number) => ScreenModel> {
  if (!import.meta.url.endsWith('.ts')) return (cols, rows) => new WorkerScreenModel(cols, rows);
  const { InlineScreenModel } = await import('./inline-screen-model.js');
  return (cols, rows) => new InlineScreenModel(cols, rows);
}
