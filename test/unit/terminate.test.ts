import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import { identityOf, type ProcessIdentity } from '../../src/process-info.js';
import { terminateProcess, terminateSession } from '../../src/terminate.js';
import { deadPid, firstLine, isAlive, procStat, sessionPids, spawnLeader, waitFor } from './support.js';

const linuxOnly = process.platform === 'linux' ? {} : { skip: 'finds session members through /proc: Linux only' };

/** Starts `sh -c script` as a session leader and waits until it printed its first line (its readiness). */
async function startSession(t: TestContext, script: string): Promise<{ identity: ProcessIdentity; line: string }> {
  const leader = spawnLeader(t, 'sh', ['-c', script]);
  const line = await firstLine(leader);
  const identity = identityOf(leader.pid);
  assert.ok(identity !== undefined, 'leader alive after printing');
  return { identity, line };
}

describe('terminateSession', linuxOnly, () => {
  test('a session that exits on hang-up ends with SIGHUP alone', async (t) => {
    const { identity } = await startSession(t, 'sleep 100 & echo ready; wait');
    await waitFor('two members', () => sessionPids(identity.pid).length === 2);
    const result = await terminateSession(identity, { timeoutMs: 5000 });
    assert.deepEqual(result, { escalatedTo: 'SIGHUP', processCount: 2, remaining: [] });
    assert.deepEqual(sessionPids(identity.pid), []);
  });

  test('a session that ignores SIGHUP but not SIGTERM gets SIGTERM after the grace period', async (t) => {
    const { identity } = await startSession(t, 'trap "" HUP; sleep 100 & echo ready; wait');
    await waitFor('two members', () => sessionPids(identity.pid).length === 2);
    const started = Date.now();
    const result = await terminateSession(identity, { timeoutMs: 1000 });
    assert.deepEqual(result, { escalatedTo: 'SIGTERM', processCount: 2, remaining: [] });
    // SIGTERM is due at min(1000, timeout/2) = 500 ms.
    assert.ok(Date.now() - started >= 450, `escalated after ${Date.now() - started} ms`);
    assert.deepEqual(sessionPids(identity.pid), []);
  });

  test('a session that ignores SIGHUP and SIGTERM, with a grandchild in its own process group, is SIGKILLed at the timeout', async (t) => {
    const perl = `setpgrp(0, 0); $SIG{HUP} = $SIG{TERM} = "IGNORE"; $| = 1; print "$$\\n"; sleep 100`;
    const { identity, line } = await startSession(t, `trap "" HUP TERM; perl -e '${perl}' & wait`);
    const grandchild = Number(line);
    assert.notEqual(procStat(grandchild)?.pgrp, identity.pid, 'grandchild left the leader process group');
    assert.equal(procStat(grandchild)?.session, identity.pid, 'but is still in its terminal session');

    const started = Date.now();
    const result = await terminateSession(identity, { timeoutMs: 1200 });
    const took = Date.now() - started;
    assert.deepEqual(result, { escalatedTo: 'SIGKILL', processCount: 2, remaining: [] });
    assert.ok(took >= 1150 && took < 4000, `killed after ${took} ms`);
    assert.equal(isAlive(grandchild), false);
    assert.deepEqual(sessionPids(identity.pid), []);
  });

  test('a stopped session is continued so that it can act on the hang-up', async (t) => {
    const { identity } = await startSession(t, 'echo ready; exec sleep 100');
    process.kill(identity.pid, 'SIGSTOP');
    await waitFor('the leader to stop', () => procStat(identity.pid)?.state === 'T');
    const result = await terminateSession(identity, { timeoutMs: 5000 });
    assert.equal(result.escalatedTo, 'SIGHUP');
    assert.deepEqual(sessionPids(identity.pid), []);
  });

  test('a session with nothing left returns at once and signals nothing', async () => {
    const pid = deadPid();
    const result = await terminateSession({ pid, startTime: 'boot:1' }, { timeoutMs: 5000 });
    assert.deepEqual(result, { escalatedTo: undefined, processCount: 0, remaining: [] });
  });

  test('a leader pid whose start time does not match is never signalled', async (t) => {
    const { identity } = await startSession(t, 'echo ready; exec sleep 100');
    const result = await terminateSession({ pid: identity.pid, startTime: `${identity.startTime}9` }, { timeoutMs: 100 });
    assert.deepEqual(result, { escalatedTo: undefined, processCount: 0, remaining: [] });
    assert.equal(isAlive(identity.pid), true);
  });
});

describe('terminateProcess', linuxOnly, () => {
  test('ends a process stopped with SIGSTOP (SIGCONT lets SIGTERM through)', async (t) => {
    const { identity } = await startSession(t, 'echo ready; exec sleep 100');
    process.kill(identity.pid, 'SIGSTOP');
    await waitFor('the process to stop', () => procStat(identity.pid)?.state === 'T');
    const started = Date.now();
    await terminateProcess(identity, 3000);
    assert.ok(Date.now() - started < 2000, 'SIGTERM sufficed, no wait for SIGKILL');
    assert.equal(isAlive(identity.pid), false);
  });

  test('SIGKILLs a process that ignores SIGTERM once the grace period is over', async (t) => {
    const { identity } = await startSession(t, "trap '' TERM; echo ready; exec sleep 100");
    const started = Date.now();
    await terminateProcess(identity, 300);
    assert.ok(Date.now() - started >= 280);
    assert.equal(isAlive(identity.pid), false);
  });

  test('leaves alone a pid whose start time does not match', async (t) => {
    const { identity } = await startSession(t, 'echo ready; exec sleep 100');
    await terminateProcess({ pid: identity.pid, startTime: 'other-boot:1' }, 100);
    assert.equal(isAlive(identity.pid), true);
  });
});
