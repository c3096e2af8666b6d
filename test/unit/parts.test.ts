import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import { CODE_CACHE_SUFFIX, type LoadedPart, loadPartFrom, RECORD_ENV, writeCodeCaches } from '../../src/parts.js';

const moduleCache = createRequire(import.meta.url).cache;
const PARTS_MODULE = new URL('../../src/parts.ts', import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), 'csm-parts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes part `name` and forgets any earlier load of it. */
function writePart(name: string, source: string): string {
  const file = join(dir, `${name}.cjs`);
  writeFileSync(file, source);
  delete moduleCache[file];
  return file;
}

/** Writes part `name`, loads it in recording mode and writes its code cache, as the build's run does. */
function recordPart(name: string, source: string, use?: (exports: unknown) => void): string {
  const file = writePart(name, source);
  process.env[RECORD_ENV] = '1';
  try {
    const exports = loadPartFrom(dir, name);
    use?.(exports);
    writeCodeCaches();
  } finally {
    delete process.env[RECORD_ENV];
  }
  return file;
}

function loadedPart(file: string): LoadedPart {
  const part = moduleCache[file] as LoadedPart | undefined;
  assert.ok(part !== undefined, `${file} is not in require.cache`);
  return part;
}

/**
 * Loads part `name` in a new Node process: V8 keeps what it compiled for
 * as long as a process runs and would not look at a cache for a text it
 * has compiled before. Returns how the part was compiled and twice(n).
 */
function loadInNewProcess(name: string, n: number): { codeCache: string; twice: number } {
  const script = `
    const { loadPartFrom } = await import(${JSON.stringify(PARTS_MODULE)});
    const part = loadPartFrom(${JSON.stringify(dir)}, ${JSON.stringify(name)});
    const { createRequire } = await import('node:module');
    const loaded = createRequire(import.meta.url).cache[${JSON.stringify(join(dir, `${name}.cjs`))}];
    console.log(JSON.stringify({ codeCache: loaded.codeCache, twice: part.twice(${n}) }));
  `;
  const env = { ...process.env };
  delete env[RECORD_ENV];
  const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, encoding: 'utf8' });
  return JSON.parse(output) as { codeCache: string; twice: number };
}

const COUNTER = `
globalThis.csmPartLoads = (globalThis.csmPartLoads ?? 0) + 1;
const { basename } = require('node:path');
function twice(n) { return n * 2; }
module.exports = { twice, name: basename(__filename), dir: __dirname, self: module === require.cache[__filename] };
`;

describe('loadPartFrom', () => {
  beforeEach(() => {
    delete process.env[RECORD_ENV];
  });

  test('loads a part once, as a CommonJS module in require.cache, with its own require, __filename and __dirname', () => {
    const file = writePart('csm-once', COUNTER);
    const loadsBefore = (globalThis as { csmPartLoads?: number }).csmPartLoads ?? 0;
    const first = loadPartFrom(dir, 'csm-once') as { twice(n: number): number; name: string; dir: string; self: boolean };
    assert.equal(loadPartFrom(dir, 'csm-once'), first);
    assert.equal((globalThis as { csmPartLoads?: number }).csmPartLoads, loadsBefore + 1);
    assert.equal(first.twice(21), 42);
    assert.equal(first.name, 'csm-once.cjs');
    assert.equal(first.dir, dir);
    assert.equal(first.self, true);
    const part = loadedPart(file);
    assert.equal(part.loaded, true);
    assert.equal(part.filename, file);
    assert.equal(part.codeCache, 'none');
  });

  test('a part that throws while loading is not left half-loaded', () => {
    const file = writePart('csm-broken', 'throw new Error("broken part");');
    assert.throws(() => loadPartFrom(dir, 'csm-broken'), /broken part/);
    assert.equal(moduleCache[file], undefined);
  });

  test('the recording run writes a code cache that the next load uses', () => {
    const file = recordPart('csm-cached', COUNTER, (part) => (part as { twice(n: number): number }).twice(1));
    assert.ok(readFileSync(file + CODE_CACHE_SUFFIX).length > 16);

    assert.deepEqual(loadInNewProcess('csm-cached', 4), { codeCache: 'used', twice: 8 });
  });

  test('a cache is not used for a part changed since it was made', () => {
    const file = recordPart('csm-changed', COUNTER);
    writePart('csm-changed', `${COUNTER}module.exports.changed = true;\n`);
    const changed = loadPartFrom(dir, 'csm-changed') as { changed?: boolean };
    assert.equal(changed.changed, true);
    assert.equal(loadedPart(file).codeCache, 'none');
  });

  test('a cache V8 refuses (made from other text) is passed over and the part compiled as usual', () => {
    const file = recordPart('csm-refused', COUNTER);
    // Keep the header (the part is unchanged) but spoil what V8 checks.
    const cache = readFileSync(file + CODE_CACHE_SUFFIX);
    cache.fill(0xa5, 16, 48);
    writeFileSync(file + CODE_CACHE_SUFFIX, cache);

    assert.deepEqual(loadInNewProcess('csm-refused', 5), { codeCache: 'rejected', twice: 10 });
  });
});

test('writeCodeCaches never fails the exit of a process that cannot write a cache', (t) => {
  const parts = mkdtempSync(join(tmpdir(), 'csm-parts-unwritable-'));
  t.after(() => rmSync(parts, { recursive: true, force: true }));
  const file = join(parts, 'csm-unwritable.cjs');
  writeFileSync(file, 'module.exports = 1;');
  // A directory where the cache would go: the rename fails whoever runs the test (root ignores modes).
  mkdirSync(file + CODE_CACHE_SUFFIX);
  process.env[RECORD_ENV] = '1';
  t.after(() => {
    delete process.env[RECORD_ENV];
    delete moduleCache[file];
  });
  assert.equal(loadPartFrom(parts, 'csm-unwritable'), 1);
  assert.doesNotThrow(() => writeCodeCaches());
  assert.deepEqual(readdirSync(parts).sort(), ['csm-unwritable.cjs', `csm-unwritable.cjs${CODE_CACHE_SUFFIX}`]);
});
