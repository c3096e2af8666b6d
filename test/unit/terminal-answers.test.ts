import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { splitInput } from '../../src/terminal-answers.js';

function kinds(input: string): [string, string][] {
  return splitInput(Buffer.from(input, 'latin1')).map((part) => [part.kind, part.bytes.toString('latin1')]);
}

describe('splitInput', () => {
  test('plain typing, arrows, and mouse reports are what a person did', () => {
    assert.deepEqual(kinds('hello\r'), [['user', 'hello\r']]);
    assert.deepEqual(kinds('\x1b[A\x1bOB\x1b[<0;10;5M\x1b[200~paste\x1b[201~'), [
      ['user', '\x1b[A\x1bOB\x1b[<0;10;5M\x1b[200~paste\x1b[201~'],
    ]);
    // X10 mouse: three raw bytes that could look like anything, even ESC [.
    assert.deepEqual(kinds('\x1b[M\x1b[c'), [['user', '\x1b[M\x1b[c']]);
  });

  test('device attributes, cursor position, status and mode reports are answers', () => {
    assert.deepEqual(kinds('\x1b[?1;2c'), [['answer', '\x1b[?1;2c']]);
    assert.deepEqual(kinds('\x1b[>0;276;0c'), [['answer', '\x1b[>0;276;0c']]);
    assert.deepEqual(kinds('\x1b[12;40R'), [['answer', '\x1b[12;40R']]);
    assert.deepEqual(kinds('\x1b[0n'), [['answer', '\x1b[0n']]);
    assert.deepEqual(kinds('\x1b[?2004;2$y'), [['answer', '\x1b[?2004;2$y']]);
    assert.deepEqual(kinds('\x1b[?1u'), [['answer', '\x1b[?1u']]);
    assert.deepEqual(kinds('\x1bP>|xterm(390)\x1b\\'), [['answer', '\x1bP>|xterm(390)\x1b\\']]);
  });

  test('answers and typing in one read keep their order', () => {
    assert.deepEqual(kinds('ab\x1b[?62;4cde'), [
      ['user', 'ab'],
      ['answer', '\x1b[?62;4c'],
      ['user', 'de'],
    ]);
  });

  test('colour answers carry the colour, terminated by BEL or ST', () => {
    const [bel] = splitInput(Buffer.from('\x1b]11;rgb:1e1e/1e1e/2e2e\x07'));
    assert.deepEqual(bel?.colours, { background: 'rgb:1e1e/1e1e/2e2e' });
    const [st] = splitInput(Buffer.from('\x1b]10;rgb:ffff/ffff/ffff\x1b\\'));
    assert.equal(st?.kind, 'answer');
    assert.deepEqual(st?.colours, { foreground: 'rgb:ffff/ffff/ffff' });
  });

  test('focus reports are told apart', () => {
    assert.deepEqual(kinds('\x1b[I\x1b[O'), [
      ['focus-in', '\x1b[I'],
      ['focus-out', '\x1b[O'],
    ]);
  });

  test('an escape sequence cut off at the end of a read is passed on as typed', () => {
    assert.deepEqual(kinds('\x1b'), [['user', '\x1b']]);
    assert.deepEqual(kinds('x\x1b]11;rgb:00'), [['user', 'x\x1b]11;rgb:00']]);
  });
});
