import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { encode } from '../../src/control-protocol.js';
import { probeHosts } from '../../src/host-probe.js';
import type { ListedSession } from '../../src/manager.js';
import { type CsmPaths, recordPathFor, resolvePaths } from '../../src/paths.js';
import { startTimeOf } from '../../src/process-info.js';
import { RECORD_VERSION, type SessionRecord, serializeRecord } from '../../src/session.js';
import { deadPid, firstLine, spawnNodeLeader, tempDir } from './support.js';

const linuxOnly = process.platform === 'linux' ? {} : { skip: 'verifies host pids through /proc: Linux only' };
const PROBE_MS = 300;

/** A live process to stand for a host (list checks the host's identity); the test serves its socket. */
async function liveHost(t: TestContext): Promise<{ pid: number; startTime: string }> {
  const host = spawnNodeLeader(t);
  await firstLine(host);
  return { pid: host.pid, startTime: startTimeOf(host.pid) ?? '' };
}

function record(id: string, socketPath: string, host: { pid: number; startTime: string }): SessionRecord {
  return {
    version: RECORD_VERSION,
    id,
    workingDir: '/w',
    createdAt: '2026-03-01T12:00:00.000Z',
    command: '/bin/sh',
    args: [],
    hostPid: host.pid,
    hostStartTime: host.startTime,
    pid: host.pid,
    pidStartTime: host.startTime,
    tty: undefined,
    socketPath,
  };
}

/** Paths whose sessions directory exists; records are written with `onDisk`. */
function pathsIn(dir: string): CsmPaths {
  const paths = resolvePaths({ CSM_HOME: join(dir, 'state'), CSM_RUNTIME_DIR: dir });
  mkdirSync(paths.sessionsDir, { recursive: true, mode: 0o700 });
  return paths;
}

function onDisk(paths: CsmPaths, ...records: SessionRecord[]): void {
  for (const r of records) writeFileSync(recordPathFor(paths, r.id), serializeRecord(r), { mode: 0o600 });
}

