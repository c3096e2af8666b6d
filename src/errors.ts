// One error vocabulary for the whole tool. Every expected failure is a
// CsmError with a stable `code` (for scripts and tests) and the exit code the
// CLI turns it into; only main() catches and prints them.
import { sourceMappedStack } from './source-stack.js';

/** EX_SOFTWARE from sysexits.h: an internal error. */
const BUG_EXIT_CODE = 70;

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** The command to run in the session (claude) was not found or not executable. */
  commandNotFound: 127,
} as const;

export class CsmError extends Error {
  readonly code: string;
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode: number = ExitCode.failure) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** The user typed something csm cannot act on. */
export class UsageError extends CsmError {
  constructor(message: string) {
    super('usage', message, ExitCode.usage);
  }
}

/** The directory a session should start in is missing or unusable. */
export class DirectoryError extends CsmError {
  constructor(message: string) {
    super('bad-directory', message, ExitCode.failure);
  }
}

/** The command to run in the session cannot be found or executed. */
export class CommandNotFoundError extends CsmError {
  constructor(message: string) {
    super('command-not-found', message, ExitCode.commandNotFound);
  }
}

/** The state or runtime directory is missing, unsafe or unwritable. */
export class StateDirError extends CsmError {
  constructor(message: string) {
    super('state-dir', message, ExitCode.failure);
  }
}

/** No live session matches what the user named. */
export class SessionNotFoundError extends CsmError {
  constructor(message: string) {
    super('session-not-found', message, ExitCode.failure);
  }
}

/** A prefix names more than one session. */
export class AmbiguousIdError extends CsmError {
  constructor(message: string) {
    super('ambiguous-id', message, ExitCode.failure);
  }
}

/** The PTY could not be created or the child could not be spawned. */
export class SpawnError extends CsmError {
  constructor(message: string) {
    super('spawn-failed', message, ExitCode.failure);
  }
}

/** A session could not be stopped (a process refused to die, or a host hung). */
export class StopError extends CsmError {
  constructor(message: string) {
    super('stop-failed', message, ExitCode.failure);
  }
}

/** The operation needs an ended session, and this one is still running. */
export class SessionLiveError extends CsmError {
  constructor(message: string) {
    super('session-live', message, ExitCode.failure);
  }
}

/** The session did not run Claude Code with a known conversation id. */
export class NotResumableError extends CsmError {
  constructor(message: string) {
    super('not-resumable', message, ExitCode.failure);
  }
}

/** The session does not track activity (started with CSM_RECORD=0), so it has no status to wait for. */
export class NotObservedError extends CsmError {
  constructor(message: string) {
    super('not-observed', message, ExitCode.failure);
  }
}

/** Input could not be delivered to a live session (its host did not answer or refused). */
export class SendError extends CsmError {
  constructor(message: string) {
    super('send-failed', message, ExitCode.failure);
  }
}

/** Errno-style errors from node:fs and node:net carry a string code. */
export function errnoCode(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

/** An attached terminal lost its session without being told how it ended (the host died or dropped it). */
export class AttachError extends CsmError {
  constructor(message: string) {
    super('attach-lost', message, ExitCode.failure);
  }
}

/**
 * The exit code for an error that reached main(), after printing what the
 * user should see: expected failures (CsmError, commander's usage errors)
 * one line, anything else (a bug) its stack.
 */
export function exitCodeFor(error: unknown, stderr: NodeJS.WritableStream): number {
  if (isCommanderError(error)) {
    // Commander already printed the message (see configureOutput in cli.ts).
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
      return ExitCode.ok;
    }
    return ExitCode.usage;
  }
  if (error instanceof CsmError) {
    stderr.write(`csm: ${error.message}\n`);
    return error.exitCode;
  }
  const detail = error instanceof Error ? (error.stack === undefined ? error.message : sourceMappedStack(error.stack)) : String(error);
  stderr.write(`csm: internal error (this is a bug, please report it):\n${detail}\n`);
  return BUG_EXIT_CODE;
}

/** Commander's errors, known by their name so that main need not import commander. */
function isCommanderError(error: unknown): error is Error & { code: string } {
  return (
    error instanceof Error &&
    (error.name === 'CommanderError' || error.name === 'InvalidArgumentError') &&
    'code' in error &&
    typeof error.code === 'string'
  );
}
