// The host's side of the control socket. It serves one session and must
// never let a client disturb it: bounded line length, bounded idle time,
// bounded connection count, and errors answered rather than thrown.
import { chmodSync, lstatSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { type ControlReply, type ControlRequest, encode, LineSplitter, MAX_LINE_BYTES, parseRequest } from './control-protocol.js';
import { errnoCode, StateDirError } from './errors.js';
import { describeErrno } from './private-dir.js';
import { unlinkQuietly } from './registry.js';

/** A client that says nothing for this long is dropped (half-open connections). */
export const CLIENT_IDLE_MS = 10_000;
/** Enough for every terminal of a busy user plus scripts; more is abuse. */
export const MAX_CLIENTS = 128;

/**
 * Answers one request. `takeOver` (always passed by the server; optional so
 * that handlers can be called directly) hands the raw connection to the
 * caller for the attach stream: line parsing and the idle timeout stop, and
 * later bytes are the caller's to read.
 */
export type RequestHandler = (request: ControlRequest, reply: (message: ControlReply) => void, takeOver?: () => Socket) => void;

export class ControlServer {
  private readonly server: Server;
  private readonly clients = new Set<Socket>();
  private listening = false;

  private constructor(
    readonly socketPath: string,
    handler: RequestHandler,
  ) {
    this.server = createServer((socket) => this.serve(socket, handler));
    this.server.maxConnections = MAX_CLIENTS;
  }

  static async listen(socketPath: string, handler: RequestHandler): Promise<ControlServer> {
    const control = new ControlServer(socketPath, handler);
    // The directory is 0700 already; the umask keeps the socket from ever
    // being reachable by others even for the instant before chmod.
    const oldUmask = process.umask(0o077);
    try {
      await new Promise<void>((resolve, reject) => {
        control.server.once('error', reject);
        control.server.listen(socketPath, () => {
          control.server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      throw new StateDirError(`cannot create control socket ${socketPath}: ${describeErrno(errnoCode(error), error)}`);
    } finally {
      process.umask(oldUmask);
    }
    chmodSync(socketPath, 0o600);
    control.listening = true;
    // The server must not keep the host alive on its own: the PTY does.
    control.server.unref();
    return control;
  }

  private serve(socket: Socket, handler: RequestHandler): void {
    this.clients.add(socket);
    socket.on('close', () => this.clients.delete(socket));
    socket.on('error', () => {
      // A client that vanished mid-reply is its own problem, never the session's.
    });
    socket.setTimeout(CLIENT_IDLE_MS, () => socket.destroy());
    socket.unref();
    const lines = new LineSplitter();
    const reply = (message: ControlReply) => {
      // A client that sends faster than it reads its replies is not read
      // from until it catches up (and is dropped once idle): without this,
      // the replies it never read piled up in the host's memory, 400 MiB for
      // a 40 MB flood of pings.
      if (!send(socket, message) && !socket.isPaused()) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    };
    let takenOver = false;
    const takeOver = () => {
      takenOver = true;
      socket.off('data', onData);
      socket.setTimeout(0);
      return socket;
    };
    const onData = (chunk: Buffer) => {
      if (takenOver) return;
      const complete = lines.push(chunk);
      if (complete === undefined) {
        send(socket, { ok: false, error: `request longer than ${MAX_LINE_BYTES} bytes` });
        socket.end();
        socket.destroy();
        return;
      }
      for (const line of complete) {
        // Whatever followed the request that took the connection over is not ours to parse.
        if (takenOver) return;
        const request = parseRequest(line);
        if (typeof request === 'string') {
          reply({ ok: false, error: request });
          continue;
        }
        // A stop can take seconds; the client waits for it, so it is not idle.
        if (request.op === 'stop') socket.setTimeout(0);
        handler(request, reply, takeOver);
      }
    };
    socket.on('data', onData);
  }

  /** Stops accepting, ends every client, and removes the socket file if it is still ours. */
  close(): void {
    if (!this.listening) return;
    this.listening = false;
    this.server.close();
    for (const client of this.clients) client.end();
    try {
      if (lstatSync(this.socketPath).isSocket()) unlinkQuietly(this.socketPath);
    } catch {
      // Already removed: nothing to clean.
    }
  }
}

/** False when the reply had to be buffered: the client is not reading fast enough. */
function send(socket: Socket, message: ControlReply): boolean {
  if (socket.destroyed || !socket.writable) return true;
  return socket.write(encode(message));
}
