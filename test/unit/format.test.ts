import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeExit, exitStatus, formatAge, formatTable, tildify } from '../../src/format.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

describe('formatAge', () => {
  test('counts seconds below a minute', () => {
    assert.equal(formatAge(ago(0), NOW), '0s ago');
    assert.equal(formatAge(ago(59), NOW), '59s ago');
  });

  test('counts whole minutes below an hour', () => {
    assert.equal(formatAge(ago(60), NOW), '1m ago');
    assert.equal(formatAge(ago(3599), NOW), '59m ago');
  });

  test('counts whole hours below a day', () => {
    assert.equal(formatAge(ago(3600), NOW), '1h ago');
    assert.equal(formatAge(ago(86_399), NOW), '23h ago');
  });

  test('counts whole days from a day on', () => {
    assert.equal(formatAge(ago(86_400), NOW), '1d ago');
    assert.equal(formatAge(ago(40 * 86_400), NOW), '40d ago');
  });

  test('a start in the future (clock skew) shows as 0s, never negative', () => {
    assert.equal(formatAge(ago(-300), NOW), '0s ago');
  });
});

describe('tildify', () => {
  test('shows the home directory and paths under it with ~', () => {
    assert.equal(tildify('/home/ada', '/home/ada'), '~');
    assert.equal(tildify('/home/ada/src/repo', '/home/ada'), '~/src/repo');
  });

  test('leaves other paths alone, including ones that only share a prefix with home', () => {
    assert.equal(tildify('/srv/repo', '/home/ada'), '/srv/repo');
    assert.equal(tildify('/home/adam/repo', '/home/ada'), '/home/adam/repo');
  });

  test('does nothing when home is empty or the root', () => {
    assert.equal(tildify('/srv/repo', '/'), '/srv/repo');
    assert.equal(tildify('/', '/'), '/');
    assert.equal(tildify('/home/ada', ''), '/home/ada');
  });
});

describe('formatTable', () => {
  test('pads every column but the last to its widest cell, two spaces apart', () => {
    const table = formatTable([
      ['ID', 'STARTED', 'DIR'],
      ['3f2a9c1e', '5s ago', '~/one'],
      ['c0ff', '12m ago', '~/a/much/longer/path'],
    ]);
    assert.equal(table, ['ID        STARTED  DIR', '3f2a9c1e  5s ago   ~/one', 'c0ff      12m ago  ~/a/much/longer/path'].join('\n'));
    for (const line of table.split('\n')) assert.equal(line, line.trimEnd(), 'no trailing spaces');
  });

  test('an empty table is an empty string', () => {
    assert.equal(formatTable([]), '');
  });
});

describe('describeExit and exitStatus', () => {
  test('a normal exit is described and returned as its code', () => {
    assert.equal(describeExit({ exitCode: 0, signal: undefined }), 'exit 0');
    assert.equal(describeExit({ exitCode: 3, signal: undefined }), 'exit 3');
    assert.equal(exitStatus({ exitCode: 3, signal: undefined }), 3);
    assert.equal(exitStatus({ exitCode: undefined, signal: undefined }), 0);
  });

  test('a death by signal N is named and returned as 128+N, as a shell does', () => {
    assert.equal(describeExit({ exitCode: undefined, signal: 9 }), 'killed by SIGKILL');
    assert.equal(describeExit({ exitCode: undefined, signal: 1 }), 'killed by SIGHUP');
    assert.equal(exitStatus({ exitCode: undefined, signal: 9 }), 137);
    assert.equal(exitStatus({ exitCode: undefined, signal: 15 }), 143);
    assert.equal(exitStatus({ exitCode: 0, signal: 1 }), 129);
  });

  test('an unknown signal number is still described', () => {
    assert.equal(describeExit({ exitCode: undefined, signal: 99 }), 'killed by signal 99');
  });
});
