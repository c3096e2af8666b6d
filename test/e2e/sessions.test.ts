// csm list and csm stop from a second terminal, against sessions started in
// their own terminals.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'node:test';
import { e2e } from '../helpers/e2e.js';
import { FAKE_CLAUDE, REPO_ROOT } from '../helpers/paths.js';
import type { Sandbox } from '../helpers/sandbox.js';
import { type StartedSession, startSession } from '../helpers/session.js';

/** A session ended by stop: its terminal's csm exits 129 (the child died of SIGHUP) and says so. */
async function assertEndedByStop(session: StartedSession): Promise<void> {
  assert.equal(await session.terminal.waitForExit(), 129);
  assert.match(session.terminal.screenText(), new RegExp(`csm: session ${session.shortId} ended \\(stopped, killed by SIGHUP\\)`));
}

async function assertNothingLeft(sb: Sandbox): Promise<void> {
  const listed = await sb.csm(['list', '-q']);
  assert.deepEqual({ code: listed.code, stdout: listed.stdout, stderr: listed.stderr }, { code: 0, stdout: '', stderr: '' });
  assert.deepEqual(sb.recordFiles(), []);
  assert.deepEqual(sb.runtimeEntries(), []);
}

function projectDir(sb: Sandbox, name: string): string {
  const dir = join(sb.root, name);
  mkdirSync(dir);
  return dir;
}

describe('csm list', () => {
  e2e('list from another terminal shows the session as a table row', async (sb) => {
    const dir = projectDir(sb, 'alpha');
    const session = await startSession(sb, [dir]);

    const listed = await sb.csm(['list']);
    assert.equal(listed.code, 0);
    assert.equal(listed.stderr, '');
    const lines = listed.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2, listed.stdout);
    assert.match(lines[0] ?? '', /^ID {8}STARTED +STATUS +PID +DIR$/);
    assert.match(lines[1] ?? '', new RegExp(`^${session.shortId}  \\d+s ago +(active|idle \\d+s) +${session.banner.pid}  ${dir}$`));

    session.terminal.type('quit\r');
    assert.equal(await session.terminal.waitForExit(), 0);
    await assertNothingLeft(sb);
  });

  e2e('list --json describes each session with its ids, directory, processes and command', async (sb) => {
    const dir = projectDir(sb, 'beta');
    const before = Date.now();
    const session = await startSession(sb, [dir, '--', '--model', 'opus']);

    const listed = await sb.csm(['list', '--json']);
    assert.equal(listed.code, 0);
    assert.equal(listed.stderr, '');
    const rows = JSON.parse(listed.stdout) as Record<string, unknown>[];
    assert.equal(rows.length, 1);
    const row = rows[0] ?? {};
    assert.deepEqual(
      { id: row.id, workingDir: row.workingDir, pid: row.pid, hostPid: row.hostPid, command: row.command, args: row.args },
      {
        id: session.id,
        workingDir: dir,
        pid: session.banner.pid,
        hostPid: session.terminal.pid,
        command: FAKE_CLAUDE,
        args: ['--model', 'opus'],
      },
    );
    const created = Date.parse(String(row.createdAt));
    assert.ok(created >= before - 1000 && created <= Date.now(), `createdAt ${String(row.createdAt)} is when the session started`);

    session.terminal.type('quit\r');
    assert.equal(await session.terminal.waitForExit(), 0);
  });

  e2e('list -q prints full ids only, newest first', async (sb) => {
    const first = await startSession(sb);
    const second = await startSession(sb);

    const listed = await sb.csm(['list', '-q']);
    assert.deepEqual(
      { code: listed.code, stdout: listed.stdout, stderr: listed.stderr },
      { code: 0, stdout: `${second.id}\n${first.id}\n`, stderr: '' },
    );

    for (const session of [first, second]) session.terminal.type('quit\r');
    assert.equal(await first.terminal.waitForExit(), 0);
    assert.equal(await second.terminal.waitForExit(), 0);
  });

  e2e('list reads the registry without the parser, the hosting code, or stream, net and tty (its start-up budget)', async (sb) => {
    const session = await startSession(sb);
    const log = join(sb.root, 'load-log.jsonl');
    const listed = await sb
      .spawnCsm(['list'], {
        stdin: 'ignore',
        via: [process.execPath, '--require', join(REPO_ROOT, 'test', 'fixtures', 'load-probe.cjs')],
        env: { CSM_TEST_LOAD_LOG: log },
      })
      .waitForExit();
    assert.equal(listed.code, 0);
    assert.match(listed.stdout, new RegExp(`^${session.shortId} `, 'm'));
    const loaded = JSON.parse(readFileSync(log, 'utf8')) as {
      parts: string[];
      builtins: string[];
      nodePty: boolean;
      codeCaches: Record<string, string>;
    };
    // A running host's status comes from its status file: no socket, so no net.
    for (const name of ['net', 'tty', 'stream', 'child_process', 'crypto', 'fs/promises']) {
      assert.ok(!loaded.builtins.includes(name), `list loaded node:${name}`);
    }
    assert.deepEqual(loaded.parts, ['csm-errors.cjs', 'csm-list.cjs', 'csm-loader.cjs', 'csm.cjs']);
    assert.deepEqual(loaded.codeCaches, { 'csm.cjs': 'used', 'csm-errors.cjs': 'used', 'csm-list.cjs': 'used' });
    assert.equal(loaded.nodePty, false, 'list loaded node-pty');

    session.terminal.type('quit\r');
    assert.equal(await session.terminal.waitForExit(), 0);
  });

  e2e('list into a pipe whose reader has left (list | true) exits 0 and says nothing', async (sb) => {
    const session = await startSession(sb);
    // `true` exits at once; list writes its table tens of milliseconds later and gets EPIPE.
    const listed = await sb
      .spawnCsm(['list'], { stdin: 'ignore', via: ['/bin/bash', '-c', 'set -o pipefail; "$0" "$@" | true'] })
      .waitForExit();
    assert.deepEqual({ code: listed.code, stderr: listed.stderr }, { code: 0, stderr: '' });

    session.terminal.type('quit\r');
    assert.equal(await session.terminal.waitForExit(), 0);
  });

  e2e('list with no sessions says so and exits 0 without creating any directory', async (sb) => {
    const table = await sb.csm(['list']);
    assert.deepEqual(
      { code: table.code, stdout: table.stdout, stderr: table.stderr },
      { code: 0, stdout: 'no sessions; start one with: csm start <dir>\n', stderr: '' },
    );
    const json = await sb.csm(['list', '--json']);
    assert.deepEqual({ code: json.code, stdout: json.stdout }, { code: 0, stdout: '[]\n' });
    const quiet = await sb.csm(['ls', '-q']);
    assert.deepEqual({ code: quiet.code, stdout: quiet.stdout }, { code: 0, stdout: '' });
    assert.equal(existsSync(sb.stateDir), false, 'list creates no state directory');
  });
});

