import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatUuidV4, newSessionId } from '../../src/session-id.js';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('session ids', () => {
  test('are version 4 UUIDs, different every time', () => {
    const ids = new Set(Array.from({ length: 100 }, () => newSessionId()));
    assert.equal(ids.size, 100);
    for (const id of ids) assert.match(id, V4);
  });

  test('keep every random bit but the version and variant bits', () => {
    assert.equal(formatUuidV4(Buffer.alloc(16, 0xff)), 'ffffffff-ffff-4fff-bfff-ffffffffffff');
    assert.equal(formatUuidV4(Buffer.alloc(16, 0)), '00000000-0000-4000-8000-000000000000');
  });
});
