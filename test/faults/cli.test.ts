// Directories people really have: names with spaces and non-ASCII
// characters, and a directory deleted while its session runs in it. (Bad
// arguments to each command are unit-tested in test/unit/cli.test.ts; a
// deleted current directory in test/e2e/errors.test.ts.)
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'node:test';
import { e2e } from '../helpers/e2e.js';
import { startSession } from '../helpers/session.js';

describe('directories', () => {
  e2e('a directory with spaces and non-ASCII characters in its name is run in, listed and stopped by its exact name', async (sb) => {
    const dir = join(sb.root, 'my projects', 'ünïcødé 日本語 — ok');
    mkdirSync(dir, { recursive: true });
    const session = await startSession(sb, [dir]);
    assert.equal(session.banner.cwd, dir);

    const json = await sb.csm(['list', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(
      (JSON.parse(json.stdout) as { workingDir: string }[]).map((r) => r.workingDir),
      [dir],
    );
    const table = await sb.csm(['list']);
    assert.ok(table.stdout.includes(`  ${dir}\n`), table.stdout);
    const stopped = await sb.csm(['stop', session.shortId]);
    assert.deepEqual(
      { code: stopped.code, stdout: stopped.stdout, stderr: stopped.stderr },
      { code: 0, stdout: `stopped ${session.shortId} ${dir}\n`, stderr: '' },
    );
    assert.equal(await session.terminal.waitForExit(), 129);
  });

  e2e(
    'a directory deleted while its session runs: the session goes on, list shows it, stop ends it, start there is refused',
    async (sb) => {
      const dir = join(sb.root, 'doomed');
      mkdirSync(dir);
      const session = await startSession(sb, [dir]);
      rmSync(dir, { recursive: true });

      session.terminal.type('still alive\r');
      await session.terminal.waitForScreen(/^ECHO still alive$/m);
      const listed = await sb.csm(['list', '-q']);
      assert.deepEqual(
        { code: listed.code, stdout: listed.stdout, stderr: listed.stderr },
        { code: 0, stdout: `${session.id}\n`, stderr: '' },
      );
      const again = await sb.csm(['start', dir]);
      assert.deepEqual(
        { code: again.code, stdout: again.stdout, stderr: again.stderr },
        { code: 1, stdout: '', stderr: `csm: directory does not exist: ${dir}\n` },
      );

      const stopped = await sb.csm(['stop', session.shortId]);
      assert.deepEqual({ code: stopped.code, stdout: stopped.stdout }, { code: 0, stdout: `stopped ${session.shortId} ${dir}\n` });
      assert.equal(await session.terminal.waitForExit(), 129);
      assert.match(session.terminal.screenText(), new RegExp(`csm: session ${session.shortId} ended \\(stopped, killed by SIGHUP\\)`));
    },
  );
});
