// A small harness for the attach tests: the built bin/csm run in real PTYs
// (node-pty as the outer terminal) whose output is rendered by a headless
// xterm, so tests see what a person would see. Every sandbox has its own
// state and runtime directories, and after each test nothing started in it
// may still run: processes are found by the sandbox's CSM_HOME in their
// environment, which every process csm starts inherits.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import xterm from '@xterm/headless';
import * as pty from 'node-pty';
import { ptyDevice } from './pty-device.js';

export const CSM_BIN = fileURLToPath(new URL('../../bin/csm', import.meta.url));
export const FAKE_CLAUDE = fileURLToPath(new URL('../fixtures/attach-fake-claude.mjs', import.meta.url));
export const WAIT_MS = 10_000;

export interface Sandbox {
  readonly root: string;
  readonly env: Record<string, string>;
  /** Runs csm without a terminal and collects its output. */
  csm(args: readonly string[], extraEnv?: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Opens an outer terminal running `csm args`. */
  terminal(args: readonly string[], size?: { cols: number; rows: number }): Term;
  /** Opens an outer terminal running a shell. */
  shell(size?: { cols: number; rows: number }): Term;
}

export function sandbox(t: TestContext): Sandbox {
  // Short, so that socket paths stay far below the sun_path limit.
  const root = mkdtempSync('/tmp/csa-');
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('CSM_')) env[key] = value;
  Object.assign(env, {
    CSM_HOME: join(root, 'h'),
    CSM_RUNTIME_DIR: join(root, 'r'),
    CSM_COMMAND: FAKE_CLAUDE,
    TERM: 'xterm-256color',
    PS1: '$ ',
  });
  const terms: Term[] = [];
  const box: Sandbox = {
    root,
    env,
    csm: (args, extraEnv = {}) =>
      new Promise((resolve) => {
        execFile(process.execPath, [CSM_BIN, ...args], { env: { ...env, ...extraEnv }, cwd: root }, (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
          resolve({ code, stdout, stderr });
        });
      }),
    terminal: (args, size) => {
      const term = new Term(process.execPath, [CSM_BIN, ...args], env, root, size);
      terms.push(term);
      return term;
    },
    shell: (size) => {
      const term = new Term('/bin/sh', [], env, root, size);
      terms.push(term);
      return term;
    },
  };
  t.after(async () => {
    await box.csm(['stop', '--all', '--timeout', '2']);
    for (const term of terms) term.dispose();
    const marker = `CSM_HOME=${env.CSM_HOME}`;
    const deadline = Date.now() + WAIT_MS;
    let left = processesWith(marker);
    while (left.length > 0 && Date.now() < deadline) {
      await sleep(50);
      left = processesWith(marker);
    }
    for (const pid of left) signal(pid, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
    if (left.length > 0) throw new Error(`processes outlived the test: ${left.join(', ')}`);
  });
  return box;
}

/** Live processes whose environment holds `marker` (a whole NUL-separated entry). */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (/\) [ZX] /.test(stat)) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(marker)) pids.push(Number(entry));
    } catch {
      // Gone between the listing and the read, or not ours to read: not a leftover of this test.
    }
  }
  return pids;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone: nothing to end.
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface TermExit {
  readonly exitCode: number;
  readonly signal: number | undefined;
}

/** An outer terminal: a PTY whose output a headless xterm renders. */
export class Term {
  readonly exited: Promise<TermExit>;
  private readonly pty: pty.IPty;
  private readonly screen: InstanceType<typeof xterm.Terminal>;
  private rawOutput = '';
  private exit: TermExit | undefined;

