// Abuse of a live session's control socket: garbage, an over-long line, a
// connection that never finishes its line, a hundred idle connections, a
// storm of connects, and a client that floods requests without reading the
// replies. The host must keep serving (list sees it, stop works), the child
// must not notice (it keeps echoing), and the host's memory must stay
// bounded. And nobody else can connect at all.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe } from 'node:test';
import { CLIENT_IDLE_MS } from '../../src/control-server.js';
import { e2e } from '../helpers/e2e.js';
import { canCheckLeaks } from '../helpers/leaks.js';
import type { Sandbox } from '../helpers/sandbox.js';
import { type StartedSession, startSession } from '../helpers/session.js';
import { delay, waitFor } from '../helpers/wait.js';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
const SETPRIV = '/usr/bin/setpriv';

interface Client {
  readonly socket: Socket;
  readonly lines: string[];
  closed: boolean;
}

/** A raw client that records the lines it receives and whether the host closed it. */
function client(path: string, read = true): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const state: Client = { socket, lines: [], closed: false };
    let buffer = '';
    if (read) {
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        const parts = buffer.split('\n');
        buffer = parts.pop() ?? '';
        state.lines.push(...parts);
      });
    }
    socket.on('close', () => {
      state.closed = true;
    });
    socket.on('error', () => {
      // The host resets clients it drops; `closed` records the outcome.
    });
    socket.once('connect', () => resolve(state));
    socket.once('error', reject);
  });
}

function rssKib(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN);
}

async function assertServing(sb: Sandbox, session: StartedSession, word: string): Promise<void> {
  session.terminal.type(`${word}\r`);
  await session.terminal.waitForScreen(new RegExp(`^ECHO ${word}$`, 'm'));
  const listed = await sb.csm(['list', '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(
    (JSON.parse(listed.stdout) as { id: string; state: string }[]).map((r) => [r.id, r.state]),
    [[session.id, 'running']],
    `${word}: the host answers list`,
  );
}

describe('control socket abuse', () => {
  e2e(
    'garbage, an over-long line, half-open and idle connections, a connect storm and a flood: the host serves on, the child never notices',
    async (sb, t) => {
      const session = await startSession(sb);
      const path = join(sb.runtimeDir, `${session.id}.sock`);
      const host = session.terminal.pid;
      const rssBefore = rssKib(host);

      // Garbage: one error reply per line, and the same connection still works.
      const garbage = await client(path);
      garbage.socket.write('not json\n{"v":1}\n{"v":1,"op":"explode"}\n[1,2]\n\u0000\u00ff\n{"v":1,"op":"ping"}\n');
      await waitFor('six replies', () => garbage.lines.length >= 6);
      const replies = garbage.lines.map((line) => JSON.parse(line) as { ok: boolean; event?: string });
      assert.deepEqual(
        replies.map((r) => r.ok),
        [false, false, false, false, false, true],
      );
      assert.equal(replies[5]?.event, 'pong');
      assert.equal(garbage.closed, false);

      // An over-long line: an error, then that client (only) is dropped.
      const long = await client(path);
      long.socket.write('x'.repeat(1024 * 1024));
      await waitFor('the long-line client to be dropped', () => long.closed);
      // The host replies before it closes, but a client still writing may see the reset first and lose the reply.
      if (long.lines.length > 0) assert.match(long.lines[0] ?? '', /request longer than 65536 bytes/);

      // Half-open (a line never finished) and 100 idle connections.
      const halfOpen = await client(path);
      halfOpen.socket.write('{"v":1,"op":');
      const idle = await Promise.all(Array.from({ length: 100 }, () => client(path)));

      // A storm: 1000 connections opened and dropped at once, 100 at a time.
      for (let round = 0; round < 10; round += 1) {
        await Promise.all(
          Array.from({ length: 100 }, async () => {
            const c = await client(path).catch(() => undefined);
            c?.socket.destroy();
          }),
        );
      }

      // A flood of 40 MB of pings from a client that never reads a reply.
      const flood = await client(path, false);
      const ping = Buffer.from('{"v":1,"op":"ping"}\n'.repeat(50_000));
      for (let sent = 0; sent < 40 * 1024 * 1024; sent += ping.length) flood.socket.write(ping);
      await delay(1500);

      await assertServing(sb, session, 'still-here');
      const grew = rssKib(host) - rssBefore;
      t.diagnostic(`host RSS grew by ${Math.round(grew / 1024)} MiB under the flood`);
      assert.ok(grew < 64 * 1024, `the host's memory grew by ${grew} KiB`);

      // Idle and half-open clients are dropped after CLIENT_IDLE_MS, and the flooder once it has stalled that long.
      await waitFor(
        'idle, half-open and flooding clients to be dropped',
        () => halfOpen.closed && idle.every((c) => c.closed) && flood.closed,
        {
          // node defers a socket's timeout once if its write queue moved since the last write: up to twice the bound.
          timeoutMs: 2 * CLIENT_IDLE_MS + 5000,
          detail: () =>
            `still open: half-open ${!halfOpen.closed}, idle ${idle.filter((c) => !c.closed).length} of ${idle.length}, flood ${!flood.closed}`,
        },
      );
      flood.socket.destroy();
      garbage.socket.destroy();

      await assertServing(sb, session, 'after-abuse');
      assert.doesNotMatch(session.terminal.screenText(), /^SIGNAL /m, 'the child received no signal');
      assert.equal(session.terminal.exited, undefined);

      const stopped = await sb.csm(['stop', session.shortId]);
      assert.deepEqual(
        { code: stopped.code, stdout: stopped.stdout, stderr: stopped.stderr },
        { code: 0, stdout: `stopped ${session.shortId} ${sb.workDir}\n`, stderr: '' },
      );
      assert.equal(await session.terminal.waitForExit(), 129);
    },
    { skip: canCheckLeaks ? false : 'measures the host through /proc: Linux only', budgetMs: 60_000 },
  );
});

describe('other users', () => {
  e2e(
    'another user cannot connect: EACCES from the 0700 directory, and from the 0600 socket when the directory is opened',
    async (sb) => {
      const session = await startSession(sb);
      const path = join(sb.runtimeDir, `${session.id}.sock`);
      // As uid/gid 65534: connect, and if that worked, ask the host to stop.
      const attempt = () => {
        const script =
          "const s = require('net').connect(process.argv[1]);" +
          's.on(\'connect\', () => { console.log(\'connected\'); s.end(\'{"v":1,"op":"stop","timeoutMs":0}\\n\'); });' +
          "s.on('error', (e) => console.log(e.code));";
        const result = spawnSync(
          SETPRIV,
          [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', process.execPath, '-e', script, path],
          {
            encoding: 'utf8',
            timeout: 10_000,
          },
        );
        return result.stdout.trim();
      };
      assert.equal(attempt(), 'EACCES');
      // A careless chmod lets others search the directory: the socket's own mode still refuses them.
      chmodSync(sb.runtimeDir, 0o711);
      try {
        assert.equal(attempt(), 'EACCES');
      } finally {
        chmodSync(sb.runtimeDir, 0o700);
      }
      await assertServing(sb, session, 'untouched');
      session.terminal.type('quit\r');
      assert.equal(await session.terminal.waitForExit(), 0);
    },
    {
      skip: !isRoot
        ? 'needs root to act as another user (setpriv)'
        : !existsSync(SETPRIV)
          ? `needs ${SETPRIV} (util-linux) to act as another user`
          : false,
    },
  );
});
