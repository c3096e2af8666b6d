import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { CommandNotFoundError, DirectoryError } from '../../src/errors.js';
import { resolveExecutable } from '../../src/executable.js';
import { resolveWorkingDir } from '../../src/working-dir.js';
import { tempDir } from './support.js';

function script(path: string, mode: number): string {
  writeFileSync(path, '#!/bin/sh\nexit 0\n');
  chmodSync(path, mode);
  return path;
}

/** A temp dir (real path) with bin/ and other/ inside. */
function layout(t: TestContext): { root: string; bin: string; other: string } {
  const root = realpathSync(tempDir(t));
  const bin = join(root, 'bin');
  const other = join(root, 'other');
  mkdirSync(bin);
  mkdirSync(other);
  return { root, bin, other };
}

function assertNotFound(run: () => unknown, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof CommandNotFoundError, String(error));
    assert.equal(error.exitCode, 127);
    assert.equal(error.code, 'command-not-found');
    assert.match(error.message, message);
    return true;
  });
}

describe('resolveExecutable', () => {
  test('finds a bare name in the first PATH directory that has it executable', (t) => {
    const { root, bin, other } = layout(t);
    script(join(other, 'tool'), 0o644); // not executable: skipped
    mkdirSync(join(root, 'tool-dir'));
    const expected = script(join(bin, 'tool'), 0o755);
    script(join(root, 'tool'), 0o755); // later on PATH: not reached
    const env = { PATH: ['', join(root, 'missing'), other, bin, root].join(':') };
    assert.equal(resolveExecutable('tool', env, '/'), expected);
  });

  test('skips a directory of the same name on PATH', (t) => {
    const { bin, other } = layout(t);
    mkdirSync(join(other, 'tool'));
    const expected = script(join(bin, 'tool'), 0o755);
    assert.equal(resolveExecutable('tool', { PATH: `${other}:${bin}` }, '/'), expected);
  });

  test('a relative PATH entry is resolved against cwd, giving an absolute path', (t) => {
    const { root, bin } = layout(t);
    const expected = script(join(bin, 'tool'), 0o755);
    assert.equal(resolveExecutable('tool', { PATH: 'bin' }, root), expected);
  });

  test('a relative path with a slash is resolved against cwd, not PATH', (t) => {
    const { root, bin } = layout(t);
    const expected = script(join(bin, 'tool'), 0o755);
    assert.equal(resolveExecutable('./bin/tool', { PATH: '' }, root), expected);
    assert.equal(resolveExecutable('bin/tool', {}, root), expected);
    assert.equal(resolveExecutable('../bin/tool', {}, join(root, 'other')), expected);
  });

  test('an absolute path is returned as given', (t) => {
    const { bin } = layout(t);
    const expected = script(join(bin, 'tool'), 0o700);
    assert.equal(resolveExecutable(expected, {}, '/'), expected);
  });

  test('a path to a file without execute permission is refused, saying so', (t) => {
    const { bin } = layout(t);
    const path = script(join(bin, 'tool'), 0o644);
    assertNotFound(() => resolveExecutable(path, {}, '/'), new RegExp(`^cannot run ${path}: not executable \\(permission denied\\)$`));
  });

  test('a path to a directory is refused as not a file', (t) => {
    const { bin } = layout(t);
    assertNotFound(() => resolveExecutable(bin, {}, '/'), new RegExp(`^cannot run ${bin}: not a file$`));
  });

  test('a path that does not exist is refused as no such file', (t) => {
    const { root } = layout(t);
    assertNotFound(() => resolveExecutable('./nope', {}, root), new RegExp(`^cannot run ${join(root, 'nope')}: no such file$`));
    assertNotFound(() => resolveExecutable('/dev/null/x', {}, root), /^cannot run \/dev\/null\/x: no such file$/);
  });

  test('a name on no PATH directory is CommandNotFoundError (exit 127) that mentions --command', (t) => {
    const { bin } = layout(t);
    script(join(bin, 'tool'), 0o644);
    assertNotFound(() => resolveExecutable('tool', { PATH: bin }, '/'), /^command not found on PATH: tool; pass --command/);
    assertNotFound(() => resolveExecutable('tool', {}, '/'), /--command/);
  });

  test('a missing claude says how to install it or pass --command', () => {
    assertNotFound(
      () => resolveExecutable('claude', { PATH: '/nonexistent' }, '/'),
      /^claude is not on your PATH; install Claude Code .* or pass --command <path>$/,
    );
  });

  test('an empty command is refused', () => {
    assertNotFound(() => resolveExecutable('', { PATH: '/bin:/usr/bin' }, '/'), /the command to run is empty; pass --command/);
  });
});

describe('resolveWorkingDir', () => {
  test('resolves a relative directory against cwd to its real absolute path', (t) => {
    const { root } = layout(t);
    assert.equal(resolveWorkingDir('bin', root), join(root, 'bin'));
    assert.equal(resolveWorkingDir('.', join(root, 'bin')), join(root, 'bin'));
    assert.equal(resolveWorkingDir('../other/', join(root, 'bin')), join(root, 'other'));
  });

  test('follows a symlink to the directory it points to', (t) => {
    const { root } = layout(t);
    symlinkSync(join(root, 'bin'), join(root, 'link'));
    assert.equal(resolveWorkingDir('link', root), join(root, 'bin'));
  });

  test('a missing directory is a DirectoryError naming the full path', (t) => {
    const { root } = layout(t);
    assert.throws(
      () => resolveWorkingDir('nope', root),
      (error: unknown) => {
        assert.ok(error instanceof DirectoryError);
        assert.equal(error.code, 'bad-directory');
        assert.equal(error.exitCode, 1);
        assert.equal(error.message, `directory does not exist: ${join(root, 'nope')}`);
        return true;
      },
    );
  });

  test('a file, a path through a file, or a symlink to a file is "not a directory"', (t) => {
    const { root } = layout(t);
    writeFileSync(join(root, 'file'), '');
    symlinkSync(join(root, 'file'), join(root, 'file-link'));
    for (const dir of ['file', 'file/sub', 'file-link']) {
      assert.throws(() => resolveWorkingDir(dir, root), { name: 'DirectoryError', message: `not a directory: ${join(root, dir)}` });
    }
  });

  test('a dangling symlink is reported as a missing directory', (t) => {
    const { root } = layout(t);
    symlinkSync(join(root, 'gone'), join(root, 'dangling'));
    assert.throws(() => resolveWorkingDir('dangling', root), { name: 'DirectoryError', message: /^directory does not exist/ });
  });
});
