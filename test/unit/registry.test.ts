import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { type CsmPaths, recordPathFor, resolvePaths } from '../../src/paths.js';
import { MAX_RECORD_BYTES, Registry } from '../../src/registry.js';
import { RECORD_VERSION, type SessionRecord, serializeRecord } from '../../src/session.js';
import { tempDir } from './support.js';

const ID_A = 'aaaaaaaa-1111-4111-8111-111111111111';
const ID_B = 'bbbbbbbb-2222-4222-9222-222222222222';

function record(id: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    version: RECORD_VERSION,
    id,
    workingDir: '/w',
    createdAt: '2026-01-02T03:04:05.678Z',
    command: '/bin/true',
    args: [],
    hostPid: 4242,
    hostStartTime: 'boot:1',
    pid: 4243,
    pidStartTime: 'boot:2',
    tty: undefined,
    socketPath: `/r/${id}.sock`,
    ...overrides,
  };
}

/** A registry in a temp state dir, prepared (so its sessions dir exists). */
function preparedRegistry(t: TestContext): { registry: Registry; paths: CsmPaths } {
  const root = tempDir(t);
  const paths = resolvePaths({ CSM_HOME: join(root, 'state'), CSM_RUNTIME_DIR: join(root, 'run') });
  const registry = new Registry(paths);
  registry.prepare();
  return { registry, paths };
}

describe('Registry.prepare', () => {
  test('creates the state and sessions directories 0700 and leaves no probe file', (t) => {
    const { paths } = preparedRegistry(t);
    assert.equal(statSync(paths.stateDir).mode & 0o777, 0o700);
    assert.equal(statSync(paths.sessionsDir).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(paths.sessionsDir), []);
  });

  test('fails with a StateDirError when the state directory cannot be created (a parent is a file)', () => {
    const registry = new Registry(resolvePaths({ CSM_HOME: '/dev/null/csm', CSM_RUNTIME_DIR: '/dev/null/run' }));
    assert.throws(() => registry.prepare(), {
      name: 'StateDirError',
      message: 'cannot create state directory /dev/null/csm: a parent is not a directory',
    });
  });

  test('fails with a StateDirError when the sessions directory is on a read-only mount', (t) => {
    const root = tempDir(t);
    const paths = resolvePaths({ CSM_HOME: join(root, 'state'), CSM_RUNTIME_DIR: join(root, 'run') });
    mkdirSync(paths.sessionsDir, { recursive: true, mode: 0o700 });
    // Root ignores mode bits, so only a read-only mount really refuses writes.
    try {
      execFileSync('mount', ['--bind', paths.sessionsDir, paths.sessionsDir], { stdio: 'ignore' });
    } catch {
      t.skip('cannot bind-mount here (needs root and mount(8)); a read-only directory cannot be simulated');
      return;
    }
    // Unmounted here, not in an after hook: the temp dir can only be removed once it is.
    try {
      execFileSync('mount', ['-o', 'remount,bind,ro', paths.sessionsDir], { stdio: 'ignore' });
      assert.throws(() => new Registry(paths).prepare(), {
        name: 'StateDirError',
        message: `cannot write in state directory ${paths.sessionsDir}: read-only file system`,
      });
    } finally {
      execFileSync('umount', [paths.sessionsDir], { stdio: 'ignore' });
    }
  });

  test('refuses a group-writable sessions directory, leaving nothing in it', (t) => {
    const { registry, paths } = preparedRegistry(t);
    chmodSync(paths.sessionsDir, 0o775);
    assert.throws(() => registry.prepare(), { name: 'StateDirError', message: /chmod 700/ });
    assert.deepEqual(readdirSync(paths.sessionsDir), []);
  });
});

