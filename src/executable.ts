// Finding the command a session runs. node-pty reports a failed exec as an
// ordinary "exit 1" after the fact, which users misread as Claude failing, so
// csm checks first and resolves the command to an absolute path.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, resolve } from 'node:path';
import { CommandNotFoundError } from './errors.js';

export const DEFAULT_COMMAND = 'claude';

export function resolveExecutable(command: string, env: NodeJS.ProcessEnv, cwd: string): string {
  if (command === '') throw new CommandNotFoundError('the command to run is empty; pass --command <path-or-name>');
  if (command.includes('/')) {
    const path = isAbsolute(command) ? command : resolve(cwd, command);
    const problem = executableProblem(path);
    if (problem !== undefined) throw new CommandNotFoundError(`cannot run ${path}: ${problem}`);
    return path;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    // A relative PATH entry is relative to cwd; check the very file returned.
    const path = resolve(cwd, dir, command);
    if (executableProblem(path) === undefined) return path;
  }
  throw new CommandNotFoundError(
    command === DEFAULT_COMMAND
      ? 'claude is not on your PATH; install Claude Code (npm install -g @anthropic-ai/claude-code) or pass --command <path>'
      : `command not found on PATH: ${command}; pass --command with a path or fix PATH`,
  );
}

function executableProblem(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return 'not a file';
    accessSync(path, constants.X_OK);
    return undefined;
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? error.code : undefined;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'no such file';
    if (code === 'EACCES') return 'not executable (permission denied)';
    return error instanceof Error ? error.message : String(error);
  }
}
