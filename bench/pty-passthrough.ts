// The bare node-pty host, a baseline for csm: run a command in a PTY, copy
// its output to stdout with back-pressure (pause the PTY while stdout is
// full), copy stdin to it (in raw mode when stdin is a terminal), and exit once
// stdout has drained. This is the smallest correct-looking Node host, and it
// is what csm's own data paths amount to.
//
//   node pty-passthrough.mjs [--drain] [--write-sync] <command> [args...]
//
// --drain adds the tail drain that src/pty.ts does (drainBeforeDestroy):
// libuv ends a TTY stream at the first POLLHUP that follows a short read,
// while the PTY master may still hold output (libuv/libuv#5165), and node-pty
// destroys a paused socket 200 ms after the child exits; either way the last
// KB of output are dropped. The drain reads the master to its end
// synchronously whenever node-pty's socket ends or is destroyed.
//
// --write-sync writes input straight to the PTY master with writeSync, the
// input fix proposed for src/pty.ts: node-pty's write goes through fs.write on
// libuv's thread pool, one thread hand-off (and wake-up) per keystroke.
//
// Transpiled to bench/out/bin/ and run with plain Node (see compile.ts).
import { readSync, writeSync } from 'node:fs';
import * as pty from 'node-pty';

interface PtyInternals {
  readonly fd: number;
  readonly _socket: {
    read(): Buffer | null;
    destroy(error?: Error): unknown;
    on(event: 'end', listener: () => void): unknown;
  };
}

const argv = process.argv.slice(2);
const flags = new Set<string>();
while (argv[0]?.startsWith('--')) flags.add(argv.shift() ?? '');
const drain = flags.has('--drain');
const writeDirect = flags.has('--write-sync');
const [command, ...args] = argv;
if (command === undefined) {
  process.stderr.write('usage: pty-passthrough [--drain] [--write-sync] <command> [args...]\n');
  process.exit(2);
}

const child = pty.spawn(command, args, {
  name: 'xterm-256color',
  cols: 80,
  rows: 24,
  cwd: process.cwd(),
  env: { ...process.env } as Record<string, string>,
  encoding: null,
});

let waiting = false;
function output(chunk: Buffer): void {
  if (!process.stdout.write(chunk) && !waiting) {
    waiting = true;
    child.pause();
    process.stdout.once('drain', () => {
      waiting = false;
      child.resume();
    });
  }
}

// node-pty types data as string; with encoding null it is a Buffer.
child.onData((data) => output(data as unknown as Buffer));

const masterFd = (child as unknown as PtyInternals).fd;
const input = (data: Buffer): void => {
  if (writeDirect) {
    let written = 0;
    try {
      written = writeSync(masterFd, data);
    } catch {
      // EAGAIN: the PTY's input queue is full; let node-pty queue the rest.
    }
    if (written < data.length) child.write(data.subarray(written) as unknown as string);
  } else {
    child.write(data as unknown as string);
  }
};
if (process.stdin.isTTY) process.stdin.setRawMode(true);
process.stdin.on('data', input);
process.stdin.on('error', () => undefined);

if (drain) {
  const internals = child as unknown as PtyInternals;
  const socket = internals._socket;
  let drained = false;
  const drainTail = (): void => {
    if (drained) return;
    drained = true;
    // Whatever the paused stream still buffers, then whatever the kernel holds.
    for (let chunk = socket.read(); chunk !== null; chunk = socket.read()) output(chunk);
    const buffer = Buffer.allocUnsafe(65536);
    for (;;) {
      let n: number;
      try {
        n = readSync(internals.fd, buffer, 0, buffer.length, null);
      } catch {
        break; // EIO: the slave is closed and nothing is left; EAGAIN: nothing more now.
      }
      if (n <= 0) break;
      output(Buffer.from(buffer.subarray(0, n)));
    }
  };
  // 'end' comes after the last buffered 'data', before the fd is closed.
  socket.on('end', drainTail);
  const destroy = socket.destroy.bind(socket);
  socket.destroy = (error?: Error) => {
    drainTail();
    return destroy(error);
  };
}

child.onExit(({ exitCode, signal }) => {
  process.stdin.off('data', input);
  if (process.stdin.isTTY) process.stdin.setRawMode(false);
  process.stdout.write('', () => process.exit(signal ? 128 + signal : exitCode));
});
