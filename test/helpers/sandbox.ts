// One test's world: fresh state and runtime directories, an environment that
// points csm at them and at the fake claude, and every process and terminal
// the test starts, so that cleanup can end them, check that nothing else of
// the test is still running, and remove the directories.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { canCheckLeaks, killAll, processesWithEnv } from './leaks.js';
import { CSM_BIN, FAKE_CLAUDE } from './paths.js';
import { type CsmResult, PipedProcess } from './piped.js';
import { Terminal } from './terminal.js';
import { withDeadline } from './wait.js';

export interface RunOptions {
  /** Added to (or, with undefined, removed from) the sandbox environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

export interface PipedRunOptions extends RunOptions {
  readonly stdin: 'pipe' | 'ignore';
  /** A command that runs csm, e.g. setpriv and its options; csm's path and args follow it. */
  readonly via?: readonly string[];
}

export interface TerminalRunOptions extends RunOptions {
  readonly cols?: number;
  readonly rows?: number;
}

/** Variables of the test runner's own terminal that must not leak into csm's. */
const OUTER_VARIABLES = [
  'TMUX',
  'TMUX_PANE',
  'STY',
  'WINDOW',
  'WINDOWID',
  'TERMCAP',
  'COLUMNS',
  'LINES',
  'NODE_TEST_CONTEXT',
  'NODE_OPTIONS',
];
/** `csm list` and friends start and finish in well under a second; a generous bound. */
const CSM_RUN_TIMEOUT_MS = 15_000;
/**
 * csm stop escalates to SIGKILL after 5 s by default; a host given SIGHUP at
 * cleanup may need that long, plus start-up slack, to end its session.
 */
const HOST_EXIT_GRACE_MS = 8_000;

export class Sandbox {
  readonly env: Record<string, string>;
  private readonly terminals: Terminal[] = [];
  private readonly children: ChildProcess[] = [];
  private readonly cleanups: (() => void)[] = [];

  private constructor(
    /** A fresh directory for everything of this test (its path is the leak-check marker). */
    readonly root: string,
    /** CSM_RUNTIME_DIR: short, under /tmp, because socket paths are limited to 104 bytes. */
    readonly runtimeDir: string,
  ) {
    mkdirSync(this.workDir);
    this.env = sandboxEnv({
      CSM_HOME: this.stateDir,
      CSM_RUNTIME_DIR: runtimeDir,
      CSM_COMMAND: FAKE_CLAUDE,
      TERM: 'xterm-256color',
    });
  }

