import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_DETACH_KEY, findDetachKey, parseDetachKey } from '../../src/detach-key.js';
import { UsageError } from '../../src/errors.js';

describe('detach key', () => {
  test('the default is Ctrl-\\ (0x1c)', () => {
    const key = parseDetachKey(DEFAULT_DETACH_KEY);
    assert.equal(key?.byte, 0x1c);
    assert.equal(key?.label, 'Ctrl-\\');
  });

  test('ctrl-x, C-x and ^x spellings all work, in either case', () => {
    for (const spec of ['ctrl-a', 'CTRL-A', 'C-a', '^a', '^A']) assert.equal(parseDetachKey(spec)?.byte, 1, spec);
    assert.equal(parseDetachKey('^]')?.byte, 0x1d);
  });

  test('none disables it', () => {
    assert.equal(parseDetachKey('none'), undefined);
  });

  test('keys without a control code, or that are Enter, Tab, Escape or Backspace, are refused', () => {
    for (const spec of ['x', 'ctrl-1', 'alt-a', 'ctrl-m', 'ctrl-i', 'ctrl-[', 'ctrl-h', '']) {
      assert.throws(() => parseDetachKey(spec), UsageError, spec);
    }
  });

  test('is found anywhere in a read, also with other bytes around it', () => {
    const key = parseDetachKey('ctrl-\\');
    assert.ok(key);
    assert.deepEqual(findDetachKey(key, Buffer.from('ab\x1ccd')), { index: 2 });
    assert.deepEqual(findDetachKey(key, Buffer.from('\x1c')), { index: 0 });
    assert.equal(findDetachKey(key, Buffer.from('plain typing')), undefined);
  });

  test('is recognised in the kitty keyboard and modifyOtherKeys encodings', () => {
    const key = parseDetachKey('ctrl-\\');
    assert.ok(key);
    assert.deepEqual(findDetachKey(key, Buffer.from('x\x1b[92;5u')), { index: 1 });
    assert.deepEqual(findDetachKey(key, Buffer.from('\x1b[92;5:1u')), { index: 0 });
    assert.deepEqual(findDetachKey(key, Buffer.from('yy\x1b[27;5;92~')), { index: 2 });
    const ctrlA = parseDetachKey('ctrl-A');
    assert.ok(ctrlA);
    assert.deepEqual(findDetachKey(ctrlA, Buffer.from('\x1b[97;5u')), { index: 0 });
  });
});
