import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { identityOf, isSameProcess, sessionMembers, signalProcess, startTimeOf } from '../../src/process-info.js';
import { deadPid, firstLine, isAlive, sessionPids, spawnLeader, waitFor } from './support.js';

const linuxOnly = process.platform === 'linux' ? {} : { skip: 'reads /proc: Linux only' };

describe('startTimeOf and isSameProcess', linuxOnly, () => {
  test('the token of a live process is stable and carries the boot id', () => {
    const first = startTimeOf(process.pid);
    assert.equal(typeof first, 'string');
    assert.equal(startTimeOf(process.pid), first);
    let bootId = 'boot';
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      // Hidden in some containers: the module then uses 'boot' too.
    }
    assert.match(first ?? '', new RegExp(`^${bootId}:\\d+$`));
    assert.deepEqual(identityOf(process.pid), { pid: process.pid, startTime: first });
  });

  test('a process that has exited has no token', () => {
    const pid = deadPid();
    assert.equal(startTimeOf(pid), undefined);
    assert.equal(identityOf(pid), undefined);
  });

  test('pids that cannot name a process have no token', () => {
    for (const pid of [0, -1, 1.5, Number.NaN, 2 ** 53]) assert.equal(startTimeOf(pid), undefined, String(pid));
  });

  test('isSameProcess holds for the recorded token and fails for any other', () => {
    const startTime = startTimeOf(process.pid) ?? '';
    assert.equal(isSameProcess({ pid: process.pid, startTime }), true);
    assert.equal(isSameProcess({ pid: process.pid, startTime: `${startTime}0` }), false);
    assert.equal(isSameProcess({ pid: process.pid, startTime: 'other-boot:1' }), false);
    assert.equal(isSameProcess({ pid: deadPid(), startTime }), false);
  });
});

describe('sessionMembers', linuxOnly, () => {
  test('finds the leader and every process it started in its terminal session', async (t) => {
    const leader = spawnLeader(t, 'sh', ['-c', 'sleep 30 & echo $!; sleep 30']);
    const background = Number(await firstLine(leader));
    const identity = identityOf(leader.pid);
    assert.ok(identity !== undefined);
    const members = await waitFor('both sleeps to start', () => {
      const found = sessionMembers(identity);
      return found.length >= 2 ? found : undefined;
    });
    assert.ok(members.includes(leader.pid), 'leader included');
    assert.ok(members.includes(background), 'background job included');
    assert.deepEqual([...members].sort(), sessionPids(leader.pid).sort());
    assert.ok(!members.includes(process.pid), 'not the test runner, which is in another session');
  });

  test('returns nothing when the leader pid now belongs to another process (wrong start time)', (t) => {
    const leader = spawnLeader(t, 'sleep', ['30']);
    const real = startTimeOf(leader.pid) ?? '';
    assert.deepEqual(sessionMembers({ pid: leader.pid, startTime: `${real}1` }), []);
    assert.deepEqual(sessionMembers({ pid: leader.pid, startTime: 'another-boot:1' }), []);
  });

  test('still finds the members after the leader itself has exited', async (t) => {
    const leader = spawnLeader(t, 'sh', ['-c', 'sleep 30 & echo $!; exec sleep 30']);
    const background = Number(await firstLine(leader));
    const identity = identityOf(leader.pid);
    assert.ok(identity !== undefined);
    process.kill(leader.pid, 'SIGKILL');
    await waitFor('the leader to exit', () => !isAlive(leader.pid));
    assert.deepEqual(sessionMembers(identity), [background]);
  });

  test('is empty for a session that has ended', async (t) => {
    const leader = spawnLeader(t, 'sleep', ['30']);
    const identity = identityOf(leader.pid);
    assert.ok(identity !== undefined);
    process.kill(leader.pid, 'SIGKILL');
    await waitFor('the leader to be gone', () => startTimeOf(leader.pid) === undefined);
    assert.deepEqual(sessionMembers(identity), []);
  });
});

describe('signalProcess', () => {
  test('reports false for a pid that is gone instead of throwing', () => {
    assert.equal(signalProcess(deadPid(), 'SIGTERM'), false);
  });

  test('signals a live process', async (t) => {
    const child = spawnLeader(t, 'sleep', ['30']);
    assert.equal(signalProcess(child.pid, 'SIGTERM'), true);
    await waitFor('sleep to die', () => !isAlive(child.pid));
  });
});
