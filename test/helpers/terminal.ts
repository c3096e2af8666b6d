// The outer terminal of an end-to-end test: a real PTY (node-pty) whose
// output is fed into a headless xterm, so tests can assert on what a person
// would see, and on the raw bytes too.
import xterm from '@xterm/headless';
import * as pty from 'node-pty';
import { drainBeforeDestroy } from '../../src/pty.js';
import { DEFAULT_WAIT_MS, matches, waitFor, withDeadline } from './wait.js';

export interface TerminalOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly cols?: number;
  readonly rows?: number;
}

export interface TerminalExit {
  readonly exitCode: number;
  /** Set when the process was killed by a signal (its number). */
  readonly signal: number | undefined;
}

export const DEFAULT_COLS = 100;
export const DEFAULT_ROWS = 30;
/** Enough scrollback that nothing a test prints scrolls away. */
const SCROLLBACK_LINES = 5000;

export class Terminal {
  private readonly pty: pty.IPty;
  private readonly screen: xterm.Terminal;
  private raw = '';
  private exitInfo: TerminalExit | undefined;
  private readonly exitPromise: Promise<TerminalExit>;
  private disposed = false;

  constructor(
    readonly file: string,
    readonly args: readonly string[],
    options: TerminalOptions,
  ) {
    const cols = options.cols ?? DEFAULT_COLS;
    const rows = options.rows ?? DEFAULT_ROWS;
    this.screen = new xterm.Terminal({ cols, rows, scrollback: SCROLLBACK_LINES, allowProposedApi: true });
    // node-pty sets TERM to `name` whatever env says, so name follows env.
    const name = options.env.TERM ?? 'xterm-256color';
    this.pty = pty.spawn(file, [...args], { name, cols, rows, cwd: options.cwd, env: { ...options.env } });
    const receive = (data: string) => {
      this.raw += data;
      this.screen.write(data);
    };
    this.pty.onData(receive);
    // node-pty drops what it had not read 200 ms after the child exits; on a
    // loaded machine that was csm's "ended" line. The same guard csm uses.
    drainBeforeDestroy(this.pty, (chunk) => receive(chunk.toString('utf8')));
    this.exitPromise = new Promise((resolve) => {
      this.pty.onExit(({ exitCode, signal }) => {
        this.exitInfo = { exitCode, signal: signal === 0 ? undefined : signal };
        resolve(this.exitInfo);
      });
    });
  }

  /** The pid of the process started in the terminal (csm itself when started directly). */
  get pid(): number {
    return this.pty.pid;
  }

  get exited(): TerminalExit | undefined {
    return this.exitInfo;
  }

  /** Everything the terminal received, unparsed. */
  get output(): string {
    return this.raw;
  }

  /**
   * The rendered screen, scrollback included: one logical line per line
   * (soft-wrapped rows joined), trailing blanks trimmed.
   */
  screenText(): string {
    const buffer = this.screen.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i += 1) {
      const line = buffer.getLine(i);
      if (line === undefined) continue;
      const text = line.translateToString(true);
      if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
      else lines.push(text);
    }
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines.join('\n');
  }

  /** Waits until the rendered screen matches; returns the match. */
  async waitForScreen(pattern: RegExp | string, timeoutMs: number = DEFAULT_WAIT_MS): Promise<RegExpMatchArray> {
    return waitFor(`screen to show ${String(pattern)}`, () => matches(this.screenText(), pattern), {
      timeoutMs,
      detail: () => this.describe(),
    });
  }

  /** Waits until the raw output matches (for bytes that do not render). */
  async waitForOutput(pattern: RegExp | string, timeoutMs: number = DEFAULT_WAIT_MS): Promise<RegExpMatchArray> {
    return waitFor(`output to contain ${String(pattern)}`, () => matches(this.raw, pattern), {
      timeoutMs,
      detail: () => this.describe(),
    });
  }

  /**
   * Makes this terminal a slow reader, like one across a slow link: it stops
   * reading for `pauseMs` out of every `periodMs`, so the process writing to
   * it blocks. Returns a function that restores normal reading.
   */
  readSlowly(pauseMs: number, periodMs: number): () => void {
    let resumeTimer: NodeJS.Timeout | undefined;
    const cycle = setInterval(() => {
      this.pty.pause();
      resumeTimer = setTimeout(() => this.pty.resume(), pauseMs);
    }, periodMs);
    return () => {
      clearInterval(cycle);
      clearTimeout(resumeTimer);
      this.pty.resume();
    };
  }

  type(text: string): void {
    this.pty.write(text);
  }

  /** Resizes the outer terminal: the PTY (SIGWINCH to its process) and the screen model. */
  resize(cols: number, rows: number): void {
    this.screen.resize(cols, rows);
    this.pty.resize(cols, rows);
  }

  /**
   * Closes the terminal as closing its window does: the master side goes
   * away, and the kernel hangs up the session running in it.
   */
  hangUp(): void {
    // destroy() is in node-pty's UnixTerminal but not in its IPty typings.
    (this.pty as pty.IPty & { destroy: () => void }).destroy();
  }

  /** Waits for the process in the terminal to exit; resolves to its exit code. */
  async waitForExit(timeoutMs: number = DEFAULT_WAIT_MS): Promise<number> {
    const exit = await withDeadline(`exit of ${this.file} (pid ${this.pid})`, timeoutMs, this.exitPromise).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- screen:\n${this.describe()}\n---`);
    });
    await this.flushScreen();
    return exit.exitCode;
  }

  /** Resolves once everything received so far is rendered. */
  flushScreen(): Promise<void> {
    return new Promise((resolve) => this.screen.write('', resolve));
  }

  describe(): string {
    return `${this.screenText()}\n--- (pid ${this.pid}, ${this.exitInfo === undefined ? 'running' : `exited ${JSON.stringify(this.exitInfo)}`})`;
  }

  /**
   * Ends the process if it still runs: SIGHUP first (a closing terminal),
   * SIGKILL if it does not exit in `graceMs`. Idempotent.
   */
  async dispose(graceMs: number): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.exitInfo === undefined) {
      this.signal('SIGHUP');
      try {
        await withDeadline('exit after SIGHUP', graceMs, this.exitPromise);
      } catch {
        // Did not exit on hang-up in time: the leak check reports what is left.
        this.signal('SIGKILL');
        await withDeadline('exit after SIGKILL', graceMs, this.exitPromise).catch(() => undefined);
      }
    }
    this.screen.dispose();
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      process.kill(this.pid, signal);
    } catch {
      // Already gone (ESRCH): nothing to signal.
    }
  }
}