  static create(): Sandbox {
    // realpath: on macOS the temp directory is reached through a symlink,
    // and csm reports real paths.
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'csm-e2e-')));
    const runtimeDir = realpathSync(mkdtempSync('/tmp/csmr-'));
    return new Sandbox(root, runtimeDir);
  }

  /** CSM_HOME; csm creates it on first start. */
  get stateDir(): string {
    return join(this.root, 'state');
  }

  get sessionsDir(): string {
    return join(this.stateDir, 'sessions');
  }

  /** A real, empty directory to start sessions in. */
  get workDir(): string {
    return join(this.root, 'work');
  }

  /** Found in the environment of every process this test started, and of no other. */
  get leakMarker(): string {
    return `CSM_HOME=${this.root}`;
  }

  /** Names of session records on disk (temp files excluded). */
  recordFiles(): string[] {
    return listDir(this.sessionsDir).filter((name) => !name.startsWith('.'));
  }

  /** Names of entries in the runtime directory (control sockets). */
  runtimeEntries(): string[] {
    return listDir(this.runtimeDir);
  }

  /** `csm <args>` in a fresh outer terminal, started directly (its pid is csm's). */
  terminal(args: readonly string[], options: TerminalRunOptions = {}): Terminal {
    return this.track(
      new Terminal(CSM_BIN, args, {
        cwd: options.cwd ?? this.workDir,
        env: this.envWith(options.env),
        cols: options.cols,
        rows: options.rows,
      }),
    );
  }

  /** `sh -c <script>` in a fresh outer terminal; $CSM is the csm executable. */
  shell(script: string, options: TerminalRunOptions = {}): Terminal {
    return this.track(
      new Terminal('/bin/sh', ['-c', script], {
        cwd: options.cwd ?? this.workDir,
        env: this.envWith({ CSM: CSM_BIN, ...options.env }),
        cols: options.cols,
        rows: options.rows,
      }),
    );
  }

  /** `csm <args>` as a plain child process (no terminal), run to completion. */
  async csm(args: readonly string[], options: RunOptions = {}): Promise<CsmResult> {
    const run = this.spawnCsm(args, { ...options, stdin: 'ignore' });
    return run.waitForExit(CSM_RUN_TIMEOUT_MS);
  }

  /** `csm <args>` with pipes for stdout and stderr, and stdin a pipe or /dev/null. */
  spawnCsm(args: readonly string[], options: PipedRunOptions): PipedProcess {
    const [command, ...prefix] = [...(options.via ?? []), CSM_BIN];
    const child = spawn(command ?? CSM_BIN, [...prefix, ...args], {
      cwd: options.cwd ?? this.workDir,
      env: this.envWith(options.env),
      stdio: [options.stdin, 'pipe', 'pipe'],
    });
    this.children.push(child);
    return new PipedProcess(child);
  }

  /** Any helper process the test needs (it gets the sandbox environment, so leaks are caught). */
  spawnHelper(command: string, args: readonly string[]): ChildProcess {
    const child = spawn(command, [...args], { cwd: this.workDir, env: this.env, stdio: 'ignore' });
    this.children.push(child);
    return child;
  }

  /** Something to undo before the directories are removed (a chmod, a chown). */
  onCleanup(undo: () => void): void {
    this.cleanups.push(undo);
  }

  envWith(extra: Readonly<Record<string, string | undefined>> = {}): Record<string, string> {
    const env = { ...this.env };
    for (const [key, value] of Object.entries(extra)) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    return env;
  }

  /**
   * Ends whatever still runs, then checks that no process of this test is
   * left (killing any it finds) and removes the directories. Returns the
   * problems found; an empty list means clean.
   */
  async cleanup(): Promise<string[]> {
    const problems: string[] = [];
    await Promise.all(this.terminals.map((terminal) => terminal.dispose(HOST_EXIT_GRACE_MS)));
    await Promise.all(this.children.map((child) => endChild(child)));
    if (canCheckLeaks) {
      const leftovers = processesWithEnv(this.leakMarker);
      if (leftovers.length > 0) {
        killAll(leftovers);
        problems.push(`processes outlived the test (killed now):\n${leftovers.map((p) => `  pid ${p.pid}: ${p.command}`).join('\n')}`);
      }
    }
    for (const undo of this.cleanups.reverse()) {
      try {
        undo();
      } catch (error) {
        problems.push(`cleanup step failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    rmSync(this.root, { recursive: true, force: true });
    rmSync(this.runtimeDir, { recursive: true, force: true });
    return problems;
  }

  private track(terminal: Terminal): Terminal {
    this.terminals.push(terminal);
    return terminal;
  }
}

/** The test runner's environment minus its terminal, plus `extra`; node first on PATH. */
function sandboxEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith('CSM_') || key.startsWith('FAKE_') || key.startsWith('XDG_')) continue;
    if (OUTER_VARIABLES.includes(key)) continue;
    env[key] = value;
  }
  // bin/csm and the fake run through `#!/usr/bin/env node`: use this node.
  env.PATH = [dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(delimiter);
  return { ...env, ...extra };
}

async function endChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  try {
    await withDeadline('exit after SIGTERM', HOST_EXIT_GRACE_MS, exited);
  } catch {
    // Ignored SIGTERM: force it; the leak check reports anything it left.
    child.kill('SIGKILL');
    await withDeadline('exit after SIGKILL', HOST_EXIT_GRACE_MS, exited).catch(() => undefined);
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return []; // not created (yet): nothing in it
  }
}
