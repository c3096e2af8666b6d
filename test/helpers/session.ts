// Starting a session the way a person does (csm start in a terminal) and
// waiting until the fake claude in it is ready for input.

import { BANNER, type Banner, ENV_LINE, type EnvReport, parseBanner, parseEnv } from './fake.js';
import type { Sandbox, TerminalRunOptions } from './sandbox.js';
import type { Terminal } from './terminal.js';

export interface StartedSession {
  readonly terminal: Terminal;
  /** The full session id (the child's CSM_SESSION_ID). */
  readonly id: string;
  readonly shortId: string;
  readonly banner: Banner;
  readonly env: EnvReport;
}

/** `csm start <args>` in a new terminal; resolves once the fake claude printed its banner. */
export async function startSession(
  sandbox: Sandbox,
  args: readonly string[] = [],
  options: TerminalRunOptions = {},
): Promise<StartedSession> {
  const terminal = sandbox.terminal(['start', ...args], options);
  return readySession(terminal);
}

/** Waits for the fake claude's banner and environment report in `terminal`. */
export async function readySession(terminal: Terminal): Promise<StartedSession> {
  const banner = parseBanner(await terminal.waitForScreen(BANNER));
  const env = parseEnv(await terminal.waitForScreen(ENV_LINE));
  return { terminal, id: env.sessionId, shortId: env.sessionId.slice(0, 8), banner, env };
}
