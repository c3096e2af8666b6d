// Process identity: pids are reused, so csm never trusts a bare pid. A process
// is named by its pid plus a start-time token, and a session's processes are
// found by terminal session id (the child is a session leader: node-pty
// calls setsid, so the session id is the child's pid).
//
// Linux reads /proc (start time in clock ticks since boot, prefixed with the
// boot id so a reboot can never make an old token match). macOS has no /proc:
// it asks ps(1), whose `lstart` has one-second resolution, and finds session
// members by controlling terminal, because macOS ps shows no usable
// session id (docs/ARCHITECTURE.md, "Process identity").
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime: string;
}

interface ProcStat {
  readonly pid: number;
  readonly state: string;
  readonly session: number;
  readonly startTicks: number;
}

const isLinux = process.platform === 'linux';
let bootIdCache: string | undefined;

function bootId(): string {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      // Some containers hide boot_id; start ticks alone still identify a
      // process within one boot, which is all a live record needs.
      bootIdCache = 'boot';
    }
  }
  return bootIdCache;
}

function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone (ENOENT/ESRCH): not an error, just not there
  }
  // The command name (field 2) may contain spaces and parentheses: split after
  // the last ')'. fields[0] is field 3 (state) of proc(5).
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0] ?? '?';
  const session = Number(fields[3]);
  const startTicks = Number(fields[19]);
  if (!Number.isFinite(session) || !Number.isFinite(startTicks)) return undefined;
  return { pid, state, session, startTicks };
}

/** The owner of a process; undefined when it is gone. */
function procUid(pid: number): number | undefined {
  try {
    return statSync(`/proc/${pid}`).uid;
  } catch {
    return undefined; // gone (ENOENT): not an error, just not there
  }
}

/** Zombies have exited; they only wait to be reaped and can run no code. */
function hasExited(state: string): boolean {
  return state === 'Z' || state === 'X' || state === 'x';
}

function darwinPs(args: string[]): string {
  // Loaded only here: on Linux, `list` and `stop` never need node:child_process
  // (with node:dgram, which it loads, about 5% of Node's own start-up).
  const { execFileSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  try {
    return execFileSync('ps', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return ''; // ps exits 1 when no process matched
  }
}

/** The start-time token of a live process, or undefined when it is gone. */
export function startTimeOf(pid: number): string | undefined {
  return liveProcess(pid)?.startTime;
}

/** A live process's start-time token and state letter (`?` where there is no /proc). */
function liveProcess(pid: number): { startTime: string; state: string } | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (isLinux) {
    const stat = readProcStat(pid);
    if (stat === undefined || hasExited(stat.state)) return undefined;
    return { startTime: `${bootId()}:${stat.startTicks}`, state: stat.state };
  }
  const out = darwinPs(['-o', 'lstart=,stat=', '-p', String(pid)]).trim();
  if (out === '' || / Z\S*$/.test(out)) return undefined;
  return { startTime: out.replace(/\s+\S+$/, ''), state: '?' };
}

/**
 * The process's state letter from proc(5): R running, S waiting (for work,
 * in epoll), T stopped, D stuck in the kernel, Z exited. Undefined when it is
 * gone, and on systems without /proc.
 */
export function processState(pid: number): string | undefined {
  if (!isLinux || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.charAt(text.lastIndexOf(')') + 2) || undefined; // field 3, after the command name
  } catch {
    return undefined; // gone
  }
}

/** True when `pid` is still the very process the identity was taken from. */
export function isSameProcess(identity: ProcessIdentity): boolean {
  return startTimeOf(identity.pid) === identity.startTime;
}

/**
 * isSameProcess and processState from one reading of /proc: the state letter
 * of the very process the identity was taken from (`?` where there is no
 * /proc), or undefined when that process is gone. `list` asks this of every
 * host, and each reading of /proc/<pid>/stat costs a few tens of µs.
 */
export function sameProcessState(identity: ProcessIdentity): string | undefined {
  const live = liveProcess(identity.pid);
  return live?.startTime === identity.startTime ? live.state : undefined;
}

export function identityOf(pid: number): ProcessIdentity | undefined {
  const startTime = startTimeOf(pid);
  return startTime === undefined ? undefined : { pid, startTime };
}

/**
 * Every live process of the terminal session led by `leader`, the leader
 * included while it lives. Empty when the leader's pid now names another
 * process: then the session is over and its number was reused.
 */
export function sessionMembers(leader: ProcessIdentity, tty?: string): number[] {
  const current = startTimeOf(leader.pid);
  if (current !== undefined && current !== leader.startTime) return [];
  return isLinux ? linuxSessionMembers(leader) : darwinSessionMembers(leader, tty);
}

function linuxSessionMembers(leader: ProcessIdentity): number[] {
  const [boot, ticks] = splitToken(leader.startTime);
  if (boot !== bootId()) return []; // recorded before a reboot: nothing of it can be alive
  const uid = process.getuid?.() ?? 0;
  const members: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return members;
  }
  for (const entry of entries) {
    const code = entry.charCodeAt(0);
    if (code < 48 || code > 57) continue; // not a pid directory
    const stat = readProcStat(Number(entry));
    if (stat === undefined || stat.session !== leader.pid || hasExited(stat.state)) continue;
    // A session's members all started after its leader. A process of another
    // user is not ours to signal (and only root could).
    if (stat.startTicks < ticks) continue;
    if (uid !== 0 && procUid(stat.pid) !== uid) continue;
    members.push(stat.pid);
  }
  return members;
}

function darwinSessionMembers(leader: ProcessIdentity, tty: string | undefined): number[] {
  const uid = process.getuid?.() ?? 0;
  const leaderStart = Date.parse(leader.startTime);
  const members = new Set<number>();
  if (startTimeOf(leader.pid) !== undefined) members.add(leader.pid);
  if (tty === undefined) return [...members];
  const name = tty.replace(/^\/dev\//, '');
  for (const line of darwinPs(['-t', name, '-o', 'pid=,uid=,stat=,lstart=']).split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.+?)\s*$/.exec(line);
    if (match === null) continue;
    const [, pid, owner, state, lstart] = match;
    if (state?.startsWith('Z') || (uid !== 0 && Number(owner) !== uid)) continue;
    if (Date.parse(lstart ?? '') < leaderStart) continue;
    members.add(Number(pid));
  }
  return [...members];
}

function splitToken(token: string): [string, number] {
  const at = token.lastIndexOf(':');
  return [token.slice(0, at), Number(token.slice(at + 1))];
}

/**
 * Sends a signal; false when the process is already gone (ESRCH) or not ours
 * to signal (EPERM: e.g. a setuid program such as sudo running in the
 * session). Either way there is nothing more csm can do to it.
 */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if (error instanceof Error && 'code' in error && (error.code === 'ESRCH' || error.code === 'EPERM')) return false;
    throw error;
  }
}
