// The directory a session runs in: checked and made absolute and real before
// anything is spawned, so the error names the user's path, not a PTY failure.
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
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
