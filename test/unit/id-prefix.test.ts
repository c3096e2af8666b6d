import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AmbiguousIdError, SessionNotFoundError, UsageError } from '../../src/errors.js';
import { resolveId, resolveIds } from '../../src/id-prefix.js';

const A = { id: '3f2a9c1e-8b7d-4e6f-a5b4-c3d2e1f0a9b8', workingDir: '/home/ada/one' };
const B = { id: '3f2a77d0-1111-4222-8333-444455556666', workingDir: '/home/ada/two' };
const C = { id: 'c0ffee00-0000-4000-9000-000000000000', workingDir: '/srv/three' };
const SESSIONS = [A, B, C];

describe('resolveId', () => {
  test('a full id resolves to its session', () => {
    assert.equal(resolveId(A.id, SESSIONS), A);
  });

  test('a unique prefix of four or more characters resolves', () => {
    assert.equal(resolveId('c0ff', SESSIONS), C);
    assert.equal(resolveId('3f2a9', SESSIONS), A);
    assert.equal(resolveId('3f2a9c1e-8b7d', SESSIONS), A);
  });

  test('matching is case-insensitive', () => {
    assert.equal(resolveId('C0FFEE', SESSIONS), C);
    assert.equal(resolveId(A.id.toUpperCase(), SESSIONS), A);
  });

  test('a prefix shorter than four characters is a usage error, even if it would be unique', () => {
    for (const name of ['c', 'c0', 'c0f']) {
      assert.throws(
        () => resolveId(name, SESSIONS),
        (error: unknown) => {
          assert.ok(error instanceof UsageError);
          assert.equal(error.exitCode, 2);
          assert.equal(error.message, `session id prefix "${name}" is too short: give at least 4 characters`);
          return true;
        },
      );
    }
  });

  test('names with non-hex, path, space or non-ASCII characters are usage errors, never matched', () => {
    for (const name of ['', '../x', '../../etc/passwd', '3f2a/..', '3f2a 9c1e', ' 3f2a', '3f2a\n', 'zzzz', '3f2a*', 'ｃ０ｆｆ', 'c0ffé']) {
      assert.throws(
        () => resolveId(name, SESSIONS),
        (error: unknown) => {
          assert.ok(error instanceof UsageError, JSON.stringify(name));
          assert.equal(error.message, `not a session id: ${JSON.stringify(name)} (ids are hexadecimal; run csm list to see them)`);
          return true;
        },
      );
    }
  });

  test('a prefix that matches nothing is SessionNotFoundError that points to csm list', () => {
    assert.throws(
      () => resolveId('dead', SESSIONS),
      (error: unknown) => {
        assert.ok(error instanceof SessionNotFoundError);
        assert.equal(error.code, 'session-not-found');
        assert.equal(error.exitCode, 1);
        assert.equal(error.message, 'no session matches "dead"; run csm list to see sessions');
        return true;
      },
    );
    assert.throws(() => resolveId('3f2a', []), SessionNotFoundError);
  });

  test('a prefix that matches several sessions is AmbiguousIdError listing each candidate and its directory', () => {
    assert.throws(
      () => resolveId('3F2A', SESSIONS),
      (error: unknown) => {
        assert.ok(error instanceof AmbiguousIdError);
        assert.equal(error.code, 'ambiguous-id');
        assert.equal(error.message, '"3F2A" matches 2 sessions: 3f2a9c1e (/home/ada/one), 3f2a77d0 (/home/ada/two); give more characters');
        return true;
      },
    );
  });
});

describe('resolveIds', () => {
  test('resolves every name, in order', () => {
    assert.deepEqual(resolveIds(['c0ff', '3f2a9'], SESSIONS), [C, A]);
  });

  test('names of the same session resolve to it once', () => {
    assert.deepEqual(resolveIds([A.id, '3f2a9', '3F2A9C', 'c0ff', A.id], SESSIONS), [A, C]);
  });

  test('is all or nothing: one bad name among good ones throws, returning none', () => {
    assert.throws(() => resolveIds(['c0ff', 'dead', '3f2a9'], SESSIONS), SessionNotFoundError);
    assert.throws(() => resolveIds(['c0ff', '3f2a'], SESSIONS), AmbiguousIdError);
    assert.throws(() => resolveIds(['c0ff', '../x'], SESSIONS), UsageError);
  });

  test('no names resolve to no sessions', () => {
    assert.deepEqual(resolveIds([], SESSIONS), []);
  });
});