describe('csm stop', () => {
  e2e('stop by id prefix ends the session, says what it stopped, and frees the start terminal', async (sb) => {
    const dir = projectDir(sb, 'gamma');
    const session = await startSession(sb, [dir]);

    const stopped = await sb.csm(['stop', session.id.slice(0, 6)]);
    assert.deepEqual(
      { code: stopped.code, stdout: stopped.stdout, stderr: stopped.stderr },
      { code: 0, stdout: `stopped ${session.shortId} ${dir}\n`, stderr: '' },
    );
    await assertEndedByStop(session);
    await assertNothingLeft(sb);
  });

  e2e('stop by full id, in upper case, ends that session', async (sb) => {
    const session = await startSession(sb);
    const stopped = await sb.csm(['stop', session.id.toUpperCase()]);
    assert.deepEqual({ code: stopped.code, stdout: stopped.stdout }, { code: 0, stdout: `stopped ${session.shortId} ${sb.workDir}\n` });
    await assertEndedByStop(session);
    await assertNothingLeft(sb);
  });

  e2e('stop --all ends every session and names each', async (sb) => {
    const sessions = [await startSession(sb, [projectDir(sb, 'one')]), await startSession(sb, [projectDir(sb, 'two')])];
    const stopped = await sb.csm(['stop', '--all']);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal(stopped.stderr, '');
    assert.deepEqual(stopped.stdout.trimEnd().split('\n').sort(), sessions.map((s) => `stopped ${s.shortId} ${s.banner.cwd}`).sort());
    for (const session of sessions) await assertEndedByStop(session);
    await assertNothingLeft(sb);
  });

  e2e('stop with several ids ends exactly those sessions', async (sb) => {
    const [a, b, keep] = [await startSession(sb), await startSession(sb), await startSession(sb)];
    assert.ok(a && b && keep);
    const stopped = await sb.csm(['stop', a.id, b.shortId]);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.deepEqual(
      stopped.stdout.trimEnd().split('\n').sort(),
      [`stopped ${a.shortId} ${sb.workDir}`, `stopped ${b.shortId} ${sb.workDir}`].sort(),
    );
    await assertEndedByStop(a);
    await assertEndedByStop(b);

    const listed = await sb.csm(['list', '-q']);
    assert.deepEqual({ code: listed.code, stdout: listed.stdout }, { code: 0, stdout: `${keep.id}\n` });
    assert.equal(keep.terminal.exited, undefined);
    keep.terminal.type('quit\r');
    assert.equal(await keep.terminal.waitForExit(), 0);
  });

  e2e('stop with no sessions running says there is nothing to stop', async (sb) => {
    const stopped = await sb.csm(['stop', '--all']);
    assert.deepEqual(
      { code: stopped.code, stdout: stopped.stdout, stderr: stopped.stderr },
      { code: 0, stdout: 'no sessions to stop\n', stderr: '' },
    );
  });
});
