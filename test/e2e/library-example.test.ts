// The README's library example is a real program: it is run here as written,
// against the built package, and must be in the README word for word.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CSM_BIN, runNode, testHome } from '../helpers/history-harness.js';

const ROOT = join(CSM_BIN, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'library.mjs');

test('the README shows the library example exactly as it is run', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  assert.ok(
    readme.includes(`\`\`\`js\n${readFileSync(EXAMPLE, 'utf8')}\`\`\``),
    'README.md must contain examples/library.mjs in a js block',
  );
});

test('the library example starts, drives, reads and stops a session', async (t) => {
  const h = testHome(t);
  const run = await runNode(h, EXAMPLE, []);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stdout,
    ['status: idle', 'live output ended with: "hello, csm"', 'name? csm', 'hello, csm', 'ended: killed', ''].join('\n'),
  );
});
