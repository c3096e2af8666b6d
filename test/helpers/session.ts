// Starting a session the way a person does (csm start in a terminal) and
// waiting until the fake claude in it is ready for input.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allMatches, BANNER, type Banner, ENV_LINE, type EnvReport, parseBanner, parseEnv } from './fake.js';
import { isAlive } from './leaks.js';
import type { Sandbox, TerminalRunOptions } from './sandbox.js';
import type { Terminal } from './terminal.js';
import { waitFor } from './wait.js';

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

export interface SessionWithChildren {
  readonly session: StartedSession;
  /** The child first, then each grandchild. */
  readonly pids: number[];
  /** Grandchildren in the child's process group, and in process groups of their own. */
  readonly sameGroup: number[];
  readonly ownGroup: number[];
}

/** Starts a session whose fake claude starts `children` grandchildren; resolves once all are reported. */
export async function sessionWithChildren(sb: Sandbox, children: number, env: Record<string, string> = {}): Promise<SessionWithChildren> {
  const pidFile = join(sb.root, 'pids');
  const session = await startSession(sb, [], { env: { FAKE_CHILDREN: String(children), FAKE_PID_FILE: pidFile, ...env } });
  const lines = await waitFor(
    `${children} CHILD lines`,
    () => {
      const found = allMatches(session.terminal.screenText(), /^CHILD (\d+) (own-group|same-group)$/m);
      return found.length === children && found;
    },
    { detail: () => session.terminal.describe() },
  );
  const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
  assert.equal(pids.length, children + 1, 'the pid file names the child and each grandchild');
  assert.equal(pids[0], session.banner.pid);
  for (const pid of pids) assert.ok(isAlive(pid), `pid ${pid} runs before the stop`);
  const inGroup = (group: string) => lines.filter((m) => m[2] === group).map((m) => Number(m[1]));
  return { session, pids, sameGroup: inGroup('same-group'), ownGroup: inGroup('own-group') };
}
