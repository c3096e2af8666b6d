import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type NotificationKind, type ScanSink, TerminalScanner } from '../../src/terminal-scanner.js';

type Event = ['notification', NotificationKind, string] | ['title', string] | ['mode', number, boolean] | ['reset'] | ['query'];

function recorder(): { sink: ScanSink; events: Event[] } {
  const events: Event[] = [];
  return {
    events,
    sink: {
      notification: (kind, text) => events.push(['notification', kind, text]),
      title: (text) => events.push(['title', text]),
      mode: (mode, on) => events.push(['mode', mode, on]),
      reset: () => events.push(['reset']),
      query: () => events.push(['query']),
    },
  };
}

/** Feeds `text` whole, then again split at every possible point, and byte by byte: all must agree. */
function scanAllWays(text: string): Event[] {
  const bytes = Buffer.from(text, 'utf8');
  const whole = recorder();
  new TerminalScanner(whole.sink).scan(bytes);
  for (let cut = 1; cut < bytes.length; cut++) {
    const split = recorder();
    const scanner = new TerminalScanner(split.sink);
    scanner.scan(bytes.subarray(0, cut));
    scanner.scan(bytes.subarray(cut));
    assert.deepEqual(split.events, whole.events, `split at byte ${cut} of ${JSON.stringify(text)}`);
  }
  const single = recorder();
  const scanner = new TerminalScanner(single.sink);
  for (const byte of bytes) scanner.scan(Buffer.from([byte]));
  assert.deepEqual(single.events, whole.events, `byte by byte: ${JSON.stringify(text)}`);
  return whole.events;
}

test('a BEL in plain output is a bell', () => {
  assert.deepEqual(scanAllWays('working...\x07done\x07'), [
    ['notification', 'bell', ''],
    ['notification', 'bell', ''],
  ]);
});

test('the BEL that ends an OSC is not a bell, even when split from it', () => {
  assert.deepEqual(scanAllWays('\x1b]2;my title\x07after'), [['title', 'my title']]);
  assert.deepEqual(scanAllWays('\x1b]0;other\x1b\\'), [['title', 'other']]);
});

test('OSC 0 and OSC 2 set the title; the title may be UTF-8 split across reads', () => {
  assert.deepEqual(scanAllWays('\x1b]0;✳ Claude Code\x07\x1b]2;· Thinking\x1b\\'), [
    ['title', '✳ Claude Code'],
    ['title', '· Thinking'],
  ]);
});

test('OSC 9 is a notification, but OSC 9;4 (a progress report) is not', () => {
  assert.deepEqual(scanAllWays('\x1b]9;Claude needs your permission\x07'), [['notification', 'osc9', 'Claude needs your permission']]);
  assert.deepEqual(scanAllWays('\x1b]9;4;1;50\x07\x1b]9;4;0\x1b\\'), []);
});

test('OSC 99 (kitty) is a notification with its payload', () => {
  assert.deepEqual(scanAllWays('\x1b]99;i=1:d=1;Task done\x1b\\'), [['notification', 'osc99', 'Task done']]);
});

test('OSC 777 notify is a notification; other OSC 777 commands are not', () => {
  assert.deepEqual(scanAllWays('\x1b]777;notify;Claude Code;Waiting for input\x07'), [
    ['notification', 'osc777', 'Claude Code: Waiting for input'],
  ]);
  assert.deepEqual(scanAllWays('\x1b]777;preexec\x07'), []);
});

test('other OSCs (colours set, hyperlinks, cwd) are ignored', () => {
  assert.deepEqual(scanAllWays('\x1b]8;;https://example.com\x07link\x1b]8;;\x07\x1b]7;file:///tmp\x07\x1b]10;#ffffff\x07'), []);
});

test('DEC private modes are reported, several in one sequence too', () => {
  assert.deepEqual(scanAllWays('\x1b[?2004h\x1b[?1h\x1b[?1;2004l\x1b[?25l'), [
    ['mode', 2004, true],
    ['mode', 1, true],
    ['mode', 1, false],
    ['mode', 2004, false],
    ['mode', 25, false],
  ]);
});

test('non-private CSI sequences are not modes (SGR, ANSI mode 4, cursor moves)', () => {
  assert.deepEqual(scanAllWays('\x1b[1;31mred\x1b[0m\x1b[4h\x1b[2004h\x1b[10;20H\x1b[>1h'), []);
});

test('RIS (ESC c) is a reset', () => {
  assert.deepEqual(scanAllWays('\x1bc'), [['reset']]);
});

test('a BEL inside DCS, APC and PM strings is not a bell', () => {
  // The DCS counts as a possible question (see the questions test), never as a bell.
  assert.deepEqual(scanAllWays('\x1bPq#0;2;0;0;0\x07#1\x1b\\\x1b_Gf=100;\x07AAAA\x1b\\\x1b^pm\x07\x1b\\'), [['query']]);
});

test('an ESC inside an OSC ends it and starts a new escape', () => {
  assert.deepEqual(scanAllWays('\x1b]2;cut\x1b[?2004h'), [
    ['title', 'cut'],
    ['mode', 2004, true],
  ]);
});

test('CAN aborts an OSC without dispatching it', () => {
  assert.deepEqual(scanAllWays('\x1b]9;never\x18\x07'), [['notification', 'bell', '']]);
});

test('charset designations (ESC ( B) do not swallow the text after them', () => {
  assert.deepEqual(scanAllWays('\x1b(B\x07'), [['notification', 'bell', '']]);
});

test('an OSC longer than the limit is cut, not buffered without bound', () => {
  const long = 'x'.repeat(100_000);
  const { sink, events } = recorder();
  new TerminalScanner(sink).scan(Buffer.from(`\x1b]2;${long}\x07`));
  assert.equal(events.length, 1);
  const [event] = events;
  assert.ok(event !== undefined && event[0] === 'title' && event[1].length < 5000);
});

test('questions to the terminal are seen, whole or split, and look-alikes that ask nothing are not', () => {
  const questions = [
    '\x1b[c',
    '\x1b[0c',
    '\x1b[>c',
    '\x1b[>0c',
    '\x1b[=c',
    '\x1b[5n',
    '\x1b[6n',
    '\x1b[?6n',
    '\x1b[?2004$p',
    '\x1b[4$p',
    '\x1b[>q',
    '\x1b[>0q',
    '\x1b[?u',
    '\x1b[18t',
    '\x1b[14t',
    '\x1b]11;?\x07',
    '\x1b]10;?\x1b\\',
    '\x1b]4;1;?\x07',
    '\x1bP$qm\x1b\\',
    '\x1bP+q544e\x1b\\',
  ];
  for (const question of questions) assert.deepEqual(scanAllWays(`before${question}after`), [['query']], JSON.stringify(question));
  const statements = [
    '\x1b[2 q',
    '\x1b[22;0t',
    '\x1b[23;0t',
    '\x1b[8;24;80t',
    '\x1b[>1u',
    '\x1b[<u',
    '\x1b[=1;1u',
    '\x1b[1m',
    '\x1b]11;rgb:0/0/0\x07',
    '\x1b[!p',
  ];
  for (const statement of statements) {
    const events = scanAllWays(`before${statement}after`).filter(([kind]) => kind === 'query');
    assert.deepEqual(events, [], JSON.stringify(statement));
  }
});
