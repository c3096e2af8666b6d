// Small files in csm's private directories, written atomically and read
// without trusting what is there: the same discipline as the registry's
// records (registry.ts), for files that are not live-session records.
import { closeSync, constants, fstatSync, linkSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, StateDirError } from './errors.js';
import { describeErrno } from './private-dir.js';
import { tempPath, unlinkQuietly } from './registry.js';

/**
 * Writes `text` to `dir/name` through an exclusive temp file and a rename, so
 * a reader sees the old file or the new one, never half of one. With
 * `replace: false`, an existing file wins and false is returned.
 */
export function writePrivateFile(dir: string, name: string, text: string, replace = true): boolean {
  const temp = tempPath(dir, name);
  const target = join(dir, name);
  let fd: number | undefined;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    writeSync(fd, text);
    closeSync(fd);
    fd = undefined;
    if (replace) {
      renameSync(temp, target);
      return true;
    }
    // link() fails with EEXIST instead of replacing: first writer wins.
    return linkOnce(temp, target);
  } catch (error) {
    throw new StateDirError(`cannot write ${target}: ${describeErrno(errnoCode(error), error)}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
    if (!replace || fd !== undefined) unlinkQuietly(temp);
  }
}

/** The file's text, or a reason it could not be used (missing, a link, too large, not a file). */
export function readPrivateFile(path: string, maxBytes: number): { text: string } | { problem: string; missing: boolean } {
  let fd: number;
  try {
    // O_NOFOLLOW: a planted symlink is refused. O_NONBLOCK: a planted FIFO cannot hang us.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') return { problem: 'no such file', missing: true };
    if (code === 'ELOOP' || code === 'EMLINK') return { problem: 'is a symbolic link', missing: false };
    return { problem: describeErrno(code, error), missing: false };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { problem: 'not a regular file', missing: false };
    if (stat.size > maxBytes) return { problem: `too large (${stat.size} bytes)`, missing: false };
    const buffer = Buffer.alloc(stat.size);
    const read = readSync(fd, buffer, 0, stat.size, 0);
    return { text: buffer.toString('utf8', 0, read) };
  } catch (error) {
    return { problem: describeErrno(errnoCode(error), error), missing: false };
  } finally {
    closeSync(fd);
  }
}

function linkOnce(temp: string, target: string): boolean {
  try {
    linkSync(temp, target);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw error;
  }
}
