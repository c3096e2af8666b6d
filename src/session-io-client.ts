// The client side of the I/O ops: what `csm list`, `send`, `wait` and the
// library use to reach a session hosted by another process.
import type { ActivitySnapshot } from './activity.js';
import { request } from './control-client.js';
import { type ControlReply, PROTOCOL_VERSION } from './control-protocol.js';
import { SendError, SessionNotFoundError } from './errors.js';
import { type SessionRecord, shortId } from './session.js';
import type { SendInput } from './session-input.js';
import type { SessionIoRequest } from './session-io-protocol.js';

/** A live host answers a status at once; `csm list` must not hang on one that does not. */
export const STATUS_ANSWER_MS = 1000;
/** A send may wait for the program to take the text before Enter (session-input.ts). */
const SEND_ANSWER_MS = 10_000;

export interface RemoteActivity {
  readonly activity: ActivitySnapshot;
  readonly recording: boolean;
}

type Answer = { readonly reply: ControlReply } | { readonly problem: string; readonly gone: boolean };

/** The session's activity, or the reason there is none (gone, no answer, not tracked). */
export async function askActivity(record: SessionRecord, timeoutMs = STATUS_ANSWER_MS): Promise<RemoteActivity | string> {
  const answer = await ask(record, { v: PROTOCOL_VERSION, op: 'status' }, timeoutMs);
  if ('problem' in answer) return answer.problem;
  const { reply } = answer;
  if (reply.ok && reply.event === 'status') return { activity: reply.activity, recording: reply.recording };
  return reply.ok ? 'unexpected reply' : reply.error;
}

export async function sendRemote(record: SessionRecord, input: SendInput): Promise<number> {
  const message: SessionIoRequest = { v: PROTOCOL_VERSION, op: 'send', text: input.text, keys: input.keys, enter: input.enter };
  return sent(record, await ask(record, message, SEND_ANSWER_MS));
}

export async function writeRemote(record: SessionRecord, data: Buffer): Promise<number> {
  return sent(record, await ask(record, { v: PROTOCOL_VERSION, op: 'write', data: data.toString('base64') }, SEND_ANSWER_MS));
}

function sent(record: SessionRecord, answer: Answer): number {
  if ('problem' in answer) {
    if (answer.gone) throw new SessionNotFoundError(`session ${shortId(record.id)} has ended; nothing was sent`);
    throw new SendError(`cannot write to session ${shortId(record.id)}: ${answer.problem}`);
  }
  const { reply } = answer;
  if (reply.ok && reply.event === 'sent') return reply.bytes;
  throw new SendError(`cannot write to session ${shortId(record.id)}: ${reply.ok ? 'unexpected reply' : reply.error}`);
}

async function ask(record: SessionRecord, message: SessionIoRequest, timeoutMs: number): Promise<Answer> {
  const outcome = await request(record.socketPath, message, { firstReplyMs: timeoutMs, totalMs: timeoutMs }, () => true);
  if (outcome.kind === 'unreachable') {
    const gone = outcome.code === 'ENOENT' || outcome.code === 'ECONNREFUSED';
    return { problem: gone ? 'the session has ended' : `its host cannot be reached (${outcome.code})`, gone };
  }
  const [reply] = outcome.replies;
  if (reply !== undefined) return { reply };
  return {
    problem: outcome.kind === 'timeout' ? `its host did not answer within ${timeoutMs} ms` : 'its host closed the connection',
    gone: false,
  };
}
