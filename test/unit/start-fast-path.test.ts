// The fast path must give exactly what commander gives, or nothing. Commander's
// side is the built program (dist/csm-cli.cjs, `npm test` builds first) with
// the start and host commands replaced by stubs that record their options:
// the bundle loads each command with require(), so a module placed in
// require.cache first is the one it gets.
import assert from 'node:assert/strict';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CommandContext } from '../../src/commands/context.js';
import type { StartCommandOptions } from '../../src/commands/start.js';
import { HOST_COMMAND, plainHostOptions, plainStartOptions } from '../../src/start-fast-path.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const require = createRequire(import.meta.url);

let received: StartCommandOptions | undefined;
function stubCommand(part: string, name: string): void {
  const filename = join(DIST, part);
  const stub = new Module(filename);
  stub.filename = filename;
  stub.loaded = true;
  stub.exports = {
    [name]: async (options: StartCommandOptions) => {
      received = options;
      return 0;
    },
  };
  require.cache[filename] = stub;
}
stubCommand('csm-start.cjs', 'startCommand');
stubCommand('csm-host.cjs', 'hostCommand');
const { runCli } = require(join(DIST, 'csm-cli.cjs')) as {
  runCli: (argv: readonly string[], ctx: CommandContext) => Promise<number>;
};

const discard = new Writable({ write: (_chunk, _encoding, callback) => callback() }) as unknown as NodeJS.WriteStream;
const ctx = { cwd: '/', env: {}, stdin: process.stdin, stdout: discard, stderr: discard };

const argv = (...args: string[]) => ['/usr/bin/node', '/usr/bin/csm', ...args];

/** The options commander's program hands the command; undefined if it refuses the line or runs something else. */
async function viaCommander(args: readonly string[]): Promise<StartCommandOptions | undefined> {
  received = undefined;
  try {
    await runCli(argv(...args), ctx);
  } catch {
    return undefined;
  }
  return received;
}

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
