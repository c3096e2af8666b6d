// node-pty destroys its read socket 200 ms after the child exits unless the
// socket has closed by then (DESTROY_SOCKET_TIMEOUT_MS in its unixTerminal.js,
// a workaround for microsoft/node-pty#72). Output not yet read is dropped, so
// on a loaded machine a test would lose the last lines of a terminal (csm's
// "ended" line, a shell's last echo) and blame csm. This hands on everything
// left before the socket goes. It relies on node-pty 1.1.0 internals and does
// nothing if they are not there.
import { readSync } from 'node:fs';
import type { IPty } from 'node-pty';

interface NodePtyInternals {
  readonly _socket?: { destroy: (error?: Error) => unknown; read: () => unknown };
  readonly fd?: number;
}

const READ_CHUNK = 64 * 1024;

export function drainBeforeDestroy(terminal: IPty, deliver: (data: string) => void): void {
  const internals = terminal as unknown as NodePtyInternals;
  const socket = internals._socket;
  const fd = internals.fd;
  if (socket === undefined || typeof fd !== 'number') return;
  const destroy = socket.destroy.bind(socket);
  let drained = false;
  socket.destroy = (error?: Error) => {
    if (!drained) {
      drained = true;
      // What the stream read but has not emitted (it was paused): read()
      // emits it as 'data' to node-pty's listeners.
      try {
        while (socket.read() !== null) {}
      } catch {
        // The stream is already errored: nothing buffered is left to emit.
      }
      // What is still in the PTY. The master is non-blocking: EAGAIN means
      // empty for now, EIO means every writer is gone.
      const buffer = Buffer.alloc(READ_CHUNK);
      for (;;) {
        let read: number;
        try {
          read = readSync(fd, buffer, 0, READ_CHUNK, null);
        } catch {
          break; // EAGAIN, EIO or EBADF: nothing more to read
        }
        if (read <= 0) break;
        deliver(buffer.toString('utf8', 0, read));
      }
    }
    return destroy(error);
  };
}
