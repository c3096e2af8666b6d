// Load: many sessions starting and stopping at once while list runs in a
// loop, and list's speed with a hundred sessions (one of them hung). What
// must hold: every list succeeds and shows each live session exactly once,
// nothing is left running or on disk at the end, and list stays fast.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe } from 'node:test';
import { encode } from '../../src/control-protocol.js';
import { e2e } from '../helpers/e2e.js';
import { BANNER, ENV_LINE, parseBanner, parseEnv } from '../helpers/fake.js';
import { canCheckLeaks, processesWithEnv, sessionProcesses } from '../helpers/leaks.js';
import type { CsmResult, PipedProcess } from '../helpers/piped.js';
import { startTimeToken } from '../helpers/records.js';
import type { Sandbox } from '../helpers/sandbox.js';
import { waitFor } from '../helpers/wait.js';

const linuxOnly = canCheckLeaks ? false : 'checks for leftover processes through /proc: Linux only';
/** The number; CSM_FAULT_SESSIONS raises it for a heavier run. */
const SESSIONS = Number(process.env.CSM_FAULT_SESSIONS ?? 50);
const LIST_LOOPS = 3;

interface Tracked {
  readonly run: PipedProcess;
  id?: string;
  child?: number;
  /** When the test saw the child's banner (its record was written before the child ran). */
  readyAt?: number;
  /** When the test asked for it to end. */
  endAt?: number;
  readonly how: 'stop' | 'quit' | 'stop --all';
}

