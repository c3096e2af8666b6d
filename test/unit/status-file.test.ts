import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import type { ActivitySnapshot } from '../../src/activity.js';
import { readStatusFile, STATUS_REFRESH_MS, StatusFile } from '../../src/status-file.js';
import { tempDir } from './support.js';

function snapshotAt(lastOutputAt: string | null, attention: ActivitySnapshot['attention'] = null): ActivitySnapshot {
  return {
    startedAt: '2026-03-01T12:00:00.000Z',
    lastOutputAt,
    lastInputAt: null,
    attention,
    title: null,
    applicationCursor: false,
    bracketedPaste: false,
    cols: 80,
    rows: 24,
  };
}

/** A status file over a snapshot the test changes; closed when the test ends. */
function fileIn(t: TestContext, dir: string): { path: string; set: (s: ActivitySnapshot) => void; status: StatusFile } {
  const path = join(dir, 'status.json');
  let current = snapshotAt(null);
  const status = new StatusFile(path, () => current, Date.now);
  t.after(() => status.close());
  return { path, set: (s) => (current = s), status };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lastOutput = (path: string) => readStatusFile(path)?.lastOutputAt;

describe('StatusFile', () => {
  test('is written when the session starts, private, and removed when it ends', (t) => {
    const { path, status } = fileIn(t, tempDir(t));
    assert.deepEqual(readStatusFile(path), snapshotAt(null));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    status.close();
    assert.equal(existsSync(path), false);
  });

  test('while output goes on, writes at most every STATUS_REFRESH_MS and always ends with the latest', async (t) => {
    const { path, set, status } = fileIn(t, tempDir(t));
    await sleep(STATUS_REFRESH_MS + 20); // quiet since the start
    set(snapshotAt('2026-03-01T12:00:01.000Z'));
    status.changed(false);
    await sleep(20);
    assert.equal(lastOutput(path), '2026-03-01T12:00:01.000Z', 'the first change after a quiet spell is written at once');
    set(snapshotAt('2026-03-01T12:00:02.000Z'));
    status.changed(false);
    await sleep(20);
    assert.equal(lastOutput(path), '2026-03-01T12:00:01.000Z', 'the next waits for the refresh');
    set(snapshotAt('2026-03-01T12:00:03.000Z'));
    status.changed(false);
    await sleep(STATUS_REFRESH_MS + 50);
    assert.equal(lastOutput(path), '2026-03-01T12:00:03.000Z');
  });

  test('a change of kind (a bell, or input answering it) is written at once', async (t) => {
    const { path, set, status } = fileIn(t, tempDir(t));
    status.changed(false);
    await sleep(20);
    set(snapshotAt(null, { kind: 'bell', at: '2026-03-01T12:00:04.000Z', text: '' }));
    status.changed(true);
    await sleep(20);
    assert.equal(readStatusFile(path)?.attention?.kind, 'bell');
  });

  test('stops for good and leaves no file when it cannot write', async (t) => {
    const dir = join(tempDir(t), 'gone');
    const { path, status } = fileIn(t, dir);
    assert.equal(existsSync(path), false);
    mkdirSync(dir);
    status.changed(true);
    await sleep(20);
    assert.equal(existsSync(path), false, 'nothing is written after a failure');
  });
});

describe('readStatusFile', () => {
  test('trusts nothing but a snapshot in a regular file', (t) => {
    const dir = tempDir(t);
    const at = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    assert.equal(readStatusFile(join(dir, 'missing.json')), undefined);
    assert.equal(readStatusFile(at('garbage.json', '{"startedAt":')), undefined);
    assert.equal(readStatusFile(at('wrong.json', JSON.stringify({ ...snapshotAt(null), lastOutputAt: 7 }))), undefined);
    const good = at('good.json', JSON.stringify(snapshotAt('2026-03-01T12:00:01.000Z')));
    assert.equal(readStatusFile(good)?.lastOutputAt, '2026-03-01T12:00:01.000Z');
    symlinkSync(good, join(dir, 'link.json'));
    assert.equal(readStatusFile(join(dir, 'link.json')), undefined);
    assert.ok(readFileSync(good, 'utf8').length < 1000);
  });
});
