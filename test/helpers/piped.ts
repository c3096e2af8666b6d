// A process run with pipes for stdin, stdout and stderr (csm without a
// terminal), its output collected as it arrives.
import type { ChildProcess } from 'node:child_process';
import { DEFAULT_WAIT_MS, matches, waitFor, withDeadline } from './wait.js';

export interface CsmResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A process with piped output, collected as it arrives. */
export class PipedProcess {
  private readonly out: Buffer[] = [];
  private err = '';
  private readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => this.out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => {
      this.err += chunk.toString('utf8');
    });
    // 'close' (not 'exit'): all output has been read by then.
    this.exit = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('process failed to spawn');
    return this.child.pid;
  }

  get stdoutBytes(): Buffer {
    return Buffer.concat(this.out);
  }

  get stdout(): string {
    return this.stdoutBytes.toString('utf8');
  }

  get stderr(): string {
    return this.err;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Like Terminal.readSlowly: stops reading stdout for `pauseMs` out of every `periodMs`. */
  readSlowly(pauseMs: number, periodMs: number): () => void {
    const stdout = this.child.stdout;
    let resumeTimer: NodeJS.Timeout | undefined;
    const cycle = setInterval(() => {
      stdout?.pause();
      resumeTimer = setTimeout(() => stdout?.resume(), pauseMs);
    }, periodMs);
    return () => {
      clearInterval(cycle);
      clearTimeout(resumeTimer);
      stdout?.resume();
    };
  }

  write(text: string): void {
    this.child.stdin?.write(text);
  }

  endInput(): void {
    this.child.stdin?.end();
  }

  async waitForStdout(pattern: RegExp | string, timeoutMs: number = DEFAULT_WAIT_MS): Promise<RegExpMatchArray> {
    return waitFor(`stdout to contain ${String(pattern)}`, () => matches(this.stdout, pattern), {
      timeoutMs,
      detail: () => this.describe(),
    });
  }

  async waitForStderr(pattern: RegExp | string, timeoutMs: number = DEFAULT_WAIT_MS): Promise<RegExpMatchArray> {
    return waitFor(`stderr to contain ${String(pattern)}`, () => matches(this.stderr, pattern), {
      timeoutMs,
      detail: () => this.describe(),
    });
  }

  async waitForExit(timeoutMs: number = DEFAULT_WAIT_MS): Promise<CsmResult> {
    const { code, signal } = await withDeadline(`exit of pid ${this.child.pid}`, timeoutMs, this.exit).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${this.describe()}`);
    });
    return { code, signal, stdout: this.stdout, stderr: this.stderr };
  }

  describe(): string {
    const tail = (text: string) => (text.length > 2000 ? `...${text.slice(-2000)}` : text);
    return `--- stdout:\n${tail(this.stdout)}\n--- stderr:\n${tail(this.stderr)}\n--- (pid ${this.child.pid})`;
  }
}
