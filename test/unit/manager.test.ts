import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { constants } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { request } from '../../src/control-client.js';
import { CommandNotFoundError, DirectoryError, SpawnError } from '../../src/errors.js';
import { type HostedSession, SessionManager, type StartOptions } from '../../src/manager.js';
import { type CsmPaths, recordPathFor, resolvePaths } from '../../src/paths.js';
import { startTimeOf } from '../../src/process-info.js';
import type { SpawnOptions } from '../../src/pty.js';
import { parseRecord, RECORD_VERSION, type SessionRecord, serializeRecord } from '../../src/session.js';
import { deadPid, FakeSessionProcess, firstLine, isAlive, sessionPids, spawnNodeLeader, tempDir } from './support.js';

const ID_1 = '1a1a1a1a-1111-4111-8111-111111111111';
const ID_2 = '2b2b2b2b-2222-4222-9222-222222222222';
const NOW = new Date('2026-03-01T12:00:00.000Z');
const linuxOnly = process.platform === 'linux' ? {} : { skip: 'verifies pids through /proc: Linux only' };

interface Harness {
  readonly root: string;
  /** startSession, with the session stopped after the test if it still runs. */
  readonly start: (options: StartOptions) => Promise<HostedSession>;
  readonly paths: CsmPaths;
  readonly manager: SessionManager;
  /** Every SpawnOptions the manager asked for. */
  readonly spawned: SpawnOptions[];
  /** The fakes handed out, one per spawn. */
  readonly fakes: FakeSessionProcess[];
}

/** A manager over temp dirs whose spawn starts a real node process (in its own session) behind a fake. */
function harness(t: TestContext, ids: readonly string[] = [ID_1], now: () => Date = () => NOW): Harness {
  const started: HostedSession[] = [];
  // Registered first so that it runs first: stop through the manager while its dirs still exist.
  t.after(async () => {
    const live = new Set(manager.hostedSessions().map((s) => s.id));
    await Promise.all(started.filter((h) => live.has(h.session.id)).map((h) => manager.stopSession(h.record, 1000)));
  });
  const root = tempDir(t);
  const paths = resolvePaths({ CSM_HOME: join(root, 'state'), CSM_RUNTIME_DIR: join(root, 'run') });
  const spawned: SpawnOptions[] = [];
  const fakes: FakeSessionProcess[] = [];
  const queue = [...ids];
  const manager = new SessionManager({
    paths,
    now,
    newId: () => {
      const id = queue.shift();
      if (id === undefined) throw new Error('test asked for more ids than it provided');
      return id;
    },
    spawn: async (options) => {
      spawned.push(options);
      const child = spawnNodeLeader(t);
      await firstLine(child);
      const fake = new FakeSessionProcess(child);
      fakes.push(fake);
      return fake;
    },
  });
  const start = async (options: StartOptions) => {
    const hosted = await manager.startSession(options);
    started.push(hosted);
    return hosted;
  };
  return { root, start, paths, manager, spawned, fakes };
}

function startOptions(h: Harness, overrides: Partial<StartOptions> = {}): StartOptions {
  return {
    dir: '.',
    cwd: h.root,
    command: process.execPath,
    args: ['--flag', 'two words'],
    env: { PATH: '/usr/bin', TMUX: 'x' },
    cols: 100,
    rows: 30,
    ...overrides,
  };
}

async function ping(socketPath: string) {
  return request(socketPath, { v: 1, op: 'ping' }, { firstReplyMs: 2000, totalMs: 2000 }, () => true);
}

/** A record left by a host that is gone (dead pid, stale token). */
function strandedRecord(paths: CsmPaths, id: string, pid: number, pidStartTime: string): SessionRecord {
  const record: SessionRecord = {
    version: RECORD_VERSION,
    id,
    workingDir: '/w',
    createdAt: NOW.toISOString(),
    command: '/bin/sh',
    args: [],
    hostPid: deadPid(),
    hostStartTime: 'boot:1',
    pid,
    pidStartTime,
    tty: undefined,
    socketPath: join(paths.runtimeDir, `${id}.sock`),
  };
  writeFileSync(recordPathFor(paths, id), serializeRecord(record), { mode: 0o600 });
  return record;
}

