// Bundles the command-line program for bin/csm (after tsc has built dist/
// for the library and its typings). Node's ES module loader resolves, reads
// (through the thread pool) and compiles every module file on its own, and
// wraps each built-in it imports: `csm list` as ES module chunks spent most of
// its own time there (docs/PERFORMANCE.md). So the program is CommonJS, one
// self-contained file per part, each loaded when it is needed:
//
//   csm-loader.cjs  parts.ts: loads the other parts, with V8's code cache
//   csm.cjs         main.ts: the --version fast path, the one try/catch
//   csm-cli.cjs     cli.ts and commander: parsing, --help
//   csm-<cmd>.cjs   one per command (src/commands/<cmd>.ts), all it needs
//   csm-errors.cjs  errors.ts, shared, so that `instanceof CsmError` in main
//                   holds for an error a command throws
//   csm-hosting.cjs hosting.ts: what only a session's host runs
//   csm-attach-client.cjs, csm-log-render.cjs: the attach client and the
//                   log renderer, loaded by the commands that use them
//
// An import of one of these parts from another becomes a call of the part
// loader (src/parts.ts, csm-loader.cjs), which reads the part's file and V8's
// code cache for it (made by scripts/code-cache.mjs, the build's next step);
// everything else is copied into each part that uses it (on disk only: a
// process loads one command). esbuild cannot split CommonJS output, hence
// the parts are cut by hand here.
//
// Everything is written next to tsc's output in dist/, under names tsc never
// uses (csm.cjs, csm-*.cjs): code that finds files relative to its own module
// (the screen worker, the reaper, bin/csm) resolves the same from a part as
// from dist/<module>.js.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const src = join(root, 'src');
const outdir = join(root, 'dist');

/** Output name (without .cjs) of each part, by its source file. */
const parts = new Map([
  [join(src, 'parts.ts'), 'csm-loader'],
  [join(src, 'main.ts'), 'csm'],
  [join(src, 'cli.ts'), 'csm-cli'],
  [join(src, 'errors.ts'), 'csm-errors'],
]);
// Code that only some commands run, which the modules that need it import
// with import(): a part of its own keeps it out of every other command's
// file (the CommonJS loader reads and compiles a whole file, used or not).
parts.set(join(src, 'hosting.ts'), 'csm-hosting');
parts.set(join(src, 'attach-client.ts'), 'csm-attach-client');
parts.set(join(src, 'log-render.ts'), 'csm-log-render');
for (const name of readdirSync(join(src, 'commands'))) {
  if (name.endsWith('.ts') && name !== 'context.ts') parts.set(join(src, 'commands', name), `csm-${basename(name, '.ts')}`);
}

/**
 * An import of another part loads that part's file through the one part
 * loader, csm-loader.cjs (src/parts.ts: once per process, with V8's code cache),
 * not with require(), which would compile it afresh. import() stays lazy:
 * the loader runs when the import does.
 */
const separateParts = {
  name: 'separate-parts',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const part = parts.get(resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts'));
      return part === undefined ? undefined : { path: part, namespace: 'csm-part' };
    });
    b.onLoad({ filter: /.*/, namespace: 'csm-part' }, (args) => ({
      contents: `module.exports = require("./csm-loader.cjs").loadPart(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
    // The loader itself, which bin/csm requires first: the one part loaded with require().
    b.onResolve({ filter: /^\.\/csm-loader\.cjs$/, namespace: 'csm-part' }, () => ({ path: './csm-loader.cjs', external: true }));
  },
};

// Remove the previous build's parts, their code caches (before the parts
// change: see src/parts.ts) and the ES module chunks of older builds.
for (const name of readdirSync(outdir)) {
  if (/^csm(-[\w-]+)?\.c?js(\.map|\.v8cache(\.\d+\.tmp)?)?$/.test(name)) rmSync(join(outdir, name));
}

/** What both builds share: self-contained CommonJS files for Node 20 in dist/, with maps back to src/. */
const commonjs = {
  absWorkingDir: root,
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // Stack traces of bugs point into the bundle; the maps lead back to src/.
  // commander names its errors after their class (main.ts tells them by name).
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
};

await build({
  ...commonjs,
  entryPoints: Object.fromEntries([...parts].map(([file, name]) => [name, file])),
  plugins: [separateParts],
  // import() becomes require(): of another part, a file read and compiled by
  // the CommonJS loader; of a module copied into this part, code that runs
  // only then (node-pty is still loaded only where a session is spawned).
  supported: { 'dynamic-import': false },
  // node-pty is native and is loaded only where a session is spawned;
  // xterm.js only by the screen worker (dist/screen-worker.cjs) and `logs`.
  external: ['node-pty', '@xterm/*'],
  // Code that finds files relative to its module reads import.meta.url.
  define: { 'import.meta.url': '__csmModuleUrl' },
  banner: { js: "const __csmModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});

// The screen model's worker thread (src/screen-worker.ts), which
// screen-model.ts starts from dist/screen-worker.cjs for every attach,
// detach and redraw: one CommonJS file, not a part (it runs in a thread of its
// own, started by file name). Started as the ES module tsc builds
// (dist/screen-worker.js), a model spent about 60 ms, and 85 ms of CPU, before
// it could parse a byte: the ES module loader resolving and compiling each
// file, and cjs-module-lexer scanning xterm.js for its exports. As one
// CommonJS file, about 40 ms and 45 ms, of which an empty worker thread is
// 22 and 25 (docs/PERFORMANCE.md). xterm.js stays outside, loaded with
// require() from its own CommonJS build.
await build({
  ...commonjs,
  entryPoints: { 'screen-worker': join(src, 'screen-worker.ts') },
  external: ['@xterm/*'],
});
// tsc's ES module worker is never started: gone, so that nothing starts the slow one by mistake.
for (const name of ['screen-worker.js', 'screen-worker.js.map', 'screen-worker.d.ts']) rmSync(join(outdir, name), { force: true });

// V8 keeps each part's source text for as long as the process runs (a host
// runs for days) and stores a text with one character beyond ASCII at two
// bytes per character: one arrow in a kept comment doubled csm-start.cjs's
// 200 KB in every host. esbuild escapes strings and names; comments it keeps
// (on members of object literals) must be ASCII in src/.
for (const name of readdirSync(outdir)) {
  if (!/^(csm(-[\w-]+)?|screen-worker)\.cjs$/.test(name)) continue;
  const lines = readFileSync(join(outdir, name), 'utf8').split('\n');
  const line = lines.findIndex((text) => [...text].some((char) => char.charCodeAt(0) > 0x7f));
  if (line !== -1) {
    console.error(
      `bundle: dist/${name}:${line + 1} is not ASCII: ${lines[line].trim()}\nuse ASCII in that comment in src/ (see scripts/bundle.mjs)`,
    );
    process.exit(1);
  }
}
