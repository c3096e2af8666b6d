import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StateDirError } from '../../src/errors.js';
import { entryPath, MAX_SOCKET_PATH_BYTES, recordPathFor, resolvePaths, socketPathFor } from '../../src/paths.js';

const ID = '3f2a9c1e-8b7d-4e6f-a5b4-c3d2e1f0a9b8';
const HOME = '/home/ada';

describe('resolvePaths: state directory', () => {
  test('CSM_HOME wins over XDG_STATE_HOME', () => {
    const paths = resolvePaths({ CSM_HOME: '/srv/csm', XDG_STATE_HOME: '/xdg/state' }, 1000, HOME);
    assert.equal(paths.stateDir, '/srv/csm');
    assert.equal(paths.sessionsDir, '/srv/csm/sessions');
  });

  test('without CSM_HOME it is $XDG_STATE_HOME/csm', () => {
    assert.equal(resolvePaths({ XDG_STATE_HOME: '/xdg/state' }, 1000, HOME).stateDir, '/xdg/state/csm');
  });

  test('without either it is ~/.local/state/csm', () => {
    const paths = resolvePaths({}, 1000, HOME);
    assert.equal(paths.stateDir, '/home/ada/.local/state/csm');
    assert.equal(paths.sessionsDir, '/home/ada/.local/state/csm/sessions');
  });

  test('empty CSM_HOME and XDG_STATE_HOME count as unset', () => {
    assert.equal(resolvePaths({ CSM_HOME: '', XDG_STATE_HOME: '/xdg/state' }, 1000, HOME).stateDir, '/xdg/state/csm');
    assert.equal(resolvePaths({ CSM_HOME: '', XDG_STATE_HOME: '' }, 1000, HOME).stateDir, '/home/ada/.local/state/csm');
  });
});

describe('resolvePaths: normalised directories, so that entryPath equals join', () => {
  test('doubled and trailing slashes and dot segments in CSM_HOME and CSM_RUNTIME_DIR are normalised', () => {
    const paths = resolvePaths({ CSM_HOME: '/srv//csm/./state', CSM_RUNTIME_DIR: 'run/../r' }, 1000, HOME);
    assert.equal(paths.stateDir, '/srv/csm/state');
    assert.equal(paths.runtimeDir, 'r');
    assert.equal(recordPathFor(paths, ID), `/srv/csm/state/sessions/${ID}.json`);
  });

  test('entryPath appends a plain name, also to a directory that ends in a slash (the root, or normalize of "a/")', () => {
    assert.equal(entryPath('/srv/csm', 'logs'), '/srv/csm/logs');
    assert.equal(entryPath('/', 'csm'), '/csm');
    assert.equal(entryPath('relative/', 'x.json'), 'relative/x.json');
  });
});

describe('resolvePaths: runtime directory', () => {
  test('CSM_RUNTIME_DIR wins over XDG_RUNTIME_DIR', () => {
    assert.equal(resolvePaths({ CSM_RUNTIME_DIR: '/r', XDG_RUNTIME_DIR: '/run/user/1000' }, 1000, HOME).runtimeDir, '/r');
  });

  test('without CSM_RUNTIME_DIR it is $XDG_RUNTIME_DIR/csm', () => {
    assert.equal(resolvePaths({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000, HOME).runtimeDir, '/run/user/1000/csm');
  });

  test('without either it is /tmp/csm-<uid>', () => {
    assert.equal(resolvePaths({}, 1000, HOME).runtimeDir, '/tmp/csm-1000');
    assert.equal(resolvePaths({}, 0, HOME).runtimeDir, '/tmp/csm-0');
  });

  test('empty CSM_RUNTIME_DIR and XDG_RUNTIME_DIR count as unset', () => {
    assert.equal(resolvePaths({ CSM_RUNTIME_DIR: '', XDG_RUNTIME_DIR: '/run/user/7' }, 7, HOME).runtimeDir, '/run/user/7/csm');
    assert.equal(resolvePaths({ CSM_RUNTIME_DIR: '', XDG_RUNTIME_DIR: '' }, 7, HOME).runtimeDir, '/tmp/csm-7');
  });
});

describe('socketPathFor and recordPathFor', () => {
  test('a record is <sessionsDir>/<id>.json and a socket <runtimeDir>/<id>.sock', () => {
    const paths = resolvePaths({ CSM_HOME: '/s', CSM_RUNTIME_DIR: '/r' }, 0, HOME);
    assert.equal(recordPathFor(paths, ID), `/s/sessions/${ID}.json`);
    assert.equal(socketPathFor(paths, ID), `/r/${ID}.sock`);
  });

  test('a socket path of exactly the limit is accepted', () => {
    // <dir>/<36-char id>.sock adds 42 bytes to the directory.
    const dir = `/${'r'.repeat(MAX_SOCKET_PATH_BYTES - 42 - 1)}`;
    const path = socketPathFor(resolvePaths({ CSM_RUNTIME_DIR: dir }, 0, HOME), ID);
    assert.equal(Buffer.byteLength(path), MAX_SOCKET_PATH_BYTES);
  });

  test('a socket path over 103 bytes is refused with a StateDirError that says to set CSM_RUNTIME_DIR', () => {
    const dir = `/${'r'.repeat(MAX_SOCKET_PATH_BYTES - 42)}`;
    const paths = resolvePaths({ CSM_RUNTIME_DIR: dir }, 0, HOME);
    assert.throws(
      () => socketPathFor(paths, ID),
      (error: unknown) => {
        assert.ok(error instanceof StateDirError);
        assert.equal(error.code, 'state-dir');
        assert.equal(error.exitCode, 1);
        assert.match(error.message, /too long \(104 bytes, the limit is 103\)/);
        assert.match(error.message, /set CSM_RUNTIME_DIR to a shorter directory/);
        return true;
      },
    );
  });

  test('the limit counts bytes, not characters', () => {
    // 'é' is two bytes in UTF-8: this path is 74 characters but 105 bytes.
    const tooLong = `/${'é'.repeat(31)}`;
    assert.throws(() => socketPathFor(resolvePaths({ CSM_RUNTIME_DIR: tooLong }, 0, HOME), ID), /\(105 bytes, the limit is 103\)/);
    const fits = `/${'é'.repeat(30)}`;
    assert.equal(Buffer.byteLength(socketPathFor(resolvePaths({ CSM_RUNTIME_DIR: fits }, 0, HOME), ID)), 103);
  });
});
