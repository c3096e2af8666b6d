// The attaching side: joins this terminal to a session hosted elsewhere over
// its control socket (attach-protocol.ts). Raw mode, output as it comes,
// keystrokes to the host, the detach key watched for in every read, and on
// every way out the terminal put back: its mode, and the modes the child had
// turned on in it (the host says which).
import { connect, type Socket } from 'node:net';
import {
  encodeFrame,
  encodeJsonFrame,
  type Frame,
  FrameDecoder,
  FrameType,
  parseJsonPayload,
  type TerminalDevice,
} from './attach-protocol.js';
import type { SessionExit } from './control-protocol.js';
import { type ControlReply, encode, PROTOCOL_VERSION } from './control-protocol.js';
import { type DetachKey, findDetachKey } from './detach-key.js';
import { SessionNotFoundError } from './errors.js';
import { holdRaw } from './raw-terminal.js';
import { GENERIC_RESET, type TerminalSize } from './session-clients.js';
import { describeTerminal } from './terminal-device.js';

export interface AttachIo {
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
}

export interface AttachOptions {
  readonly detachKey: DetachKey | undefined;
  /** Called once the host accepted and the terminal is in raw mode, before the screen is drawn. */
  readonly onAttached?: (info: { clients: number }) => void;
}

export type AttachOutcome =
  | { readonly kind: 'detached' }
  | { readonly kind: 'ended'; readonly exit: SessionExit }
  /** The terminal went away (hang-up); nothing more can be shown. */
  | { readonly kind: 'hangup' }
  /** The host closed the connection without saying why (it died, or the stream broke). */
  | { readonly kind: 'lost'; readonly reason: string };

/** A healthy host answers at once; the same bound as every other control request. */
export const ATTACH_ANSWER_MS = 2000;
/** How long a detaching client waits for the host to say which modes to reset. */
export const DETACH_ANSWER_MS = 1000;
const DEFAULT_SIZE: TerminalSize = { cols: 80, rows: 24 };

export async function attachTerminal(socketPath: string, io: AttachIo, options: AttachOptions): Promise<AttachOutcome> {
  const size = io.stdout.isTTY ? { cols: io.stdout.columns, rows: io.stdout.rows } : DEFAULT_SIZE;
  // Named so that the host can write the output to it itself (terminal-device.ts).
  const fd = (io.stdout as { fd?: unknown }).fd;
  const terminal = io.stdout.isTTY && typeof fd === 'number' ? describeTerminal(fd) : undefined;
  const { socket, rest, clients, direct } = await handshake(socketPath, size, terminal);
  return new AttachedTerminal(socket, io, options.detachKey, size, direct).run(rest, () => options.onAttached?.({ clients }));
}

interface Handshake {
  readonly socket: Socket;
  /** What arrived after the answer: already the framed stream. */
  readonly rest: Buffer;
  readonly clients: number;
  /** The host writes the output to this terminal itself, once told it is ready. */
  readonly direct: boolean;
}

/** Sends the attach request and waits for the one-line answer; what follows it is already the framed stream. */
function handshake(socketPath: string, size: TerminalSize, terminal: TerminalDevice | undefined): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let received = Buffer.alloc(0);
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new SessionNotFoundError('the session did not answer within 2 s; its host may be hung')),
      ATTACH_ANSWER_MS,
    );
    socket.on('connect', () =>
      socket.write(encode({ v: PROTOCOL_VERSION, op: 'attach', ...size, ...(terminal === undefined ? {} : { terminal }) })),
    );
    socket.on('error', (error: NodeJS.ErrnoException) =>
      fail(new SessionNotFoundError(`the session is not running (${error.code ?? error.message}); run csm list to see sessions`)),
    );
    socket.on('close', () => fail(new SessionNotFoundError('the session closed the connection; it has probably just ended')));
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const newline = received.indexOf(0x0a);
      if (newline === -1) return;
      socket.off('data', onData);
      socket.removeAllListeners('close');
      socket.removeAllListeners('error');
      clearTimeout(timer);
      let reply: ControlReply;
      try {
        reply = JSON.parse(received.subarray(0, newline).toString('utf8')) as ControlReply;
      } catch {
        fail(new SessionNotFoundError('the session answered with something that is not JSON; is it a csm of another version?'));
        return;
      }
      if (!reply.ok) {
        fail(
          new SessionNotFoundError(reply.error === 'session is ending' ? 'the session is ending' : `the session refused: ${reply.error}`),
        );
        return;
      }
      // Paused until the caller listens, so no frame is lost in between.
      socket.pause();
      const attached = reply.event === 'attached' ? reply : undefined;
      resolve({ socket, rest: received.subarray(newline + 1), clients: attached?.clients ?? 1, direct: attached?.direct === true });
    };
    socket.on('data', onData);
  });
}

class AttachedTerminal {
  // Output is written as it arrives, never held until a frame is complete.
  private readonly decoder = new FrameDecoder({ streamData: true });
  private finished: ((outcome: AttachOutcome) => void) | undefined;
  private detaching = false;
  private leaving = false;
  private readonly raw: boolean;

  constructor(
    private readonly socket: Socket,
    private readonly io: AttachIo,
    private readonly detachKey: DetachKey | undefined,
    private readonly size: TerminalSize,
    /** The host writes output to this terminal itself: the client only says when it may start. */
    private readonly direct: boolean,
  ) {
    this.raw = io.stdin.isTTY === true;
  }

