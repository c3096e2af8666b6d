// The fast path must give exactly what commander gives, or nothing
// (commander's side: test/helpers/commander-stub.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StartCommandOptions } from '../../src/commands/start.js';
import { HOST_COMMAND, plainHostOptions, plainStartOptions } from '../../src/start-fast-path.js';
import { argv, commanderParse } from '../helpers/commander-stub.js';

const viaCommander = commanderParse<StartCommandOptions>({ 'csm-start.cjs': 'startCommand', 'csm-host.cjs': 'hostCommand' });

const PLAIN_START_FORMS: readonly (readonly string[])[] = [
  [],
  ['dir'],
  ['./a dir with spaces'],
  ['help'],
  ['list'],
  [''],
  ['-d'],
  ['--detach'],
  ['dir', '-d'],
  ['-d', 'dir'],
  ['--no-session-id'],
  ['-c', '/bin/echo'],
  ['--command', 'claude'],
  ['--command=claude'],
  ['--command='],
  ['--command=a=b'],
  ['-c', ''],
  ['-c', 'a', '--command', 'b'],
  ['-d', '-d', '--no-session-id', '--no-session-id'],
  ['dir', '--command', 'c', '--no-session-id', '-d'],
  ['-c', 'dir', 'other'],
  ['--'],
  ['--', '--foo'],
  ['--', '-h'],
  ['dir', '--', '-x'],
  ['--', 'dir'],
  ['-d', 'dir', '--', '--model', 'opus', '--', '-c', 'two words'],
  ['--no-session-id', '-c', '/bin/echo', '--', 'hi'],
];

const COMMANDER_FORMS: readonly (readonly string[])[] = [
  ['-h'],
  ['--help'],
  ['dir', '--help'],
  ['-V'],
  ['--version'],
  ['-dc', 'foo'],
  ['-cfoo'],
  ['-d-c', 'foo'],
  ['--bogus'],
  ['-x'],
  ['-'],
  ['-1'],
  ['dir', 'other'],
  ['-c'],
  ['--command'],
  ['-c', '--', 'foo'],
  ['-c', '-d'],
  ['-c', '-h'],
  ['-c', '-V'],
  ['--command', '--detach'],
  ['--command=-x'],
  ['--detach=yes'],
  ['--no-session-id=1'],
  ['--session-id'],
  ['--no-detach'],
  ['-D'],
  ['--det'],
];

describe('plainStartOptions', () => {
  test('gives what cli.ts gives for `start` with no arguments: the current directory, claude, a session id', async () => {
    const expected = { dir: '.', command: undefined, args: [], conversationId: true, detach: false };
    assert.deepEqual(plainStartOptions(argv('start')), expected);
    assert.deepEqual(await viaCommander(['start']), expected);
    assert.deepEqual(plainStartOptions(argv('start', '-d', 'x', '--no-session-id', '-c', 'sh', '--', '-c', 'true')), {
      dir: 'x',
      command: 'sh',
      args: ['-c', 'true'],
      conversationId: false,
      detach: true,
    });
  });

  test('each plain form gives exactly the options commander gives', async () => {
    for (const form of PLAIN_START_FORMS) {
      const args = ['start', ...form];
      const fast = plainStartOptions(argv(...args));
      assert.notEqual(fast, undefined, `fast path refused: ${JSON.stringify(args)}`);
      assert.deepEqual(fast, await viaCommander(args), JSON.stringify(args));
    }
  });

  test('leaves help, combined short flags, unknown flags, a second directory and values like flags to commander', () => {
    for (const form of COMMANDER_FORMS) {
      assert.equal(plainStartOptions(argv('start', ...form)), undefined, JSON.stringify(form));
    }
    for (const args of [[], ['list'], ['stop', 'abcd'], ['-d', 'start'], ['--', 'start'], ['Start'], [HOST_COMMAND]]) {
      assert.equal(plainStartOptions(argv(...args)), undefined, JSON.stringify(args));
    }
  });
});

describe('plainHostOptions', () => {
  test('gives what commander gives for the lines the background host is started with', async () => {
    for (const form of [
      ['dir', '--'],
      ['dir', '--command', '/bin/echo', '--no-session-id', '--', 'hi', '--'],
      ['.', '--command', 'claude', '--'],
    ]) {
      const args = [HOST_COMMAND, ...form];
      const fast = plainHostOptions(argv(...args));
      assert.notEqual(fast, undefined, `fast path refused: ${JSON.stringify(args)}`);
      assert.deepEqual(fast, await viaCommander(args), JSON.stringify(args));
    }
  });

  test('has no --detach, and leaves anything unusual to commander', () => {
    for (const form of [['-d'], ['--detach'], ...COMMANDER_FORMS]) {
      assert.equal(plainHostOptions(argv(HOST_COMMAND, ...form)), undefined, JSON.stringify(form));
    }
    assert.equal(plainHostOptions(argv('start', 'dir')), undefined);
  });
});

describe('start and host fast paths against commander, every line of up to four words', () => {
  const WORDS = [
    'dir',
    '',
    'help',
    '-d',
    '--detach',
    '--no-session-id',
    '-c',
    '--command',
    '--command=x',
    '--',
    '-',
    '-1',
    '-x',
    '-h',
    '-V',
    '-dc',
  ];

  function* lines(length: number): Generator<string[]> {
    if (length === 0) {
      yield [];
      return;
    }
    for (const rest of lines(length - 1)) for (const word of WORDS) yield [...rest, word];
  }

  for (const [name, plain] of [
    ['start', plainStartOptions],
    [HOST_COMMAND, plainHostOptions],
  ] as const) {
    test(`${name}: whatever the fast path takes, commander parses the same`, async () => {
      let taken = 0;
      for (let length = 0; length <= 4; length++) {
        for (const words of lines(length)) {
          const args = [name, ...words];
          const fast = plain(argv(...args));
          if (fast === undefined) continue;
          taken++;
          assert.deepEqual(fast, await viaCommander(args), JSON.stringify(args));
        }
      }
      assert.ok(taken > 1000, `only ${taken} lines took the fast path`);
    });
  }
});