describe('Registry.write', () => {
  test('writes <id>.json with mode 0600 and leaves no temp file behind', (t) => {
    const { registry, paths } = preparedRegistry(t);
    registry.write(record(ID_A));
    assert.deepEqual(readdirSync(paths.sessionsDir), [`${ID_A}.json`]);
    const path = recordPathFor(paths, ID_A);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(readFileSync(path, 'utf8'), serializeRecord(record(ID_A)));
  });

  test('replaces a record by renaming a new file over it, never rewriting it in place', (t) => {
    const { registry, paths } = preparedRegistry(t);
    const path = recordPathFor(paths, ID_A);
    registry.write(record(ID_A));
    const before = statSync(path).ino;
    registry.write(record(ID_A, { workingDir: '/elsewhere' }));
    // A new inode means a reader holding the old file saw the old record whole.
    assert.notEqual(statSync(path).ino, before);
    assert.match(readFileSync(path, 'utf8'), /"\/elsewhere"/);
    assert.deepEqual(readdirSync(paths.sessionsDir), [`${ID_A}.json`]);
  });

  test('replaces a planted symlink at the record path instead of writing through it', (t) => {
    const { registry, paths } = preparedRegistry(t);
    const victim = join(paths.stateDir, 'victim');
    writeFileSync(victim, 'precious\n');
    const path = recordPathFor(paths, ID_A);
    symlinkSync(victim, path);
    registry.write(record(ID_A));
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.ok(lstatSync(path).isFile());
  });
});

