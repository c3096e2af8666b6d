import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { type EndedRecord, History, historyDir, parseEndedRecord } from '../../src/history.js';
import { resolvePaths } from '../../src/paths.js';

function setup(t: TestContext) {
  const home = mkdtempSync(join(tmpdir(), 'csm5-hist-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const paths = resolvePaths({ CSM_HOME: home, CSM_RUNTIME_DIR: join(home, 'run') });
  return { paths, history: new History(paths) };
}

function ended(id: string, endedAt: string, exit: EndedRecord['exit'] = { exitCode: 0, signal: undefined }): EndedRecord {
  return {
    version: 1,
    id,
    workingDir: '/tmp',
    createdAt: '2025-01-01T00:00:00.000Z',
    command: '/usr/bin/claude',
    args: ['--session-id', id],
    hostPid: 1000,
    hostStartTime: 'boot:1',
    pid: 1001,
    pidStartTime: 'boot:2',
    tty: '/dev/pts/3',
    socketPath: `/tmp/run/${id}.sock`,
    endedAt,
    exit,
    stoppedWith: null,
    title: '✳ Claude Code',
  };
}

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

test('archived sessions read back, newest end first, in a private directory', (t) => {
  const { paths, history } = setup(t);
  history.archive(ended(A, '2025-01-01T01:00:00.000Z'));
  history.archive(ended(B, '2025-01-01T02:00:00.000Z', { exitCode: undefined, signal: 9 }));
  const scan = history.scan();
  assert.deepEqual(scan.warnings, []);
  assert.deepEqual(
    scan.records.map((r) => [r.id, r.exit]),
    [
      [B, { exitCode: undefined, signal: 9 }],
      [A, { exitCode: 0, signal: undefined }],
    ],
  );
  assert.equal(history.get(A)?.title, '✳ Claude Code');
  assert.equal(statSync(historyDir(paths)).mode & 0o777, 0o700);
  for (const name of readdirSync(historyDir(paths))) assert.equal(statSync(join(historyDir(paths), name)).mode & 0o777, 0o600);
});

test('a guess never replaces what the host recorded itself', (t) => {
  const { history } = setup(t);
  history.archive(ended(A, '2025-01-01T01:00:00.000Z'));
  history.archive(ended(A, '2025-01-01T05:00:00.000Z', null), false);
  assert.deepEqual(history.get(A)?.exit, { exitCode: 0, signal: undefined });
  history.archive(ended(B, '2025-01-01T05:00:00.000Z', null), false);
  assert.equal(history.get(B)?.exit, null);
});

test('removed entries are gone; removing twice is fine', (t) => {
  const { history } = setup(t);
  history.archive(ended(A, '2025-01-01T01:00:00.000Z'));
  history.remove(A);
  history.remove(A);
  assert.equal(history.get(A), undefined);
  assert.deepEqual(history.scan().records, []);
});

test('junk in the history directory is skipped with a warning, never trusted', (t) => {
  const { paths, history } = setup(t);
  history.archive(ended(A, '2025-01-01T01:00:00.000Z'));
  const dir = historyDir(paths);
  writeFileSync(join(dir, `${B}.json`), '{"version":1}');
  writeFileSync(join(dir, 'notes.txt'), 'hello');
  symlinkSync(join(dir, `${A}.json`), join(dir, '33333333-3333-4333-8333-333333333333.json'));
  mkdirSync(join(dir, '44444444-4444-4444-8444-444444444444.json'));
  const scan = history.scan();
  assert.deepEqual(
    scan.records.map((r) => r.id),
    [A],
  );
  assert.equal(scan.warnings.length, 4, scan.warnings.join('\n'));
});

test('a history entry needs a valid end time and exit', () => {
  const good = ended(A, '2025-01-01T01:00:00.000Z');
  assert.equal(typeof parseEndedRecord(JSON.stringify(good)), 'object');
  assert.match(String(parseEndedRecord(JSON.stringify({ ...good, endedAt: 'yesterday' }))), /endedAt/);
  assert.match(String(parseEndedRecord(JSON.stringify({ ...good, exit: { exitCode: 'zero' } }))), /exit/);
  assert.match(String(parseEndedRecord(JSON.stringify({ ...good, exit: undefined }))), /exit/);
});

test('no history directory means no history', (t) => {
  const { history } = setup(t);
  assert.deepEqual(history.scan(), { records: [], warnings: [] });
});
