// `csm list` in its plain forms, parsed without commander. Scripts and status
// lines run it again and again, and loading and setting up commander cost it
// about a tenth of Node's own start-up (docs/PERFORMANCE.md). Only exact,
// known flags take this path; anything else (help, combined short flags, a
// mistake) goes through cli.ts, which declares the same options and says
// what is wrong.
import type { ListCommandOptions } from './commands/list.js';

type ListFlag = keyof ListCommandOptions;

/** Every flag of `csm list` (see cli.ts) and the option it sets. */
const FLAGS: ReadonlyMap<string, ListFlag> = new Map<string, ListFlag>([
  ['-a', 'all'],
  ['--all', 'all'],
  ['--json', 'json'],
  ['-q', 'quiet'],
  ['--quiet', 'quiet'],
]);

/** The options of `csm list|ls [-a|--all] [--json] [-q|--quiet]`; undefined for any other command line. */
export function plainListOptions(argv: readonly string[]): ListCommandOptions | undefined {
  const [command, ...args] = argv.slice(2);
  if (command !== 'list' && command !== 'ls') return undefined;
  const options: Record<ListFlag, boolean> = { all: false, json: false, quiet: false };
  for (const arg of args) {
    const flag = FLAGS.get(arg);
    if (flag === undefined) return undefined;
    options[flag] = true;
  }
  return options;
}
