// Output history and ended sessions, used as a person would: a real terminal
// running `csm start` with the fake TUI, and csm commands from elsewhere.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CSM_BIN,
  csm,
  csmInBackground,
  endedSession,
  listJson,
  OuterTerminal,
  startFake,
  testHome,
  waitFor,
} from '../helpers/history-harness.js';

test('logs of a finished session render the text the program printed; --raw gives the bytes; --tail the last lines', async (t) => {
  const h = testHome(t);
  const term = new OuterTerminal(h, ['start', '.'], { env: { FAKE5_LINES: '5', FAKE5_EXIT: '0' } });
  assert.equal(await term.exited, 0);
  const [ended] = await listJson(h, true);
  assert.ok(ended !== undefined);
  assert.equal(ended.state, 'ended');
  assert.equal(ended.statusText, 'exited 0');
  assert.deepEqual(ended.exit, { exitCode: 0, signal: null });
  assert.ok(ended.endedAt !== null && !Number.isNaN(Date.parse(ended.endedAt)));

  const logs = await csm(h, ['logs', ended.id.slice(0, 6)]);
  assert.equal(logs.code, 0, logs.stderr);
  const lines = logs.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^FAKE5 READY pid=\d+ args=\[\] cwd=/);
  assert.deepEqual(lines.slice(1), ['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
  assert.ok(!logs.stdout.includes('\x1b') && !logs.stdout.includes('\r'), 'no escape codes or carriage returns');

  const raw = await csm(h, ['logs', ended.id, '--raw']);
  assert.equal(raw.code, 0);
  assert.match(raw.stdout, /^FAKE5 READY [^\r]*\r\r?\nline 0\r\r?\n[\s\S]*line 4\r\r?\n$/);

  const tail = await csm(h, ['logs', ended.id, '--tail', '2']);
  assert.equal(tail.stdout, 'line 3\nline 4\n');
  const rawTail = await csm(h, ['logs', ended.id, '--raw', '-n', '1']);
  assert.match(rawTail.stdout, /^line 4\r\r?\n$/);
});

test('the history files are private: a 0700 directory of 0600 files', async (t) => {
  const h = testHome(t);
  const ended = await endedSession(h);
  const { statSync } = await import('node:fs');
  for (const dir of [join(h.home, 'logs', ended.id), join(h.home, 'history')]) {
    assert.equal(statSync(dir).mode & 0o777, 0o700, dir);
    for (const name of readdirSync(dir)) assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600, name);
  }
});

test('logs --follow prints new output as it comes and returns when the session ends', async (t) => {
  const h = testHome(t);
  const { term, id } = await startFake(h);
  const follow = csmInBackground(h, ['logs', id, '--follow']);
  await waitFor('the banner in the follower', () => (follow.state.stdout.includes('FAKE5 READY') ? true : undefined));
  term.type('say hello from the session\r');
  await waitFor('new output in the follower', () => (/^hello from the session$/m.test(follow.state.stdout) ? true : undefined));
  const sent = await csm(h, ['send', id, 'say second line', '--enter']);
  assert.equal(sent.code, 0, sent.stderr);
  await waitFor('the second line', () => (/^second line$/m.test(follow.state.stdout) ? true : undefined));
  term.type('quit\r');
  assert.equal(await follow.closed, 0, follow.state.stderr);
  assert.equal(await term.exited, 0);
  // Plain line output is printed once, not again at every flush.
  assert.equal(follow.state.stdout.match(/^hello from the session$/gm)?.length, 1);
});

test('logs --follow --raw streams the exact bytes', async (t) => {
  const h = testHome(t);
  const { term, id } = await startFake(h);
  const follow = csmInBackground(h, ['logs', id, '--follow', '--raw']);
  term.type('title my-title\r');
  await waitFor('the title escape in the raw stream', () => (follow.state.stdout.includes('\x1b]2;my-title\x07') ? true : undefined));
  term.type('quit\r');
  assert.equal(await follow.closed, 0);
});

test('ended sessions stay in list --all; a host killed with SIGKILL shows as ended with unknown status', async (t) => {
  const h = testHome(t);
  const done = new OuterTerminal(h, ['start', '.'], { env: { FAKE5_EXIT: '3' } });
  assert.equal(await done.exited, 3);
  const { id: lostId } = await startFake(h);
  const [lost] = (await listJson(h)).filter((s) => s.id === lostId);
  assert.ok(lost !== undefined);
  const hostPid = (lost as unknown as { hostPid: number }).hostPid;
  process.kill(hostPid, 'SIGKILL');
  const rows = await waitFor('the killed session among the ended ones', async () => {
    const all = await listJson(h, true);
    return all.find((s) => s.id === lostId && s.state === 'ended') === undefined ? undefined : all;
  });
  assert.equal(rows.find((s) => s.id === lostId)?.statusText, 'unknown');
  assert.equal(rows.find((s) => s.id !== lostId)?.statusText, 'exited 3');
  const table = await csm(h, ['list', '--all']);
  assert.match(table.stdout, /^ID +STARTED +ENDED +STATUS +PID +DIR$/m);
  assert.match(table.stdout, new RegExp(`^${lostId.slice(0, 8)} .* unknown +- +`, 'm'));
  assert.match(table.stdout, /exited 3/);
  const plain = await csm(h, ['list']);
  assert.doesNotMatch(plain.stdout, /exited|unknown/);
  // What it printed before the host died is still there.
  const logs = await csm(h, ['logs', lostId]);
  assert.match(logs.stdout, /FAKE5 READY/);
});

