// Stack traces of bugs in source terms. bin/csm runs the bundle
// (scripts/bundle.mjs), whose positions mean little to a reader; Node can map
// them itself (--enable-source-maps), but only by reading every module's map
// as it loads, which costs every command a few milliseconds. A bug is rare:
// its stack is mapped here, once, when it is reported.
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `at f (/…/csm-list.cjs:12:5)` (the CommonJS bundle), `at f (file:///…/x.js:12:5)`
 * (an ES module), or either without the function name.
 */
const FRAME = /((?:file:\/\/|\/)[^\s()]+\.c?js):(\d+):(\d+)/;

/** The stack with each position in a file that has a source map replaced by its source position. */
export function sourceMappedStack(stack: string): string {
  const maps = new Map<string, SourceMap | undefined>();
  return stack
    .split('\n')
    .map((line) => {
      const match = FRAME.exec(line);
      if (match === null) return line;
      const [position, location = '', row = '', column = ''] = match;
      const file = location.startsWith('file:') ? fileURLToPath(location) : location;
      if (!maps.has(file)) maps.set(file, readMap(file));
      const entry = maps.get(file)?.findEntry(Number(row) - 1, Number(column) - 1);
      if (entry === undefined || !('originalSource' in entry)) return line;
      const source = resolve(dirname(file), entry.originalSource);
      return line.replace(position, `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`);
    })
    .join('\n');
}

function readMap(file: string): SourceMap | undefined {
  try {
    return new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload);
  } catch {
    return undefined; // no map (or not ours): the bundle's own position is still a position
  }
}
