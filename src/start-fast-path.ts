// `csm start` in its plain forms, and `csm __host` (what `start --detach` runs
// in the background), parsed without commander. Loading and setting up
// commander cost a start about 4 ms before the child was spawned, and a
// host kept commander's objects in its heap for the session's whole life
// (about 0.5 MiB of RSS; docs/PERFORMANCE.md). Only exact, known flags take this path; anything else
// (help, combined short flags, a mistake, a value that looks like a flag) goes
// through cli.ts, which declares the same options and says what is wrong.
//
// A module of its own rather than part of list-fast-path.ts: list has flags
// only, start has an operand, option values and the arguments after `--`.
import type { StartCommandOptions } from './commands/start.js';

/** The name of the hidden command that hosts a session with no terminal. */
export const HOST_COMMAND = '__host';

/**
 * The options of `csm start [dir] [-d|--detach] [--no-session-id]
 * [-c|--command <path-or-name>] [-- args...]`, options in any order;
 * undefined for any other command line.
 */
export function plainStartOptions(argv: readonly string[]): StartCommandOptions | undefined {
  return parse(argv, 'start', true);
}

/** The same for `csm __host`, which has no --detach; undefined for any other command line. */
export function plainHostOptions(argv: readonly string[]): StartCommandOptions | undefined {
  return parse(argv, HOST_COMMAND, false);
}

/** The options as cli.ts builds them from commander's, with the same keys. */
function parse(argv: readonly string[], name: string, detachable: boolean): StartCommandOptions | undefined {
  if (argv[2] !== name) return undefined;
  // As cli.ts's splitPassthrough: everything after the first -- is the child's.
  const dash = argv.indexOf('--', 3);
  const words = dash === -1 ? argv.slice(3) : argv.slice(3, dash);
  let dir: string | undefined;
  let command: string | undefined;
  let conversationId = true;
  let detach = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (word === '-c' || word === '--command' || word.startsWith('--command=')) {
      const value = word.startsWith('--command=') ? word.slice('--command='.length) : words[++i];
      // Commander takes the next word as the value whatever it is, except the
      // program's own -V and --version: a value that looks like a flag is left to it.
      if (value === undefined || value.startsWith('-')) return undefined;
      command = value;
    } else if (word === '--no-session-id') {
      conversationId = false;
    } else if (detachable && (word === '-d' || word === '--detach')) {
      detach = true;
    } else if (dir === undefined && !word.startsWith('-')) {
      dir = word;
    } else {
      return undefined;
    }
  }
  const args = dash === -1 ? [] : argv.slice(dash + 1);
  return detachable ? { dir: dir ?? '.', command, args, conversationId, detach } : { dir: dir ?? '.', command, args, conversationId };
}
