// Where csm keeps its files. Records live in a per-user state directory;
// control sockets live in a short runtime directory so that their paths stay
// under the sun_path limit (104 bytes on macOS, 108 on Linux).
import { homedir } from 'node:os';
import { join, normalize } from 'node:path';
import { StateDirError } from './errors.js';

export interface CsmPaths {
  /** Session records: `<stateDir>/sessions/<id>.json`. */
  readonly stateDir: string;
  readonly sessionsDir: string;
  /** Control sockets: `<runtimeDir>/<id>.sock`. */
  readonly runtimeDir: string;
}

/** macOS's sun_path is 104 bytes including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 103;

export function resolvePaths(
  env: NodeJS.ProcessEnv = process.env,
  uid: number = process.getuid?.() ?? 0,
  home: string = homedir(),
): CsmPaths {
  // Normalised, so that entryPath may append to them.
  const stateDir = normalize(nonEmpty(env.CSM_HOME) ?? join(nonEmpty(env.XDG_STATE_HOME) ?? join(home, '.local', 'state'), 'csm'));
  const xdgRuntime = nonEmpty(env.XDG_RUNTIME_DIR);
  const runtimeDir = normalize(nonEmpty(env.CSM_RUNTIME_DIR) ?? (xdgRuntime !== undefined ? join(xdgRuntime, 'csm') : `/tmp/csm-${uid}`));
  return { stateDir, sessionsDir: join(stateDir, 'sessions'), runtimeDir };
}

export function socketPathFor(paths: CsmPaths, id: string): string {
  const path = join(paths.runtimeDir, `${id}.sock`);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new StateDirError(
      `control socket path is too long (${Buffer.byteLength(path)} bytes, the limit is ${MAX_SOCKET_PATH_BYTES}): ${path}; set CSM_RUNTIME_DIR to a shorter directory`,
    );
  }
  return path;
}

export function recordPathFor(paths: CsmPaths, id: string): string {
  return entryPath(paths.sessionsDir, `${id}.json`);
}

/**
 * join(dir, name) for a directory already normalised (resolvePaths
 * normalises its directories, and joins the rest) and a plain name: no separator, not
 * `.` or `..` (a session id, a name readdir gave). `list` builds a few such
 * paths per session, and path.join's normalising, cold, took 1.5 ms of a
 * 100-session list.
 */
export function entryPath(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
