import assert from 'node:assert/strict';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readsNothing } from '../../src/terminal-link.js';
import { tempDir } from './support.js';

test('readsNothing: /dev/null has nothing to read; a file, another device or a closed descriptor may', (t) => {
  const file = join(tempDir(t), 'input');
  writeFileSync(file, 'typed\n');
  const opened = ['/dev/null', file, '/dev/zero'].map((path) => openSync(path, 'r'));
  t.after(() => {
    for (const fd of opened) closeSync(fd);
  });
  assert.deepEqual(opened.map(readsNothing), [true, false, false]);

  const closed = openSync('/dev/null', 'r');
  closeSync(closed);
  assert.equal(readsNothing(closed), false);
});
