// The host's side of one attach connection: turns the framed stream
// (attach-protocol.ts) into a client of the session (session-clients.ts).
// Whatever the remote end does (vanishes, sends garbage, stops reading), the
// session goes on; only that connection ends.
import type { Socket } from 'node:net';
import type { WriteStream } from 'node:tty';
import { encodeFrame, encodeJsonFrame, FrameDecoder, FrameType, frameHeader, parseJsonPayload, validSize } from './attach-protocol.js';
import { within } from './bounded-wait.js';
import type { Client, ClientSink, SessionClients, TerminalSize } from './session-clients.js';

/**
 * Output held for one connection is sent at once when it reaches this much,
 * far below the frame limit, instead of waiting for the end of the turn.
 */
const FLUSH_BYTES = 1024 * 1024;
/** Output streams when a window of this many ms carried at least STREAM_BYTES; it is then sent once per window. */
const STREAM_WINDOW_MS = 2;
const STREAM_BYTES = 16 * 1024;
/**
 * How long the end of a direct client waits for its terminal to take what
 * was written to it, before the client is told to reset it: well within the
 * client's own wait for that answer (DETACH_ANSWER_MS), so the reset comes
 * after the output.
 */
const DIRECT_FINISH_MS = 500;

/**
 * Serves one attach connection. With `direct` (the client's own terminal,
 * opened by the host: terminal-device.ts), output is written there instead
 * of sent over the connection, from the client's `ready` frame on; the
 * connection still carries input, sizes, and the detach and exit messages,
 * each sent only once what was written to the terminal before it is written.
 */
