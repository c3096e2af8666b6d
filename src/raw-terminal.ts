// The user's terminal in raw mode for as long as csm shows a session in it,
// with its output processing off. Node's setRawMode is libuv's raw mode,
// which leaves the terminal's output processing on (OPOST with ONLCR: every
// LF written becomes CR LF). tmux, dtach, screen and script(1) all turn it
// off, and so does csm: what it writes is already a terminal's output, which
// the session's own PTY processed as its child asked. Left on, a child that
// turned ONLCR off in its PTY (curses' nonl(), a bare LF to move straight
// down) is drawn wrong, and the kernel takes a second pass over every byte
// of a flood, stopping at each line end. Node has no call for termios, so
// stty(1), given the terminal as its standard input, turns it off; Node's
// restore (setRawMode(false), or its own at exit) puts back the whole mode
// saved on entering raw mode, output processing included.
import { type ChildProcess, spawn } from 'node:child_process';
import { fstatSync } from 'node:fs';
import { within } from './bounded-wait.js';

export interface RawHold {
  /**
   * Lets go of raw mode; the terminal gets its mode back when the last hold
   * on it goes, once stty has finished (it must not change the mode after
   * it was put back). Idempotent.
   */
  release(): Promise<void>;
}

export interface RawOptions {
  /**
   * Start stty at the end of this event-loop turn instead of now: a host
   * whose child just started keeps the fork (1 to 2 ms of a 50 MB process)
   * from coming between the child's first output and the terminal.
   */
  readonly afterThisTurn?: boolean;
}

/** stty exits within milliseconds; this only bounds a pathological wait (a terminal that never drains). */
const STTY_WAIT_MS = 1000;

interface Holding {
  holders: number;
  /** Resolves once stty has exited (or never started). */
  outputModeSettled(): Promise<void>;
}

/** Nested holds share one raw mode: `csm attach` holds it from before it connects, the attached client while attached. */
const holdings = new WeakMap<NodeJS.ReadStream, Holding>();

/**
 * Puts terminal `stdin` in raw mode, and output processing off if `stdout`
 * is the same terminal. A stdin that is not a terminal is left alone.
 */
export function holdRaw(stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream, options: RawOptions = {}): RawHold {
  if (stdin.isTTY !== true) return { release: () => Promise.resolve() };
  let holding = holdings.get(stdin);
  if (holding === undefined) {
    stdin.setRawMode(true);
    // Only after raw mode: Node saves the mode to restore when entering it,
    // and that saved mode must still have output processing on.
    const settled = sameTerminal(stdin, stdout) ? outputProcessingOff(stdout, options) : () => Promise.resolve();
    holding = { holders: 0, outputModeSettled: settled };
    holdings.set(stdin, holding);
  }
  const held = holding;
  held.holders += 1;
  let released: Promise<void> | undefined;
  return {
    release: () => {
      released ??= (async () => {
        held.holders -= 1;
        if (held.holders > 0) return;
        holdings.delete(stdin);
        await held.outputModeSettled();
        try {
          stdin.setRawMode(false);
        } catch {
          // The terminal is gone (hang-up): there is no mode left to restore.
        }
      })();
      return released;
    },
  };
}

/** Starts `stty -opost` on `stdout`; returns what waits for it to be done (or stops it first). */
function outputProcessingOff(stdout: NodeJS.WriteStream, options: RawOptions): () => Promise<void> {
  let child: ChildProcess | undefined;
  let exited: Promise<void> | undefined;
  const start = () => {
    child = spawn('stty', ['-opost'], { stdio: [descriptorOf(stdout), 'ignore', 'ignore'] });
    const started = child;
    exited = new Promise<void>((resolve) => {
      started.once('exit', () => resolve());
      // No stty on PATH (or no process to spare): output processing stays on, as in libuv's raw mode.
      started.once('error', () => resolve());
    });
  };
  const starting = options.afterThisTurn === true ? setImmediate(start) : undefined;
  if (starting === undefined) start();
  return async () => {
    if (starting !== undefined) clearImmediate(starting);
    if (child === undefined || exited === undefined) return;
    const late = await within(
      exited.then(() => false),
      STTY_WAIT_MS,
      true,
    );
    if (late) {
      // Our own child, not yet reaped: its pid is still its own. Gone for
      // sure before the mode is put back.
      child.kill('SIGKILL');
      await exited;
    }
  };
}

/** Whether the two streams are one terminal: output processing is the output side's, raw mode the input side's. */
function sameTerminal(stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream): boolean {
  if (stdout.isTTY !== true) return false;
  try {
    const input = fstatSync(descriptorOf(stdin));
    const output = fstatSync(descriptorOf(stdout));
    return input.isCharacterDevice() && input.rdev === output.rdev;
  } catch {
    return false;
  }
}

function descriptorOf(stream: NodeJS.ReadStream | NodeJS.WriteStream): number {
  const { fd } = stream as { fd?: unknown };
  if (typeof fd !== 'number') throw new Error('a terminal stream without a file descriptor');
  return fd;
}
