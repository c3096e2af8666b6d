// The host's side of one attach connection: turns the framed stream
// (attach-protocol.ts) into a client of the session (session-clients.ts).
// Whatever the remote end does (vanishes, sends garbage, stops reading), the
// session goes on; only that connection ends.
import type { Socket } from 'node:net';
import { encodeFrame, encodeJsonFrame, FrameDecoder, FrameType, frameHeader, parseJsonPayload, validSize } from './attach-protocol.js';
import type { Client, ClientSink, SessionClients, TerminalSize } from './session-clients.js';

export async function serveAttach(socket: Socket, clients: SessionClients, size: TerminalSize): Promise<void> {
  let open = true;
  let corked = false;
  const drainWaiters: (() => void)[] = [];
  const drained = () => {
    for (const waiter of drainWaiters.splice(0)) waiter();
  };
  socket.on('drain', drained);
  // A connection that dies while behind never drains.
  socket.on('close', drained);
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
    pendingBytes: () => socket.writableLength,
    write: (chunk) => {
      if (!open) return true;
      // The PTY delivers output in many small reads within one turn of the
      // event loop; they leave in one system call at the end of the turn.
      if (!corked) {
        corked = true;
        socket.cork();
        setImmediate(() => {
          corked = false;
          socket.uncork();
        });
      }
      socket.write(frameHeader(FrameType.data, chunk.length));
      return socket.write(chunk);
    },
    onceDrained: (listener) => {
      drainWaiters.push(listener);
    },
    wantsReset: true,
    ended: (exit, reset) => {
      if (!open) return;
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
