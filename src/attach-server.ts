// The host's side of one attach connection: turns the framed stream
// (attach-protocol.ts) into a client of the session (session-clients.ts).
// Whatever the remote end does (vanishes, sends garbage, stops reading), the
// session goes on; only that connection ends.
import type { Socket } from 'node:net';
import { encodeFrame, encodeJsonFrame, FrameDecoder, FrameType, frameHeader, parseJsonPayload, validSize } from './attach-protocol.js';
import type { Client, ClientSink, SessionClients, TerminalSize } from './session-clients.js';

/**
 * Output held for one connection is sent at once when it reaches this much,
 * far below the frame limit, instead of waiting for the end of the turn.
 */
const FLUSH_BYTES = 1024 * 1024;
/** Output streams when a window of this many ms carried at least STREAM_BYTES; it is then sent once per window. */
const STREAM_WINDOW_MS = 2;
const STREAM_BYTES = 16 * 1024;

export async function serveAttach(socket: Socket, clients: SessionClients, size: TerminalSize): Promise<void> {
  let open = true;
  const drainWaiters: (() => void)[] = [];
  const drained = () => {
    for (const waiter of drainWaiters.splice(0)) waiter();
  };
  socket.on('drain', drained);
  // A connection that dies while behind never drains.
  socket.on('close', drained);

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
  const flush = () => {
    if (held.length === 0) return;
    const chunks = held;
    const bytes = heldBytes;
    held = [];
    heldBytes = 0;
    if (!open) return;
    socket.cork();
    socket.write(frameHeader(FrameType.data, bytes));
    let below = true;
    for (const chunk of chunks) below = socket.write(chunk);
    socket.uncork();
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
    socket.destroy();
  };
  const sink: ClientSink = {
    isTerminal: true,
    catchUp: true,
    pendingBytes: () => socket.writableLength + heldBytes,
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
      return socket.writableLength + heldBytes <= socket.writableHighWaterMark;
    },
    onceDrained: (listener) => {
      drainWaiters.push(listener);
    },
    wantsReset: true,
    ended: (exit, reset) => {
      if (!open) return;
      flush();
      socket.write(encodeJsonFrame(FrameType.exit, { exit, reset }));
      finish();
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
    } else if (type === FrameType.detach) {
      // Output the client was sent before it asked to leave still reaches it, ahead of the reset.
      flush();
      open = false;
      void c.leave().then((reset) => {
        socket.write(encodeJsonFrame(FrameType.detach, { reset }));
        socket.end();
      });
    }
    // Unknown frame types are skipped: a newer client may send more.
  };
  socket.on('data', onData);
  socket.on('close', () => {
    // Closing the terminal, killing the client, a dropped link: only this client leaves.
    open = false;
    void client?.leave();
  });

  try {
    client = await clients.attach(sink, size);
  } catch (error) {
    socket.end(encodeFrame(FrameType.exit, JSON.stringify({ error: error instanceof Error ? error.message : String(error) })));
    return;
  }
  if (!open) {
    void client.leave();
    return;
  }
  for (const chunk of early.splice(0)) onData(chunk);
}
