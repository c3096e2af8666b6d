// Session: what csm knows about one session, as plain data. The record on
// disk (SessionRecord) adds what other terminals need to find and verify the
// host and its child. Pure functions only: no I/O here.
import type { ProcessIdentity } from './process-info.js';

export interface Session {
  /** UUID v4; also the name of its record and control socket. */
  readonly id: string;
  /** Absolute real path the child runs in. */
  readonly workingDir: string;
  /** RFC 3339 timestamp (UTC, milliseconds). */
  readonly createdAt: string;
}

/** Where a session's processes are, and how to prove a pid is still theirs. */
export interface SessionRecord extends Session {
  readonly version: typeof RECORD_VERSION;
  /** Absolute path of the command run in the PTY, and its arguments. */
  readonly command: string;
  readonly args: readonly string[];
  /** The `csm start` process that owns the PTY and answers the control socket. */
  readonly hostPid: number;
  readonly hostStartTime: string;
  /** The child: leader of the PTY's terminal session (its pid is the session id). */
  readonly pid: number;
  readonly pidStartTime: string;
  /** The PTY's slave device (the session's controlling terminal), if known. */
  readonly tty?: string | undefined;
  /** Path of the control socket. */
  readonly socketPath: string;
}

export const RECORD_VERSION = 1;
const SHORT_ID_LENGTH = 8;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function createSession(input: { id: string; workingDir: string; now: Date }): Session {
  if (!isSessionId(input.id)) throw new TypeError(`not a UUID v4: ${input.id}`);
  return { id: input.id, workingDir: input.workingDir, createdAt: input.now.toISOString() };
}

/**
 * Sort order for RFC 3339 UTC times of one format, newest first. Compared as
 * strings, which for these is the order of time: localeCompare gave the same
 * order but its first call sets up ICU collation, 5 ms of every `csm list`.
 */
export function newestFirst(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}

export function isSessionId(value: string): boolean {
  return UUID_V4.test(value);
}

export function shortId(id: string): string {
  return id.slice(0, SHORT_ID_LENGTH);
}

export function serializeRecord(record: SessionRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

/**
 * Parses a record read from disk. Anything that is not exactly a record this
 * version of csm wrote comes back as a reason string, so callers can warn and
 * skip it instead of crashing. Unknown extra fields are ignored (forward
 * compatible within a version).
 */
export function parseRecord(text: string): SessionRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  if (r.version !== RECORD_VERSION) return `unknown record version ${JSON.stringify(r.version)}`;
  const problems: string[] = [];
  const str = (key: string) => {
    if (typeof r[key] !== 'string' || r[key] === '') problems.push(key);
    return r[key] as string;
  };
  const pid = (key: string) => {
    const v = r[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 1) problems.push(key);
    return v as number;
  };
  const record: SessionRecord = {
    version: RECORD_VERSION,
    id: str('id'),
    workingDir: str('workingDir'),
    createdAt: str('createdAt'),
    command: str('command'),
    args: Array.isArray(r.args) && r.args.every((a) => typeof a === 'string') ? (r.args as string[]) : [],
    hostPid: pid('hostPid'),
    hostStartTime: str('hostStartTime'),
    pid: pid('pid'),
    pidStartTime: str('pidStartTime'),
    tty: typeof r.tty === 'string' ? r.tty : undefined,
    socketPath: str('socketPath'),
  };
  if (!Array.isArray(r.args) || !r.args.every((a) => typeof a === 'string')) problems.push('args');
  if (r.tty !== undefined && typeof r.tty !== 'string') problems.push('tty');
  if (typeof record.id === 'string' && !isSessionId(record.id)) problems.push('id');
  if (typeof record.createdAt === 'string' && Number.isNaN(Date.parse(record.createdAt))) problems.push('createdAt');
  if (problems.length > 0) return `bad field(s): ${[...new Set(problems)].join(', ')}`;
  return record;
}

/** The host process as a record names it: what must still run for the session to be hosted. */
export function hostIdentity(record: SessionRecord): ProcessIdentity {
  return { pid: record.hostPid, startTime: record.hostStartTime };
}

/** The child (the terminal session's leader) as a record names it: what csm may signal. */
export function childIdentity(record: SessionRecord): ProcessIdentity {
  return { pid: record.pid, startTime: record.pidStartTime };
}
