// The screen model as hosts run it: in a worker thread started from the
// build's one-file CommonJS worker (dist/screen-worker.cjs, scripts/bundle.mjs).
// Under tsx the hosts of unit tests run the same model inline, so this is the
// one unit test of the worker itself; the e2e attach tests use it through
// bin/csm.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Built by `npm test` before the tests run. */
const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

async function builtModel(cols: number, rows: number) {
  const { WorkerScreenModel } = (await import(pathToFileURL(`${DIST}screen-model.js`).href)) as typeof import('../../src/screen-model.js');
  return new WorkerScreenModel(cols, rows);
}

test('the built worker parses output and answers with the screen and the modes to reset', async () => {
  const model = await builtModel(40, 5);
  try {
    model.feed(Buffer.from('\x1b[?2004hline one\r\nline two'));
    model.endWrite();
    const screen = await model.snapshot({ scrollback: false });
    assert.match(screen, /line one/);
    assert.match(screen, /line two/);
    assert.ok((await model.resetSequence()).includes('\x1b[?2004l'), 'bracketed paste turned off');
  } finally {
    model.close();
  }
});

test('the worker is one CommonJS file that loads xterm.js with require, not through the ES module loader', () => {
  // Each attach, detach and redraw starts a worker: loaded as ES modules it
  // took about 40 ms more CPU before it could parse a byte (docs/PERFORMANCE.md).
  const source = readFileSync(`${DIST}screen-worker.cjs`, 'utf8');
  assert.match(source, /require\("@xterm\/headless"\)/);
  assert.doesNotMatch(source, /^import /m);
  assert.doesNotMatch(source, /require\("\.\//, 'csm modules are bundled in, not loaded one by one');
});
