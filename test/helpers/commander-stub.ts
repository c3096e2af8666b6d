// Commander's own parse, for tests that hold a fast path (list-fast-path.ts,
// start-fast-path.ts) to it: the built program (dist/csm-cli.cjs, `npm test`
// builds first) with the named command functions replaced by stubs that
// record the options they are handed. The bundle loads each command through
// its part loader (src/parts.ts), which, like require(), takes a module
// already in require.cache: one placed there first is the one it gets.
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { CommandContext } from '../../src/commands/context.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const require = createRequire(import.meta.url);

/** argv as Node gives it to csm. */
export const argv = (...args: string[]) => ['/usr/bin/node', '/usr/bin/csm', ...args];

/**
 * Stubs `exportName` of each bundle part given (e.g. csm-start.cjs:
 * startCommand) and returns what commander hands whichever of them a command
 * line reaches; undefined if commander refuses the line or runs something else.
 */
export function commanderParse<Options>(
  stubs: Readonly<Record<string, string>>,
): (args: readonly string[]) => Promise<Options | undefined> {
  let received: Options | undefined;
  for (const [part, exportName] of Object.entries(stubs)) {
    const filename = join(DIST, part);
    const stub = new Module(filename);
    stub.filename = filename;
    stub.loaded = true;
    stub.exports = {
      [exportName]: async (options: Options) => {
        received = options;
        return 0;
      },
    };
    require.cache[filename] = stub;
  }
  const { runCli } = require(join(DIST, 'csm-cli.cjs')) as {
    runCli: (argv: readonly string[], ctx: CommandContext) => Promise<number>;
  };
  const discard = new Writable({ write: (_chunk, _encoding, callback) => callback() }) as unknown as NodeJS.WriteStream;
  const ctx = { cwd: '/', env: {}, stdin: process.stdin, stdout: discard, stderr: discard };
  return async (args) => {
    received = undefined;
    try {
      await runCli(argv(...args), ctx);
    } catch {
      return undefined;
    }
    return received;
  };
}
