import assert from 'node:assert/strict';
import { test } from 'node:test';
import { playOutput, TextRenderer } from '../../src/log-render.js';
import { sizeAt } from '../../src/output-log.js';

async function render(text: string | Buffer, cols = 40, rows = 5): Promise<string[]> {
  const lines: string[] = [];
  const renderer = await TextRenderer.create(cols, rows, (line) => lines.push(line));
  await renderer.write(typeof text === 'string' ? Buffer.from(text) : text);
  renderer.flush();
  renderer.dispose();
  return lines;
}

test('plain lines come out as they were printed, trailing blank rows dropped', async () => {
  assert.deepEqual(await render('one\r\ntwo\r\n\r\nthree\r\n\r\n'), ['one', 'two', '', 'three']);
});

test('colours and other escapes are gone; carriage-return overwrites and erases are applied', async () => {
  assert.deepEqual(await render('\x1b[1;32mgreen\x1b[0m\r\nprogress 10%\rprogress 100%\r\nabc\x1b[2Kfixed\r\n'), [
    'green',
    'progress 100%',
    '   fixed',
  ]);
});

test('a redraw in place (cursor up, erase line) shows only the final text', async () => {
  assert.deepEqual(await render('header\r\n⠋ working\r\n\x1b[1A\x1b[2K⠙ working\r\n\x1b[1A\x1b[2K✔ done\r\n'), ['header', '✔ done']);
});

test('a line wrapped by the terminal is joined back into one line', async () => {
  const long = 'x'.repeat(25) + ' y'.repeat(10);
  assert.deepEqual(await render(`${long}\r\nnext\r\n`, 20, 5), [long, 'next']);
});

test('far more lines than the scrollback holds are all printed once, in order', async () => {
  const count = 25_000;
  let text = '';
  for (let i = 0; i < count; i++) text += `line ${i}\r\n`;
  const lines = await render(text, 40, 10);
  assert.equal(lines.length, count);
  assert.equal(lines[0], 'line 0');
  assert.equal(lines[count - 1], `line ${count - 1}`);
  assert.ok(lines.every((line, i) => line === `line ${i}`));
});

test('flushing while following prints new lines once and reprints only what was redrawn', async () => {
  const lines: string[] = [];
  const renderer = await TextRenderer.create(40, 10, (line) => lines.push(line));
  await renderer.write(Buffer.from('first\r\nsecond\r\n'));
  renderer.flush();
  assert.deepEqual(lines, ['first', 'second']);
  await renderer.write(Buffer.from('third\r\n'));
  renderer.flush();
  assert.deepEqual(lines, ['first', 'second', 'third']);
  renderer.flush();
  assert.deepEqual(lines, ['first', 'second', 'third']);
  await renderer.write(Buffer.from('\x1b[1A\x1b[2Kthird, redrawn\r\n'));
  renderer.flush();
  assert.deepEqual(lines, ['first', 'second', 'third', 'third, redrawn']);
  renderer.dispose();
});

test('following output that scrolls off between flushes loses nothing and repeats nothing', async () => {
  const lines: string[] = [];
  const renderer = await TextRenderer.create(40, 4, (line) => lines.push(line));
  const expected: string[] = [];
  for (let round = 0; round < 10; round++) {
    let text = '';
    for (let i = 0; i < round * 3; i++) {
      text += `r${round} l${i}\r\n`;
      expected.push(`r${round} l${i}`);
    }
    await renderer.write(Buffer.from(text));
    renderer.flush();
  }
  assert.deepEqual(lines, expected);
  renderer.dispose();
});

test('recorded sizes are applied at the byte where the session was resized', async () => {
  const lines: string[] = [];
  const renderer = await TextRenderer.create(10, 5, (line) => lines.push(line));
  const first = 'abcdefghij'.repeat(2);
  const bytes = Buffer.from(`${first}\r\n${'z'.repeat(30)}\r\n`);
  await playOutput(renderer, { start: 100, bytes }, [
    { offset: 0, cols: 10, rows: 5 },
    { offset: 100 + first.length + 2, cols: 40, rows: 5 },
  ]);
  renderer.flush();
  renderer.dispose();
  assert.deepEqual(lines, [first, 'z'.repeat(30)]);
  assert.equal(sizeAt([{ offset: 5, cols: 1, rows: 1 }], 4), undefined);
});