export async function serveAttach(socket: Socket, clients: SessionClients, size: TerminalSize, direct?: WriteStream): Promise<void> {
  let open = true;
  // Output goes to the client's terminal (once it is ready), or over the connection.
  let ready = direct === undefined;
  // The PTY delivers output in many small reads (2 KiB on average under a
  // flood). Those of one turn of the event loop leave at its end as one data
  // frame, header and reads in one writev, nothing copied. While output
  // streams (a window of STREAM_WINDOW_MS carried STREAM_BYTES or more), it
  // leaves once per window instead: a tenth of the writes for the host and
  // of the wake-ups for the client, at most 2 ms later, while a keystroke's
  // echo after a quiet moment still leaves at the end of its turn.
  let held: Buffer[] = [];
  let heldBytes = 0;
  let flushQueued = false;
  let windowStart = 0;
  let windowBytes = 0;
  let streaming = false;
  const drainWaiters: (() => void)[] = [];
  const drained = () => {
    for (const waiter of drainWaiters.splice(0)) waiter();
  };
  socket.on('drain', drained);
  // A connection that dies while behind never drains.
  socket.on('close', drained);
  if (direct !== undefined) {
    direct.on('drain', drained);
    // The terminal went away (EIO): the client hangs up and leaves too; until then its output goes nowhere.
    direct.on('error', () => {
      direct.destroy();
      held = [];
      heldBytes = 0;
      drained();
    });
  }
  const closeTerminal = () => {
    // Also discards what the terminal has not taken: nothing is written to it once its client is gone.
    direct?.destroy();
  };
  /** Resolves once the terminal took what was written to it (or could not within DIRECT_FINISH_MS), then closes it. */
  const finishTerminal = async () => {
    const stream = direct;
    if (stream !== undefined && !stream.destroyed && stream.writableLength > 0) {
      await within(new Promise<void>((resolve) => stream.write(Buffer.alloc(0), () => resolve())), DIRECT_FINISH_MS, undefined);
    }
    closeTerminal();
  };
  const pending = () => heldBytes + (direct === undefined ? socket.writableLength : direct.destroyed ? 0 : direct.writableLength);
  const flush = () => {
    // Output for a direct client waits for its ready: what the client writes to its terminal first comes first.
    if (held.length === 0 || !ready) return;
    const chunks = held;
    const bytes = heldBytes;
    held = [];
    heldBytes = 0;
    if (!open) return;
    let below = true;
    if (direct !== undefined) {
      if (direct.destroyed) return;
      direct.cork();
      for (const chunk of chunks) below = direct.write(chunk);
      direct.uncork();
    } else {
      socket.cork();
      socket.write(frameHeader(FrameType.data, bytes));
      for (const chunk of chunks) below = socket.write(chunk);
      socket.uncork();
    }
    windowBytes += bytes;
    // A client that looked behind only because of what was held here has caught up.
    if (below) drained();
  };
  const endOfTurn = () => {
    const now = performance.now();
    if (now - windowStart >= STREAM_WINDOW_MS) {
      // The window that just ended decides; after a quiet gap, output starts afresh.
      streaming = windowBytes >= STREAM_BYTES && now - windowStart < 2 * STREAM_WINDOW_MS;
      windowStart = now;
      windowBytes = 0;
    }
    if (streaming) setTimeout(flushQueuedOutput, Math.max(1, Math.ceil(windowStart + STREAM_WINDOW_MS - now)));
    else flushQueuedOutput();
  };
  const flushQueuedOutput = () => {
    flushQueued = false;
    flush();
  };
  const finish = () => {
    open = false;
    socket.end();
  };
  const dropConnection = () => {
    open = false;
    closeTerminal();
    socket.destroy();
  };
  const sink: ClientSink = {
    isTerminal: true,
    catchUp: true,
    pendingBytes: pending,
    write: (chunk) => {
      if (!open) return true;
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes >= FLUSH_BYTES) {
        flush();
      } else if (!flushQueued) {
        flushQueued = true;
        setImmediate(endOfTurn);
      }
      return pending() <= socket.writableHighWaterMark;
    },
    onceDrained: (listener) => {
      drainWaiters.push(listener);
    },
    wantsReset: true,
    ended: (exit, reset) => {
      if (!open) return;
      flush();
      open = false;
      void finishTerminal().then(() => {
        socket.write(encodeJsonFrame(FrameType.exit, { exit, reset }));
        finish();
      });
    },
  };

  // Input that arrives while the screen is being sent is held until the client exists.
  const early: Buffer[] = [];
  let client: Client | undefined;
  const decoder = new FrameDecoder();
  const onData = (chunk: Buffer) => {
    if (client === undefined) {
      early.push(chunk);
      return;
    }
    const frames = decoder.push(chunk);
    if (typeof frames === 'string') {
      // A broken stream cannot be resynchronised: this connection ends, the session goes on.
      void client.leave();
      dropConnection();
      return;
    }
    for (const frame of frames) {
      if (!open) return;
      handleFrame(client, frame.type, frame.payload);
    }
  };
  const handleFrame = (c: Client, type: number, payload: Buffer) => {
    if (type === FrameType.data) {
      c.input(payload);
    } else if (type === FrameType.resize) {
      const body = parseJsonPayload(payload);
      const next = validSize(body?.cols, body?.rows);
      if (next !== undefined) c.resize(next);
    } else if (type === FrameType.ready) {
      if (ready || direct === undefined) return;
      ready = true;
      flush();
    } else if (type === FrameType.detach) {
      // Output the client was sent before it asked to leave still reaches it, ahead of the reset.
      flush();
      open = false;
      const reset = c.leave();
      void finishTerminal()
        .then(() => reset)
        .then((sequence) => {
          socket.write(encodeJsonFrame(FrameType.detach, { reset: sequence }));
          socket.end();
        });
    }
    // Unknown frame types are skipped: a newer client may send more.
  };
  socket.on('data', onData);
  socket.on('close', () => {
    // Closing the terminal, killing the client, a dropped link: only this client leaves.
    open = false;
    closeTerminal();
    void client?.leave();
  });

  try {
    client = await clients.attach(sink, size);
  } catch (error) {
    closeTerminal();
    socket.end(encodeFrame(FrameType.exit, JSON.stringify({ error: error instanceof Error ? error.message : String(error) })));
    return;
  }
  if (!open) {
    void client.leave();
    return;
  }
  for (const chunk of early.splice(0)) onData(chunk);
}
