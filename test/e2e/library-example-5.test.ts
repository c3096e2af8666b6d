// The README's library example is a real program: it is run here as written,
// against the built package, and must be in the README word for word.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CSM_BIN, testHome } from './harness-5.js';

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
  const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [EXAMPLE], { cwd: h.work, env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stdout,
    ['status: idle', 'live output ended with: "hello, csm"', 'name? csm', 'hello, csm', 'ended: killed', ''].join('\n'),
  );
});
