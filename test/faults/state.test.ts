// Hostile or broken state: files in the state directory that are not
// records, symbolic links planted for record and socket names, directories
// that belong to someone else, and a state directory that is read-only or
// full. csm must skip what it cannot trust, never follow a link to change
// another file, and refuse to start a session it could not record.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe } from 'node:test';
import { StateDirError } from '../../src/errors.js';
import { SessionManager } from '../../src/manager.js';
import { resolvePaths } from '../../src/paths.js';
import { Registry } from '../../src/registry.js';
import { RECORD_VERSION, type SessionRecord, serializeRecord } from '../../src/session.js';
import { e2e } from '../helpers/e2e.js';
import { processesWithEnv } from '../helpers/leaks.js';
import { bindReadOnly, cannotMount, fill, mountTmpfs } from '../helpers/mounts.js';
import type { CsmResult } from '../helpers/piped.js';
import { canForgeRecords, NO_FORGED_RECORDS_REASON } from '../helpers/records.js';
import type { Sandbox } from '../helpers/sandbox.js';
import { startSession } from '../helpers/session.js';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
/** Probed once: whether this machine lets the tests mount (root, mount(8), a kernel that allows it). */
const mountSkip = (() => {
  const scratch = execFileSync('mktemp', ['-d', '/tmp/csm-mount-probe-XXXXXX'], { encoding: 'utf8' }).trim();
  try {
    return cannotMount(scratch);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
})();

const idOf = (n: number) => `c0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function recordOf(sb: Sandbox, id: string): SessionRecord {
  return JSON.parse(readFileSync(join(sb.sessionsDir, `${id}.json`), 'utf8')) as SessionRecord;
}

/** A record of a host that is gone (a pid from a process that exited), as kill -9 leaves it. */
function writeGhost(sb: Sandbox, id: string, socketPath: string): string {
  mkdirSync(sb.sessionsDir, { recursive: true, mode: 0o700 });
  const dead = Number(execFileSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).trim());
  const record: SessionRecord = {
    version: RECORD_VERSION,
    id,
    workingDir: sb.workDir,
    createdAt: new Date().toISOString(),
    command: '/bin/sleep',
    args: [],
    hostPid: dead,
    hostStartTime: 'boot:1',
    pid: dead,
    pidStartTime: 'boot:1',
    socketPath,
  };
  const path = join(sb.sessionsDir, `${id}.json`);
  writeFileSync(path, serializeRecord(record), { mode: 0o600 });
  return path;
}

function assertOneLine(result: CsmResult, code: number, message: RegExp): void {
  assert.deepEqual({ code: result.code, stdout: result.stdout }, { code, stdout: '' }, result.stderr);
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
  assert.match(result.stderr, new RegExp(`^${message.source}\n$`));
}

describe('files in the state directory that are not records', () => {
  e2e(
    'list warns about and skips corrupt, empty, huge, future-version, linked, FIFO and stray files, and everything else still works',
    async (sb, t) => {
      const session = await startSession(sb);
      const at = (name: string) => join(sb.sessionsDir, name);
      const live = recordOf(sb, session.id);
      writeFileSync(at(`${idOf(1)}.json`), '{"version": 1, "id": ');
      writeFileSync(at(`${idOf(2)}.json`), '');
      writeFileSync(at(`${idOf(3)}.json`), Buffer.alloc(5 * 1024 * 1024, '{'));
      writeFileSync(at(`${idOf(4)}.json`), serializeRecord({ ...live, id: idOf(4), version: 2 as typeof RECORD_VERSION }));
      const outside = join(sb.root, 'outside.json');
      const outsideText = serializeRecord({ ...live, id: idOf(5) });
      writeFileSync(outside, outsideText);
      symlinkSync(outside, at(`${idOf(5)}.json`));
      execFileSync('mkfifo', [at(`${idOf(6)}.json`)]);
      mkdirSync(at(`${idOf(7)}.json`));
      writeFileSync(at('notes.txt'), 'not a record');
      // Unknown fields in the live session's own record (as a newer csm of the same format version might write):
      // replaced atomically, as csm writes records.
      writeFileSync(at('.extra.tmp'), JSON.stringify({ ...live, addedLater: { nested: [1, 2] }, note: 'x' }));
      renameSync(at('.extra.tmp'), at(`${session.id}.json`));

      const started = Date.now();
      const listed = await sb.csm(['list', '--json']);
      t.diagnostic(`list with a 5 MB file among the records took ${Date.now() - started} ms (node start-up included)`);
      assert.equal(listed.code, 0, listed.stderr);
      const rows = JSON.parse(listed.stdout) as { id: string; state: string }[];
      assert.deepEqual(
        rows.map((r) => [r.id, r.state]),
        [[session.id, 'running']],
      );
      const warnings = listed.stderr.trimEnd().split('\n').sort();
      assert.deepEqual(warnings, [
        `csm: warning: skipping ${at(`${idOf(1)}.json`)}: not valid JSON`,
        `csm: warning: skipping ${at(`${idOf(2)}.json`)}: empty file`,
        `csm: warning: skipping ${at(`${idOf(3)}.json`)}: too large (${5 * 1024 * 1024} bytes)`,
        `csm: warning: skipping ${at(`${idOf(4)}.json`)}: unknown record version 2`,
        `csm: warning: skipping ${at(`${idOf(5)}.json`)}: is a symbolic link`,
        `csm: warning: skipping ${at(`${idOf(6)}.json`)}: not a regular file`,
        `csm: warning: skipping ${at(`${idOf(7)}.json`)}: not a regular file`,
        `csm: warning: skipping ${at('notes.txt')}: not a session record`,
      ]);

      // Starting and stopping still work among the debris.
      const second = await startSession(sb);
      const stopped = await sb.csm(['stop', '--all']);
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.deepEqual(
        stopped.stdout.trimEnd().split('\n').sort(),
        [`stopped ${session.shortId} ${sb.workDir}`, `stopped ${second.shortId} ${sb.workDir}`].sort(),
      );
      assert.equal(await session.terminal.waitForExit(), 129);
      assert.equal(await second.terminal.waitForExit(), 129);

      // What csm cannot read it leaves alone, and the link's target is untouched.
      assert.equal(readFileSync(outside, 'utf8'), outsideText);
      assert.ok(lstatSync(at(`${idOf(5)}.json`)).isSymbolicLink());
      assert.deepEqual(
        readdirSync(sb.sessionsDir).sort(),
        [1, 2, 3, 4, 5, 6, 7]
          .map((n) => `${idOf(n)}.json`)
          .concat('notes.txt')
          .sort(),
      );
    },
    { budgetMs: 30_000 },
  );
});

describe('symbolic links planted for socket names', () => {
  e2e(
    'a link put in place of a live session socket is never followed to change its target, and stop still ends the session',
    async (sb) => {
      const session = await startSession(sb);
      const socketPath = join(sb.runtimeDir, `${session.id}.sock`);
      const target = join(sb.root, 'precious');
      writeFileSync(target, 'keep me');
      unlinkSync(socketPath);
      symlinkSync(target, socketPath);

      const listed = await sb.csm(['list', '--json']);
      assert.equal(listed.code, 0);
      assert.deepEqual(
        (JSON.parse(listed.stdout) as { state: string }[]).map((r) => r.state),
        ['unresponsive'],
      );
      const stopped = await sb.csm(['stop', session.shortId]);
      assert.deepEqual(
        { code: stopped.code, stdout: stopped.stdout },
        { code: 0, stdout: `stopped ${session.shortId} ${sb.workDir} (host did not answer: signalled directly)\n` },
      );
      await session.terminal.waitForExit();
      assert.equal(readFileSync(target, 'utf8'), 'keep me');
      // node (libuv) unlinks the path it listened on when the server closes:
      // that removes the link itself, never what it points to.
      assert.equal(existsSync(socketPath) && !lstatSync(socketPath).isSymbolicLink(), false, 'nothing but the link was ever there');
      assert.deepEqual(sb.recordFiles(), []);
    },
  );

  e2e(
    'a dead host record naming a link, or a socket outside the runtime directory, never makes list remove that socket',
    async (sb, t) => {
      mkdirSync(sb.runtimeDir, { recursive: true });
      const elsewhere = join(sb.root, 'other.sock');
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(elsewhere, resolve));
      t.after(() => server.close());
      // A link with the name csm gives the socket, and a record that names the other socket itself.
      const linked = idOf(11);
      symlinkSync(elsewhere, join(sb.runtimeDir, `${linked}.sock`));
      const linkedRecord = writeGhost(sb, linked, join(sb.runtimeDir, `${linked}.sock`));
      const foreignRecord = writeGhost(sb, idOf(12), elsewhere);

      const listed = await sb.csm(['list']);
      assert.deepEqual(
        { code: listed.code, stdout: listed.stdout, stderr: listed.stderr },
        { code: 0, stdout: 'no sessions; start one with: csm start <dir>\n', stderr: '' },
      );
      assert.equal(existsSync(linkedRecord), false, 'the dead host records are removed');
      assert.equal(existsSync(foreignRecord), false);
      assert.ok(lstatSync(elsewhere).isSocket(), 'the other socket is still there');
      assert.ok(lstatSync(join(sb.runtimeDir, `${linked}.sock`)).isSymbolicLink(), 'and so is the link');
    },
    { skip: canForgeRecords ? false : NO_FORGED_RECORDS_REASON },
  );
});

describe('directories that are not private', () => {
  e2e(
    'a runtime directory owned by another user is refused naming it, before anything starts',
    async (sb) => {
      chownSync(sb.runtimeDir, NOBODY, NOBODY);
      const result = await sb.csm(['start']);
      assertOneLine(
        result,
        1,
        new RegExp(
          `csm: runtime directory ${sb.runtimeDir} is owned by uid ${NOBODY}, not by you \\(uid 0\\); use a directory of your own \\(see csm --help\\)`,
        ),
      );
      assert.deepEqual(sb.recordFiles(), []);
      assert.deepEqual(processesWithEnv(sb.leakMarker), []);
    },
    { skip: isRoot ? false : 'only root can give a directory to another user' },
  );
});

describe('a state directory that is read-only or full', () => {
  e2e(
    'read-only: start refuses before spawning anything, while list and stop keep working',
    async (sb) => {
      const running = await startSession(sb);
      const readOnly = bindReadOnly(sb.stateDir);
      let mounted = true;
      sb.onCleanup(() => {
        if (mounted) readOnly();
      });
      const before = processesWithEnv(sb.leakMarker).length;

      const refused = await sb.csm(['start']);
      assertOneLine(refused, 1, new RegExp(`csm: cannot write in state directory ${sb.sessionsDir}: read-only file system`));
      assert.equal(processesWithEnv(sb.leakMarker).length, before, 'no child was started');
      assert.deepEqual(sb.runtimeEntries(), [`${running.id}.sock`], 'no socket was left');

      const listed = await sb.csm(['list', '-q']);
      assert.deepEqual(
        { code: listed.code, stdout: listed.stdout, stderr: listed.stderr },
        { code: 0, stdout: `${running.id}\n`, stderr: '' },
      );
      const stopped = await sb.csm(['stop', '--all']);
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.equal(await running.terminal.waitForExit(), 129);
      // The host could not remove its record: list hides it (its host is gone) without a word.
      const after = await sb.csm(['list']);
      assert.deepEqual(
        { code: after.code, stdout: after.stdout, stderr: after.stderr },
        { code: 0, stdout: 'no sessions; start one with: csm start <dir>\n', stderr: '' },
      );
      readOnly();
      mounted = false;
      assert.deepEqual(sb.recordFiles(), [`${running.id}.json`], 'the record outlived its session on the read-only directory');
      await sb.csm(['list']);
      assert.deepEqual(sb.recordFiles(), [], 'and the first list after the directory is writable again removes it');
    },
    { skip: mountSkip },
  );

  e2e(
    'full: start refuses before spawning anything, and works again once there is room',
    async (sb) => {
      mkdirSync(sb.stateDir, { mode: 0o700 });
      const unmount = mountTmpfs(sb.stateDir, 64 * 1024);
      sb.onCleanup(unmount);
      const filler = fill(sb.stateDir);

      const refused = await sb.csm(['start']);
      assertOneLine(refused, 1, new RegExp(`csm: cannot write in state directory ${sb.sessionsDir}: no space left on device`));
      assert.deepEqual(processesWithEnv(sb.leakMarker), [], 'no child was started');
      assert.deepEqual(sb.runtimeEntries(), []);
      assert.deepEqual(readdirSync(sb.sessionsDir), [], 'no record, no temporary file');

      unlinkSync(filler);
      const session = await startSession(sb);
      session.terminal.type('quit\r');
      assert.equal(await session.terminal.waitForExit(), 0);
    },
    { skip: mountSkip },
  );

  e2e(
    'full between the check and the record: startSession fails with StateDirError and ends the child it had started',
    async (sb) => {
      mkdirSync(sb.stateDir, { mode: 0o700 });
      const unmount = mountTmpfs(sb.stateDir, 64 * 1024);
      sb.onCleanup(unmount);
      const id = '7a7a7a7a-7777-4777-8777-777777777777';
      const manager = new SessionManager({ paths: resolvePaths(sb.env), newId: () => id });
      await assert.rejects(
        manager.startSession({
          dir: sb.workDir,
          cwd: sb.workDir,
          command: '/bin/sleep',
          args: ['60'],
          env: sb.env,
          cols: 80,
          rows: 24,
          // Another program fills the disk right after csm checked it.
          beforeSpawn: () => fill(sb.stateDir),
        }),
        (error: unknown) => {
          assert.ok(error instanceof StateDirError);
          assert.equal(error.message, `cannot write in state directory ${sb.sessionsDir}: no space left on device`);
          return true;
        },
      );
      assert.deepEqual(processesWithEnv(`CSM_SESSION_ID=${id}`), [], 'the child was ended');
      assert.deepEqual(manager.hostedSessions(), []);
      assert.deepEqual(sb.runtimeEntries(), []);
      assert.deepEqual(readdirSync(sb.sessionsDir), []);
    },
    { skip: mountSkip },
  );

  e2e(
    'nearly full: a record that does not fit is never left half written',
    async (sb) => {
      mkdirSync(sb.stateDir, { mode: 0o700 });
      const unmount = mountTmpfs(sb.stateDir, 64 * 1024);
      sb.onCleanup(unmount);
      const paths = resolvePaths(sb.env);
      const registry = new Registry(paths);
      registry.prepare();
      fill(sb.stateDir, 4096);
      // Long arguments make a record of several pages; only one is free.
      const record: SessionRecord = {
        version: RECORD_VERSION,
        id: idOf(21),
        workingDir: sb.workDir,
        createdAt: new Date().toISOString(),
        command: '/bin/sleep',
        args: ['x'.repeat(12_000)],
        hostPid: process.pid,
        hostStartTime: 'boot:1',
        pid: process.pid,
        pidStartTime: 'boot:1',
        socketPath: join(sb.runtimeDir, `${idOf(21)}.sock`),
      };
      assert.throws(() => registry.write(record), {
        name: 'StateDirError',
        message: `cannot write in state directory ${sb.sessionsDir}: no space left on device`,
      });
      assert.deepEqual(readdirSync(sb.sessionsDir), [], 'no truncated record, no temporary file');
    },
    { skip: mountSkip },
  );
});
