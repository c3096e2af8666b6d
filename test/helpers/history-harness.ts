// What the history, status and input end-to-end tests share: a private CSM_HOME and a short
// runtime directory per test, the built bin/csm run as a command or inside a
// real outer terminal (node-pty, read back through @xterm/headless), polling
// with deadlines, and a check after each test that nothing it started is
// still running: every process csm and the fake start inherits the test's
// CSM_HOME, so /proc/*/environ finds them all.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import xterm from '@xterm/headless';
import * as pty from 'node-pty';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CSM_BIN = join(ROOT, 'bin', 'csm');
export const FAKE_TUI = join(ROOT, 'test', 'fixtures', 'fake-tui.mjs');

export interface TestHome {
  readonly home: string;
  readonly runtime: string;
  /** A directory to run sessions in. */
  readonly work: string;
  readonly env: NodeJS.ProcessEnv;
}

/** A fresh CSM_HOME and runtime dir; after the test every session is stopped and every process checked gone. */
export function testHome(t: TestContext, extraEnv: NodeJS.ProcessEnv = {}): TestHome {
  const home = mkdtempSync(join(tmpdir(), 'csm5-e2e-'));
  // Socket paths must stay under ~104 bytes: keep the runtime dir short.
  const runtime = mkdtempSync('/tmp/c5-');
  const work = join(home, 'work');
  mkdirSync(work);
  const env: NodeJS.ProcessEnv = { ...process.env, CSM_HOME: home, CSM_RUNTIME_DIR: runtime, CSM_COMMAND: FAKE_TUI, ...extraEnv };
  for (const key of ['TMUX', 'STY', 'CSM_RECORD', 'CSM_LOG_MAX_BYTES']) if (!(key in extraEnv)) delete env[key];
  t.after(async () => {
    await csm({ env, work, home, runtime }, ['stop', '--all', '--timeout', '2']);
    const left = await waitFor('processes of the test to end', () => (processesWith(home).length === 0 ? true : undefined), 8000).catch(
      (error: unknown) => error,
    );
    for (const pid of processesWith(home)) killQuietly(pid);
    rmSync(home, { recursive: true, force: true });
    rmSync(runtime, { recursive: true, force: true });
    if (left instanceof Error) throw left;
  });
  return { home, runtime, work, env };
}

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs bin/csm to completion. */
export function csm(h: TestHome, args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return runNode(h, CSM_BIN, args, options);
}