describe('SessionManager.startSession', linuxOnly, () => {
  test('writes a record with the session, host and child, and holds the session in both maps', async (t) => {
    const h = harness(t);
    const order: string[] = [];
    const hosted = await h.start(
      startOptions(h, {
        beforeSpawn: (session) => order.push(`beforeSpawn ${session.id} (${h.spawned.length} spawned)`),
      }),
    );
    const fake = h.fakes[0];
    assert.ok(fake !== undefined);
    assert.deepEqual(order, [`beforeSpawn ${ID_1} (0 spawned)`]);

    const socketPath = join(h.paths.runtimeDir, `${ID_1}.sock`);
    const expected: SessionRecord = {
      version: RECORD_VERSION,
      id: ID_1,
      workingDir: h.root,
      createdAt: '2026-03-01T12:00:00.000Z',
      command: process.execPath,
      args: ['--flag', 'two words'],
      hostPid: process.pid,
      hostStartTime: startTimeOf(process.pid) ?? '',
      pid: fake.pid,
      pidStartTime: startTimeOf(fake.pid) ?? '',
      tty: undefined,
      socketPath,
    };
    assert.deepEqual(hosted.record, expected);
    assert.deepEqual(hosted.session, { id: ID_1, workingDir: h.root, createdAt: '2026-03-01T12:00:00.000Z' });
    // The process handed back is the fake, observed (output history, activity): writes go through to it.
    assert.equal(hosted.process.pid, fake.pid);
    hosted.process.write('typed');
    assert.deepEqual(fake.written, ['typed']);
    assert.deepEqual(parseRecord(readFileSync(recordPathFor(h.paths, ID_1), 'utf8')), expected);
    assert.deepEqual(readdirSync(h.paths.sessionsDir), [`${ID_1}.json`]);

    // The child gets the real directory, absolute command and a clean environment naming its session.
    assert.deepEqual(h.spawned, [
      {
        command: process.execPath,
        args: ['--flag', 'two words'],
        cwd: h.root,
        env: { PATH: '/usr/bin', TERM: 'xterm-256color', CSM_SESSION_ID: ID_1 },
        cols: 100,
        rows: 30,
      },
    ]);

    // Metadata map:
    assert.deepEqual(h.manager.hostedSessions(), [hosted.session]);
    // Process map: the control socket answers with the live child's pid.
    assert.deepEqual(await ping(socketPath), {
      kind: 'replies',
      replies: [{ ok: true, event: 'pong', id: ID_1, pid: fake.pid, hostPid: process.pid }],
    });

    assert.deepEqual(h.manager.listSessions(), { sessions: [{ record: expected, state: 'running' }], warnings: [] });
  });

  test('when the child exits by itself, its record, both map entries and its socket go (one removal path)', async (t) => {
    const h = harness(t);
    const hosted = await h.start(startOptions(h));
    const fake = h.fakes[0];
    assert.ok(fake !== undefined);

    process.kill(fake.pid, 'SIGUSR2'); // the child exits with code 3
    const end = await hosted.ended;
    assert.deepEqual(end, { exit: { exitCode: 3, signal: undefined }, stoppedWith: undefined });

    assert.equal(existsSync(recordPathFor(h.paths, ID_1)), false, 'record removed');
    assert.equal(existsSync(hosted.record.socketPath), false, 'socket removed');
    assert.deepEqual(h.manager.hostedSessions(), []);
    assert.deepEqual(await ping(hosted.record.socketPath), { kind: 'unreachable', code: 'ENOENT' });
    assert.deepEqual(h.manager.listSessions(), { sessions: [], warnings: [] });
    assert.equal(fake.disposed, 1);
  });

  test('lists hosted sessions newest first', async (t) => {
    const times = [new Date('2026-03-01T10:00:00Z'), new Date('2026-03-01T11:00:00Z')];
    const h = harness(t, [ID_1, ID_2], () => times.shift() ?? NOW);
    await h.start(startOptions(h));
    await h.start(startOptions(h));
    assert.deepEqual(
      h.manager.listSessions().sessions.map((s) => s.record.id),
      [ID_2, ID_1],
    );
    assert.deepEqual(
      h.manager.hostedSessions().map((s) => s.id),
      [ID_2, ID_1],
    );
  });

  test('a missing directory throws DirectoryError before anything is spawned or created', async (t) => {
    const h = harness(t);
    await assert.rejects(h.manager.startSession(startOptions(h, { dir: 'nope' })), (error: unknown) => {
      assert.ok(error instanceof DirectoryError);
      assert.equal(error.message, `directory does not exist: ${join(h.root, 'nope')}`);
      return true;
    });
    assert.deepEqual(h.spawned, []);
    assert.equal(existsSync(h.paths.stateDir), false);
    assert.equal(existsSync(h.paths.runtimeDir), false);
    assert.deepEqual(h.manager.hostedSessions(), []);
  });

  test('a missing command throws CommandNotFoundError before anything is spawned or created', async (t) => {
    const h = harness(t);
    await assert.rejects(
      h.manager.startSession(startOptions(h, { command: 'no-such-claude', env: { PATH: h.root } })),
      (error: unknown) => {
        assert.ok(error instanceof CommandNotFoundError);
        assert.equal(error.exitCode, 127);
        assert.match(error.message, /--command/);
        return true;
      },
    );
    assert.deepEqual(h.spawned, []);
    assert.equal(existsSync(h.paths.stateDir), false);
  });

  test('a spawn failure closes the control socket and leaves no record', async (t) => {
    const root = tempDir(t);
    const paths = resolvePaths({ CSM_HOME: join(root, 'state'), CSM_RUNTIME_DIR: join(root, 'run') });
    const manager = new SessionManager({
      paths,
      newId: () => ID_1,
      spawn: async () => {
        throw new SpawnError('cannot start /bin/x: posix_spawnp failed');
      },
    });
    await assert.rejects(
      manager.startSession({ dir: '.', cwd: root, command: process.execPath, args: [], env: {}, cols: 80, rows: 24 }),
      SpawnError,
    );
    assert.deepEqual(readdirSync(paths.sessionsDir), []);
    assert.deepEqual(readdirSync(paths.runtimeDir), []);
    assert.deepEqual(manager.hostedSessions(), []);
  });
});

