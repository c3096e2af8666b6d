// Bundles the command-line program for bin/csm (after tsc has built dist/
// for the library and its typings). Node's ESM loader resolves, reads and
// compiles every module file on its own, and `csm list` loaded about fifty
// (csm's, commander's, uuid's): bundled, each command loads its entry and
// a few chunks (docs/PERFORMANCE.md). Splitting keeps each command's code in
// its own chunk, so `list` never loads what only `start` needs.
//
// Everything is written next to tsc's output in dist/, under names tsc never
// uses (csm.js, csm-*.js): code that finds files relative to its own module
// (the screen worker, the reaper, bin/csm) resolves the same from a chunk as
// from dist/<module>.js.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const outdir = join(root, 'dist');

// Chunk names change with their content: remove the previous build's.
for (const name of readdirSync(outdir)) {
  if (/^csm(-[\w-]+)?\.js(\.map)?$/.test(name)) rmSync(join(outdir, name));
}

await build({
  absWorkingDir: root,
  entryPoints: { csm: 'src/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'csm-[name]-[hash]',
  // node-pty is native and is loaded only where a session is spawned;
  // xterm.js only by the screen worker (dist/screen-worker.js) and `logs`.
  external: ['node-pty', '@xterm/*'],
  // Stack traces of bugs point into the bundle; the maps lead back to src/.
  // commander names its errors after their class (main.ts tells them by name).
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  // commander is CommonJS and require()s Node's modules; esbuild's ESM output
  // has no require of its own, so each file gets one.
  banner: { js: "import { createRequire as __csmRequire } from 'node:module'; const require = __csmRequire(import.meta.url);" },
  logLevel: 'warning',
});
