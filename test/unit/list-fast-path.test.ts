import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { plainListOptions } from '../../src/list-fast-path.js';

const argv = (...args: string[]) => ['/usr/bin/node', '/usr/bin/csm', ...args];

describe('plainListOptions', () => {
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
