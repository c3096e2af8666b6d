import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type InputTarget, sendInput, TAKEN_MAX_MS, TAKEN_QUIET_MS, WRITE_GAP_MS } from '../../src/session-input.js';
import { parseSessionIoRequest } from '../../src/session-io-protocol.js';
import { satisfies, waitForState } from '../../src/session-wait.js';
import type { SessionStatus } from '../../src/status.js';

/** A program on a hand-driven clock: records writes with their times, echoes after `echoMs` if set. */
function fakeProgram(options: { echoMs?: number; bracketedPaste?: boolean; applicationCursor?: boolean } = {}) {
  let now = 0;
  let lastOutput: number | undefined;
  const writes: [number, string][] = [];
  const target: InputTarget = {
    write: (data) => {
      writes.push([now, data]);
      if (options.echoMs !== undefined) lastOutput = now + options.echoMs;
    },
    modes: () => ({ bracketedPaste: options.bracketedPaste ?? false, applicationCursor: options.applicationCursor ?? false }),
    lastOutputAt: () => (lastOutput !== undefined && lastOutput <= now ? lastOutput : undefined),
  };
  const clock = {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
  return { target, clock, writes };
}

test('text, keys and Enter are separate writes in that order, a gap apart', async () => {
  const { target, clock, writes } = fakeProgram({ echoMs: 5 });
  const bytes = await sendInput(target, { text: 'hi', keys: ['Escape', 'Up'], enter: true }, clock);
  assert.deepEqual(
    writes.map(([, data]) => data),
    ['hi', '\x1b', '\x1b[A', '\r'],
  );
  assert.equal(bytes, 2 + 1 + 3 + 1);
  assert.ok((writes[1]?.[0] ?? 0) - (writes[0]?.[0] ?? 0) >= WRITE_GAP_MS);
  assert.ok((writes[2]?.[0] ?? 0) - (writes[1]?.[0] ?? 0) >= WRITE_GAP_MS);
});

test('Enter waits until the program answered the text and went quiet', async () => {
  const { target, clock, writes } = fakeProgram({ echoMs: 30 });
  await sendInput(target, { text: 'a prompt', enter: true }, clock);
  const [[textAt], [enterAt]] = writes as [[number, string], [number, string]];
  assert.ok(enterAt - textAt >= 30 + TAKEN_QUIET_MS, `${enterAt - textAt} ms`);
  assert.ok(enterAt - textAt < TAKEN_MAX_MS);
});

test('a program that never answers gets Enter after the time limit', async () => {
  const { target, clock, writes } = fakeProgram();
  await sendInput(target, { text: 'silent', enter: true }, clock);
  const [[textAt], [enterAt]] = writes as [[number, string], [number, string]];
  assert.ok(enterAt - textAt >= TAKEN_MAX_MS);
});

test('Enter alone is written at once; modes decide paste and arrow encoding', async () => {
  const alone = fakeProgram();
  await sendInput(alone.target, { enter: true }, alone.clock);
  assert.deepEqual(alone.writes, [[0, '\r']]);
  const app = fakeProgram({ bracketedPaste: true, applicationCursor: true, echoMs: 1 });
  await sendInput(app.target, { text: 'a\nb', keys: ['Up'] }, app.clock);
  assert.deepEqual(
    app.writes.map(([, data]) => data),
    ['\x1b[200~a\rb\x1b[201~', '\x1bOA'],
  );
});

test('the send op accepts known keys only and checks its fields', () => {
  assert.deepEqual(parseSessionIoRequest({ op: 'send', text: 'x', keys: ['up', 'Ctrl-C'], enter: true }, 1), {
    v: 1,
    op: 'send',
    text: 'x',
    keys: ['up', 'Ctrl-C'],
    enter: true,
  });
  assert.match(String(parseSessionIoRequest({ op: 'send', keys: ['Hyper'] }, 1)), /unknown key "Hyper"/);
  assert.match(String(parseSessionIoRequest({ op: 'send', text: 3 }, 1)), /text must be a string/);
  assert.match(String(parseSessionIoRequest({ op: 'write', data: 'not base64!' }, 1)), /base64/);
  assert.deepEqual(parseSessionIoRequest({ op: 'status' }, 1), { v: 1, op: 'status' });
  assert.equal(parseSessionIoRequest({ op: 'stop' }, 1), undefined);
});

test('idle is satisfied by a session that needs input; nothing live is satisfied once it ended', () => {
  const idle: SessionStatus = { kind: 'idle', idleMs: 5000 };
  const needs: SessionStatus = { kind: 'needs-input', reason: 'bell' };
  const active: SessionStatus = { kind: 'active' };
  const exited: SessionStatus = { kind: 'exited', exitCode: 0 };
  assert.equal(satisfies({ status: idle, ended: false }, 'idle'), true);
  assert.equal(satisfies({ status: needs, ended: false }, 'idle'), true);
  assert.equal(satisfies({ status: active, ended: false }, 'idle'), false);
  assert.equal(satisfies({ status: idle, ended: false }, 'needs-input'), false);
  assert.equal(satisfies({ status: needs, ended: false }, 'needs-input'), true);
  assert.equal(satisfies({ status: exited, ended: true }, 'idle'), false);
  assert.equal(satisfies({ status: exited, ended: true }, 'exit'), true);
  assert.equal(satisfies({ status: { kind: 'unknown' }, ended: true }, 'exit'), true);
});

test('waiting polls until the state, the end of the session, or the timeout', async () => {
  let now = 0;
  const clock = {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
  const sequence: SessionStatus[] = [{ kind: 'active' }, { kind: 'active' }, { kind: 'idle', idleMs: 2000 }];
  const reached = await waitForState(async () => ({ status: sequence.shift() ?? { kind: 'active' }, ended: false }), 'idle', clock);
  assert.deepEqual(reached, { outcome: 'reached', status: { kind: 'idle', idleMs: 2000 } });
  assert.equal(now, 200);

  const ended = await waitForState(async () => ({ status: { kind: 'exited', exitCode: 1 }, ended: true }), 'needs-input', clock);
  assert.equal(ended.outcome, 'ended');

  now = 0;
  const timedOut = await waitForState(async () => ({ status: { kind: 'active' }, ended: false }), 'idle', { ...clock, timeoutMs: 550 });
  assert.equal(timedOut.outcome, 'timeout');
  assert.equal(now, 550);
});
