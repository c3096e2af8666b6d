import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { startGuardian } from '../../src/guardian.js';
import { resolvePaths } from '../../src/paths.js';
import { RECORD_VERSION, type SessionRecord } from '../../src/session.js';
import { newSessionId } from '../../src/session-id.js';
import { canCheckLeaks, NO_LEAK_CHECK_REASON } from '../helpers/leaks.js';
import { deadPid, tempDir, waitFor } from './support.js';

/** Pids of live processes whose command line names session `id` (a guardian carries its record). */
function guardiansOf(id: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(id)) found.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** A record of a session whose processes are long gone, so a reaper run by mistake would find nothing to end. */
function goneRecord(dir: string): SessionRecord {
  const id = newSessionId();
  return {
    version: RECORD_VERSION,
    id,
    workingDir: dir,
    createdAt: new Date().toISOString(),
    command: '/bin/true',
    args: [],
    hostPid: deadPid(),
    hostStartTime: '0',
    pid: deadPid(),
    pidStartTime: '0',
    socketPath: `${dir}/${id}.sock`,
  };
}

const skip = canCheckLeaks ? false : NO_LEAK_CHECK_REASON;

test('the guardian starts after the current event-loop turn, and a release ends it', { skip }, async (t) => {
  const dir = tempDir(t);
  const record = goneRecord(dir);
  const guardian = startGuardian(record, resolvePaths({ CSM_HOME: `${dir}/state`, CSM_RUNTIME_DIR: `${dir}/run` }));
  assert.deepEqual(guardiansOf(record.id), [], 'the guardian started before the turn ended');
  const [pid] = await waitFor('the guardian to start', () => {
    const found = guardiansOf(record.id);
    return found.length > 0 ? found : undefined;
  });
  assert.ok(pid !== undefined);
  await guardian.release();
  await waitFor('the guardian to exit', () => guardiansOf(record.id).length === 0 || undefined);
});

test('a session released within the turn it started in never starts a guardian', { skip }, async (t) => {
  const dir = tempDir(t);
  const record = goneRecord(dir);
  const guardian = startGuardian(record, resolvePaths({ CSM_HOME: `${dir}/state`, CSM_RUNTIME_DIR: `${dir}/run` }));
  await guardian.release();
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(guardiansOf(record.id), []);
});
