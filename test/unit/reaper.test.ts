// The reaper as its guardian runs it (node dist/reaper.js <paths> <record>),
// against real sessions; the guardian's own part, noticing that its host
// died, is exercised end to end (test/e2e/lifecycle.test.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolvePaths } from '../../src/paths.js';
import { identityOf } from '../../src/process-info.js';
import { RECORD_VERSION, type SessionRecord, serializeRecord } from '../../src/session.js';
import { deadPid, firstLine, isAlive, procStat, sessionPids, spawnLeader, tempDir } from './support.js';

const linuxOnly = process.platform === 'linux' ? {} : { skip: 'finds session members through /proc: Linux only' };
/** Built by `npm test` before the tests run, as the guardian finds it (importing it would run it here). */
const REAPER = fileURLToPath(new URL('../../dist/reaper.js', import.meta.url));
const ID = '5e5e5e5e-5555-4555-8555-555555555555';

function reap(args: readonly string[]): { status: number | null; took: number } {
  const started = Date.now();
  const result = spawnSync(process.execPath, [REAPER, ...args], { stdio: 'ignore', timeout: 15_000 });
  return { status: result.status, took: Date.now() - started };
}

/** A session led by `sh -c script` whose host is dead, with its record on disk. */
async function strandedSession(t: TestContext, script: string) {
  const root = tempDir(t);
  const paths = resolvePaths({ CSM_HOME: join(root, 'state'), CSM_RUNTIME_DIR: join(root, 'run') });
  mkdirSync(paths.sessionsDir, { recursive: true, mode: 0o700 });
  const leader = spawnLeader(t, 'sh', ['-c', script]);
  const line = await firstLine(leader);
  const identity = identityOf(leader.pid);
  assert.ok(identity !== undefined);
  const record: SessionRecord = {
    version: RECORD_VERSION,
    id: ID,
    workingDir: root,
    createdAt: new Date().toISOString(),
    command: '/bin/sh',
    args: [],
    hostPid: deadPid(),
    hostStartTime: 'boot:1',
    pid: identity.pid,
    pidStartTime: identity.startTime,
    tty: undefined,
    socketPath: join(paths.runtimeDir, `${ID}.sock`),
  };
  const recordPath = join(paths.sessionsDir, `${ID}.json`);
  writeFileSync(recordPath, serializeRecord(record), { mode: 0o600 });
  return { paths, record, recordPath, leader: identity.pid, line };
}

describe('reaper', linuxOnly, () => {
  test('ends a session whose host died, grandchildren that ignore SIGHUP and SIGTERM included, and removes its record', async (t) => {
    const perl = `setpgrp(0, 0); $SIG{HUP} = $SIG{TERM} = "IGNORE"; $| = 1; print "$$\\n"; sleep 100`;
    const stranded = await strandedSession(t, `trap "" HUP TERM; perl -e '${perl}' & wait`);
    const grandchild = Number(stranded.line);
    assert.equal(procStat(grandchild)?.session, stranded.leader);

    const { status, took } = reap([JSON.stringify(stranded.paths), JSON.stringify(stranded.record)]);
    assert.equal(status, 0);
    // SIGKILL is due 1 s after the hang-up (REAP_TIMEOUT_MS), plus node's start-up.
    assert.ok(took < 2500, `reaped in ${took} ms`);
    assert.equal(isAlive(grandchild), false);
    assert.deepEqual(sessionPids(stranded.leader), []);
    assert.equal(existsSync(stranded.recordPath), false, 'record removed');
  });

  test('signals nothing when the session pid now names another process', async (t) => {
    const stranded = await strandedSession(t, 'echo ready; exec sleep 100');
    const stale = { ...stranded.record, pidStartTime: `${stranded.record.pidStartTime}7` };
    assert.equal(reap([JSON.stringify(stranded.paths), JSON.stringify(stale)]).status, 0);
    assert.equal(isAlive(stranded.leader), true);
  });

  test('refuses arguments that are not a guardian’s, touching nothing', async (t) => {
    const stranded = await strandedSession(t, 'echo ready; exec sleep 100');
    for (const args of [
      [],
      ['{}', '{}'],
      [JSON.stringify(stranded.paths), '{"version":1}'],
      ['not json', JSON.stringify(stranded.record)],
    ]) {
      assert.equal(reap(args).status, 2, JSON.stringify(args));
    }
    assert.equal(isAlive(stranded.leader), true);
    assert.equal(existsSync(stranded.recordPath), true);
  });
});
