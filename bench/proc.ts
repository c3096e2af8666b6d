// Process plumbing for the benchmark: spawning with timing, waiting, and
// reading what the kernel says about a process (/proc: memory, CPU ticks,
// context switches). Linux only, like the numbers the issue asks for.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { startTimeOf } from '../src/process-info.js';

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Wall time from spawn to exit (and, with captured output, to end of output), in ms. */
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Capture stdout (otherwise /dev/null). */
  readonly captureStdout?: boolean;
  readonly timeoutMs?: number;
}

/** Runs a command to completion with stdin and (unless captured) stdout on /dev/null. */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, [...args], {
      env: options.env,
      cwd: options.cwd,
      stdio: ['ignore', options.captureStdout === true ? 'pipe' : 'ignore', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`${command} ${args.join(' ')}: no exit within ${options.timeoutMs} ms`));
          }, options.timeoutMs);
    child.on('error', (error) => {
      if (timer !== undefined) clearTimeout(timer);
      reject(error);
    });
    // 'close' waits for the output pipes as well as the exit.
    child.on('close', (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve({
        code,
        signal,
        ms: elapsedMs(started),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/**
 * Wall time of one run with every stdio on /dev/null: spawn to exit, in ms.
 * This is the start-up measurement, so nothing else happens in between.
 */
export function timeToExit(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, [...args], { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const ms = elapsedMs(started);
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}`));
      else resolve(ms);
    });
  });
}

export function elapsedMs(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e6;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Alive and not a zombie: the same check csm makes before signalling. */
export function isAlive(pid: number): boolean {
  return startTimeOf(pid) !== undefined;
}

/** Fields of /proc/<pid>/stat after the command name; [0] is field 3 (state). */
function statFields(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of the process itself, in clock ticks (USER_HZ, normally 100 per second). */
export function cpuTicks(pid: number): number {
  const fields = statFields(pid);
  return Number(fields[11]) + Number(fields[12]);
}

/** Voluntary + involuntary context switches: every wake-up of every thread of the process. */
export function contextSwitches(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    for (const key of ['voluntary_ctxt_switches', 'nonvoluntary_ctxt_switches']) {
      const match = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status);
      total += Number(match?.[1] ?? 0);
    }
  }
  return total;
}

export interface MemoryUse {
  /** Resident set size, KiB (VmRSS of /proc/<pid>/status). */
  readonly rssKib: number;
  /** Proportional set size, KiB (/proc/<pid>/smaps_rollup): shared pages divided among their users. */
  readonly pssKib: number;
}

export function memoryUse(pid: number): MemoryUse {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (text: string, key: string): number => {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    if (match === null) throw new Error(`no ${key} for pid ${pid}`);
    return Number(match[1]);
  };
  return { rssKib: kib(status, 'VmRSS'), pssKib: kib(rollup, 'Pss') };
}

/** Every live process whose environment carries `NAME=value` (the run's tag). */
export function processesWithEnv(name: string, value: string): number[] {
  const needle = Buffer.from(`${name}=${value}\0`);
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`);
      if (environ.includes(needle) && isAlive(pid)) found.push(pid);
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

export interface IdleResult {
  /** utime + stime ticks used during the interval. */
  readonly ticks: number;
  /** Context switches of all threads during the interval: each one is a wake-up. */
  readonly wakeups: number;
  readonly seconds: number;
}

/** CPU ticks and thread wake-ups of some processes, summed, over `seconds` of doing nothing. */
export async function watchIdle(pids: readonly number[], seconds: number): Promise<IdleResult> {
  await sleep(300);
  const sum = (f: (pid: number) => number) => pids.reduce((total, pid) => total + f(pid), 0);
  const ticks0 = sum(cpuTicks);
  const wakeups0 = sum(contextSwitches);
  await sleep(seconds * 1000);
  return { ticks: sum(cpuTicks) - ticks0, wakeups: sum(contextSwitches) - wakeups0, seconds };
}

/** [ppid, session id] of a live process, or undefined when it is gone. */
function parentAndSession(pid: number): [number, number] | undefined {
  try {
    const fields = statFields(pid);
    return [Number(fields[1]), Number(fields[3])];
  } catch {
    return undefined;
  }
}

/** Every live descendant of `pid` (children, their children, ...), from /proc. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const child = Number(entry);
    if (!Number.isInteger(child)) continue;
    const ps = parentAndSession(child);
    if (ps === undefined) continue;
    children.set(ps[0], [...(children.get(ps[0]) ?? []), child]);
  }
  const out: number[] = [];
  const stack = [...(children.get(pid) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop();
    if (next === undefined || !isAlive(next)) continue;
    out.push(next);
    stack.push(...(children.get(next) ?? []));
  }
  return out;
}

/**
 * The processes a host adds to a session besides the session's own child:
 * the host and every descendant outside the child's terminal session (e.g.
 * csm's guardian shell). The child leads its session, so its pid is that
 * session's id.
 */
export function hostProcesses(hostPid: number, childPid: number): number[] {
  return [hostPid, ...descendants(hostPid).filter((pid) => parentAndSession(pid)?.[1] !== childPid)];
}
