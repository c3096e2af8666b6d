// csm's directories hold records that tell `stop` which processes to signal
// and sockets that accept commands, so nobody else may write there. Every
// directory csm uses is created 0700 and checked on each use: owned by this
// user, not a symlink, not writable by group or others.
import { lstatSync, mkdirSync } from 'node:fs';
import { errnoCode, StateDirError } from './errors.js';

export type DirState = 'ok' | 'missing';

/** Checks `dir`; `create` makes it (and missing parents) with mode 0700 first. */
export function ensurePrivateDir(dir: string, what: string, create: boolean): DirState {
  if (create) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      const code = errnoCode(error);
      if (code !== 'EEXIST') {
        throw new StateDirError(`cannot create ${what} ${dir}: ${describeErrno(code, error)}`);
      }
    }
  }
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 'missing';
    throw new StateDirError(`cannot read ${what} ${dir}: ${describeErrno(errnoCode(error), error)}`);
  }
  if (stat.isSymbolicLink()) {
    throw new StateDirError(`${what} ${dir} is a symbolic link; remove it and csm will create a private directory`);
  }
  if (!stat.isDirectory()) {
    throw new StateDirError(`${what} ${dir} is not a directory; remove it or point csm elsewhere (see csm --help)`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new StateDirError(
      `${what} ${dir} is owned by uid ${stat.uid}, not by you (uid ${uid}); use a directory of your own (see csm --help)`,
    );
  }
  if ((stat.mode & 0o022) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(3, '0');
    throw new StateDirError(`${what} ${dir} is writable by group or others (mode ${mode}); run: chmod 700 ${dir}`);
  }
  return 'ok';
}

export function describeErrno(code: string | undefined, error: unknown): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'ENOTDIR':
      return 'a parent is not a directory';
    case 'ENOENT':
      return 'no such file or directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
