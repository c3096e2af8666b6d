// Synchronisation by polling with a deadline: tests never sleep a fixed time
// and hope, they wait until what they expect is there (or fail saying what
// they saw).

/** How often a condition is re-checked; cheap enough to be near-instant. */
const POLL_MS = 20;

export interface WaitOptions {
  readonly timeoutMs?: number;
  /** Shown on timeout: what the world looked like instead. */
  readonly detail?: () => string;
}

/** Default for things that happen as soon as a process reacts (node start-up included). */
export const DEFAULT_WAIT_MS = 10_000;

/**
 * Polls `probe` until it returns something other than undefined or false, and
 * returns that; throws after the deadline naming `what` was awaited.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) {
      const detail = options.detail === undefined ? '' : `\n--- instead:\n${options.detail()}\n---`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await delay(POLL_MS);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `work`, but gives up after `ms` with an error naming `what`. */
export async function withDeadline<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function matches(text: string, pattern: RegExp | string): RegExpMatchArray | undefined {
  if (typeof pattern === 'string') {
    const index = text.indexOf(pattern);
    if (index === -1) return undefined;
    const match: RegExpMatchArray = [pattern];
    match.index = index;
    return match;
  }
  return pattern.exec(text) ?? undefined;
}
