// What every command gets from the outside world, passed in rather than read
// from globals so that commands can be called (and tested) with any cwd, env
// and streams.
import type { TextOutput } from '../std-streams.js';

export interface CommandContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

/** What a command that only prints a result needs (list): its output may bypass process.stdout (std-streams.ts). */
export interface OutputContext {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: TextOutput;
  readonly stderr: NodeJS.WriteStream;
}

/**
 * Diagnostics must never fail the command, even if stderr is gone. A line
 * to a terminal ends in CR LF: one csm holds raw has no output processing
 * (raw-terminal.ts) to return the cursor on a bare LF; in the terminal's
 * normal mode the CR changes nothing.
 */
export function say(ctx: Pick<CommandContext, 'stderr'>, line: string): void {
  try {
    ctx.stderr.write(`csm: ${line}${ctx.stderr.isTTY === true ? '\r\n' : '\n'}`);
  } catch {
    // stderr closed (terminal hung up): nothing left to tell.
  }
}