describe('SessionManager.listSessions with records of other hosts', linuxOnly, () => {
  test('removes a ghost record (host and child both dead) and the socket it left behind', async (t) => {
    const h = harness(t);
    mkdirSync(h.paths.sessionsDir, { recursive: true, mode: 0o700 });
    mkdirSync(h.paths.runtimeDir, { recursive: true, mode: 0o700 });
    const ghost = strandedRecord(h.paths, ID_1, deadPid(), 'boot:2');
    // Stands for a socket file whose listener died with the host (a bound one looks the same on disk).
    const leftover = createServer();
    await new Promise<void>((resolve) => leftover.listen(ghost.socketPath, resolve));
    t.after(() => leftover.close());

    assert.deepEqual(h.manager.listSessions(), { sessions: [], warnings: [] });
    assert.equal(existsSync(recordPathFor(h.paths, ID_1)), false, 'record removed');
    assert.equal(existsSync(ghost.socketPath), false, 'socket removed');
  });

  test('lists a record whose host died but whose child still runs as orphaned, with a warning that says how to stop it', async (t) => {
    const h = harness(t);
    mkdirSync(h.paths.sessionsDir, { recursive: true, mode: 0o700 });
    const child = spawnNodeLeader(t);
    await firstLine(child);
    const orphan = strandedRecord(h.paths, ID_1, child.pid, startTimeOf(child.pid) ?? '');

    const listed = h.manager.listSessions();
    assert.deepEqual(listed.sessions, [{ record: orphan, state: 'orphaned' }]);
    assert.deepEqual(listed.warnings, [
      `session 1a1a1a1a lost its host (pid ${orphan.hostPid}) but 1 of its processes still run; end them with: csm stop 1a1a1a1a`,
    ]);
    assert.equal(existsSync(recordPathFor(h.paths, ID_1)), true, 'the record stays while something runs');

    // Stopping it signals the processes directly (nobody hosts it) and then forgets it.
    const stopped = await h.manager.stopSession(orphan, 2000);
    assert.deepEqual(stopped, { record: orphan, via: 'direct', escalatedTo: 'SIGHUP' });
    assert.equal(isAlive(child.pid), false);
    assert.equal(existsSync(recordPathFor(h.paths, ID_1)), false);
  });

  test('a record whose child pid was reused by an unrelated process is a ghost, and that process is left alone', async (t) => {
    const h = harness(t);
    mkdirSync(h.paths.sessionsDir, { recursive: true, mode: 0o700 });
    const unrelated = spawnNodeLeader(t);
    await firstLine(unrelated);
    strandedRecord(h.paths, ID_1, unrelated.pid, `${startTimeOf(unrelated.pid) ?? ''}7`);
    assert.deepEqual(h.manager.listSessions(), { sessions: [], warnings: [] });
    assert.equal(isAlive(unrelated.pid), true);
  });
});

