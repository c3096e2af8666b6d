// The world one benchmark run lives in: a temp directory for files, csm
// state (CSM_HOME, CSM_RUNTIME_DIR) and tmux sockets; a fixed environment for
// every process it starts; and the clean-up that leaves nothing behind. Every
// process started by the run carries CSM_BENCH_TAG=<tag> in its environment
// (csm passes its environment on to the child), so a last sweep over /proc
// finds anything that escaped the orderly shutdown.
import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { exited, isAlive, processesWithEnv, sleep } from './proc.js';

export const TAG_VARIABLE = 'CSM_BENCH_TAG';

/** Variables of the outer world that would change what the measured processes do. */
const DROPPED_VARIABLES = /^(TMUX|TMUX_PANE|STY|WINDOW|NODE_OPTIONS|NODE_DEBUG|CSM_.*|npm_.*|COLUMNS|LINES)$/;

export interface CsmState {
  readonly home: string;
  readonly runtime: string;
  /** The run's environment with CSM_HOME and CSM_RUNTIME_DIR pointing here. */
  readonly env: NodeJS.ProcessEnv;
}

export interface Tool {
  readonly path: string;
  readonly version: string;
}

export class Sandbox {
  readonly root: string;
  readonly tag: string;
  /** The interpreter running the benchmark: every Node process measured uses this one. */
  readonly node = process.execPath;
  readonly csmBin: string;
  private readonly children = new Set<ChildProcess>();
  private readonly deferred: (() => Promise<void> | void)[] = [];
  private states = 0;
  private cleaned = false;

  constructor(readonly repo: string) {
    this.root = mkdtempSync(join(tmpdir(), 'csm-bench-'));
    this.tag = `${process.pid}-${Date.now()}`;
    this.csmBin = join(repo, 'bin', 'csm');
  }

  /** The fixed environment of every process the run starts. */
  baseEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && !DROPPED_VARIABLES.test(key)) env[key] = value;
    }
    env.TERM = 'xterm-256color';
    env.SHELL = '/bin/sh';
    env.TMUX_TMPDIR = this.root;
    env[TAG_VARIABLE] = this.tag;
    return env;
  }

  /** A csm state of its own, so that one measurement's sessions never show up in another's list. */
  newCsmState(): CsmState {
    this.states += 1;
    const home = join(this.root, `home${this.states}`);
    const runtime = join(this.root, `run${this.states}`);
    for (const dir of [home, join(home, 'sessions'), runtime]) mkdirSync(dir, { recursive: true, mode: 0o700 });
    return { home, runtime, env: { ...this.baseEnv(), CSM_HOME: home, CSM_RUNTIME_DIR: runtime } };
  }

  /** Argument vector that runs the built csm with this Node: [command, args]. */
  csm(...args: string[]): [string, string[]] {
    return [this.node, [this.csmBin, ...args]];
  }

  path(name: string): string {
    return join(this.root, name);
  }

  /** Spawns a process that is killed at clean-up if it is still running then. */
  spawn(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
    const child = spawn(command, [...args], options);
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    child.on('error', () => {
      // Reported by whoever waits for it; never an unhandled error event.
    });
    return child;
  }

  /** Registers clean-up work; it runs in reverse order of registration. */
  defer(work: () => Promise<void> | void): void {
    this.deferred.push(work);
  }

  /** Finds a tool on PATH and its version line, or undefined when it is missing. */
  findTool(name: string, versionArgs: readonly string[]): Tool | undefined {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (dir === '') continue;
      const path = join(dir, name);
      try {
        accessSync(path, constants.X_OK);
      } catch {
        continue;
      }
      try {
        const version = execFileSync(path, [...versionArgs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
        return { path, version: version.trim().split('\n')[0] ?? '' };
      } catch {
        return { path, version: 'unknown version' };
      }
    }
    return undefined;
  }

  /**
   * Runs the deferred work, then ends whatever is left: tracked children
   * (SIGTERM, then SIGKILL) and anything else carrying the run's tag. Returns
   * one line per process that had to be killed this way; the temp directory
   * is removed in any case.
   */
  async cleanup(): Promise<string[]> {
    if (this.cleaned) return [];
    this.cleaned = true;
    const problems: string[] = [];
    for (const work of this.deferred.reverse()) {
      try {
        await work();
      } catch (error) {
        problems.push(`clean-up step failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const alive = [...this.children].filter((child) => child.pid !== undefined && isAlive(child.pid));
    for (const child of alive) {
      problems.push(`still running at clean-up, sent SIGTERM: pid ${child.pid} (${child.spawnargs.join(' ').slice(0, 120)})`);
      child.kill('SIGTERM');
    }
    await Promise.race([Promise.all(alive.map(exited)), sleep(3000)]);
    for (const child of alive) if (child.pid !== undefined && isAlive(child.pid)) child.kill('SIGKILL');
    for (const pid of processesWithEnv(TAG_VARIABLE, this.tag)) {
      problems.push(`leftover process ${pid} carrying the run's tag: killed`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(this.root, { recursive: true, force: true });
    return problems;
  }
}
