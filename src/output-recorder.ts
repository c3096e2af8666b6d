// The host's side of output history: every byte the child writes goes to
// the session's log directory (layout in output-log.ts). It must never slow
// down or endanger the live session, so:
// - appends are queued and written asynchronously, in batches: a write goes
//   out once BATCH_BYTES are waiting or BATCH_DELAY_MS after the first byte
//   of a batch (one timer per batch, never one per chunk), and only one write
//   is in flight at a time, so a burst of output costs a few large writes;
// - the history is capped: when a segment is full a new one starts and the
//   oldest beyond MAX_SEGMENTS is deleted;
// - any error (disk full, directory removed) stops recording for good and is
//   reported once through onStop; the session goes on unrecorded.
import { closeSync, constants, openSync, write } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from './errors.js';
import { LogReader, SIZES_FILE, type SizeChange, segmentPath } from './output-log.js';
import { describeErrno, ensurePrivateDir } from './private-dir.js';
import { unlinkQuietly } from './registry.js';
import type { RecordedOutput } from './session-screen.js';

/** The default cap on one session's recorded output (two segments of half each). */
export const DEFAULT_LOG_MAX_BYTES = 8 * 1024 * 1024;
/** The current segment and the one before it: a reader always has one whole segment of context. */
const MAX_SEGMENTS = 2;
/** Smaller caps would rotate on every write. */
export const MIN_LOG_MAX_BYTES = 64 * 1024;
/**
 * Output waiting while the disk is slower than the child: beyond this, the
 * disk cannot keep up and recording stops rather than holding the session's
 * output in memory without bound.
 */
const MAX_PENDING_BYTES = 64 * 1024 * 1024;
/** A write of this much costs about what a write of 4 KiB does: one thread-pool round trip. */
const BATCH_BYTES = 256 * 1024;
/** How stale the files may be behind the session: `csm logs --follow` polls them. */
export const BATCH_DELAY_MS = 50;
/** A resize is a line of JSON; a session resized more often than this is being dragged about. */
const MAX_SIZE_CHANGES = 10_000;

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export interface RecorderOptions {
  /** The session's log directory; created 0700. */
  readonly dir: string;
  readonly maxBytes: number;
  readonly cols: number;
  readonly rows: number;
  /** Called at most once, when recording stops because of an error. */
  readonly onStop: (message: string) => void;
}

export class OutputRecorder {
  private output: number | undefined;
  private sizes: number | undefined;
  private readonly segmentBytes: number;
  private readonly segments: number[] = [];
  /** Bytes in the current segment's file. */
  private segmentFill = 0;
  /** Absolute offset up to which output was written (or dropped). */
  private written = 0;
  /** Absolute offset of everything appended, written or pending. */
  private appended = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The batch being written: in the file in part or not at all until its write completes. */
  private inFlight: Buffer | undefined;
  /** The size changes still relevant to the recorded output (see recorded()). */
  private sizeHistory: SizeChange[] = [];
  private sizeLines: string[] = [];
  private sizeCount = 0;
  private lastSize: string;
  private writing = false;
  private closing = false;
  private stopped = false;
  /** Stopped by an error rather than closed: the history has a hole. */
  private failed = false;
  private timer: NodeJS.Timeout | undefined;
  private idle: (() => void)[] = [];

  private constructor(private readonly options: RecorderOptions) {
    this.segmentBytes = Math.max(MIN_LOG_MAX_BYTES, options.maxBytes) / MAX_SEGMENTS;
    this.lastSize = `${options.cols}x${options.rows}`;
  }