/** Runs a Node script in the test home to completion, collecting its output. */
export function runNode(
  h: TestHome,
  script: string,
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: h.work, env: { ...h.env, ...options.env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A long-running bin/csm (logs --follow): output so far, and its end. */
export function csmInBackground(h: TestHome, args: readonly string[]) {
  const child = spawn(process.execPath, [CSM_BIN, ...args], { cwd: h.work, env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const state = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    state.stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    state.stderr += d;
  });
  const closed = new Promise<number | null>((resolvePromise) => child.on('close', (code) => resolvePromise(code)));
  return { state, closed, kill: () => child.kill('SIGKILL') };
}

/** A real terminal with `csm <args>` in it, as a person would run it. */
export class OuterTerminal {
  private readonly term: InstanceType<typeof xterm.Terminal>;
  private readonly child: pty.IPty;
  raw = '';
  readonly exited: Promise<number>;

  constructor(
    h: TestHome,
    args: readonly string[],
    options: { cols?: number; rows?: number; command?: string; env?: NodeJS.ProcessEnv } = {},
  ) {
    const cols = options.cols ?? 120;
    const rows = options.rows ?? 30;
    this.term = new xterm.Terminal({ cols, rows, scrollback: 5000, allowProposedApi: true });
    const [file, argv] = options.command === undefined ? [process.execPath, [CSM_BIN, ...args]] : ['/bin/sh', ['-c', options.command]];
    this.child = pty.spawn(file, argv, { name: 'xterm-256color', cols, rows, cwd: h.work, env: stringEnv({ ...h.env, ...options.env }) });
    this.child.onData((data) => {
      this.raw += data;
      this.term.write(data);
    });
    this.exited = new Promise((resolvePromise) => this.child.onExit(({ exitCode }) => resolvePromise(exitCode)));
  }

  /** Everything on the screen and in its scrollback, as lines of text. */
  text(): string {
    const buffer = this.term.buffer.normal;
    const lines: string[] = [];
    for (let y = 0; y < buffer.length; y++) {
      const line = buffer.getLine(y);
      const text = line?.translateToString(buffer.getLine(y + 1)?.isWrapped !== true) ?? '';
      // A row the terminal wrapped continues the line above it.
      if (line?.isWrapped === true && lines.length > 0) lines[lines.length - 1] += text;
      else lines.push(text);
    }
    return lines.join('\n');
  }

  async waitForText(pattern: RegExp | string, timeoutMs = 8000): Promise<string> {
    return waitFor(
      `${pattern} on the screen`,
      () => {
        const text = this.text();
        return (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) ? text : undefined;
      },
      timeoutMs,
    ).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}; screen:\n${this.text()}`);
    });
  }

  type(data: string): void {
    this.child.write(data);
  }

  kill(): void {
    try {
      this.child.kill('SIGKILL');
    } catch {
      // Already gone: the terminal closed with its program.
    }
  }
}

/** Starts an interactive fake session in an outer terminal and returns it with its full id. */
export async function startFake(
  h: TestHome,
  options: { args?: readonly string[]; env?: NodeJS.ProcessEnv; startArgs?: readonly string[] } = {},
): Promise<{ term: OuterTerminal; id: string }> {
  const before = new Set((await listJson(h)).map((s) => s.id));
  const term = new OuterTerminal(
    h,
    ['start', ...(options.startArgs ?? []), '.', ...(options.args === undefined ? [] : ['--', ...options.args])],
    {
      env: options.env,
    },
  );
  await term.waitForText('FAKE5 READY');
  const id = await waitFor('the new session in csm list', async () => (await listJson(h)).find((s) => !before.has(s.id))?.id);
  return { term, id };
}

export interface ListedJson {
  readonly id: string;
  readonly state: string;
  readonly status: string;
  readonly statusText: string;
  readonly args: string[];
  readonly endedAt: string | null;
  readonly exit: { exitCode: number | null; signal: number | null } | null;
  readonly attention: { kind: string } | null;
  readonly lastOutputAt: string | null;
  readonly title: string | null;
}

export async function listJson(h: TestHome, all = false): Promise<ListedJson[]> {
  const run = await csm(h, ['list', '--json', ...(all ? ['--all'] : [])]);
  if (run.code !== 0) throw new Error(`csm list failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as ListedJson[];
}

/** Runs a session in a terminal until the fake TUI exits 0 by itself; returns its row in `list --all`. */
export async function endedSession(h: TestHome): Promise<ListedJson> {
  const term = new OuterTerminal(h, ['start', '.'], { env: { FAKE5_EXIT: '0' } });
  await term.exited;
  const [ended] = await listJson(h, true);
  if (ended === undefined) throw new Error('csm list --all shows no ended session');
  return ended;
}

/** Polls `check` until it returns something other than undefined, or fails at the deadline. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A directory with an executable named `claude` that runs the fake. */
export function fakeClaudeDir(h: TestHome): string {
  const bin = join(h.home, 'bin');
  mkdirSync(bin);
  symlinkSync(FAKE_TUI, join(bin, 'claude'));
  return bin;
}

/** An executable shell script in the test home. */
export function script(h: TestHome, name: string, body: string): string {
  const path = join(h.home, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Pids of live processes whose environment has CSM_HOME=<home>. */
export function processesWith(home: string): number[] {
  const needle = `CSM_HOME=${home}\0`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (/\) [ZX] /.test(stat)) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(needle)) found.push(Number(entry));
    } catch {
      // Exited while we looked, or not ours to read: not one of the test's processes.
    }
  }
  return found;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