describe('Registry.scan', () => {
  test('with no state directory finds no records and no warnings (and creates nothing)', (t) => {
    const root = tempDir(t);
    const paths = resolvePaths({ CSM_HOME: join(root, 'state'), CSM_RUNTIME_DIR: join(root, 'run') });
    assert.deepEqual(new Registry(paths).scan(), { records: [], warnings: [] });
    assert.equal(existsSync(paths.stateDir), false);
  });

  test('returns every record written, without warnings', (t) => {
    const { registry } = preparedRegistry(t);
    registry.write(record(ID_B));
    registry.write(record(ID_A, { args: ['--resume'], tty: '/dev/pts/3' }));
    const scan = registry.scan();
    assert.deepEqual(scan.warnings, []);
    assert.deepEqual(scan.records, [record(ID_A, { args: ['--resume'], tty: '/dev/pts/3' }), record(ID_B)]);
  });

  test('warns about and skips files that are not records, and still returns the good ones', (t) => {
    const { registry, paths } = preparedRegistry(t);
    registry.write(record(ID_A));
    const ids = [
      'c0000000-0000-4000-8000-000000000001',
      'c0000000-0000-4000-8000-000000000002',
      'c0000000-0000-4000-8000-000000000003',
      'c0000000-0000-4000-8000-000000000004',
      'c0000000-0000-4000-8000-000000000005',
    ] as const;
    const at = (name: string) => join(paths.sessionsDir, name);
    writeFileSync(at(`${ids[0]}.json`), '{"version": 1, "id": ');
    writeFileSync(at(`${ids[1]}.json`), '');
    writeFileSync(at(`${ids[2]}.json`), ' '.repeat(MAX_RECORD_BYTES + 1));
    writeFileSync(at(`${ids[3]}.json`), serializeRecord({ ...record(ids[3]), version: 2 as typeof RECORD_VERSION }));
    writeFileSync(at(`${ids[4]}.json`), serializeRecord(record(ID_B)));
    writeFileSync(at('notes.txt'), 'hello');
    writeFileSync(at('sessions.json'), serializeRecord(record(ID_B)));
    writeFileSync(at(`${ID_B.toUpperCase()}.json`), serializeRecord(record(ID_B)));

    const scan = registry.scan();
    assert.deepEqual(scan.records, [record(ID_A)]);
    assert.deepEqual(scan.warnings.sort(), [
      `skipping ${at(`${ID_B.toUpperCase()}.json`)}: not a session record`,
      `skipping ${at(`${ids[0]}.json`)}: not valid JSON`,
      `skipping ${at(`${ids[1]}.json`)}: empty file`,
      `skipping ${at(`${ids[2]}.json`)}: too large (${MAX_RECORD_BYTES + 1} bytes)`,
      `skipping ${at(`${ids[3]}.json`)}: unknown record version 2`,
      `skipping ${at(`${ids[4]}.json`)}: its id ${ID_B} does not match the file name`,
      `skipping ${at('notes.txt')}: not a session record`,
      `skipping ${at('sessions.json')}: not a session record`,
    ]);
  });

  test('a record of exactly the size limit is still read', (t) => {
    const { registry, paths } = preparedRegistry(t);
    const text = serializeRecord(record(ID_A));
    writeFileSync(recordPathFor(paths, ID_A), text + ' '.repeat(MAX_RECORD_BYTES - Buffer.byteLength(text)));
    assert.deepEqual(registry.scan(), { records: [record(ID_A)], warnings: [] });
  });

  test('does not follow a symlink named like a record, and leaves its target untouched', (t) => {
    const { registry, paths } = preparedRegistry(t);
    const target = join(paths.stateDir, 'target.json');
    const text = serializeRecord(record(ID_A));
    writeFileSync(target, text);
    const link = recordPathFor(paths, ID_A);
    symlinkSync(target, link);
    const scan = registry.scan();
    assert.deepEqual(scan.records, []);
    assert.deepEqual(scan.warnings, [`skipping ${link}: is a symbolic link`]);
    assert.equal(readFileSync(target, 'utf8'), text);
  });

  test('skips a FIFO named like a record without hanging', (t) => {
    const { registry, paths } = preparedRegistry(t);
    const fifo = recordPathFor(paths, ID_A);
    execFileSync('mkfifo', [fifo]);
    const scan = registry.scan();
    assert.deepEqual(scan.records, []);
    assert.deepEqual(scan.warnings, [`skipping ${fifo}: not a regular file`]);
  });

  test('skips a directory named like a record', (t) => {
    const { registry, paths } = preparedRegistry(t);
    mkdirSync(recordPathFor(paths, ID_A));
    assert.deepEqual(registry.scan().warnings, [`skipping ${recordPathFor(paths, ID_A)}: not a regular file`]);
  });

  test('removes temp files abandoned more than 60 s ago, keeps fresh ones, and warns about neither', (t) => {
    const { registry, paths } = preparedRegistry(t);
    const old = join(paths.sessionsDir, `.${ID_A}.999.0badc0de.tmp`);
    const fresh = join(paths.sessionsDir, `.${ID_B}.999.12345678.tmp`);
    const other = join(paths.sessionsDir, '.hidden');
    for (const path of [old, fresh, other]) writeFileSync(path, '{');
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    utimesSync(old, twoMinutesAgo, twoMinutesAgo);
    utimesSync(other, twoMinutesAgo, twoMinutesAgo);
    assert.deepEqual(registry.scan(), { records: [], warnings: [] });
    assert.equal(existsSync(old), false, 'abandoned temp removed');
    assert.equal(existsSync(fresh), true, 'a temp file being written right now is kept');
    assert.equal(existsSync(other), true, 'only .tmp files are collected');
  });

  test('refuses a state directory that others can write to', (t) => {
    const { registry, paths } = preparedRegistry(t);
    chmodSync(paths.stateDir, 0o777);
    assert.throws(() => registry.scan(), /is writable by group or others/);
  });
});

describe('Registry.remove', () => {
  test('removes the record and ignores one that is already gone', (t) => {
    const { registry, paths } = preparedRegistry(t);
    registry.write(record(ID_A));
    registry.remove(ID_A);
    assert.equal(existsSync(recordPathFor(paths, ID_A)), false);
    registry.remove(ID_A);
  });

  test('removes a symlink named like a record, never its target', (t) => {
    const { registry, paths } = preparedRegistry(t);
    const target = join(paths.stateDir, 'target');
    writeFileSync(target, 'keep me');
    const link = recordPathFor(paths, ID_A);
    symlinkSync(target, link);
    registry.remove(ID_A);
    assert.throws(() => lstatSync(link), { code: 'ENOENT' });
    assert.equal(readFileSync(target, 'utf8'), 'keep me');
  });

  test('ignores anything that is not a session id, so it cannot remove files outside the sessions directory', (t) => {
    const { registry, paths } = preparedRegistry(t);
    const outside = join(paths.stateDir, 'x.json');
    writeFileSync(outside, '{}');
    registry.remove('../x');
    registry.remove('');
    assert.equal(existsSync(outside), true);
  });
});
