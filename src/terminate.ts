// Ending a terminal session for good. Claude Code and the tools it starts
// have been seen to survive a hang-up, so csm escalates: SIGHUP to every
// process of the session (what a closing terminal does), SIGTERM after a short
// grace, SIGKILL at the deadline. It returns only when no process of that
// session is left. Membership is re-verified before every round of signals.
import { isSameProcess, type ProcessIdentity, sessionMembers, signalProcess } from './process-info.js';

export interface TerminateOptions {
  /** When SIGKILL is sent, counted from the first SIGHUP. */
  readonly timeoutMs: number;
  /** The controlling terminal, used to find members where there is no /proc. */
  readonly tty?: string | undefined;
}

export interface TerminateResult {
  /** The strongest signal that had to be sent, or undefined if nothing was running. */
  readonly escalatedTo: NodeJS.Signals | undefined;
  /** How many processes were found in the session at the start. */
  readonly processCount: number;
  /** Processes still there after SIGKILL (uninterruptible sleep); normally empty. */
  readonly remaining: readonly number[];
}

/** Hang-up first, as a closing terminal would; most programs exit on it. */
export const HANGUP_GRACE_MS = 1000;
/** A process stuck after SIGKILL is in uninterruptible sleep; don't wait forever. */
const AFTER_KILL_MS = 5000;
/** Stopping is rare and short: polling /proc at this rate costs nothing. */
const POLL_MS = 25;

export async function terminateSession(leader: ProcessIdentity, options: TerminateOptions): Promise<TerminateResult> {
  const members = () => sessionMembers(leader, options.tty);
  const initial = members();
  if (initial.length === 0) return { escalatedTo: undefined, processCount: 0, remaining: [] };

  const start = Date.now();
  const termAt = start + Math.min(HANGUP_GRACE_MS, options.timeoutMs / 2);
  const killAt = start + options.timeoutMs;
  let escalatedTo: NodeJS.Signals = 'SIGHUP';
  signalAll(initial, 'SIGHUP');

  for (;;) {
    await sleep(POLL_MS);
    const left = members();
    if (left.length === 0) return { escalatedTo, processCount: initial.length, remaining: [] };
    const now = Date.now();
    if (escalatedTo === 'SIGHUP' && now >= termAt) {
      escalatedTo = 'SIGTERM';
      signalAll(left, 'SIGTERM');
    } else if (escalatedTo === 'SIGTERM' && now >= killAt) {
      escalatedTo = 'SIGKILL';
      signalAll(left, 'SIGKILL');
    } else if (escalatedTo === 'SIGKILL') {
      // New members may have been forked between the last scan and SIGKILL.
      signalAll(left, 'SIGKILL');
      if (now >= killAt + AFTER_KILL_MS) return { escalatedTo, processCount: initial.length, remaining: left };
    }
  }
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    signalProcess(pid, signal);
    // A stopped process (Ctrl-Z, SIGSTOP) would only act on the signal once
    // continued; the kernel does the same on a terminal hang-up.
    if (signal !== 'SIGKILL') signalProcess(pid, 'SIGCONT');
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Ends one verified process (a hung host): SIGTERM, then SIGKILL after
 * `graceMs`. SIGCONT first, since a host stopped with SIGSTOP would hold
 * SIGTERM pending forever.
 */
export async function terminateProcess(identity: ProcessIdentity, graceMs: number): Promise<void> {
  if (!isSameProcess(identity)) return;
  signalProcess(identity.pid, 'SIGTERM');
  signalProcess(identity.pid, 'SIGCONT');
  const killAt = Date.now() + graceMs;
  while (isSameProcess(identity)) {
    if (Date.now() >= killAt) {
      signalProcess(identity.pid, 'SIGKILL');
      if (Date.now() >= killAt + AFTER_KILL_MS) return;
    }
    await sleep(POLL_MS);
  }
}
