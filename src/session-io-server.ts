// The host's answers to the I/O ops (session-io-protocol.ts), and the same
// operations for a program hosting sessions itself (the library API).
import type { ControlReply } from './control-protocol.js';
import type { SessionProcess } from './pty.js';
import { type InputClock, type InputTarget, type SendInput, sendInput } from './session-input.js';
import type { SessionIoRequest } from './session-io-protocol.js';
import type { SessionObserver } from './session-observer.js';

export const NOT_OBSERVED = 'this session does not track activity (it was started with CSM_RECORD=0)';

export async function serveSessionIo(
  request: SessionIoRequest,
  child: SessionProcess,
  observer: SessionObserver | undefined,
  clock: InputClock,
): Promise<ControlReply> {
  switch (request.op) {
    case 'status':
      if (observer === undefined) return { ok: false, error: NOT_OBSERVED };
      return { ok: true, event: 'status', activity: observer.snapshot(), recording: observer.recording };
    case 'send':
      return { ok: true, event: 'sent', bytes: await sendToChild(child, observer, request, clock) };
    case 'write': {
      const data = Buffer.from(request.data, 'base64');
      child.write(data);
      return { ok: true, event: 'sent', bytes: data.length };
    }
  }
}

export function sendToChild(
  child: SessionProcess,
  observer: SessionObserver | undefined,
  input: SendInput,
  clock: InputClock,
): Promise<number> {
  return sendInput(inputTarget(child, observer), input, clock);
}

function inputTarget(child: SessionProcess, observer: SessionObserver | undefined): InputTarget {
  return {
    write: (data) => child.write(data),
    modes: () => {
      const snapshot = observer?.snapshot();
      return { applicationCursor: snapshot?.applicationCursor ?? false, bracketedPaste: snapshot?.bracketedPaste ?? false };
    },
    lastOutputAt: () => observer?.activity.lastOutputTime(),
  };
}