test('a stopped session is listed as killed, with how it ended in --json', async (t) => {
  const h = testHome(t);
  const { term, id } = await startFake(h);
  const stop = await csm(h, ['stop', id]);
  assert.equal(stop.code, 0, stop.stderr);
  await term.exited;
  const [row] = await listJson(h, true);
  assert.equal(row?.id, id);
  assert.equal(row?.statusText, 'killed');
  assert.equal(row?.exit?.signal, 1);
});

test('rm refuses a live session and deletes nothing; once it ended, rm removes its record and output', async (t) => {
  const h = testHome(t);
  const oldRow = await endedSession(h);
  const { term, id } = await startFake(h);

  const refused = await csm(h, ['rm', oldRow.id, id.slice(0, 8)]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    new RegExp(`csm: session ${id.slice(0, 8)} is still running; stop it first with: csm stop ${id.slice(0, 8)}`),
  );
  assert.equal((await listJson(h, true)).length, 2, 'nothing was removed');
  assert.ok(
    (await listJson(h)).some((s) => s.id === id),
    'the live session still runs',
  );

  term.type('quit\r');
  await term.exited;
  const removed = await csm(h, ['rm', oldRow.id, id.slice(0, 8)]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, /^removed [0-9a-f]{8} /m);
  assert.deepEqual(await listJson(h, true), []);
  assert.equal(existsSync(join(h.home, 'logs', id)), false);
  const again = await csm(h, ['rm', id]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /no session matches/);
});

test('prune removes ended sessions and keeps live ones; --older-than keeps recent ones', async (t) => {
  const h = testHome(t);
  const old = new OuterTerminal(h, ['start', '.'], { env: { FAKE5_EXIT: '0' } });
  await old.exited;
  const { id: liveId } = await startFake(h);

  const recent = await csm(h, ['prune', '--older-than', '1h']);
  assert.equal(recent.code, 0);
  assert.match(recent.stderr, /no ended sessions to remove/);
  assert.equal((await listJson(h, true)).length, 2);

  const pruned = await csm(h, ['prune']);
  assert.equal(pruned.code, 0, pruned.stderr);
  assert.equal(pruned.stdout.trim().split('\n').length, 1);
  const left = await listJson(h, true);
  assert.deepEqual(
    left.map((s) => [s.id, s.state]),
    [[liveId, 'running']],
  );
  assert.ok(existsSync(join(h.home, 'logs', liveId)), "a live session's output is kept");

  const bad = await csm(h, ['prune', '--older-than', '7']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--older-than takes a number with a unit/);
});

test('a history that cannot be written warns once and never harms the session', async (t) => {
  const h = testHome(t);
  // RLIMIT_FSIZE: every write past 64 KiB fails with EFBIG (node ignores SIGXFSZ).
  const term = new OuterTerminal(h, [], {
    command: `ulimit -f 64; exec "${process.execPath}" "${CSM_BIN}" start .`,
    env: { FAKE5_BIG: '300000' },
  });
  assert.equal(await term.exited, 0);
  const text = await term.waitForText('END-OF-OUTPUT');
  assert.equal(text.match(/output history stopped/g)?.length, 1, text);
  assert.match(text, /session goes on unrecorded/);
  const [row] = await listJson(h, true);
  assert.equal(row?.statusText, 'exited 0');
});

test('with CSM_RECORD=0 nothing is recorded or tracked: logs and wait say so, send still works', async (t) => {
  const h = testHome(t);
  const { term, id } = await startFake(h, { env: { CSM_RECORD: '0' } });
  assert.equal((await listJson(h))[0]?.statusText, 'unknown');
  const logs = await csm(h, ['logs', id]);
  assert.equal(logs.code, 1);
  assert.match(logs.stderr, /has no recorded output \(it was started with CSM_RECORD=0/);
  const wait = await csm(h, ['wait', id, '--timeout', '1']);
  assert.equal(wait.code, 1);
  assert.match(wait.stderr, /does not track activity/);
  const sent = await csm(h, ['send', id, 'say still typed', '--enter']);
  assert.equal(sent.code, 0, sent.stderr);
  await term.waitForText(/^still typed$/m);
  const exiting = csm(h, ['wait', id, '--until', 'exit', '--timeout', '10']);
  term.type('quit\r');
  assert.equal((await exiting).code, 0);
  assert.equal(existsSync(join(h.home, 'logs', id)), false);
});

test('a bad CSM_LOG_MAX_BYTES is refused before anything starts', async (t) => {
  const h = testHome(t, { CSM_LOG_MAX_BYTES: 'lots' });
  const run = await csm(h, ['start', '.']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^csm: CSM_LOG_MAX_BYTES takes 0 or a size/);
  assert.deepEqual(await listJson(h, true), []);
});
