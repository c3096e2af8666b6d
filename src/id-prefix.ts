// Naming sessions on the command line: a full UUID or a unique prefix of at
// least four characters, as with git's abbreviated hashes and docker's ids.
import { AmbiguousIdError, SessionNotFoundError, UsageError } from './errors.js';
import { shortId } from './session.js';

export const MIN_PREFIX_LENGTH = 4;
const ID_CHARS = /^[0-9a-f-]+$/;

export interface Identified {
  readonly id: string;
  readonly workingDir: string;
}

/** Resolves every name, or throws for the first that fails: all or nothing. */
export function resolveIds<T extends Identified>(names: readonly string[], sessions: readonly T[]): T[] {
  const found = new Map<string, T>();
  for (const name of names) {
    const match = resolveId(name, sessions);
    found.set(match.id, match);
  }
  return [...found.values()];
}

export function resolveId<T extends Identified>(name: string, sessions: readonly T[]): T {
  const prefix = name.toLowerCase();
  if (!ID_CHARS.test(prefix)) {
    throw new UsageError(`not a session id: ${JSON.stringify(name)} (ids are hexadecimal; run csm list to see them)`);
  }
  if (prefix.length < MIN_PREFIX_LENGTH) {
    throw new UsageError(`session id prefix ${JSON.stringify(name)} is too short: give at least ${MIN_PREFIX_LENGTH} characters`);
  }
  const matches = sessions.filter((s) => s.id.startsWith(prefix));
  const [first, ...rest] = matches;
  if (first === undefined) {
    throw new SessionNotFoundError(`no session matches ${JSON.stringify(name)}; run csm list to see sessions`);
  }
  if (rest.length > 0) {
    const candidates = matches.map((s) => `${shortId(s.id)} (${s.workingDir})`).join(', ');
    throw new AmbiguousIdError(`${JSON.stringify(name)} matches ${matches.length} sessions: ${candidates}; give more characters`);
  }
  return first;
}
