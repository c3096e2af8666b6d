// How sessions end when things get rough: children that ignore signals and
// leave grandchildren behind, signals to the csm host itself, and a host that
// dies with kill -9.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { e2e } from '../helpers/e2e.js';
import { canCheckLeaks, guardiansWithEnv, isAlive, sessionProcesses } from '../helpers/leaks.js';
import type { Sandbox } from '../helpers/sandbox.js';
import { type StartedSession, sessionWithChildren, startSession } from '../helpers/session.js';
import { waitFor } from '../helpers/wait.js';

const linuxOnly = canCheckLeaks ? false : 'finds processes by terminal session id in /proc: Linux only';

/** None of `pids` runs, and (on Linux) no process at all is left in the terminal session `sid`. */
function assertAllGone(pids: readonly number[], sid: number): void {
  assert.deepEqual(
    pids.filter((pid) => isAlive(pid)),
    [],
    'no process of the session is left',
  );
  if (canCheckLeaks) assert.deepEqual(sessionProcesses(sid), [], `no process has terminal session id ${sid}`);
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
    assertAllGone(pids, session.banner.pid);

    await endedWith(session, 137, 'stopped, killed by SIGKILL');
    const screen = session.terminal.screenText();
    assert.match(screen, /^SIGNAL SIGHUP ignored$/m);
    assert.match(screen, /^SIGNAL SIGTERM ignored$/m);
    await assertRecordGone(sb);
  });

  e2e(
    'when the child exits, the processes it left in its terminal session are ended too',
    async (sb) => {
      const { session, pids } = await sessionWithChildren(sb, 2);
      session.terminal.type('quit\r');
      await endedWith(session, 0, 'exit 0');
      assertAllGone(pids, session.banner.pid);
      await assertRecordGone(sb);
    },
    { skip: linuxOnly },
  );
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
  e2e(
    'the child and its grandchildren, in any process group, are gone within 2 s, and so are its record and socket',
    async (sb, t) => {
      const { session, pids } = await sessionWithChildren(sb, 2);
      const sid = session.banner.pid;
      process.kill(session.terminal.pid, 'SIGKILL');
      const killedAt = Date.now();
      // The PTY's hang-up reaches the child; the guardian's reaper ends the
      // grandchild in a process group of its own.
      await waitFor(
        'every process of the session to exit',
        () => sessionProcesses(sid).length === 0 && pids.every((pid) => !isAlive(pid)),
        {
          timeoutMs: 2000,
          detail: () => `still running: ${sessionProcesses(sid).join(', ')}`,
        },
      );
      t.diagnostic(`nothing of the session ran ${Date.now() - killedAt} ms after kill -9 of its host`);
      await session.terminal.waitForExit();
      assert.equal(session.terminal.exited?.signal, 9);
      await waitFor('the reaper to remove the record and socket', () => sb.recordFiles().length === 0 && sb.runtimeEntries().length === 0);
      await assertRecordGone(sb);
    },
    { skip: linuxOnly },
  );

  e2e(
    'when its guardian was killed too, what is left is listed as (host died) and stop ends it',
    async (sb) => {
      const { session, pids, sameGroup, ownGroup } = await sessionWithChildren(sb, 2);
      const guardians = guardiansWithEnv(sb.leakMarker);
      assert.equal(guardians.length, 1, 'one guardian per session');
      for (const guardian of guardians) process.kill(guardian.pid, 'SIGKILL');
      await waitFor('the guardian to exit', () => guardians.every((g) => !isAlive(g.pid)));
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
      assertAllGone(pids, session.banner.pid);
      await assertRecordGone(sb);
    },
    { skip: linuxOnly },
  );
});
