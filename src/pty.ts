// SessionProcess: one child in a pseudo-terminal, and its lifetime. This is
// the only module that knows node-pty, and it is imported lazily (the native
// addon loads at import time) so that `list`, `stop` and `--help` never pay
// for it. node-pty quirks hidden here:
// - it decodes output as UTF-8 by default, which would re-encode partial
//   characters split across reads; csm asks for raw Buffers (encoding: null);
// - it emits exit only after its read socket closes, or 200 ms after the
//   child exits if the socket never closes (microsoft/node-pty#72), so output
//   can still arrive after exit is known; `exited` resolves only after both;
// - resize throws on non-positive sizes, and write/resize/kill after exit
//   throw or hit a reused pid; here they are no-ops.
import type { IPty } from 'node-pty';
import type { SessionExit } from './control-protocol.js';
import { SpawnError } from './errors.js';

export interface SpawnOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly cols: number;
  readonly rows: number;
}

/** The part of a PTY child that csm uses; tests provide their own. */
export interface SessionProcess {
  readonly pid: number;
  /** The slave side, e.g. /dev/pts/4: the controlling terminal of the session. */
  readonly tty: string | undefined;
  /** Resolves once the child has exited and all of its output was delivered. */
  readonly exited: Promise<SessionExit>;
  onData(listener: (data: Buffer) => void): void;
  write(data: Buffer | string): void;
  resize(cols: number, rows: number): void;
  /** Flow control: stop reading from the PTY until resume (the child blocks on write). */
  pause(): void;
  resume(): void;
  dispose(): void;
}

export type SpawnSessionProcess = (options: SpawnOptions) => Promise<SessionProcess>;

export const spawnSessionProcess: SpawnSessionProcess = async (options) => {
  const pty = await import('node-pty');
  let child: IPty;
  try {
    child = pty.spawn(options.command, [...options.args], {
      name: options.env.TERM ?? 'xterm-256color',
      cols: options.cols,
      rows: options.rows,
      cwd: options.cwd,
      // A copy, never process.env itself: we already built it explicitly.
      env: { ...options.env },
      encoding: null,
    });
  } catch (error) {
    throw new SpawnError(`cannot start ${options.command}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return new NodePtyProcess(child);
};

class NodePtyProcess implements SessionProcess {
  readonly exited: Promise<SessionExit>;
  private alive = true;
  private disposed = false;
  private readonly listeners: ((data: Buffer) => void)[] = [];

  constructor(private readonly child: IPty) {
    // Typed as string by node-pty, but a Buffer with encoding: null.
    child.onData((data) => {
      const chunk = data as unknown as Buffer;
      for (const listener of this.listeners) listener(chunk);
    });
    this.exited = new Promise((resolve) => {
      child.onExit(({ exitCode, signal }) => {
        this.alive = false;
        resolve(signal ? { exitCode: undefined, signal } : { exitCode, signal: undefined });
      });
    });
  }

  get pid(): number {
    return this.child.pid;
  }

  get tty(): string | undefined {
    const name = (this.child as IPty & { ptsName?: string }).ptsName;
    return typeof name === 'string' ? name : undefined;
  }

  onData(listener: (data: Buffer) => void): void {
    this.listeners.push(listener);
  }

  write(data: Buffer | string): void {
    if (this.alive) this.child.write(data as string);
  }

  resize(cols: number, rows: number): void {
    if (!this.alive || !(cols > 0 && rows > 0)) return;
    try {
      this.child.resize(Math.floor(cols), Math.floor(rows));
    } catch {
      // The PTY closed between the check and the ioctl: the child is exiting.
    }
  }

  pause(): void {
    if (this.alive) this.child.pause();
  }

  resume(): void {
    this.child.resume();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.listeners.length = 0;
  }
}
