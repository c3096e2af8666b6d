// TerminalDevice: an attached terminal, named so that the session's host can
// write the output to it itself (docs/ARCHITECTURE.md, "Writing straight to
// an attached terminal").
//
// Through the `csm attach` process, every byte of output was written to the
// socket by the host, read back by the client and written again to its
// terminal: on two cores, a third process busy for as long as output streams.
// tmux's server writes to its clients' terminals itself, with the descriptor
// each client passes it (SCM_RIGHTS), which Node's net module cannot send. So
// the client names its terminal instead: its path, and the identity fstat()
// gives the device (the file system it is on, its inode, its device number).
// The host opens the path and writes only if it is the very same terminal,
// owned by the host's user: a path that means another device where the host
// runs (another mount namespace, a terminal closed and its number reused) is
// refused, and the client's output then comes through the client as before.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, fstatSync, openSync, readlinkSync } from 'node:fs';
import { isatty, WriteStream } from 'node:tty';
import type { TerminalDevice } from './attach-protocol.js';

export type { TerminalDevice };

/** The terminal open on `fd` in this process, or undefined if it is none or cannot be named. */
export function describeTerminal(fd: number): TerminalDevice | undefined {
  if (!isatty(fd)) return undefined;
  const path = terminalPath(fd);
  if (path === undefined) return undefined;
  const stat = fstatSync(fd, { bigint: true });
  return { path, dev: String(stat.dev), ino: String(stat.ino), rdev: String(stat.rdev) };
}

/**
 * Linux names every descriptor in /proc; elsewhere (macOS) tty(1) prints the
 * name of the terminal on its standard input, here `fd`.
 */
function terminalPath(fd: number): string | undefined {
  try {
    const path =
      process.platform === 'linux'
        ? readlinkSync(`/proc/self/fd/${fd}`)
        : spawnSync('tty', { stdio: [fd, 'pipe', 'ignore'], encoding: 'utf8', timeout: 1000 }).stdout.trim();
    return path.startsWith('/dev/') ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Opens the described terminal for writing, or undefined unless it is that
 * very terminal and this user's. Never blocks: a terminal that cannot take
 * more makes its writes wait in the stream (writableLength), not the host.
 */
export function openTerminal(device: TerminalDevice): WriteStream | undefined {
  let fd: number | undefined;
  try {
    // O_NOCTTY: the host must never acquire the client's terminal as its controlling terminal.
    fd = openSync(device.path, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
    const stat = fstatSync(fd, { bigint: true });
    const same = String(stat.dev) === device.dev && String(stat.ino) === device.ino && String(stat.rdev) === device.rdev;
    if (!same || !isatty(fd) || stat.uid !== BigInt(process.getuid?.() ?? -1)) {
      closeSync(fd);
      return undefined;
    }
    // libuv reopens the terminal by its name, for a file description of its
    // own on a descriptor of its own (we just opened that name, so it can);
    // ours is left over, and closed here. Node makes that description
    // blocking: right for a process's own terminal, never for a host, whose
    // one thread also serves the session. Back to non-blocking, libuv queues
    // what the terminal cannot take yet and writes it when it can. Had libuv
    // not reopened it, it would write to ours and wait for the terminal: refused.
    const stream = new WriteStream(fd);
    const opened = fd;
    fd = undefined;
    const handle = (stream as unknown as { _handle?: { fd?: number; setBlocking?: (blocking: boolean) => number } })._handle;
    const reopened = typeof handle?.fd === 'number' && handle.fd !== opened;
    if (reopened) closeSync(opened);
    if (!reopened || handle?.setBlocking?.(false) !== 0) {
      // Closes the stream's descriptor: `opened` itself if libuv did not reopen.
      stream.destroy();
      return undefined;
    }
    return stream;
  } catch {
    if (fd !== undefined) closeSync(fd);
    return undefined;
  }
}
