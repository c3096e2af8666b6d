// Loads the parts of the bundle (dist/csm*.cjs, scripts/bundle.mjs) as
// Node's CommonJS loader would, plus V8's code cache. It is a part of its own
// (csm-loader.cjs), the one bin/csm requires; every other part, csm.cjs
// included, comes through it. Compiling a part is a
// large share of a command's own start-up: csm-start.cjs and csm-hosting.cjs
// took 3.5 ms to compile before a session could spawn, and the functions a
// start then runs for the first time more again. The build runs csm once
// (scripts/code-cache.mjs) with CSM_CODE_CACHE_RECORD=1, and each process
// writes, at exit, V8's compiled code of every part it loaded next to it
// (csm-start.cjs.v8cache); later runs hand it to V8, which then skips the
// compiling of what the recording run compiled. Node 22 has this built in
// (module.enableCompileCache()); Node 20 does not.
//
// A cache is used only for the very file it was made from: its header holds
// the part's size and modification time, and V8 itself refuses a cache from
// another V8 version or other V8 flags (cachedDataRejected). Either way the
// part is then compiled as usual: a cache only ever saves time. The build
// deletes every cache before it writes new parts, so none outlives its part.
//
// Every part is loaded once per process, however many parts import it:
// require.cache (keyed by file name, as for any CommonJS module) is the
// registry, so `instanceof` a class of csm-errors.cjs holds in every part.
import { closeSync, fstatSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

export const CODE_CACHE_SUFFIX = '.v8cache';
/** Set to 1 by the build's recording run only. */
export const RECORD_ENV = 'CSM_CODE_CACHE_RECORD';
/** The part's size and modification time (ms), as two little-endian doubles. */
const HEADER_BYTES = 16;
/** What Node's CommonJS loader wraps a file in; on one line, so line numbers stay those of the file. */
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAP_TAIL = '\n})';

/** How a part was compiled: from its code cache, with one V8 refused, or without one. */
export type CodeCacheUse = 'used' | 'rejected' | 'none';

/** A loaded part: a CommonJS module, as require.cache holds it. */
export interface LoadedPart extends Module {
  /** Read by the tests' load probe (test/fixtures/load-probe.cjs). */
  codeCache?: CodeCacheUse;
}

type PartFunction = (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;

interface Recorded {
  readonly filename: string;
  readonly header: Buffer;
  readonly script: Script;
}

/** The bundle's directory: this module is csm-loader.cjs, beside the other parts. */
const PARTS_DIR = dirname(fileURLToPath(import.meta.url));
const moduleCache = createRequire(import.meta.url).cache;
const recorded: Recorded[] = [];
if (process.env[RECORD_ENV] === '1') process.on('exit', writeCodeCaches);

/** The exports of part `name` (csm-start for csm-start.cjs), loading it if this process has not. */
export function loadPart(name: string): unknown {
  return loadPartFrom(PARTS_DIR, name);
}

/** loadPart for the parts in `dir`; tests use their own. */
export function loadPartFrom(dir: string, name: string): unknown {
  const filename = join(dir, `${name}.cjs`);
  const loaded = moduleCache[filename];
  if (loaded !== undefined) return loaded.exports;

  const { source, header } = readPart(filename);
  const cachedData = readCodeCache(filename, header);
  const script = new Script(WRAP_HEAD + source + WRAP_TAIL, { filename, cachedData });
  const part: LoadedPart = new Module(filename);
  part.filename = filename;
  part.codeCache = cachedData === undefined ? 'none' : script.cachedDataRejected === true ? 'rejected' : 'used';
  // Registered before it runs, as Node does, so that a cycle sees the exports so far.
  moduleCache[filename] = part;
  try {
    const run = script.runInThisContext() as PartFunction;
    run.call(part.exports, part.exports, createRequire(filename), part, filename, dir);
  } catch (error) {
    delete moduleCache[filename];
    throw error;
  }
  part.loaded = true;
  if (process.env[RECORD_ENV] === '1') recorded.push({ filename, header, script });
  return part.exports;
}

/**
 * Writes the code cache of every part this process loaded, with what it
 * compiled since. Run at exit in the recording run; each file is written
 * whole (a temporary file renamed), since several processes may write one.
 */
export function writeCodeCaches(): void {
  for (const { filename, header, script } of recorded.splice(0)) {
    const target = filename + CODE_CACHE_SUFFIX;
    const temporary = `${target}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, Buffer.concat([header, script.createCachedData()]));
      renameSync(temporary, target);
    } catch {
      // A read-only install: that part simply has no cache. The command itself is done; never fail its exit.
      rmSync(temporary, { force: true });
    }
  }
}

function readPart(filename: string): { source: string; header: Buffer } {
  const fd = openSync(filename, 'r');
  try {
    const stat = fstatSync(fd);
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeDoubleLE(stat.size, 0);
    header.writeDoubleLE(stat.mtimeMs, 8);
    return { source: readFileSync(fd, 'utf8'), header };
  } finally {
    closeSync(fd);
  }
}

/** The part's code cache, if there is one made from this very file. */
function readCodeCache(filename: string, header: Buffer): Buffer | undefined {
  let data: Buffer;
  try {
    data = readFileSync(filename + CODE_CACHE_SUFFIX);
  } catch {
    return undefined; // none was made (or it cannot be read): compile as usual
  }
  if (data.length <= HEADER_BYTES || !data.subarray(0, HEADER_BYTES).equals(header)) return undefined;
  return data.subarray(HEADER_BYTES);
}
