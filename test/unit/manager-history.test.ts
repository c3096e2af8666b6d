// SessionManager's history, status and input operations with a fake PTY (a
// real node process in its own session behind our SessionProcess interface):
// no terminal, no node-pty.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { CsmError, SpawnError } from '../../src/errors.js';
import { SessionManager } from '../../src/manager.js';
import { logDirFor } from '../../src/output-log.js';
import { type CsmPaths, recordPathFor, resolvePaths } from '../../src/paths.js';
import { RECORD_VERSION, serializeRecord } from '../../src/session.js';
import { FakeSessionProcess } from './support.js';

const linuxOnly = process.platform === 'linux' ? {} : { skip: 'verifies pids through /proc: Linux only' };

function setup(t: TestContext) {
  const root = mkdtempSync(join(tmpdir(), 'csm5-mgr-'));
  const paths = resolvePaths({ CSM_HOME: join(root, 'state'), CSM_RUNTIME_DIR: join(root, 'run') });
  const fakes: FakeSessionProcess[] = [];
  const manager = new SessionManager({
    paths,
    spawn: async () => {
      const child = spawn(
        process.execPath,
        ['-e', 'process.on("SIGUSR2", () => process.exit(4)); setInterval(() => {}, 1000); console.log("ready")'],
        { detached: true, stdio: ['ignore', 'pipe', 'ignore'] },
      );
      if (child.pid === undefined) throw new Error('no pid');
      // Ready once its signal handler is in place.
      await new Promise((resolve) => child.stdout?.once('data', resolve));
      child.stdout?.resume();
      const fake = new FakeSessionProcess(child as ChildProcess & { pid: number });
      fakes.push(fake);
      return fake;
    },
  });
  t.after(async () => {
    for (const s of manager.listSessions().sessions) await manager.stopSession(s.record, 1000);
    rmSync(root, { recursive: true, force: true });
  });
  const start = () => manager.startSession({ dir: '.', cwd: root, command: process.execPath, args: [], env: {}, cols: 80, rows: 24 });
  /** A session hosted here, and the fake child it runs. */
  const startWithFake = async () => {
    const hosted = await start();
    const fake = fakes.at(-1);
    assert.ok(fake !== undefined);
    return { hosted, fake };
  };
  return { root, paths, manager, fakes, start, startWithFake };
}

test('a session that ends is archived with its exit and title, its output kept', linuxOnly, async (t) => {
  const { manager, startWithFake } = setup(t);
  const { hosted, fake } = await startWithFake();
  fake.emit('hello\r\n\x1b]2;my title\x07');
  process.kill(fake.pid, 'SIGUSR2');
  await hosted.ended;
  assert.deepEqual(manager.listSessions().sessions, []);
  const [ended] = manager.listEnded().sessions;
  assert.equal(ended?.id, hosted.record.id);
  assert.deepEqual(ended?.exit, { exitCode: 4, signal: undefined });
  assert.equal(ended?.title, 'my title');
  assert.equal(ended?.stoppedWith, null);
  assert.deepEqual(await manager.readText(hosted.record.id.slice(0, 6)), ['hello']);
  assert.deepEqual((await manager.status(hosted.record.id)).status, { kind: 'exited', exitCode: 4 });
});

test('status, send and write work on a session hosted here', linuxOnly, async (t) => {
  const { manager, startWithFake } = setup(t);
  const { hosted, fake } = await startWithFake();
  fake.emit('\x1b[?2004hready\x07');
  const report = await manager.status(hosted.record.id);
  assert.equal(report.status.kind, 'needs-input');
  assert.equal(report.activity?.bracketedPaste, true);
  await manager.send(hosted.record.id, { text: 'one\ntwo', keys: ['Tab'] });
  assert.deepEqual(fake.written, ['\x1b[200~one\rtwo\x1b[201~', '\t']);
  assert.equal((await manager.status(hosted.record.id)).status.kind, 'active');
  assert.equal(await manager.write(hosted.record.id, new Uint8Array([0x03])), 1);
  assert.equal(fake.written.at(-1), '\x03');
  const chunks: string[] = [];
  const follower = manager.subscribe(hosted.record.id, (data) => chunks.push(data.toString()));
  fake.emit('live');
  assert.deepEqual(chunks, ['live']);
  follower.stop();
  fake.emit('not heard');
  assert.deepEqual(chunks, ['live']);
});

test('a ghost (host and child dead) goes to history with an unknown end; rm and prune never touch live sessions', linuxOnly, async (t) => {
  const { paths, manager, start } = setup(t);
  const live = await start();
  const ghostId = '3c3c3c3c-3333-4333-8333-333333333333';
  writeGhost(paths, ghostId);
  mkdirSync(logDirFor(paths, ghostId), { recursive: true, mode: 0o700 });
  writeFileSync(join(logDirFor(paths, ghostId), '000000000000.out'), 'last words\r\n', { mode: 0o600 });

  assert.deepEqual(
    manager.listSessions().sessions.map((s) => s.record.id),
    [live.record.id],
  );
  const [ghost] = manager.listEnded().sessions;
  assert.equal(ghost?.id, ghostId);
  assert.equal(ghost?.exit, null);
  assert.deepEqual(await manager.readText(ghostId), ['last words']);

  assert.throws(
    () => manager.remove([ghostId, live.record.id]),
    (error: unknown) => error instanceof CsmError && error.code === 'session-live',
  );
  assert.equal(manager.listEnded().sessions.length, 1, 'nothing removed');
  assert.throws(() => manager.resumable(live.record.id), /still running/);
  assert.throws(() => manager.resumable(ghostId), /cannot be resumed/);

  assert.deepEqual(
    manager.prune().map((r) => r.id),
    [ghostId],
  );
  assert.equal(existsSync(logDirFor(paths, ghostId)), false);
  assert.deepEqual(
    manager.listSessions().sessions.map((s) => s.record.id),
    [live.record.id],
  );
  assert.ok(existsSync(logDirFor(paths, live.record.id)));
});

test('a spawn failure leaves no history behind', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'csm5-mgr-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const paths = resolvePaths({ CSM_HOME: join(root, 'state'), CSM_RUNTIME_DIR: join(root, 'run') });
  const manager = new SessionManager({
    paths,
    spawn: async () => {
      throw new SpawnError('cannot start /bin/x: posix_spawnp failed');
    },
  });
  await assert.rejects(
    manager.startSession({ dir: '.', cwd: root, command: process.execPath, args: [], env: {}, cols: 80, rows: 24 }),
    SpawnError,
  );
  assert.deepEqual(readdirSync(join(paths.stateDir, 'logs')), []);
  assert.deepEqual(manager.listEnded().sessions, []);
});

function writeGhost(paths: CsmPaths, id: string): void {
  mkdirSync(paths.sessionsDir, { recursive: true, mode: 0o700 });
  const record = {
    version: RECORD_VERSION,
    id,
    workingDir: '/w',
    createdAt: '2026-01-01T00:00:00.000Z',
    command: '/usr/bin/claude',
    args: ['--continue'],
    hostPid: 2 ** 22 - 3,
    hostStartTime: 'boot:1',
    pid: 2 ** 22 - 5,
    pidStartTime: 'boot:2',
    tty: undefined,
    socketPath: join(paths.runtimeDir, `${id}.sock`),
  } as const;
  writeFileSync(recordPathFor(paths, id), serializeRecord(record), { mode: 0o600 });
}