interface ListRun {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

describe('many sessions at once', () => {
  e2e(
    `${SESSIONS} sessions started at once, list in a loop while they start and stop, then stop --all: each live session listed once every time, nothing left`,
    async (sb, t) => {
      const sessions: Tracked[] = Array.from({ length: SESSIONS }, (_, i) => ({
        run: sb.spawnCsm(['start'], { stdin: 'pipe' }),
        how: i < 10 ? 'stop' : i < 15 ? 'quit' : 'stop --all',
      }));
      for (const s of sessions) {
        void s.run
          .waitForStdout(ENV_LINE, 120_000)
          .then((match) => {
            s.id = parseEnv(match).sessionId;
            const banner = BANNER.exec(s.run.stdout);
            s.child = banner === null ? undefined : parseBanner(banner).pid;
            s.readyAt = Date.now();
          })
          .catch(() => undefined); // reported by the wait for readiness below
      }

      // Three lists in a loop each, so that some list is always running.
      const lists: ListRun[] = [];
      let looping = true;
      const loops = Array.from({ length: LIST_LOOPS }, async () => {
        while (looping) {
          const startedAt = Date.now();
          const result = await sb.csm(['list', '--json']);
          lists.push({ startedAt, endedAt: Date.now(), ...result });
        }
      });

      const startedAt = Date.now();
      let exits: CsmResult[];
      try {
        await waitFor(`all ${SESSIONS} sessions to be ready`, () => sessions.every((s) => s.readyAt !== undefined), {
          timeoutMs: 120_000,
          detail: () => `${sessions.filter((s) => s.readyAt === undefined).length} not ready`,
        });
        t.diagnostic(`${SESSIONS} sessions were all running ${Date.now() - startedAt} ms after they were started at once`);

        // Ten stopped one by one (all at once), five quit on their own, the rest by stop --all.
        const single = sessions.filter((s) => s.how === 'stop');
        const stops = single.map((s) => {
          s.endAt = Date.now();
          return sb.csm(['stop', s.id ?? '']);
        });
        for (const s of sessions.filter((x) => x.how === 'quit')) {
          s.endAt = Date.now();
          s.run.write('quit\n');
        }
        for (const [i, stopped] of (await Promise.all(stops)).entries()) {
          assert.deepEqual({ code: stopped.code, stderr: stopped.stderr }, { code: 0, stderr: '' }, `stop of ${single[i]?.id}`);
        }
        const listsBefore = lists.length;
        await waitFor('a few more lists', () => lists.length >= listsBefore + LIST_LOOPS * 2, { timeoutMs: 30_000 });
        for (const s of sessions.filter((x) => x.how === 'stop --all')) s.endAt = Date.now();
        const all = await sb.csm(['stop', '--all']);
        assert.equal(all.code, 0, all.stderr);
        assert.equal(all.stdout.trimEnd().split('\n').length, SESSIONS - 15, all.stdout);
        exits = await Promise.all(sessions.map((s) => s.run.waitForExit(30_000)));
      } finally {
        // Also when an assertion above failed: no list may outlive the test.
        looping = false;
        await Promise.all(loops);
      }

      for (const [i, s] of sessions.entries()) {
        assert.equal(exits[i]?.code, s.how === 'quit' ? 0 : 129, `csm of ${s.id} (${s.how})`);
      }

      // Every list succeeded and showed each session that was live for all of it, once.
      const known = new Set(sessions.map((s) => s.id));
      let unresponsive = 0;
      for (const [n, list] of lists.entries()) {
        const label = `list #${n + 1} (${list.startedAt - startedAt}..${list.endedAt - startedAt} ms)`;
        assert.equal(list.code, 0, `${label} failed: ${list.stderr}`);
        const rows = JSON.parse(list.stdout) as { id: string; state: string }[];
        const ids = rows.map((r) => r.id);
        assert.equal(new Set(ids).size, ids.length, `${label} listed a session twice`);
        for (const id of ids) assert.ok(known.has(id), `${label} listed ${id}, which is none of ours`);
        const required = sessions.filter(
          (s) => s.readyAt !== undefined && s.readyAt < list.startedAt && (s.endAt === undefined || s.endAt > list.endedAt),
        );
        for (const s of required) assert.ok(ids.includes(s.id ?? ''), `${label} missed live session ${s.id}`);
        unresponsive += rows.filter((r) => r.state === 'unresponsive').length;
        for (const line of list.stderr.split('\n').filter(Boolean)) {
          assert.match(line, /did not answer within 500 ms/, `${label}: unexpected warning: ${line}`);
        }
      }
      const durations = lists.map((l) => l.endedAt - l.startedAt);
      t.diagnostic(
        `${lists.length} lists ran; took ${Math.min(...durations)}/${median(durations)}/${Math.max(...durations)} ms (min/median/max); ` +
          `${unresponsive} rows showed a host as not responding under load`,
      );

      // Nothing left: no process of any session, no record, no temporary file, no socket.
      for (const s of sessions) assert.deepEqual(sessionProcesses(s.child ?? 0), [], `processes of session ${s.id}`);
      assert.deepEqual(processesWithEnv(sb.leakMarker), [], 'no process of the test is left');
      assert.deepEqual(readdirSync(sb.sessionsDir), [], 'no record or temporary file is left');
      assert.deepEqual(sb.runtimeEntries(), [], 'no socket is left');
      const final = await sb.csm(['list', '--json']);
      assert.deepEqual({ code: final.code, stdout: final.stdout, stderr: final.stderr }, { code: 0, stdout: '[]\n', stderr: '' });
    },
    { skip: linuxOnly, budgetMs: 240_000 },
  );
});

/** Records for `count` sessions whose host is this test process, each answering pings on its own socket unless `hangs(i)`. */
async function forgeSessions(sb: Sandbox, count: number, hangs: (i: number) => boolean): Promise<Server[]> {
  mkdirSync(sb.sessionsDir, { recursive: true, mode: 0o700 });
  const token = startTimeToken(process.pid);
  const servers: Server[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = `e0000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const socketPath = join(sb.runtimeDir, `${id}.sock`);
    const server = createServer((socket: Socket) => {
      socket.on('error', () => {
        // list hangs up on a host that does not answer: expected for the hung one.
      });
      if (!hangs(i)) socket.once('data', () => socket.end(encode({ ok: true, event: 'pong', id, pid: process.pid, hostPid: process.pid })));
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    servers.push(server);
    const record = {
      version: 1,
      id,
      workingDir: sb.workDir,
      createdAt: new Date(Date.now() - i * 1000).toISOString(),
      command: '/bin/sleep',
      args: [],
      hostPid: process.pid,
      hostStartTime: token,
      pid: process.pid,
      pidStartTime: token,
      socketPath,
    };
    writeFileSync(join(sb.sessionsDir, `${id}.json`), `${JSON.stringify(record)}\n`, { mode: 0o600 });
  }
  return servers;
}

async function timeList(sb: Sandbox, runs: number): Promise<{ median: number; rows: number; stderr: string }> {
  const times: number[] = [];
  let rows = 0;
  let stderr = '';
  for (let i = 0; i < runs; i += 1) {
    const started = Date.now();
    const listed = await sb.csm(['list', '--json']);
    times.push(Date.now() - started);
    assert.equal(listed.code, 0, listed.stderr);
    rows = (JSON.parse(listed.stdout) as unknown[]).length;
    stderr = listed.stderr;
  }
  return { median: median(times), rows, stderr };
}

describe('list speed', () => {
  e2e(
    'list with 100 sessions is barely slower than with none, and one hung host among them costs it one probe bound, not a hundred',
    async (sb, t) => {
      const RUNS = 5;
      const empty = await timeList(sb, RUNS);
      let hung = false;
      const servers = await forgeSessions(sb, 100, (i) => hung && i === 42);
      t.after(() => {
        for (const server of servers) server.close();
      });
      const hundred = await timeList(sb, RUNS);
      hung = true;
      const oneHung = await timeList(sb, RUNS);

      t.diagnostic(
        `list, median of ${RUNS} (node start-up included): no sessions ${empty.median} ms; ` +
          `100 sessions ${hundred.median} ms; 100 sessions with one hung host ${oneHung.median} ms`,
      );
      assert.equal(hundred.rows, 100);
      assert.equal(hundred.stderr, '');
      assert.equal(oneHung.rows, 100);
      assert.equal(oneHung.stderr.trimEnd().split('\n').length, 1, oneHung.stderr);
      assert.ok(hundred.median < empty.median + 300, `100 sessions: ${hundred.median} ms against ${empty.median} ms with none`);
      assert.ok(oneHung.median < empty.median + 500 + 400, `one hung host: ${oneHung.median} ms against ${empty.median} ms with none`);
    },
    { skip: linuxOnly, budgetMs: 60_000 },
  );
});
