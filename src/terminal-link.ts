// Joins the user's terminal to a session as one of its clients
// (session-clients.ts): raw mode so every byte typed (Ctrl-C included)
// reaches the child, output passed through byte for byte, resizes passed on
// at once, and the terminal put back as it was on every way out. Nothing here
// runs while the session is idle: it is all event-driven.

import { closeSync, fstatSync, statSync } from 'node:fs';
import { isatty } from 'node:tty';
import { holdRaw, type RawHold } from './raw-terminal.js';
import type { ClientSink, SessionClients } from './session-clients.js';

export interface TerminalIo {
  /** Absent when there is nothing to read (stdin is /dev/null: see readsNothing). */
  readonly stdin: NodeJS.ReadStream | undefined;
  readonly stdout: NodeJS.WriteStream;
}

export interface TerminalLink {
  /** Restores the terminal mode and waits until all output was written. */
  restore(): Promise<void>;
}

/** Modes a killed TUI can leave behind: cursor hidden, bracketed paste, mouse and focus reporting. */
const RESET_MODES = '\x1b[?25h\x1b[?2004l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1004l';

export function linkTerminal(clients: SessionClients, io: TerminalIo): TerminalLink {
  const { stdin, stdout } = io;
  let outputOpen = true;
  const drainWaiters: (() => void)[] = [];

  // Back-pressure: when stdout is slow, the clients module stops reading the
  // PTY so the child waits instead of csm buffering without bound.
  const sink: ClientSink = {
    isTerminal: stdout.isTTY === true,
    catchUp: false,
    write: (data) => !outputOpen || stdout.write(data),
    pendingBytes: () => stdout.writableLength,
    onceDrained: (listener) => {
      drainWaiters.push(listener);
      stdout.once('drain', () => {
        for (const waiter of drainWaiters.splice(0)) waiter();
      });
    },
    // start.ts reports the end itself, after restoring the terminal, and
    // resets its modes itself (resetTerminalModes).
    wantsReset: false,
    ended: () => undefined,
  };
  const client = clients.join(sink, stdout.isTTY ? { cols: stdout.columns, rows: stdout.rows } : undefined);

  const onInput = (data: Buffer) => client.input(data);
  let raw: RawHold | undefined;
  if (stdin !== undefined) {
    // The child has just started: stty waits for the end of this turn.
    raw = holdRaw(stdin, stdout, { afterThisTurn: true });
    stdin.on('data', onInput);
    // End of input (a pipe or a file) does not end the session: only the
    // child exiting or stop does.
    stdin.on('error', ignoreHangup);
    stdin.resume();
  }

  stdout.on('error', () => {
    // EPIPE/EIO: whoever reads our output is gone (terminal closed, pipe
    // reader exited). Keep draining the PTY so the child is not blocked.
    outputOpen = false;
    for (const waiter of drainWaiters.splice(0)) waiter();
  });

  const onResize = () => client.resize({ cols: stdout.columns, rows: stdout.rows });
  if (stdout.isTTY) stdout.on('resize', onResize);

  return {
    restore: async () => {
      stdin?.off('data', onInput);
      stdout.off('resize', onResize);
      await raw?.release();
      stdin?.pause();
      if (outputOpen) await new Promise<void>((resolve) => stdout.write('', () => resolve()));
    },
  };
}

/**
 * Whether descriptor `fd` is /dev/null, which has nothing to read (as with
 * `ssh -n`). Node reads a stdin that is not a terminal, pipe or socket
 * through libuv's thread pool, and the first such read starts its four
 * threads: before the child's first output, for nothing.
 */
export function readsNothing(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isCharacterDevice() && stat.rdev === statSync(DEV_NULL).rdev;
  } catch {
    return false; // closed or unknown: let the stream find out, as before
  }
}

const DEV_NULL = '/dev/null';

/** Puts back terminal modes a TUI killed by a signal could not reset itself. */
export function resetTerminalModes(stdout: NodeJS.WriteStream): void {
  if (stdout.isTTY) stdout.write(RESET_MODES);
}

function ignoreHangup(): void {
  // EIO on read after the terminal hung up: the SIGHUP handler ends the session.
}

/**
 * Call just before exiting. Node restores the terminal mode of its standard
 * descriptors at exit, and Node 20 aborts (crashing with SIGSEGV while it
 * prints the assertion) when that fails with EIO, as it does once the
 * terminal has hung up: csm died of SIGSEGV after cleaning up instead of
 * exiting 129 when its terminal window was closed (nodejs/node#51519, fixed
 * by nodejs/node#58200 in later releases). Node skips a descriptor that is
 * closed, so each one whose terminal has gone is closed first.
 */
export function closeHungUpTerminal(streams: readonly { readonly fd: number; readonly isTTY?: boolean }[]): void {
  for (const { fd, isTTY } of streams) {
    // A terminal that hung up no longer passes isatty() (its ioctls fail with EIO).
    if (isTTY !== true || isatty(fd)) continue;
    try {
      closeSync(fd);
    } catch {
      // Already closed: node skips it at exit, which is all this is for.
    }
  }
}
