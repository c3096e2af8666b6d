// The client side of the control socket, used by `list` and `stop` from any
// terminal. Every call is bounded in time: a hung host (SIGSTOP, deadlock)
// must never hang the caller.
import { type ControlReply, type ControlRequest, encode, LineSplitter } from './control-protocol.js';

export type ControlOutcome =
  | { readonly kind: 'replies'; readonly replies: ControlReply[] }
  /** Nobody listens: the host is gone (ENOENT, ECONNREFUSED). */
  | { readonly kind: 'unreachable'; readonly code: string }
  /** Connected (or not) but no final answer in time: the host is hung or busy. */
  | { readonly kind: 'timeout'; readonly replies: ControlReply[] };

export interface RequestTimeouts {
  /** A live host answers at once; silence this long means it is hung. */
  readonly firstReplyMs: number;
  /** The whole exchange (a stop waits for the escalation to finish). */
  readonly totalMs: number;
}

/**
 * Sends one request (or several in one write, answered in order) and
 * collects replies until `isFinal` says so, the host closes the connection,
 * or a timeout passes.
 */
export async function request(
  socketPath: string,
  message: ControlRequest | readonly ControlRequest[],
  timeouts: RequestTimeouts,
  isFinal: (reply: ControlReply) => boolean,
): Promise<ControlOutcome> {
  // Loaded only when a host is asked: `list` mostly reads status files (host-probe.ts).
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const replies: ControlReply[] = [];
    const lines = new LineSplitter();
    let settled = false;
    const socket = connect(socketPath);
    const finish = (outcome: ControlOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(firstReplyTimer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout', replies }), timeouts.totalMs);
    const firstReplyTimer = setTimeout(() => finish({ kind: 'timeout', replies }), timeouts.firstReplyMs);
    const text = 'op' in message ? encode(message) : message.map(encode).join('');
    socket.on('connect', () => socket.write(text));
    socket.on('data', (chunk) => {
      for (const line of lines.push(chunk) ?? []) {
        let reply: ControlReply;
        try {
          reply = JSON.parse(line) as ControlReply;
        } catch {
          continue; // a garbled line from a broken host: wait for the next or the timeout
        }
        replies.push(reply);
        clearTimeout(firstReplyTimer);
        if (isFinal(reply)) finish({ kind: 'replies', replies });
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (replies.length > 0) finish({ kind: 'replies', replies });
      else finish({ kind: 'unreachable', code: error.code ?? 'EIO' });
    });
    socket.on('close', () => finish({ kind: 'replies', replies }));
  });
}
