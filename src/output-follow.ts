// Following a session's output through its history files, from any process:
// what `csm logs --follow` and the library's subscribe use for sessions
// hosted elsewhere. The host appends asynchronously, so a follower polls; it
// stops once the session has ended and everything recorded was read.
import { type LogBytes, LogReader } from './output-log.js';

/** Five reads a second: a person sees no lag, and a stat of two files costs nothing. */
export const FOLLOW_POLL_MS = 200;

export interface FollowOptions {
  /** Absolute offset to start from (0: everything still recorded). */
  readonly from?: number;
  /** False once the session is over: its host has written everything. */
  readonly isLive: () => boolean;
  readonly pollMs?: number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Called after each poll that found nothing new (renderers flush then). */
  readonly onQuiet?: () => void | Promise<void>;
}

export interface Follower {
  /** Stops following; `done` resolves after the current delivery. */
  stop(): void;
  readonly done: Promise<void>;
}

export function followLog(dir: string, deliver: (piece: LogBytes) => void | Promise<void>, options: FollowOptions): Follower {
  const reader = new LogReader(dir, options.from ?? 0);
  let stopped = false;
  const run = async () => {
    while (!stopped) {
      // Check liveness before reading: output recorded before the end is then
      // surely in the files by the final read.
      const live = options.isLive();
      const pieces = reader.read();
      for (const piece of pieces) {
        if (stopped) return;
        await deliver(piece);
      }
      if (!live) return;
      if (pieces.length === 0) await options.onQuiet?.();
      if (!stopped) await options.sleep(options.pollMs ?? FOLLOW_POLL_MS);
    }
  };
  return {
    stop: () => {
      stopped = true;
    },
    done: run(),
  };
}
