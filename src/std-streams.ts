// The process's standard streams, made only when a command uses them.
// process.stdin and process.stdout are not plain files to Node: a terminal or
// a pipe is a socket, and the first use of either loads Node's stream, net
// and tty modules, about 3 ms, a twentieth of node's own start-up
// (docs/PERFORMANCE.md). `csm list` prints a result and exits, so it writes
// its output straight to file descriptor 1 (DirectStdout) and never makes
// them; main.ts then has nothing to drain or close at exit.

import { writeSync } from 'node:fs';

/** Where a command writes text: process.stdout, or a DirectStdout. */
export interface TextOutput {
  write(text: string): unknown;
}

/** The three streams, each made on first use; `used` says whether any was. */
export class StdStreams {
  private touched = false;

  get used(): boolean {
    return this.touched;
  }

  get stdin(): NodeJS.ReadStream {
    this.touched = true;
    return process.stdin;
  }

  get stdout(): NodeJS.WriteStream {
    this.touched = true;
    return process.stdout;
  }

  get stderr(): NodeJS.WriteStream {
    this.touched = true;
    return process.stderr;
  }
}

/**
 * Writes to file descriptor 1 synchronously, as Node itself writes to a
 * terminal, a file, or (on Linux) a pipe. A descriptor someone made
 * non-blocking (EAGAIN) gets the rest through process.stdout, which waits
 * for it; a reader that went away (EPIPE: `csm list | head -1`) gets
 * nothing more, as with any command-line tool.
 */
export class DirectStdout implements TextOutput {
  private fallback = false;
  private closed = false;

  /** `fd` and the stream behind `streams.stdout` are the process's own but for tests. */
  constructor(
    private readonly streams: { readonly stdout: Pick<NodeJS.WriteStream, 'write'> },
    private readonly fd = 1,
  ) {}

  write(text: string): boolean {
    if (this.closed) return true;
    if (this.fallback) return this.streams.stdout.write(text);
    const bytes = Buffer.from(text);
    let offset = 0;
    try {
      while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') {
        this.closed = true;
        return true;
      }
      if (code !== 'EAGAIN') throw error;
      this.fallback = true;
      return this.streams.stdout.write(bytes.subarray(offset));
    }
    return true;
  }
}
