// The directory a session runs in: checked and made absolute and real before
// anything is spawned, so the error names the user's path, not a PTY failure.
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { DirectoryError, errnoCode } from './errors.js';

export function resolveWorkingDir(dir: string, cwd: string): string {
  const path = resolve(cwd, dir);
  let real: string;
  try {
    real = realpathSync(path);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') throw new DirectoryError(`directory does not exist: ${path}`);
    if (code === 'ENOTDIR') throw new DirectoryError(`not a directory: ${path}`);
    if (code === 'EACCES') throw new DirectoryError(`cannot access directory: ${path} (permission denied)`);
    throw new DirectoryError(`cannot use directory ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!statSync(real).isDirectory()) throw new DirectoryError(`not a directory: ${path}`);
  try {
    accessSync(real, constants.R_OK | constants.X_OK);
  } catch {
    throw new DirectoryError(`cannot enter directory: ${path} (permission denied)`);
  }
  return real;
}

/**
 * The directory csm was run from. A shell can sit in a directory that has
 * since been deleted, where getcwd() fails with ENOENT and process.cwd()
 * throws; the shell's $PWD still names it. Using that, `list` and `stop`
 * (which need no directory) work, and `start` says which directory is gone.
 */
export function currentDir(env: NodeJS.ProcessEnv): string {
  try {
    return process.cwd();
  } catch (error) {
    const pwd = env.PWD;
    if (errnoCode(error) === 'ENOENT' && pwd !== undefined && isAbsolute(pwd)) return pwd;
    throw new DirectoryError('the current directory no longer exists (deleted?); cd to an existing directory and try again');
  }
}
