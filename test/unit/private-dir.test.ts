import assert from 'node:assert/strict';
import { chmodSync, chownSync, lstatSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { StateDirError } from '../../src/errors.js';
import { ensurePrivateDir } from '../../src/private-dir.js';
import { tempDir } from './support.js';

const isRoot = process.getuid?.() === 0;

describe('ensurePrivateDir', () => {
  test('creates the directory and missing parents with mode 0700', (t) => {
    const root = tempDir(t);
    const dir = join(root, 'a', 'b', 'state');
    assert.equal(ensurePrivateDir(dir, 'state directory', true), 'ok');
    const stat = statSync(dir);
    assert.ok(stat.isDirectory());
    assert.equal(stat.mode & 0o777, 0o700);
    assert.equal(statSync(join(root, 'a')).mode & 0o777, 0o700);
  });

  test('accepts an existing private directory, with or without create', (t) => {
    const dir = tempDir(t);
    chmodSync(dir, 0o700);
    assert.equal(ensurePrivateDir(dir, 'state directory', false), 'ok');
    assert.equal(ensurePrivateDir(dir, 'state directory', true), 'ok');
  });

  test("reports 'missing' without creating anything when create is false", (t) => {
    const dir = join(tempDir(t), 'absent');
    assert.equal(ensurePrivateDir(dir, 'state directory', false), 'missing');
    assert.throws(() => lstatSync(dir), { code: 'ENOENT' });
  });

  test('refuses a symbolic link, even to a private directory, and says to remove it', (t) => {
    const root = tempDir(t);
    const target = join(root, 'real');
    mkdirSync(target, { mode: 0o700 });
    const link = join(root, 'link');
    symlinkSync(target, link);
    for (const create of [false, true]) {
      assert.throws(() => ensurePrivateDir(link, 'state directory', create), {
        name: 'StateDirError',
        message: `state directory ${link} is a symbolic link; remove it and csm will create a private directory`,
      });
    }
  });

  test('refuses a path that is a file, with or without create', (t) => {
    const file = join(tempDir(t), 'file');
    writeFileSync(file, '');
    for (const create of [false, true]) {
      assert.throws(() => ensurePrivateDir(file, 'runtime directory', create), {
        name: 'StateDirError',
        message: new RegExp(`^runtime directory ${file} is not a directory`),
      });
    }
  });

  test('fails to create under a parent that is a file, saying so', (t) => {
    const file = join(tempDir(t), 'file');
    writeFileSync(file, '');
    assert.throws(() => ensurePrivateDir(join(file, 'state'), 'state directory', true), {
      name: 'StateDirError',
      message: `cannot create state directory ${join(file, 'state')}: a parent is not a directory`,
    });
  });

  test('refuses a group- or other-writable directory and tells the user to chmod 700 it', (t) => {
    const dir = tempDir(t);
    for (const mode of [0o770, 0o702, 0o720, 0o777]) {
      chmodSync(dir, mode);
      assert.throws(
        () => ensurePrivateDir(dir, 'state directory', true),
        (error: unknown) => {
          assert.ok(error instanceof StateDirError);
          assert.match(error.message, /is writable by group or others/);
          assert.ok(error.message.includes(`(mode ${mode.toString(8)})`), error.message);
          assert.ok(error.message.endsWith(`run: chmod 700 ${dir}`), error.message);
          return true;
        },
      );
    }
    // Readable by others is not a risk to what csm trusts.
    chmodSync(dir, 0o755);
    assert.equal(ensurePrivateDir(dir, 'state directory', false), 'ok');
  });

  test('refuses a directory owned by another user, naming both uids', (t) => {
    if (!isRoot) {
      t.skip('needs root to chown a directory to another user');
      return;
    }
    const dir = tempDir(t);
    chownSync(dir, 65534, 65534);
    assert.throws(() => ensurePrivateDir(dir, 'state directory', false), {
      name: 'StateDirError',
      message: `state directory ${dir} is owned by uid 65534, not by you (uid 0); use a directory of your own (see csm --help)`,
    });
  });
});
