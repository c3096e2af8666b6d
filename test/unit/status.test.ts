import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActivityTracker, isTerminalReply } from '../../src/activity.js';
import { ACTIVE_WINDOW_MS, endedStatus, formatStatus, liveStatus } from '../../src/status.js';

/** A tracker on a hand-driven clock. */
function tracked() {
  let now = Date.parse('2025-01-01T00:00:00.000Z');
  const tracker = new ActivityTracker(() => now, { cols: 80, rows: 24 });
  return {
    tracker,
    advance: (ms: number) => {
      now += ms;
    },
    status: () => formatStatus(liveStatus(tracker.snapshot(), now)),
  };
}

test('a session is active right after output and idle once it has been quiet for the active window', () => {
  const { tracker, advance, status } = tracked();
  tracker.output(Buffer.from('hello\r\n'));
  assert.equal(status(), 'active');
  advance(ACTIVE_WINDOW_MS - 1);
  assert.equal(status(), 'active');
  advance(1);
  assert.equal(status(), 'idle 2s');
  advance(4 * 60_000);
  assert.equal(status(), 'idle 4m');
});

test('a bell makes a session need input, whatever output follows, until the next input', () => {
  const { tracker, advance, status } = tracked();
  tracker.output(Buffer.from('Allow this?\x07'));
  assert.equal(status(), 'needs input');
  tracker.output(Buffer.from('\x1b[2K spinner'));
  advance(10 * 60_000);
  assert.equal(status(), 'needs input');
  tracker.input('y');
  assert.equal(status(), 'active');
  advance(ACTIVE_WINDOW_MS);
  assert.equal(status(), 'idle 2s');
});

test('each notification kind makes a session need input and is reported with its text', () => {
  for (const [sequence, kind, text] of [
    ['\x07', 'bell', ''],
    ['\x1b]9;Claude is waiting\x07', 'osc9', 'Claude is waiting'],
    ['\x1b]99;;Done\x1b\\', 'osc99', 'Done'],
    ['\x1b]777;notify;Claude;Waiting\x07', 'osc777', 'Claude: Waiting'],
  ] as const) {
    const { tracker, status } = tracked();
    tracker.output(Buffer.from(sequence));
    assert.equal(status(), 'needs input', kind);
    assert.equal(tracker.snapshot().attention?.kind, kind);
    assert.equal(tracker.snapshot().attention?.text, text);
  }
});

test('a terminal answering a query is not a person answering: needs input stays', () => {
  const { tracker, status } = tracked();
  tracker.output(Buffer.from('\x07'));
  for (const reply of [
    '\x1b[?62;22c',
    '\x1b[>1;10;0c',
    '\x1b[12;40R',
    '\x1b[I',
    '\x1b[O',
    '\x1b]11;rgb:0000/0000/0000\x07',
    '\x1bP>|xterm(390)\x1b\\',
  ]) {
    assert.equal(isTerminalReply(reply), true, JSON.stringify(reply));
    tracker.input(Buffer.from(reply, 'latin1'));
    assert.equal(status(), 'needs input', JSON.stringify(reply));
  }
  for (const key of ['\x1b[A', '\x1bOA', '\x1b', '\r', 'x', '\x1b[<0;10;5M'])
    assert.equal(isTerminalReply(key), false, JSON.stringify(key));
});

test('the tracker follows the title and the input modes, and a reset clears the modes', () => {
  const { tracker } = tracked();
  tracker.output(Buffer.from('\x1b]0;✳ Claude Code\x07\x1b[?2004h\x1b[?1h'));
  let snap = tracker.snapshot();
  assert.equal(snap.title, '✳ Claude Code');
  assert.equal(snap.bracketedPaste, true);
  assert.equal(snap.applicationCursor, true);
  tracker.output(Buffer.from('\x1bc'));
  snap = tracker.snapshot();
  assert.equal(snap.bracketedPaste, false);
  assert.equal(snap.applicationCursor, false);
  tracker.resize(120, 40);
  assert.equal(tracker.snapshot().cols, 120);
});

test('a session with no output yet counts from its start', () => {
  const { advance, status } = tracked();
  assert.equal(status(), 'active');
  advance(3 * 60 * 60_000);
  assert.equal(status(), 'idle 3h');
});

test('ended sessions show their exit code, a signal as killed, and an unknown end as unknown', () => {
  assert.equal(formatStatus(endedStatus({ exitCode: 0, signal: undefined })), 'exited 0');
  assert.equal(formatStatus(endedStatus({ exitCode: 3, signal: undefined })), 'exited 3');
  assert.equal(formatStatus(endedStatus({ exitCode: undefined, signal: 9 })), 'killed');
  assert.equal(formatStatus(endedStatus(null)), 'unknown');
});
