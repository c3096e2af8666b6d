import assert from 'node:assert/strict';
import { test } from 'node:test';
import { within } from '../../src/bounded-wait.js';

test('within gives the value that comes in time, and the late value when it does not', async () => {
  assert.equal(await within(Promise.resolve('answer'), 1000, 'late'), 'answer');
  assert.equal(await within(new Promise<string>(() => undefined), 20, 'late'), 'late');
});
