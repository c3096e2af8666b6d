import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, parseDuration } from '../../src/duration.js';
import { CsmError } from '../../src/errors.js';

test('parseDuration reads each unit and combinations of them', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('15m'), 900_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('7d'), 604_800_000);
  assert.equal(parseDuration('2w'), 1_209_600_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration(' 1.5h '), 5_400_000);
  assert.equal(parseDuration('0s'), 0);
  assert.equal(parseDuration('3D'), 3 * 86_400_000);
});

test('parseDuration refuses a bare number, an unknown unit, junk and absurd values with a usage error', () => {
  for (const bad of ['7', '', 'd', '7x', '7 d', '-1d', '1d junk', 'h1', '1e3s', '10000000w']) {
    assert.throws(
      () => parseDuration(bad, '--older-than'),
      (error: unknown) => error instanceof CsmError && error.code === 'usage' && /--older-than/.test(error.message),
      bad,
    );
  }
});

test('formatDuration picks the largest whole unit', () => {
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(59_999), '59s');
  assert.equal(formatDuration(60_000), '1m');
  assert.equal(formatDuration(4 * 60_000 + 59_000), '4m');
  assert.equal(formatDuration(3 * 3_600_000), '3h');
  assert.equal(formatDuration(50 * 3_600_000), '2d');
  assert.equal(formatDuration(-5), '0s');
});
