// The one place errors become exit codes (exitCodeFor in errors.ts says
// which). Only the version and the plain forms of `list`, `start` and the
// background host are known up front: everything else loads after the
// `--version` fast path, so that it reads no other file of the bundle
// (scripts/bundle.mjs), and the plain forms load their command without the
// parser (list-fast-path.ts, start-fast-path.ts); plain `list` also without
// the standard streams (std-streams.ts).
import type { CommandContext } from './commands/context.js';
import { plainListOptions } from './list-fast-path.js';
import { plainHostOptions, plainStartOptions } from './start-fast-path.js';
import { DirectStdout, StdStreams } from './std-streams.js';
import { VERSION } from './version.js';

export async function main(argv: readonly string[]): Promise<void> {
  // Scripts call `csm --version` to probe for csm: answer it without loading
  // the parser (commander alone costs a quarter of node's own start-up).
  if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  const [{ exitCodeFor }, { currentDir }] = await Promise.all([import('./errors.js'), import('./working-dir.js')]);
  const std = new StdStreams();
  let code: number;
  try {
    // Every command fails alike when there is no current directory to name, list included.
    const cwd = currentDir(process.env);
    // Each stream is made when a command first uses it: `start` reads stdin only once its child runs.
    const ctx = (): CommandContext => ({
      cwd,
      env: process.env,
      get stdin() {
        return std.stdin;
      },
      get stdout() {
        return std.stdout;
      },
      get stderr() {
        return std.stderr;
      },
    });
    const list = plainListOptions(argv);
    const start = plainStartOptions(argv);
    const host = plainHostOptions(argv);
    if (list !== undefined) {
      const { listCommand } = await import('./commands/list.js');
      code = await listCommand(list, {
        env: process.env,
        stdout: new DirectStdout(std),
        get stderr() {
          return std.stderr;
        },
      });
    } else if (start !== undefined) {
      const { startCommand } = await import('./commands/start.js');
      code = await startCommand(start, ctx());
    } else if (host !== undefined) {
      const { hostCommand } = await import('./commands/host.js');
      code = await hostCommand(host, ctx());
    } else {
      const { runCli } = await import('./cli.js');
      code = await runCli(argv, ctx());
    }
  } catch (error) {
    code = exitCodeFor(error, std.stderr);
  }
  // Nothing was written through a stream (only DirectStdout's synchronous
  // writes): nothing to drain.
  if (!std.used) process.exit(code);
  // Exit explicitly once stdout has drained: a paused stdin or a closing
  // socket must not keep csm alive, and exiting before the drain would lose
  // the tail of the output.
  const { closeHungUpTerminal } = await import('./terminal-link.js');
  process.stdout.write('', () => {
    closeHungUpTerminal([process.stdin, process.stdout, process.stderr]);
    process.exit(code);
  });
}
