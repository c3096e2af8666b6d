// SessionProcess: one child in a pseudo-terminal, and its lifetime. This is
// the only module that knows node-pty, and it is imported lazily (the native
// addon loads at import time) so that `list`, `stop` and `--help` never pay
// for it. node-pty quirks hidden here:
// - it decodes output as UTF-8 by default, which would re-encode partial
//   characters split across reads; csm asks for raw Buffers (encoding: null);
// - it emits exit only after its read socket closes, or 200 ms after the
//   child exits if the socket never closes (microsoft/node-pty#72), so output
//   can still arrive after exit is known; `exited` resolves only after both;
// - that 200 ms timer destroys the socket with whatever it has not read yet:
//   when csm is not reading (blocked writing to a slow terminal, or paused by
//   back-pressure from a pipe) the tail of the child's output was lost, so
//   the socket hands on what is left before it goes (drainBeforeDestroy);
// - resize throws on non-positive sizes, and write/resize/kill after exit
//   throw or hit a reused pid; here they are no-ops;
// - it writes input with fs.write on libuv's thread pool: a thread hand-off
//   and two wake-ups per keystroke, so input is written here directly when
//   the master takes it at once (DirectInput).
import { readSync, writeSync } from 'node:fs';
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
  private readonly input: DirectInput;

  constructor(private readonly child: IPty) {
    this.input = new DirectInput(child);
    const deliver = (chunk: Buffer) => {
      for (const listener of this.listeners) listener(chunk);
    };
    // Typed as string by node-pty, but a Buffer with encoding: null.
    child.onData((data) => deliver(data as unknown as Buffer));
    drainBeforeDestroy(child, deliver);
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
    if (this.alive) this.input.write(typeof data === 'string' ? Buffer.from(data) : data);
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

/** The node-pty 1.1.0 internals DirectInput needs (absent elsewhere: every write then goes through node-pty). */
interface NodePtyWriteInternals {
  readonly fd?: number;
  readonly _socket?: { readonly destroyed?: boolean };
  readonly _writeStream?: { readonly _writeQueue?: readonly unknown[] };
}

/**
 * Writes input to the PTY master with writeSync, on the main thread, when
 * node-pty has nothing queued: the master is non-blocking (node-pty sets
 * O_NONBLOCK on Linux and macOS alike), so a full input queue answers EAGAIN
 * or takes part of the write instead of blocking. Whatever is not taken goes
 * to node-pty's own queue, and while that queue holds anything every later
 * write joins it too, so bytes reach the child in the order they were written.
 */
class DirectInput {
  private readonly fd: number | undefined;
  private readonly internals: NodePtyWriteInternals;

  constructor(private readonly child: IPty) {
    this.internals = child as unknown as NodePtyWriteInternals;
    const { fd, _socket: socket, _writeStream: stream } = this.internals;
    const usable = typeof fd === 'number' && socket !== undefined && Array.isArray(stream?._writeQueue);
    this.fd = usable ? fd : undefined;
  }

  write(data: Buffer): void {
    if (data.length === 0) return;
    // node-pty's socket closes the master when the PTY hangs up; its number may then belong to another file.
    if (this.internals._socket?.destroyed === true) return;
    const written = this.fd !== undefined && this.internals._writeStream?._writeQueue?.length === 0 ? this.tryWrite(this.fd, data) : 0;
    // node-pty copies what it queues, so the rest can be a view.
    if (written < data.length) this.child.write(data.subarray(written) as unknown as string);
  }

  /** Bytes the master took at once; 0 when it took none or failed (node-pty then retries, or reports the error as before). */
  private tryWrite(fd: number, data: Buffer): number {
    try {
      return writeSync(fd, data);
    } catch {
      // EAGAIN: the child's input queue is full, node-pty retries until it drains. Anything else
      // (EIO while the child exits) node-pty meets again and reports, as it did before this path existed.
      return 0;
    }
  }
}

/** The node-pty 1.1.0 internals drainBeforeDestroy needs (absent elsewhere: it then does nothing). */
interface NodePtyInternals {
  readonly _socket?: { destroy: (error?: Error) => unknown; read: () => unknown };
  readonly fd?: number;
}

/** What the PTY can hold unread is far less; a bound in case a grandchild keeps writing. */
const MAX_DRAIN_BYTES = 4 * 1024 * 1024;

/**
 * Before node-pty destroys its read socket, passes on what the socket read
 * but has not emitted (it was paused) and what is still in the PTY.
 */
export function drainBeforeDestroy(child: IPty, deliver: (chunk: Buffer) => void): void {
  const { _socket: socket, fd } = child as unknown as NodePtyInternals;
  if (socket === undefined || typeof fd !== 'number') return;
  const destroy = socket.destroy.bind(socket);
  let drained = false;
  socket.destroy = (error?: Error) => {
    if (!drained) {
      drained = true;
      try {
        // read() emits what the stream holds as 'data', to onData above.
        while (socket.read() !== null) {}
      } catch {
        // Already errored: the stream holds nothing it could emit.
      }
      const buffer = Buffer.alloc(64 * 1024);
      for (let total = 0; total < MAX_DRAIN_BYTES; ) {
        let read: number;
        try {
          read = readSync(fd, buffer, 0, buffer.length, null);
        } catch {
          break; // EAGAIN: empty for now (the master is non-blocking); EIO: every writer is gone
        }
        if (read <= 0) break;
        total += read;
        deliver(Buffer.from(buffer.subarray(0, read)));
      }
    }
    return destroy(error);
  };
}
