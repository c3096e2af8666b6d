import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CsmError } from '../../src/errors.js';
import { keyBytes, parseKeyName } from '../../src/keys.js';
import { PASTE_END, PASTE_START, textWrites } from '../../src/paste.js';

const normal = { applicationCursor: false };
const app = { applicationCursor: true };
const hex = (text: string) => Buffer.from(text, 'latin1').toString('hex');

test('each named key maps to the bytes a terminal sends', () => {
  const expected: Record<string, string> = {
    Enter: '0d',
    Escape: '1b',
    Tab: '09',
    Backspace: '7f',
    Up: '1b5b41',
    Down: '1b5b42',
    Right: '1b5b43',
    Left: '1b5b44',
    'Ctrl-C': '03',
    'Ctrl-D': '04',
    'Shift-Tab': '1b5b5a',
    Delete: '1b5b337e',
    Space: '20',
    Home: '1b5b48',
    End: '1b5b46',
    PageUp: '1b5b357e',
    PageDown: '1b5b367e',
    'Ctrl-A': '01',
    'Ctrl-Z': '1a',
  };
  for (const [name, bytes] of Object.entries(expected)) assert.equal(hex(keyBytes(name, normal)), bytes, name);
});

test('arrow, Home and End keys use SS3 while the application cursor mode (DECCKM) is set', () => {
  assert.equal(hex(keyBytes('Up', app)), '1b4f41');
  assert.equal(hex(keyBytes('Down', app)), '1b4f42');
  assert.equal(hex(keyBytes('Right', app)), '1b4f43');
  assert.equal(hex(keyBytes('Left', app)), '1b4f44');
  assert.equal(hex(keyBytes('Home', app)), '1b4f48');
  assert.equal(hex(keyBytes('End', app)), '1b4f46');
  assert.equal(hex(keyBytes('Enter', app)), '0d');
  assert.equal(hex(keyBytes('Ctrl-C', app)), '03');
});

test('key names are case-insensitive and accept common spellings', () => {
  assert.equal(parseKeyName('enter'), 'Enter');
  assert.equal(parseKeyName('ESC'), 'Escape');
  assert.equal(parseKeyName('return'), 'Enter');
  assert.equal(parseKeyName('ctrl+c'), 'Ctrl-C');
  assert.equal(parseKeyName('C-d'), 'Ctrl-D');
  assert.equal(parseKeyName('control-x'), 'Ctrl-X');
  assert.equal(parseKeyName('pageup'), 'PageUp');
});

test('an unknown key name is a usage error that lists the known ones', () => {
  assert.throws(
    () => parseKeyName('Hyper-Q'),
    (error: unknown) =>
      error instanceof CsmError && error.code === 'usage' && /Hyper-Q/.test(error.message) && /Ctrl-C/.test(error.message),
  );
  assert.throws(() => parseKeyName('Ctrl-1'), CsmError);
});

test('single-line text is typed as it is, whatever the paste mode', () => {
  assert.deepEqual(textWrites('hello world', { bracketedPaste: false }), ['hello world']);
  assert.deepEqual(textWrites('hello world', { bracketedPaste: true }), ['hello world']);
  assert.deepEqual(textWrites('', { bracketedPaste: true }), []);
});

test('multi-line text is one bracketed paste with CR line ends when the application enabled mode 2004', () => {
  assert.deepEqual(textWrites('one\ntwo\r\nthree', { bracketedPaste: true }), [`${PASTE_START}one\rtwo\rthree${PASTE_END}`]);
});

test('an end-of-paste marker inside pasted text is dropped so that it cannot end the paste early', () => {
  assert.deepEqual(textWrites(`a\nb${PASTE_END}rm -rf ~\r`, { bracketedPaste: true }), [`${PASTE_START}a\rbrm -rf ~\r${PASTE_END}`]);
});

test('without bracketed paste, multi-line text is typed line by line, each ended with Enter but the last', () => {
  assert.deepEqual(textWrites('one\ntwo\nthree', { bracketedPaste: false }), ['one\r', 'two\r', 'three']);
  assert.deepEqual(textWrites('one\n\ntwo\n', { bracketedPaste: false }), ['one\r', '\r', 'two\r']);
});
