// What the unit tests share: temp dirs that remove themselves, real process
// trees in their own terminal sessions that are killed (and checked gone)
// after each test, and polling with a deadline instead of sleeping.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { SessionExit } from '../../src/control-protocol.js';
import type { SessionProcess } from '../../src/pty.js';

/** A fresh directory under the system temp dir, removed after the test. Short, so socket paths fit. */
export function tempDir(t: TestContext, prefix = 'csm-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Polls `check` until it returns something other than undefined/false, or fails at the deadline. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Stat {
  readonly state: string;
  readonly pgrp: number;
  readonly session: number;
}

/** Fields of /proc/<pid>/stat that the tests look at; undefined once the pid is gone. */
export function procStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone: exactly what most callers are waiting for
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '?', pgrp: Number(fields[2]), session: Number(fields[3]) };
}

/** Alive and not a zombie (a zombie has exited and only waits to be reaped). */
export function isAlive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/** Every live process whose terminal session id is `sid`. */
export function sessionPids(sid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = procStat(pid);
    if (stat !== undefined && stat.session === sid && isAlive(pid)) pids.push(pid);
  }
  return pids;
}

function killSession(sid: number): void {
  for (const pid of sessionPids(sid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Exited between the scan and the kill: that is what we want.
    }
  }
}

/**
 * Spawns `command` as the leader of a new terminal session (detached: true
 * calls setsid). After the test, everything left in that session is killed
 * and the test waits until it is gone, so nothing outlives it.
 */
export function spawnLeader(t: TestContext, command: string, args: readonly string[]): ChildProcess & { readonly pid: number } {
  const child = spawn(command, [...args], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${command}`);
  t.after(async () => {
    killSession(pid);
    await waitFor(`session ${pid} to be gone`, () => sessionPids(pid).length === 0);
  });
  return Object.assign(child, { pid });
}

/** A long-lived node process in its own session; exits on SIGHUP (node's default) and with code 3 on SIGUSR2. */
export function spawnNodeLeader(t: TestContext): ChildProcess & { readonly pid: number } {
  return spawnLeader(t, process.execPath, [
    '-e',
    "process.on('SIGUSR2', () => process.exit(3)); setInterval(() => {}, 1000); console.log('ready');",
  ]);
}

/** Resolves with the first line the child prints (used as a readiness signal). */
export function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const stdout = child.stdout;
    if (stdout === null) {
      reject(new Error('child has no stdout pipe'));
      return;
    }
    stdout.setEncoding('utf8');
    const onData = (chunk: string) => {
      text += chunk;
      const newline = text.indexOf('\n');
      if (newline !== -1) {
        stdout.off('data', onData);
        // Keep draining so the child never blocks on a full pipe.
        stdout.resume();
        resolve(text.slice(0, newline));
      }
    };
    stdout.on('data', onData);
    child.once('exit', () => reject(new Error(`child exited before printing a line (got ${JSON.stringify(text)})`)));
  });
}

/** The pid of a process that has exited and been reaped. */
export function deadPid(): number {
  const result = spawnSync('true');
  if (result.pid === undefined || result.pid <= 1) throw new Error('could not run true');
  return result.pid;
}

/**
 * Our own SessionProcess, no PTY: it stands for a real long-lived process
 * (so that pid verification works), reports that process's exit, records
 * what is written to it, and "prints" what a test emits.
 */
export class FakeSessionProcess implements SessionProcess {
  readonly tty = undefined;
  readonly exited: Promise<SessionExit>;
  readonly written: string[] = [];
  disposed = 0;
  private readonly listeners: ((data: Buffer) => void)[] = [];

  constructor(private readonly child: ChildProcess & { readonly pid: number }) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        resolve(
          signal !== null ? { exitCode: undefined, signal: constants.signals[signal] } : { exitCode: code ?? undefined, signal: undefined },
        );
      });
    });
  }

  get pid(): number {
    return this.child.pid;
  }

  /** What the program "prints". */
  emit(text: string): void {
    for (const listener of this.listeners) listener(Buffer.from(text));
  }

  onData(listener: (data: Buffer) => void): void {
    this.listeners.push(listener);
  }

  write(data: Buffer | string): void {
    this.written.push(data.toString());
  }

  resize(): void {
    // A fake has no window size.
  }

  pause(): void {
    // Nothing is read from a fake, so there is nothing to pause.
  }

  resume(): void {
    // See pause().
  }

  dispose(): void {
    this.disposed += 1;
  }
}
