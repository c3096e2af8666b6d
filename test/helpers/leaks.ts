// The check that nothing a test started outlives it. Every process csm starts
// (host, fake claude, grandchildren) inherits the test's unique CSM_HOME, so
// scanning /proc/<pid>/environ for it finds them all, however they were
// detached. Linux only: other platforms have no readable environ.
import { readdirSync, readFileSync } from 'node:fs';
import { startTimeOf } from '../../src/process-info.js';

export interface Leftover {
  readonly pid: number;
  readonly command: string;
}

export const canCheckLeaks = process.platform === 'linux';
export const NO_LEAK_CHECK_REASON = `no /proc/<pid>/environ on ${process.platform}: the leftover-process check is skipped`;

/** Live processes (zombies excluded) whose environment contains `needle`. */
export function processesWithEnv(needle: string): Leftover[] {
  const wanted = Buffer.from(needle);
  const found: Leftover[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${entry}/environ`);
    } catch {
      continue; // exited while we looked, or not ours to read
    }
    // A zombie's environ reads empty; it has exited and runs no code.
    if (!environ.includes(wanted)) continue;
    found.push({ pid, command: commandOf(pid) });
  }
  return found;
}

export function killAll(leftovers: readonly Leftover[]): void {
  for (const { pid } of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already (ESRCH): that is what we wanted.
    }
  }
}

/**
 * Live processes (zombies excluded) in the terminal session `sid`, by field
 * 6 of /proc/<pid>/stat: this finds every process of a session, however it
 * was started and whichever process group it is in. Linux only.
 */
export function sessionProcesses(sid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[3]) === sid && fields[0] !== 'Z' && fields[0] !== 'X') found.push(Number(entry));
  }
  return found;
}

/** The guardians (src/guardian.ts) among the processes carrying `needle` in their environment. */
export function guardiansWithEnv(needle: string): Leftover[] {
  return processesWithEnv(needle).filter((p) => p.command.includes('csm-guardian'));
}

/** True while `pid` names a live (not zombie) process: csm's own check (/proc on Linux, ps on macOS). */
export function isAlive(pid: number): boolean {
  return startTimeOf(pid) !== undefined;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '?';
  }
}
