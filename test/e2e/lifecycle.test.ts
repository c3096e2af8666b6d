// How sessions end when things get rough: children that ignore signals and
// leave grandchildren behind, signals to the csm host itself, and a host that
// dies with kill -9.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'node:test';
import { e2e } from '../helpers/e2e.js';
import { allMatches } from '../helpers/fake.js';
import { isAlive } from '../helpers/leaks.js';
import type { Sandbox } from '../helpers/sandbox.js';
import { type StartedSession, startSession } from '../helpers/session.js';
import { waitFor } from '../helpers/wait.js';

/** Starts a session whose fake claude starts `children` grandchildren; resolves once all are reported. */
async function sessionWithChildren(sb: Sandbox, children: number, env: Record<string, string> = {}) {
  const pidFile = join(sb.root, 'pids');
  const session = await startSession(sb, [], { env: { FAKE_CHILDREN: String(children), FAKE_PID_FILE: pidFile, ...env } });
  const lines = await waitFor(
    `${children} CHILD lines`,
    () => {
      const found = allMatches(session.terminal.screenText(), /^CHILD (\d+) (own-group|same-group)$/m);
      return found.length === children && found;
    },
    { detail: () => session.terminal.describe() },
  );
  const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
  assert.equal(pids.length, children + 1, 'the pid file names the child and each grandchild');
  assert.equal(pids[0], session.banner.pid);
  for (const pid of pids) assert.ok(isAlive(pid), `pid ${pid} runs before the stop`);
  const inGroup = (group: string) => lines.filter((m) => m[2] === group).map((m) => Number(m[1]));
  return { session, pids, sameGroup: inGroup('same-group'), ownGroup: inGroup('own-group') };
}

function assertAllGone(pids: readonly number[]): void {
  assert.deepEqual(
    pids.filter((pid) => isAlive(pid)),
    [],
    'no process of the session is left',
  );
}

async function assertRecordGone(sb: Sandbox): Promise<void> {
  assert.deepEqual(sb.recordFiles(), []);
  assert.deepEqual(sb.runtimeEntries(), []);
  const listed = await sb.csm(['list']);
  assert.deepEqual(
    { code: listed.code, stdout: listed.stdout, stderr: listed.stderr },
    { code: 0, stdout: 'no sessions; start one with: csm start <dir>\n', stderr: '' },
  );
}

async function endedWith(session: StartedSession, code: number, how: string): Promise<void> {
  assert.equal(await session.terminal.waitForExit(), code);
  assert.match(session.terminal.screenText(), new RegExp(`csm: session ${session.shortId} ended \\(${how}\\)`));
}

describe('ending stubborn sessions', () => {
  e2e('stop --timeout 1 kills a child that ignores SIGHUP and SIGTERM, and all its grandchildren', async (sb) => {
    const { session, pids } = await sessionWithChildren(sb, 2, { FAKE_IGNORE: 'HUP,TERM' });

    const started = Date.now();
    const stopped = await sb.csm(['stop', '--timeout', '1', session.shortId]);
    const took = Date.now() - started;
    assert.deepEqual(
      { code: stopped.code, stdout: stopped.stdout, stderr: stopped.stderr },
      { code: 0, stdout: `stopped ${session.shortId} ${sb.workDir} (did not exit on SIGHUP or SIGTERM: killed)\n`, stderr: '' },
    );
    assert.ok(took < 5000, `stop returned after ${took} ms, expected about 1 s`);
    // stop returns only when nothing of the session is left.
    assertAllGone(pids);

    await endedWith(session, 137, 'stopped, killed by SIGKILL');
    const screen = session.terminal.screenText();
    assert.match(screen, /^SIGNAL SIGHUP ignored$/m);
    assert.match(screen, /^SIGNAL SIGTERM ignored$/m);
    await assertRecordGone(sb);
  });

  e2e('when the child exits, the processes it left in its terminal session are ended too', async (sb) => {
    const { session, pids } = await sessionWithChildren(sb, 2);
    session.terminal.type('quit\r');
    await endedWith(session, 0, 'exit 0');
    assertAllGone(pids);
    await assertRecordGone(sb);
  });
});

describe('signals to the csm host', () => {
  for (const [signal, number] of [
    ['SIGTERM', 15],
    ['SIGHUP', 1],
    ['SIGINT', 2],
  ] as const) {
    e2e(`${signal} to csm ends the session cleanly and csm exits ${128 + number}`, async (sb) => {
      const session = await startSession(sb);
      process.kill(session.terminal.pid, signal);
      await endedWith(session, 128 + number, 'stopped, killed by SIGHUP');
      assert.equal(isAlive(session.banner.pid), false);
      await assertRecordGone(sb);
    });
  }
});

describe('a host killed with SIGKILL', () => {
  e2e('the child goes within 2 s and the next list shows nothing and removes the record', async (sb) => {
    const session = await startSession(sb);
    assert.equal(sb.recordFiles().length, 1);
    process.kill(session.terminal.pid, 'SIGKILL');
    await session.terminal.waitForExit();
    assert.equal(session.terminal.exited?.signal, 9);
    await waitFor('the child to exit after its terminal hung up', () => !isAlive(session.banner.pid), { timeoutMs: 2000 });

    const listed = await sb.csm(['list']);
    assert.deepEqual(
      { code: listed.code, stdout: listed.stdout, stderr: listed.stderr },
      { code: 0, stdout: 'no sessions; start one with: csm start <dir>\n', stderr: '' },
    );
    assert.deepEqual(sb.recordFiles(), [], 'list removed the dead host record');
    assert.deepEqual(sb.runtimeEntries(), [], 'and its socket');
  });

  e2e('processes left behind are listed as (host died) and stop ends them', async (sb) => {
    const { session, pids, sameGroup, ownGroup } = await sessionWithChildren(sb, 2);
    process.kill(session.terminal.pid, 'SIGKILL');
    await session.terminal.waitForExit();
    await waitFor('the child to exit after its terminal hung up', () => !isAlive(session.banner.pid), { timeoutMs: 2000 });
    // The kernel hangs up the child's process group when the child (the
    // session leader) exits; the grandchild in its own group lives on.
    await waitFor("the grandchild in the child's process group to exit", () => sameGroup.every((pid) => !isAlive(pid)), {
      timeoutMs: 2000,
    });
    assert.equal(ownGroup.length, 1);
    for (const pid of ownGroup) assert.ok(isAlive(pid), `grandchild ${pid} in its own process group survived the hang-up`);

    const listed = await sb.csm(['list']);
    assert.equal(listed.code, 0);
    assert.match(listed.stdout, new RegExp(`^${session.shortId} .* ${sb.workDir}  \\(host died\\)$`, 'm'));
    assert.match(
      listed.stderr,
      new RegExp(
        `^csm: warning: session ${session.shortId} lost its host \\(pid ${session.terminal.pid}\\) but 1 of its processes still run; end them with: csm stop ${session.shortId}\n$`,
      ),
    );

    const stopped = await sb.csm(['stop', session.shortId]);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal(stopped.stdout, `stopped ${session.shortId} ${sb.workDir} (host did not answer: signalled directly)\n`);
    assertAllGone(pids);
    await assertRecordGone(sb);
  });
});
