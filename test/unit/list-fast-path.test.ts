// The fast path must give exactly what commander gives, or nothing
// (commander's side: test/helpers/commander-stub.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ListCommandOptions } from '../../src/commands/list.js';
import { plainListOptions } from '../../src/list-fast-path.js';
import { argv, commanderParse } from '../helpers/commander-stub.js';

const viaCommander = commanderParse<ListCommandOptions>({ 'csm-list.cjs': 'listCommand' });

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