  async run(rest: Buffer, onAttached: () => void): Promise<AttachOutcome> {
    const { stdin, stdout } = this.io;
    const outcome = new Promise<AttachOutcome>((resolve) => {
      this.finished = resolve;
    });
    const onInput = (data: Buffer) => this.input(data);
    const onResize = () => this.send(encodeJsonFrame(FrameType.resize, { cols: stdout.columns, rows: stdout.rows }));
    const onHangup = () => this.finish({ kind: 'hangup' });
    const onTerminate = () => this.detach();
    const onOutputError = () => this.finish({ kind: 'hangup' });

    // Raw before anything is said, so that a key typed at once (Ctrl-C, the
    // detach key) is read by csm, not turned into a signal by the terminal.
    const rawHold = holdRaw(stdin, stdout);
    onAttached();
    // The screen that follows is drawn from the top of an empty screen; the
    // lines scrolled away (the "attached" line among them) stay in the scrollback.
    if (stdout.isTTY) stdout.write(`\x1b[${this.size.rows};1H${'\n'.repeat(this.size.rows)}\x1b[H`);
    // A terminal's writes are synchronous in Node: the lines above are written, the host's may follow.
    if (this.direct) this.send(encodeFrame(FrameType.ready));
    stdin.on('data', onInput);
    // A terminal's input ends when it hangs up; a pipe's (`csm attach id </dev/null`)
    // ending leaves the client watching, as with `csm start`.
    if (this.raw) stdin.on('end', onHangup);
    stdin.on('error', onHangup);
    stdout.on('error', onOutputError);
    if (stdout.isTTY) stdout.on('resize', onResize);
    process.on('SIGHUP', onHangup);
    process.on('SIGTERM', onTerminate);
    process.on('SIGINT', onTerminate);
    stdin.resume();

    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', () => {
      // Reported as a lost connection by 'close', which always follows.
    });
    this.socket.on('close', () => this.leave(GENERIC_RESET, { kind: 'lost', reason: 'the connection to the session closed' }));
    if (rest.length > 0) this.receive(rest);
    this.socket.resume();

    try {
      return await outcome;
    } finally {
      stdin.off('data', onInput);
      stdin.off('end', onHangup);
      stdin.off('error', onHangup);
      stdout.off('resize', onResize);
      process.off('SIGHUP', onHangup);
      process.off('SIGTERM', onTerminate);
      process.off('SIGINT', onTerminate);
      await rawHold.release();
      stdin.pause();
      this.socket.destroy();
    }
  }

  private input(data: Buffer): void {
    if (this.detaching) return;
    const found = this.detachKey === undefined ? undefined : findDetachKey(this.detachKey, data);
    const before = found === undefined ? data : data.subarray(0, found.index);
    if (before.length > 0) this.send(encodeFrame(FrameType.data, before));
    if (found !== undefined) this.detach();
  }

  private detach(): void {
    if (this.detaching) return;
    this.detaching = true;
    this.send(encodeFrame(FrameType.detach));
    // The host answers with the reset; if it does not, reset what is commonly left on.
    setTimeout(() => this.leave(GENERIC_RESET, { kind: 'detached' }), DETACH_ANSWER_MS).unref();
  }

  private receive(chunk: Buffer): void {
    const frames = this.decoder.push(chunk);
    if (typeof frames === 'string') {
      this.leave(GENERIC_RESET, { kind: 'lost', reason: `the session sent a broken stream (${frames})` });
      return;
    }
    // The output of one read goes to the terminal in one system call, as views of the read.
    const output = frames.filter((frame) => frame.type === FrameType.data);
    if (output.length > 0 && !this.writeOutput(output)) {
      // Back-pressure all the way to the child: stop reading the host.
      this.socket.pause();
      this.io.stdout.once('drain', () => this.socket.resume());
    }
    for (const frame of frames) {
      if (frame.type === FrameType.detach || frame.type === FrameType.exit) {
        const body = parseJsonPayload(frame.payload) ?? {};
        const reset = typeof body.reset === 'string' ? body.reset : GENERIC_RESET;
        if (frame.type === FrameType.detach) {
          this.leave(reset, { kind: 'detached' });
        } else if (typeof body.error === 'string') {
          this.leave(reset, { kind: 'lost', reason: body.error });
        } else {
          this.leave(reset, { kind: 'ended', exit: parseExit(body.exit) });
        }
      }
    }
  }

  /** False when the terminal is behind. */
  private writeOutput(frames: readonly Frame[]): boolean {
    const { stdout } = this.io;
    if (frames.length === 1) return stdout.write(frames[0]?.payload ?? Buffer.alloc(0));
    stdout.cork();
    let below = true;
    for (const frame of frames) below = stdout.write(frame.payload);
    stdout.uncork();
    return below;
  }

  private send(frame: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(frame);
  }

  /** Resets the terminal's modes, waits until everything was written, then finishes. */
  private leave(reset: string, outcome: AttachOutcome): void {
    if (this.leaving) return;
    this.leaving = true;
    const finish = () => this.finish(outcome);
    if (this.finished === undefined || !this.io.stdout.writable) {
      finish();
      return;
    }
    this.io.stdout.write(reset, finish);
  }

  private finish(outcome: AttachOutcome): void {
    const resolve = this.finished;
    this.finished = undefined;
    resolve?.(outcome);
  }
}

function parseExit(value: unknown): SessionExit {
  if (typeof value !== 'object' || value === null) return { exitCode: undefined, signal: undefined };
  const exit = value as Record<string, unknown>;
  return {
    exitCode: typeof exit.exitCode === 'number' ? exit.exitCode : undefined,
    signal: typeof exit.signal === 'number' ? exit.signal : undefined,
  };
}