  /** Creates the directory and first files; a failure here is reported and leaves a recorder that records nothing. */
  static open(options: RecorderOptions): OutputRecorder {
    const recorder = new OutputRecorder(options);
    try {
      ensurePrivateDir(options.dir, 'output history directory', true);
      recorder.sizes = openSync(join(options.dir, SIZES_FILE), CREATE_FLAGS | constants.O_APPEND, 0o600);
      recorder.output = openSync(segmentPath(options.dir, 0), CREATE_FLAGS, 0o600);
      recorder.segments.push(0);
      recorder.sizeLines.push(sizeLine(0, options.cols, options.rows));
      recorder.sizeHistory.push({ offset: 0, cols: options.cols, rows: options.rows });
      recorder.sizeCount = 1;
    } catch (error) {
      recorder.stop(error);
    }
    return recorder;
  }

  get recording(): boolean {
    return !this.stopped;
  }

  append(chunk: Buffer): void {
    this.hold(chunk);
    this.schedule();
  }

  /**
   * Appends without starting a write or arming the batch timer: the host
   * holds each chunk before passing it on and calls schedule() after, so that
   * a keystroke's echo never waits for a timer to be set.
   */
  hold(chunk: Buffer): void {
    if (this.stopped) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.appended += chunk.length;
    if (this.pendingBytes > MAX_PENDING_BYTES) {
      this.stop(new Error(`the disk did not keep up (${this.pendingBytes} bytes waiting)`));
    }
  }

  resize(cols: number, rows: number): void {
    const size = `${cols}x${rows}`;
    if (this.stopped || size === this.lastSize || this.sizeCount >= MAX_SIZE_CHANGES) return;
    this.lastSize = size;
    this.sizeCount += 1;
    this.sizeLines.push(sizeLine(this.appended, cols, rows));
    this.sizeHistory.push({ offset: this.appended, cols, rows });
    this.schedule();
  }

  /**
   * Everything still recorded, up to the last byte appended: the files up to
   * what was surely written, then the batch in flight and what is pending.
   * Undefined once recording failed (the history has a hole) or when the
   * files do not hold what was written (removed or cut by hand). Reads up to
   * the cap (8 MiB by default) synchronously: for an attaching terminal, not
   * for every chunk.
   */
  recorded(): RecordedOutput | undefined {
    if (this.failed) return undefined;
    let pieces: ReturnType<LogReader['read']>;
    try {
      pieces = new LogReader(this.options.dir).read();
    } catch {
      // The directory was removed or replaced: the files tell nothing reliable.
      return undefined;
    }
    const last = pieces.at(-1);
    const inFlight = this.inFlight?.length ?? 0;
    if (this.written + inFlight + this.pendingBytes !== this.appended) return undefined;
    if (last === undefined) {
      if (this.written !== 0) return undefined;
      return { start: 0, bytes: this.unwritten(), sizes: this.sizeHistory };
    }
    // Bytes past `written` belong to a write in flight and may be partial: they come from memory instead.
    if (last.start > this.written || last.start + last.bytes.length < this.written) return undefined;
    const onDisk = last.bytes.subarray(0, this.written - last.start);
    return { start: last.start, bytes: [onDisk, ...this.unwritten()], sizes: this.sizeHistory };
  }
  /** Writes what is pending, then closes the files. Never rejects. */
  async close(): Promise<void> {
    this.closing = true;
    this.clearTimer();
    while (!this.stopped && (this.writing || this.pendingBytes > 0 || this.sizeLines.length > 0)) {
      if (!this.writing) this.flush();
      if (this.writing) await new Promise<void>((resolve) => this.idle.push(resolve));
    }
    this.stopped = true;
    this.closeFiles();
  }

