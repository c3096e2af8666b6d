// The on-disk layout of a session's output history, and reading it back.
//
//   <stateDir>/logs/<id>/            0700, one directory per session
//     000000000000.out               raw output bytes, in segments named by
//     000004194304.out               the byte offset where each starts
//     sizes.jsonl                    {"offset":0,"cols":80,"rows":24} per resize
//     status.json                    the live session's activity (status-file.ts)
//
// Segments are append-only and never renamed, so a reader following a live
// session never sees a file change identity under it: the host starts a new
// segment when the current one is full and deletes the oldest, which bounds
// the history (see output-recorder.ts). Rendering needs the sizes because a
// TUI's output only makes sense at the width it was drawn for.
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, StateDirError } from './errors.js';
import { type CsmPaths, entryPath } from './paths.js';
import { describeErrno } from './private-dir.js';
import { isSessionId } from './session.js';

export const SIZES_FILE = 'sizes.jsonl';
const SEGMENT_NAME = /^(\d{12,})\.out$/;

export interface SizeChange {
  /** Absolute byte offset in the session's output from which this size applies. */
  readonly offset: number;
  readonly cols: number;
  readonly rows: number;
}

/** The size in effect at `offset`: the last change at or before it. */
export function sizeAt(sizes: readonly SizeChange[], offset: number): SizeChange | undefined {
  let found: SizeChange | undefined;
  for (const size of sizes) {
    if (size.offset > offset) break;
    found = size;
  }
  return found;
}

export interface LogSegment {
  readonly start: number;
  readonly path: string;
}

export interface LogBytes {
  /** Absolute offset of bytes[0] (later than 0 once old segments were dropped). */
  readonly start: number;
  readonly bytes: Buffer;
}

export function logsRoot(paths: CsmPaths): string {
  return entryPath(paths.stateDir, 'logs');
}

export function logDirFor(paths: CsmPaths, id: string): string {
  return entryPath(logsRoot(paths), id);
}

export function segmentPath(dir: string, start: number): string {
  return join(dir, `${String(start).padStart(12, '0')}.out`);
}

/** The segments of one session, oldest first; none when nothing was recorded. */
export function listSegments(dir: string): LogSegment[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw new StateDirError(`cannot read output history ${dir}: ${describeErrno(errnoCode(error), error)}`);
  }
  const segments: LogSegment[] = [];
  for (const name of names) {
    const match = SEGMENT_NAME.exec(name);
    if (match !== null) segments.push({ start: Number(match[1]), path: join(dir, name) });
  }
  return segments.sort((a, b) => a.start - b.start);
}

/** Size changes in order; a torn last line (the host was writing it) is skipped. */
export function readSizes(dir: string): SizeChange[] {
  const text = readFrom(join(dir, SIZES_FILE), 0, Number.POSITIVE_INFINITY)?.toString('utf8') ?? '';
  const sizes: SizeChange[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue; // a line being written right now; the next read gets it whole
    }
    const v = value as Record<string, unknown>;
    if (isCount(v.offset) && isCount(v.cols) && isCount(v.rows) && v.cols > 0 && v.rows > 0) {
      sizes.push({ offset: v.offset, cols: v.cols, rows: v.rows });
    }
  }
  return sizes;
}

/**
 * Reads a session's output from an absolute offset onwards, again and again
 * as it grows: each read returns what was appended since the last, as
 * contiguous pieces. Bytes whose segment was dropped before they were read
 * are lost (counted in `skipped`), and the next piece starts after the gap.
 */
export class LogReader {
  private position: number;
  /** Bytes lost to rotation between reads, in total. */
  skipped = 0;

  constructor(
    private readonly dir: string,
    from = 0,
  ) {
    this.position = from;
  }

  get offset(): number {
    return this.position;
  }

  read(): LogBytes[] {
    const pieces: LogBytes[] = [];
    const segments = listSegments(this.dir);
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i];
      if (segment === undefined) continue;
      const end = segments[i + 1]?.start ?? Number.POSITIVE_INFINITY;
      if (end <= this.position) continue;
      if (segment.start > this.position) {
        this.skipped += segment.start - this.position;
        this.position = segment.start;
      }
      const bytes = readFrom(segment.path, this.position - segment.start, end - this.position);
      // Undefined: dropped since the listing; the next segment goes on.
      if (bytes === undefined || bytes.length === 0) continue;
      const last = pieces.at(-1);
      if (last !== undefined && last.start + last.bytes.length === this.position) {
        pieces[pieces.length - 1] = { start: last.start, bytes: Buffer.concat([last.bytes, bytes]) };
      } else {
        pieces.push({ start: this.position, bytes });
      }
      this.position += bytes.length;
    }
    return pieces;
  }
}

/** Everything still recorded for a session, in contiguous pieces; undefined when it has no history at all. */
export function readLog(dir: string): LogBytes[] | undefined {
  if (listSegments(dir).length === 0) return undefined;
  return new LogReader(dir).read();
}

function readFrom(path: string, offset: number, limit: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw new StateDirError(`cannot read ${path}: ${describeErrno(errnoCode(error), error)}`);
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.max(0, Math.min(size - offset, limit));
    const buffer = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, buffer, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return buffer.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** When output was last recorded (the newest segment's mtime); a host that died ended about then. */
export function lastOutputTime(dir: string): Date | undefined {
  let newest: number | undefined;
  for (const segment of listSegments(dir)) {
    try {
      const mtime = statSync(segment.path).mtimeMs;
      newest = Math.max(newest ?? 0, mtime);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw error;
    }
  }
  return newest === undefined ? undefined : new Date(newest);
}

/** Deletes a session's whole history directory; only ever for a session id. */
export function removeLog(paths: CsmPaths, id: string): void {
  if (!isSessionId(id)) return;
  rmSync(logDirFor(paths, id), { recursive: true, force: true });
}

/** The absolute offset just past everything recorded so far. */
export function logEnd(dir: string): number {
  const last = listSegments(dir).at(-1);
  if (last === undefined) return 0;
  try {
    return last.start + statSync(last.path).size;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return last.start;
    throw error;
  }
}