function idOf(n: number): string {
  return `${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
}

/** Serves `path` like a host: `answer` says what to do with each connection. */
async function serve(t: TestContext, path: string, answer: (socket: Socket) => void): Promise<Server> {
  const accepted: Socket[] = [];
  const server = createServer((socket) => {
    accepted.push(socket);
    socket.on('error', () => {
      // The prober hangs up on a mute host: expected here.
    });
    answer(socket);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  t.after(() => {
    for (const socket of accepted) socket.destroy();
    server.close();
  });
  return server;
}

const pongFor = (id: string) => (socket: Socket) =>
  socket.once('data', () => socket.write(encode({ ok: true, event: 'pong', id, pid: 1, hostPid: 1 })));
const mute = () => undefined;

describe('probeHosts', linuxOnly, () => {
  test('keeps a session whose host answers as running, and the warnings it was given', async (t) => {
    const dir = tempDir(t, 'p-');
    const paths = pathsIn(dir);
    const host = await liveHost(t);
    const running = record(idOf(1), join(dir, 'a.sock'), host);
    await serve(t, running.socketPath, pongFor(running.id));
    onDisk(paths, running);
    const result = await probeHosts({ sessions: [{ record: running, state: 'running' }], warnings: ['earlier'] }, paths, PROBE_MS);
    assert.deepEqual(result, { sessions: [{ record: running, state: 'running' }], warnings: ['earlier'] });
  });

  test('marks a live host that accepts but never answers as unresponsive, with a warning that says stop still works', async (t) => {
    const dir = tempDir(t, 'p-');
    const paths = pathsIn(dir);
    const host = await liveHost(t);
    const hung = record('abcdef01-0000-4000-8000-000000000000', join(dir, 'h.sock'), host);
    await serve(t, hung.socketPath, mute);
    onDisk(paths, hung);
    const started = Date.now();
    const result = await probeHosts({ sessions: [{ record: hung, state: 'running' }], warnings: [] }, paths, PROBE_MS);
    const took = Date.now() - started;
    assert.deepEqual(result.sessions, [{ record: hung, state: 'unresponsive' }]);
    assert.deepEqual(result.warnings, [
      `session abcdef01: its csm (pid ${host.pid}) did not answer within ${PROBE_MS} ms (stopped or hung?); csm stop abcdef01 still ends it`,
    ]);
    assert.ok(took >= PROBE_MS - 10 && took < PROBE_MS + 700, `gave up after ${took} ms`);
  });

  test('a live host without a socket, or one answering for another session, is unresponsive too', async (t) => {
    const dir = tempDir(t, 'p-');
    const paths = pathsIn(dir);
    const host = await liveHost(t);
    const noSocket = record(idOf(2), join(dir, 'missing.sock'), host);
    const wrongId = record(idOf(3), join(dir, 'other.sock'), host);
    await serve(t, wrongId.socketPath, pongFor(idOf(4)));
    onDisk(paths, noSocket, wrongId);
    const result = await probeHosts(
      {
        sessions: [
          { record: noSocket, state: 'running' },
          { record: wrongId, state: 'running' },
        ],
        warnings: [],
      },
      paths,
      PROBE_MS,
    );
    assert.deepEqual(
      result.sessions.map((s) => s.state),
      ['unresponsive', 'unresponsive'],
    );
  });

  test('drops a session whose host is gone by the time it is asked: it has ended', async (t) => {
    const dir = tempDir(t, 'p-');
    const paths = pathsIn(dir);
    const ended = record(idOf(5), join(dir, 'gone.sock'), { pid: deadPid(), startTime: 'boot:1' });
    assert.deepEqual(await probeHosts({ sessions: [{ record: ended, state: 'running' }], warnings: [] }, paths, PROBE_MS), {
      sessions: [],
      warnings: [],
    });
  });

  test('drops a session whose record is gone though its host still runs: the host is ending it', async (t) => {
    const dir = tempDir(t, 'p-');
    const paths = pathsIn(dir);
    const host = await liveHost(t);
    // The host removed the record and closed its socket; it exits a moment later.
    const ending = record(idOf(7), join(dir, 'closed.sock'), host);
    assert.deepEqual(await probeHosts({ sessions: [{ record: ending, state: 'running' }], warnings: [] }, paths, PROBE_MS), {
      sessions: [],
      warnings: [],
    });
  });

  test('passes orphaned sessions through without asking anyone', async (t) => {
    const dir = tempDir(t, 'p-');
    const paths = pathsIn(dir);
    let connections = 0;
    const orphan = record(idOf(6), join(dir, 'o.sock'), { pid: deadPid(), startTime: 'boot:1' });
    await serve(t, orphan.socketPath, () => {
      connections += 1;
    });
    const sessions: ListedSession[] = [{ record: orphan, state: 'orphaned' }];
    assert.deepEqual(await probeHosts({ sessions, warnings: [] }, paths, PROBE_MS), { sessions, warnings: [] });
    assert.equal(connections, 0);
  });

  test('asks every host at once: 40 hung hosts cost one timeout, not forty', async (t) => {
    const dir = tempDir(t, 'p-');
    const paths = pathsIn(dir);
    const host = await liveHost(t);
    const sessions: ListedSession[] = [];
    for (let i = 0; i < 40; i += 1) {
      const hung = record(idOf(100 + i), join(dir, `${i}.sock`), host);
      await serve(t, hung.socketPath, mute);
      onDisk(paths, hung);
      sessions.push({ record: hung, state: 'running' });
    }
    const started = Date.now();
    const result = await probeHosts({ sessions, warnings: [] }, paths, PROBE_MS);
    const took = Date.now() - started;
    assert.equal(result.sessions.filter((s) => s.state === 'unresponsive').length, 40);
    assert.ok(took < PROBE_MS * 3, `40 hung hosts took ${took} ms`);
  });
});