describe('SessionManager.stopSession', linuxOnly, () => {
  test('stopping a session hosted here ends its process with SIGHUP and resolves once it is gone', async (t) => {
    const h = harness(t);
    const hosted = await h.start(startOptions(h));
    const pid = hosted.record.pid;

    const result = await h.manager.stopSession(hosted.record, 3000);
    assert.deepEqual(result, { record: hosted.record, via: 'host', escalatedTo: 'SIGHUP' });
    assert.deepEqual(sessionPids(pid), []);
    assert.deepEqual(await hosted.ended, { exit: { exitCode: undefined, signal: constants.signals.SIGHUP }, stoppedWith: 'SIGHUP' });
    assert.equal(existsSync(recordPathFor(h.paths, ID_1)), false);
    assert.equal(existsSync(hosted.record.socketPath), false);
    assert.deepEqual(h.manager.hostedSessions(), []);
  });

  test('a second manager stops a session through its host control socket', async (t) => {
    const h = harness(t);
    const hosted = await h.start(startOptions(h));
    const other = new SessionManager({ paths: h.paths });
    const [listed] = other.listSessions().sessions;
    assert.deepEqual(listed, { record: hosted.record, state: 'running', hostState: listed?.hostState });
    assert.match(listed?.hostState ?? '', /^[RS?]$/);

    const result = await other.stopSession(hosted.record, 3000);
    assert.deepEqual(result, { record: hosted.record, via: 'host', escalatedTo: 'SIGHUP' });
    assert.equal((await hosted.ended).stoppedWith, 'SIGHUP');
    assert.deepEqual(sessionPids(hosted.record.pid), []);
    assert.deepEqual(other.listSessions(), { sessions: [], warnings: [] });
  });

  test('stopping a session that already ended here neither fails nor signals this process', async (t) => {
    const h = harness(t);
    const hosted = await h.start(startOptions(h));
    process.kill(hosted.record.pid, 'SIGUSR2');
    await hosted.ended;
    let signalled: string | undefined;
    const onTerm = () => {
      signalled = 'SIGTERM';
    };
    process.on('SIGTERM', onTerm);
    t.after(() => process.off('SIGTERM', onTerm));
    const result = await h.manager.stopSession(hosted.record, 500);
    assert.deepEqual(result, { record: hosted.record, via: 'direct', escalatedTo: undefined });
    assert.equal(signalled, undefined);
  });

  test('two stops of the same hosted session share one escalation', async (t) => {
    const h = harness(t);
    const hosted = await h.start(startOptions(h));
    const [a, b] = await Promise.all([h.manager.stopSession(hosted.record, 3000), h.manager.stopSession(hosted.record, 3000)]);
    assert.equal(a.escalatedTo, 'SIGHUP');
    assert.equal(b.escalatedTo, 'SIGHUP');
    assert.deepEqual(h.manager.hostedSessions(), []);
  });
});
