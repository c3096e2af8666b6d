// The fast path must give exactly what commander gives, or nothing.
// Commander's side is the built program (dist/csm-cli.cjs, `npm test` builds
// first) with the list command replaced by a stub that records its options
// (as start-fast-path.test.ts does for start).
import assert from 'node:assert/strict';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CommandContext } from '../../src/commands/context.js';
import type { ListCommandOptions } from '../../src/commands/list.js';
import { plainListOptions } from '../../src/list-fast-path.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const require = createRequire(import.meta.url);

let received: ListCommandOptions | undefined;
const listPart = join(DIST, 'csm-list.cjs');
const stub = new Module(listPart);
stub.filename = listPart;
stub.loaded = true;
stub.exports = {
  listCommand: async (options: ListCommandOptions) => {
    received = options;
    return 0;
  },
};
require.cache[listPart] = stub;
const { runCli } = require(join(DIST, 'csm-cli.cjs')) as {
  runCli: (argv: readonly string[], ctx: CommandContext) => Promise<number>;
};
const discard = new Writable({ write: (_chunk, _encoding, callback) => callback() }) as unknown as NodeJS.WriteStream;
const ctx = { cwd: '/', env: {}, stdin: process.stdin, stdout: discard, stderr: discard };

const argv = (...args: string[]) => ['/usr/bin/node', '/usr/bin/csm', ...args];

/** The options commander's program hands `listCommand`; undefined if it refuses the line or runs something else. */
async function viaCommander(args: readonly string[]): Promise<ListCommandOptions | undefined> {
  received = undefined;
  try {
    await runCli(argv(...args), ctx);
  } catch {
    return undefined;
  }
  return received;
}

describe('plainListOptions', () => {
  test('gives what commander gives for every line of list or ls and up to three of its flags', async () => {
    const flags = ['-a', '--all', '--json', '-q', '--quiet'];
    const lines: string[][] = [];
    const grow = (line: string[]) => {
      lines.push(line);
      if (line.length < 4) for (const flag of flags) grow([...line, flag]);
    };
    for (const command of ['list', 'ls']) grow([command]);
    for (const line of lines) {
      const fast = plainListOptions(argv(...line));
      assert.notEqual(fast, undefined, line.join(' '));
      assert.deepEqual({ ...fast }, { ...(await viaCommander(line)) }, line.join(' '));
    }
  });

  test('parses list and ls with each of their flags, long and short, in any order', () => {
    assert.deepEqual(plainListOptions(argv('list')), { all: false, json: false, quiet: false });
    assert.deepEqual(plainListOptions(argv('ls', '-q')), { all: false, json: false, quiet: true });
    assert.deepEqual(plainListOptions(argv('list', '--json', '-a')), { all: true, json: true, quiet: false });
    assert.deepEqual(plainListOptions(argv('list', '--quiet', '--all', '--json')), { all: true, json: true, quiet: true });
  });

  test('leaves everything else to commander: other commands, help, combined or unknown flags, arguments', () => {
    for (const args of [
      [],
      ['stop', '-a'],
      ['--version'],
      ['list', '--help'],
      ['list', '-h'],
      ['list', '-aq'],
      ['list', '--bogus'],
      ['list', 'extra'],
      ['list', '--'],
      ['list', 'constructor'],
      ['-q', 'list'],
    ]) {
      assert.equal(plainListOptions(argv(...args)), undefined, args.join(' '));
    }
  });
});
