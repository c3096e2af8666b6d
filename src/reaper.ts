// Run by a session's guardian (guardian.ts) when the host died without
// ending its session: ends whatever is left of it, as `csm stop` would, and
// removes its record and socket. Every pid is verified as usual, so a reaper
// that runs late signals nothing that is not the session's. Its output goes
// nowhere (the host's terminal is usually gone): the exit status is all.
//
// argv: node reaper.js <paths JSON> <record JSON>
import { SessionManager } from './manager.js';
import type { CsmPaths } from './paths.js';
import { parseRecord } from './session.js';

/**
 * Faster than stop's 5 s: nobody is there to wait for, and whatever the
 * session left must be gone within 2 s of its host's death (SIGTERM at half
 * of this, SIGKILL at all of it).
 */
export const REAP_TIMEOUT_MS = 1000;

async function reap(argv: readonly string[]): Promise<number> {
  const paths = parsePaths(argv[2] ?? '');
  const record = parseRecord(argv[3] ?? '');
  if (paths === undefined || typeof record === 'string') return 2;
  try {
    await new SessionManager({ paths }).stopSession(record, REAP_TIMEOUT_MS);
    return 0;
  } catch {
    // StopError: a process survived SIGKILL (stuck in the kernel). Nothing
    // more can be done here, and `csm list` shows the session while it exists.
    return 1;
  }
}

function parsePaths(text: string): CsmPaths | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined; // not from a guardian: refuse rather than guess
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { stateDir, sessionsDir, runtimeDir } = value as Record<string, unknown>;
  if (typeof stateDir !== 'string' || typeof sessionsDir !== 'string' || typeof runtimeDir !== 'string') return undefined;
  return { stateDir, sessionsDir, runtimeDir };
}

process.exitCode = await reap(process.argv);
