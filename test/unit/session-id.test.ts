import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { newSessionId } from '../../src/session-id.js';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('newSessionId gives random version 4 UUIDs', () => {
  const ids = new Set(Array.from({ length: 200 }, () => newSessionId()));
  assert.equal(ids.size, 200);
  for (const id of ids) assert.match(id, V4);
});

test('newSessionId takes its bytes from the random source, with the version and variant bits set', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'csm-session-id-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const source = join(dir, 'random');
  writeFileSync(source, Buffer.alloc(16, 0xff));
  assert.equal(newSessionId(source), 'ffffffff-ffff-4fff-bfff-ffffffffffff');
  writeFileSync(source, Buffer.alloc(16, 0));
  assert.equal(newSessionId(source), '00000000-0000-4000-8000-000000000000');
});

test("newSessionId falls back to uuid's own source when the random source is missing or short", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'csm-session-id-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const short = join(dir, 'short');
  writeFileSync(short, Buffer.alloc(8, 0));
  for (const source of [join(dir, 'missing'), short, dir]) {
    const id = newSessionId(source);
    assert.match(id, V4);
    assert.notEqual(id, '00000000-0000-4000-8000-000000000000');
  }
});
