// Waiting for a session to reach a state (`csm wait`, the library's waitFor).
// Status is a matter of timestamps (status.ts), so waiting is polling: each
// probe asks the host for its activity, which costs it a few microseconds.
import type { SessionStatus } from './status.js';

export const WAIT_TARGETS = ['idle', 'needs-input', 'exit'] as const;
export type WaitTarget = (typeof WAIT_TARGETS)[number];

/** A tenth of a second: quick enough for scripts, while status itself moves in seconds. */
export const WAIT_POLL_MS = 100;

export interface Probe {
  readonly status: SessionStatus;
  /** The session is over (its status is its exit, or unknown if its host died). */
  readonly ended: boolean;
}

export type WaitOutcome =
  | { readonly outcome: 'reached'; readonly status: SessionStatus }
  /** The session ended without reaching the state. */
  | { readonly outcome: 'ended'; readonly status: SessionStatus }
  | { readonly outcome: 'timeout'; readonly status: SessionStatus };

export interface WaitOptions {
  /** Undefined waits for ever. */
  readonly timeoutMs?: number | undefined;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly pollMs?: number;
}

/**
 * idle: the session is not active, so a session that needs input counts (it
 * is quiet too, and waiting for the same person). needs-input: a bell or
 * notification is pending. exit: the session is over.
 */
export function satisfies(probe: Probe, target: WaitTarget): boolean {
  if (target === 'exit') return probe.ended;
  if (probe.ended) return false;
  if (target === 'needs-input') return probe.status.kind === 'needs-input';
  return probe.status.kind === 'idle' || probe.status.kind === 'needs-input';
}

export async function waitForState(probe: () => Promise<Probe>, target: WaitTarget, options: WaitOptions): Promise<WaitOutcome> {
  const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : options.now() + options.timeoutMs;
  for (;;) {
    const current = await probe();
    if (satisfies(current, target)) return { outcome: 'reached', status: current.status };
    if (current.ended) return { outcome: 'ended', status: current.status };
    const left = deadline - options.now();
    if (left <= 0) return { outcome: 'timeout', status: current.status };
    await options.sleep(Math.min(options.pollMs ?? WAIT_POLL_MS, left));
  }
}
