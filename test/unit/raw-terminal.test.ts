// raw-terminal.ts against a real terminal: a PTY whose device this test opens
// as csm opens its own, with stty(1) reading the mode back.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { openSync } from 'node:fs';
import { type TestContext, test } from 'node:test';
import { ReadStream, WriteStream } from 'node:tty';
import { holdRaw } from '../../src/raw-terminal.js';
import { sleepingTerminal } from '../helpers/pty-device.js';

interface OpenTerminal {
  readonly stdin: ReadStream;
  readonly stdout: WriteStream;
  /** `stty -a` of the device: what the kernel says its mode is. */
  settings(): string;
}

/** A PTY kept open by a sleeping child, and this process's own streams on its device. */
function openTerminal(t: TestContext): OpenTerminal {
  const { device } = sleepingTerminal(t);
  // As process.stdin and process.stdout do (streams made from a descriptor do not), they say which descriptor they are.
  const input = openSync(device, 'r+');
  const output = openSync(device, 'r+');
  const stdin = Object.assign(new ReadStream(input), { fd: input });
  const stdout = Object.assign(new WriteStream(output), { fd: output });
  t.after(() => {
    stdin.destroy();
    stdout.destroy();
  });
  const flag = process.platform === 'darwin' ? '-f' : '-F';
  return { stdin, stdout, settings: () => execFileSync('stty', [flag, device, '-a'], { encoding: 'utf8' }) };
}

const has = (settings: string, flag: string) => new RegExp(`(^|\\s)${flag}(\\s|$)`).test(settings);

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('holding raw mode turns output processing off, and the last release puts the whole mode back', async (t) => {
  const terminal = openTerminal(t);
  const before = terminal.settings();
  assert.ok(has(before, 'icanon') && has(before, 'opost'), before);

  const outer = holdRaw(terminal.stdin, terminal.stdout);
  const inner = holdRaw(terminal.stdin, terminal.stdout);
  await until('output processing off', () => has(terminal.settings(), '-opost'));
  assert.ok(has(terminal.settings(), '-icanon'));

  // The attach command holds the terminal from before it connects; the attached client's release must not end it.
  await inner.release();
  await inner.release();
  assert.ok(has(terminal.settings(), '-icanon') && has(terminal.settings(), '-opost'));

  await outer.release();
  assert.equal(terminal.settings(), before);
});

for (const [name, options] of [
  ['a hold released before its turn ends never starts stty: the mode saved on entry comes back whole', { afterThisTurn: true }],
  ['a release right after the hold waits for stty, so the mode it restores is not changed after it', {}],
] as const) {
  test(name, async (t) => {
    const terminal = openTerminal(t);
    const before = terminal.settings();
    const hold = holdRaw(terminal.stdin, terminal.stdout, options);
    assert.ok(has(terminal.settings(), '-icanon'));
    await hold.release();
    assert.equal(terminal.settings(), before);
    // Nothing changes it later either.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(terminal.settings(), before);
  });
}

test('output to another terminal leaves output processing alone; a stdin that is not a terminal is not touched', async (t) => {
  const input = openTerminal(t);
  const output = openTerminal(t);
  const hold = holdRaw(input.stdin, output.stdout);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.ok(has(input.settings(), '-icanon') && has(input.settings(), 'opost'));
  assert.ok(has(output.settings(), 'icanon') && has(output.settings(), 'opost'));
  await hold.release();

  const notATerminal = { isTTY: false } as unknown as ReadStream;
  await holdRaw(notATerminal, output.stdout).release();
  assert.ok(has(output.settings(), 'icanon') && has(output.settings(), 'opost'));
});
