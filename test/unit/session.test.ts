import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createSession,
  isSessionId,
  parseRecord,
  RECORD_VERSION,
  type SessionRecord,
  serializeRecord,
  shortId,
} from '../../src/session.js';

const ID = '3f2a9c1e-8b7d-4e6f-a5b4-c3d2e1f0a9b8';
const RFC_3339_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function record(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    version: RECORD_VERSION,
    id: ID,
    workingDir: '/home/ada/repo',
    createdAt: '2026-01-02T03:04:05.678Z',
    command: '/usr/local/bin/claude',
    args: ['--model', 'opus'],
    hostPid: 4242,
    hostStartTime: 'boot:1234',
    pid: 4243,
    pidStartTime: 'boot:1240',
    tty: '/dev/pts/7',
    socketPath: `/tmp/csm-0/${ID}.sock`,
    ...overrides,
  };
}

/** The record as JSON text, with some fields changed or (undefined) removed. */
function recordText(changes: Record<string, unknown>): string {
  return JSON.stringify({ ...record(), ...changes });
}

describe('createSession', () => {
  test('keeps a UUID v4 id and the working dir, and stamps createdAt as RFC 3339 UTC with milliseconds', () => {
    const now = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    const session = createSession({ id: ID, workingDir: '/w', now });
    assert.deepEqual(session, { id: ID, workingDir: '/w', createdAt: '2026-01-02T03:04:05.678Z' });
    assert.match(session.createdAt, RFC_3339_UTC_MS);
    assert.equal(Date.parse(session.createdAt), now.getTime());
  });

  test('rejects an id that is not a lowercase UUID v4 with a TypeError naming the value', () => {
    const notV4 = [
      '',
      'abcd',
      '3f2a9c1e-8b7d-1e6f-a5b4-c3d2e1f0a9b8', // version 1
      '3f2a9c1e-8b7d-4e6f-c5b4-c3d2e1f0a9b8', // wrong variant
      ID.toUpperCase(),
      `${ID}0`,
      `../${ID}`,
    ];
    for (const id of notV4) {
      assert.throws(() => createSession({ id, workingDir: '/w', now: new Date() }), { name: 'TypeError', message: `not a UUID v4: ${id}` });
      assert.equal(isSessionId(id), false, id);
    }
    assert.equal(isSessionId(ID), true);
  });
});

describe('shortId', () => {
  test('is the first eight characters of the id', () => {
    assert.equal(shortId(ID), '3f2a9c1e');
  });
});

describe('serializeRecord and parseRecord', () => {
  test('a serialized record parses back to the same record', () => {
    const original = record();
    const text = serializeRecord(original);
    assert.ok(text.endsWith('}\n'), 'one JSON document ending in a newline');
    assert.deepEqual(parseRecord(text), original);
  });

  test('a record without a tty round-trips, and the tty stays absent', () => {
    const original = record({ tty: undefined });
    const parsed = parseRecord(serializeRecord(original));
    assert.deepEqual(parsed, original);
    assert.equal(serializeRecord(original).includes('tty'), false);
  });

  test('unknown extra fields are ignored, not kept and not rejected', () => {
    const parsed = parseRecord(recordText({ addedInVersion1Point5: { anything: true } }));
    assert.equal(typeof parsed, 'object');
    assert.deepEqual(parsed, record());
    assert.equal(Object.hasOwn(parsed as object, 'addedInVersion1Point5'), false);
  });

  test('text that is not JSON is rejected with "not valid JSON"', () => {
    for (const text of ['', '{', '{"version": 1,}', 'version=1']) assert.equal(parseRecord(text), 'not valid JSON', text);
  });

  test('JSON that is not an object is rejected with "not a JSON object"', () => {
    for (const text of ['null', '42', '"record"', '[]', `[${recordText({})}]`]) assert.equal(parseRecord(text), 'not a JSON object', text);
  });

  test('an unknown or missing version is rejected, naming the version', () => {
    assert.equal(parseRecord(recordText({ version: 2 })), 'unknown record version 2');
    assert.equal(parseRecord(recordText({ version: '1' })), 'unknown record version "1"');
    assert.equal(parseRecord(recordText({ version: undefined })), 'unknown record version undefined');
  });

  test('each missing required field is named in the reason', () => {
    for (const key of [
      'id',
      'workingDir',
      'createdAt',
      'command',
      'args',
      'hostPid',
      'hostStartTime',
      'pid',
      'pidStartTime',
      'socketPath',
    ]) {
      assert.equal(parseRecord(recordText({ [key]: undefined })), `bad field(s): ${key}`, key);
    }
  });

  test('fields of the wrong type or empty strings are rejected, all of them named once', () => {
    assert.equal(parseRecord(recordText({ command: '', socketPath: 7 })), 'bad field(s): command, socketPath');
    assert.equal(parseRecord(recordText({ args: 'claude --resume' })), 'bad field(s): args');
    assert.equal(parseRecord(recordText({ args: ['--model', 5] })), 'bad field(s): args');
    assert.equal(parseRecord(recordText({ tty: 7 })), 'bad field(s): tty');
    assert.equal(parseRecord(recordText({ id: 'not-a-uuid' })), 'bad field(s): id');
    assert.equal(parseRecord(recordText({ id: 42 })), 'bad field(s): id');
  });

  test('a createdAt that is not a date is rejected', () => {
    assert.equal(parseRecord(recordText({ createdAt: 'yesterday' })), 'bad field(s): createdAt');
  });

  test('a pid or host pid that is not an integer above 1 is rejected (never signal init or a process group)', () => {
    for (const bad of [1, 0, -1, -4243, 1.5, '4243', null, 2 ** 60]) {
      assert.equal(parseRecord(recordText({ pid: bad })), 'bad field(s): pid', String(bad));
      assert.equal(parseRecord(recordText({ hostPid: bad })), 'bad field(s): hostPid', String(bad));
    }
    assert.equal(typeof parseRecord(recordText({ pid: 2, hostPid: 2 })), 'object');
  });
});
