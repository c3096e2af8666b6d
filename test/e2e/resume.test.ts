// Claude Code's conversation id and `csm resume`, with the fake TUI standing
// in for claude (a `claude` first on PATH).
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { csm, fakeClaudeDir, listJson, OuterTerminal, startFake, type TestHome, testHome } from '../helpers/history-harness.js';

function claudeHome(t: Parameters<typeof testHome>[0]): TestHome {
  const h = testHome(t, { CSM_COMMAND: '' });
  const bin = fakeClaudeDir(h);
  return { ...h, env: { ...h.env, PATH: `${bin}:${h.env.PATH ?? ''}` } };
}

function argsOnScreen(text: string): string[] {
  const match = /FAKE5 READY pid=\d+ args=(\[.*?\]) cwd=/.exec(text);
  if (match === null) throw new Error(`no banner in:\n${text}`);
  return JSON.parse(match[1] ?? '[]') as string[];
}

test('claude is started with --session-id <csm id> unless told otherwise or given a conversation', async (t) => {
  const h = claudeHome(t);
  const { term, id } = await startFake(h);
  assert.deepEqual(argsOnScreen(term.text()), ['--session-id', id]);
  assert.deepEqual((await listJson(h)).find((s) => s.id === id)?.args, ['--session-id', id]);
  term.type('quit\r');
  await term.exited;

  const off = await startFake(h, { startArgs: ['--no-session-id'] });
  assert.deepEqual(argsOnScreen(off.term.text()), []);
  off.term.type('quit\r');
  await off.term.exited;

  for (const own of [['--resume', 'abc'], ['-c'], ['--session-id=x'], ['-r']]) {
    const run = await startFake(h, { args: own });
    assert.deepEqual(argsOnScreen(run.term.text()), own);
    run.term.type('quit\r');
    await run.term.exited;
  }
});

test("resume starts claude --resume <id> in the ended session's directory", async (t) => {
  const h = claudeHome(t);
  mkdirSync(join(h.work, 'project'));
  const first = new OuterTerminal(h, ['start', 'project']);
  await first.waitForText('FAKE5 READY');
  const [row] = await listJson(h);
  assert.ok(row !== undefined);
  first.type('quit\r');
  await first.exited;

  const resumed = new OuterTerminal(h, ['resume', row.id.slice(0, 8), '--', '--model', 'opus']);
  const text = await resumed.waitForText('FAKE5 READY');
  assert.deepEqual(argsOnScreen(text), ['--resume', row.id, '--model', 'opus']);
  assert.match(text, new RegExp(`cwd=${realpathSync(join(h.work, 'project'))}`));
  // The new session is a csm session of its own, resumable in turn.
  const [live] = await listJson(h);
  assert.ok(live !== undefined && live.id !== row.id);
  const refused = await csm(h, ['resume', live.id]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /is still running; it can be resumed once it has ended/);
  resumed.type('quit\r');
  assert.equal(await resumed.exited, 0);
  const again = new OuterTerminal(h, ['resume', live.id]);
  assert.deepEqual(argsOnScreen(await again.waitForText('FAKE5 READY')), ['--resume', row.id]);
  again.type('quit\r');
  await again.exited;
});

test('resume refuses a session that did not run Claude Code with a conversation id', async (t) => {
  const h = testHome(t);
  const { term, id } = await startFake(h);
  term.type('quit\r');
  await term.exited;
  const run = await csm(h, ['resume', id]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /cannot be resumed: it did not run Claude Code with a conversation id/);
  const misuse = await csm(h, ['list', '--', 'x']);
  assert.equal(misuse.code, 2);
});
