// A session's activity in a small file its host keeps current, so that `csm
// list` can show the status of every session without waking every host:
// asking 100 hosts over their sockets made each of them run on two shared
// cores, and cost `list` over 100 ms (docs/PERFORMANCE.md).
//
//   <stateDir>/logs/<id>/status.json    the host's ActivitySnapshot, as JSON
//
// The host writes it when the session starts, at once when what `list` shows
// changes in kind (a bell or notification comes, input answers it), and
// otherwise at most every STATUS_REFRESH_MS while output or input goes on,
// with a last write when it stops: the times in it are never more than that
// behind, and an idle session costs nothing (no timer runs). Writes happen
// off the data path (a timer), never between a keystroke and the child.
// Any error stops the writing for good and removes the file, so that readers
// ask the host instead of trusting a file that no longer moves.
import { rmSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { ActivitySnapshot } from './activity.js';
import { logDirFor } from './output-log.js';
import { type CsmPaths, entryPath } from './paths.js';
import { readPrivateFile, writePrivateFile } from './private-file.js';

export const STATUS_FILE = 'status.json';
/**
 * Well inside status.ts's 2 s activity window, so a session that keeps
 * writing never looks idle; often enough that titles (Claude Code's spinner)
 * and times look current.
 */
export const STATUS_REFRESH_MS = 500;
/** A snapshot is a few hundred bytes (titles and notification texts are cut at 256 characters). */
const MAX_STATUS_BYTES = 16 * 1024;

export function statusPathFor(paths: CsmPaths, id: string): string {
  return entryPath(logDirFor(paths, id), STATUS_FILE);
}

export class StatusFile {
  private lastWrite = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly path: string,
    private readonly snapshot: () => ActivitySnapshot,
    private readonly clock: () => number,
  ) {
    this.write();
  }

  /** Something in the snapshot changed; `urgent` when the status it gives changed kind. */
  changed(urgent: boolean): void {
    if (this.stopped) return;
    if (this.timer !== undefined) {
      if (!urgent) return; // the write already planned will carry this change too
      clearTimeout(this.timer);
    }
    const due = urgent ? 0 : Math.max(0, this.lastWrite + STATUS_REFRESH_MS - this.clock());
    this.timer = setTimeout(() => this.write(), due);
    // The PTY keeps the host alive, never this.
    this.timer.unref();
  }

  /** No more writes; the file goes (the session has ended). */
  close(): void {
    this.stop();
  }

  private write(): void {
    this.timer = undefined;
    if (this.stopped) return;
    try {
      writePrivateFile(dirname(this.path), basename(this.path), JSON.stringify(this.snapshot()));
      this.lastWrite = this.clock();
    } catch {
      // Full or read-only state directory, or the log directory is gone: the
      // output recorder reports that; readers fall back to asking the host.
      this.stop();
    }
  }

  private stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      rmSync(this.path, { force: true });
    } catch {
      // A read-only state directory: the file stays, and so does its session's record.
    }
  }
}

/** The snapshot a host wrote, or undefined when there is none to trust (ask the host then). */
export function readStatusFile(path: string): ActivitySnapshot | undefined {
  const read = readPrivateFile(path, MAX_STATUS_BYTES);
  if (!('text' in read)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(read.text);
  } catch {
    return undefined; // not written by csm (writes are atomic): do not trust it
  }
  return isSnapshot(value) ? value : undefined;
}

function isSnapshot(value: unknown): value is ActivitySnapshot {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const time = (t: unknown) => t === null || (typeof t === 'string' && !Number.isNaN(Date.parse(t)));
  const attention = v.attention as Record<string, unknown> | null | undefined;
  return (
    typeof v.startedAt === 'string' &&
    time(v.startedAt) &&
    time(v.lastOutputAt) &&
    time(v.lastInputAt) &&
    (v.title === null || typeof v.title === 'string') &&
    (attention === null ||
      (typeof attention === 'object' && typeof attention.kind === 'string' && typeof attention.text === 'string' && time(attention.at)))
  );
}