  constructor(file: string, args: string[], env: Record<string, string>, cwd: string, size = { cols: 80, rows: 24 }) {
    this.screen = new xterm.Terminal({ ...size, scrollback: 1000, allowProposedApi: true });
    this.pty = pty.spawn(file, args, { name: 'xterm-256color', ...size, cwd, env });
    // The outer terminal answers queries like a real one would.
    this.screen.onData((answer) => {
      if (this.exit === undefined) this.pty.write(answer);
    });
    this.pty.onData((data) => {
      this.rawOutput += data;
      this.screen.write(data);
    });
    this.exited = new Promise((resolve) => {
      this.pty.onExit(({ exitCode, signal }) => {
        this.exit = { exitCode, signal: signal === 0 ? undefined : signal };
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    return this.pty.pid;
  }

  get raw(): string {
    return this.rawOutput;
  }

  /** The terminal device the program in this terminal has (its /dev/pts/N). */
  get device(): string {
    return ptyDevice(this.pty);
  }

  get modes(): InstanceType<typeof xterm.Terminal>['modes'] {
    return this.screen.modes;
  }

  get bufferType(): string {
    return this.screen.buffer.active.type;
  }

  write(data: string): void {
    this.pty.write(data);
  }

  /** Whether the program in this terminal has put it in raw mode (no line editing, no echo), as stty reports it. */
  async isRaw(): Promise<boolean> {
    // Its device is gone with the program's end.
    if (this.exit !== undefined) return false;
    const settings = await this.settings();
    return hasFlag(settings, '-icanon') && hasFlag(settings, '-icrnl');
  }

  /** Whether the terminal's own output processing is off (a bare LF is not turned into CR LF), as stty reports it. */
  async outputUnprocessed(): Promise<boolean> {
    return this.exit === undefined && hasFlag(await this.settings(), '-opost');
  }

  /** `stty -a` of this terminal's device. */
  private settings(): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      execFile('stty', [process.platform === 'darwin' ? '-f' : '-F', this.device, '-a'], (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      );
    });
  }

  resize(cols: number, rows: number): void {
    this.pty.resize(cols, rows);
    this.screen.resize(cols, rows);
  }

  /** Waits until everything received so far is rendered. */
  settle(): Promise<void> {
    return new Promise((resolve) => this.screen.write('', resolve));
  }

  /** The visible lines, without trailing spaces. */
  async lines(): Promise<string[]> {
    await this.settle();
    const buffer = this.screen.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < this.screen.rows; y++) lines.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
    return lines;
  }

  /** Visible lines and the cursor: what a person sees. */
  async view(): Promise<{ lines: string[]; cursor: [number, number] }> {
    const lines = await this.lines();
    return { lines, cursor: [this.screen.buffer.active.cursorX, this.screen.buffer.active.cursorY] };
  }

  /** Everything in the buffer, scrollback included. */
  async text(): Promise<string> {
    await this.settle();
    const buffer = this.screen.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < buffer.length; y++) lines.push(buffer.getLine(y)?.translateToString(true) ?? '');
    return lines.join('\n');
  }

  /** Waits until the screen (scrollback included) matches. */
  async waitFor(pattern: RegExp | string, ms = WAIT_MS): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      const text = await this.text();
      if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) return;
      if (Date.now() >= deadline) throw new Error(`timed out waiting for ${String(pattern)}; the terminal shows:\n${text.trimEnd()}`);
      await sleep(25);
    }
  }

  /** Waits until the visible screen satisfies `check`. */
  async waitForView(what: string, check: (lines: string[]) => boolean, ms = WAIT_MS): Promise<string[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const lines = await this.lines();
      if (check(lines)) return lines;
      if (Date.now() >= deadline) throw new Error(`timed out waiting for ${what}; the screen is:\n${lines.join('\n').trimEnd()}`);
      await sleep(25);
    }
  }

  async waitExit(ms = WAIT_MS): Promise<TermExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the terminal's program did not exit within ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the terminal as a window manager would: the PTY hangs up. */
  hangUp(): void {
    if (this.exit === undefined) this.pty.kill('SIGHUP');
  }

  dispose(): void {
    if (this.exit === undefined) this.pty.kill('SIGKILL');
    this.screen.dispose();
  }
}

function hasFlag(settings: string, flag: string): boolean {
  return new RegExp(`(^|\\s)${flag}(\\s|$)`).test(settings);
}