  /** Starts a write now if a full batch is waiting, else once the batch delay has passed. */
  schedule(): void {
    if (this.writing || this.closing || this.stopped) return;
    if (this.pendingBytes >= BATCH_BYTES) {
      this.clearTimer();
      this.flush();
      return;
    }
    if (this.timer !== undefined || (this.pendingBytes === 0 && this.sizeLines.length === 0)) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.writing) this.flush();
    }, BATCH_DELAY_MS);
    // The session keeps the host alive, never its history.
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    if (this.stopped || (this.pendingBytes === 0 && this.sizeLines.length === 0)) return;
    this.writing = true;
    const sizes = Buffer.from(this.sizeLines.join(''));
    let batch = this.pending.length === 1 ? (this.pending[0] ?? Buffer.alloc(0)) : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.sizeLines = [];
    let dropped = 0;
    if (batch.length > this.segmentBytes) {
      // More than a whole segment at once: only its tail can be kept anyway.
      dropped = batch.length - this.segmentBytes;
      batch = batch.subarray(dropped);
    }
    try {
      // A segment's bytes must follow each other without a gap, since its name
      // says where it starts: after dropping bytes, a new segment starts.
      if (dropped > 0 || (this.segmentFill > 0 && this.segmentFill + batch.length > this.segmentBytes)) {
        this.rotate(this.written + dropped);
      }
    } catch (error) {
      this.stop(error);
      return;
    }
    this.written += dropped;
    this.inFlight = batch;
    this.writeAll(this.sizes, sizes, () =>
      this.writeAll(this.output, batch, () => {
        this.inFlight = undefined;
        this.written += batch.length;
        this.segmentFill += batch.length;
        this.writing = false;
        for (const resolve of this.idle.splice(0)) resolve();
        this.schedule();
      }),
    );
  }

  /** Starts a segment at `offset` and deletes the oldest beyond the cap. */
  private rotate(offset: number): void {
    if (this.output !== undefined) closeSync(this.output);
    this.output = undefined;
    if (this.segmentFill === 0) {
      // Nothing was written to the current segment: it would only be an empty file.
      const empty = this.segments.pop();
      if (empty !== undefined) unlinkQuietly(segmentPath(this.options.dir, empty));
    }
    this.output = openSync(segmentPath(this.options.dir, offset), CREATE_FLAGS, 0o600);
    this.segmentFill = 0;
    this.segments.push(offset);
    while (this.segments.length > MAX_SEGMENTS) {
      const oldest = this.segments.shift();
      if (oldest !== undefined) unlinkQuietly(segmentPath(this.options.dir, oldest));
    }
    // Of the sizes before the oldest recorded byte, only the last still applies.
    const first = this.segments[0] ?? offset;
    const before = this.sizeHistory.filter((change) => change.offset <= first).length;
    if (before > 1) this.sizeHistory = this.sizeHistory.slice(before - 1);
  }

  private unwritten(): Buffer[] {
    return this.inFlight === undefined ? [...this.pending] : [this.inFlight, ...this.pending];
  }

  private writeAll(fd: number | undefined, buffer: Buffer, then: () => void): void {
    if (buffer.length === 0) {
      then();
      return;
    }
    if (fd === undefined) {
      this.stop(new Error('the history file is not open'));
      return;
    }
    write(fd, buffer, 0, buffer.length, null, (error, n) => {
      if (this.stopped) return;
      if (error !== null) this.stop(error);
      else if (n < buffer.length) this.writeAll(fd, buffer.subarray(n), then);
      else then();
    });
  }

  private stop(error: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.failed = true;
    this.inFlight = undefined;
    this.sizeHistory = [];
    this.clearTimer();
    this.pending = [];
    this.pendingBytes = 0;
    this.closeFiles();
    this.writing = false;
    for (const resolve of this.idle.splice(0)) resolve();
    this.options.onStop(
      `output history stopped (${describeErrno(errnoCode(error), error)}) in ${this.options.dir}; the session goes on unrecorded`,
    );
  }

  private closeFiles(): void {
    for (const fd of [this.output, this.sizes]) {
      if (fd === undefined) continue;
      try {
        closeSync(fd);
      } catch {
        // Closing can only fail for an fd that is already closed: nothing to release.
      }
    }
    this.output = undefined;
    this.sizes = undefined;
  }
}

function sizeLine(offset: number, cols: number, rows: number): string {
  return `${JSON.stringify({ offset, cols, rows })}\n`;
}
