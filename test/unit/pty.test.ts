// pty.ts against a real PTY: input written on the main thread (writeSync)
// must still reach the child complete and in order when the child's input
// queue fills and node-pty has to queue the rest.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type SessionProcess, spawnSessionProcess } from '../../src/pty.js';
import { waitFor } from './support.js';

/** cat on a raw, no-echo terminal: every byte it reads comes back as output, unchanged. */
async function spawnEcho(): Promise<{ child: SessionProcess; output: () => Buffer }> {
  const child = await spawnSessionProcess({
    command: '/bin/sh',
    args: ['-c', 'stty raw -echo && printf READY && exec cat'],
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm-256color' },
    cols: 80,
    rows: 24,
  });
  const chunks: Buffer[] = [];
  child.onData((chunk) => chunks.push(chunk));
  const output = () => Buffer.concat(chunks);
  await waitFor('the child to be ready', () => output().includes('READY'));
  chunks.length = 0;
  return { child, output };
}

test('a paste larger than the PTY takes at once, and keys typed while it goes in, reach the child complete and in order', async (t) => {
  const { child, output } = await spawnEcho();
  t.after(async () => {
    process.kill(child.pid, 'SIGKILL');
    await child.exited;
    child.dispose();
  });
  // Far beyond the few KiB a PTY's input queue holds: most of it must wait in node-pty's queue.
  const paste = Buffer.alloc(256 * 1024);
  for (let i = 0; i < paste.length; i++) paste[i] = 0x41 + (i % 26);
  child.write(paste);
  // Keys typed while the paste is still going in, each time the child has made room by reading:
  // the master would take them at once, but they must wait behind the rest of the paste.
  const keys: string[] = [];
  child.onData(() => {
    if (keys.length >= 40) return;
    const key = `k${keys.length}é;`;
    keys.push(key);
    child.write(keys.length % 2 === 0 ? key : Buffer.from(key));
  });
  await waitFor('the keys to be typed', () => keys.length >= 40, 20_000);
  const whole = Buffer.concat([paste, Buffer.from(keys.join(''))]);
  await waitFor('every byte to come back', () => output().length >= whole.length, 20_000);
  assert.equal(output().length, whole.length);
  assert.ok(output().equals(whole), 'the bytes came back in another order');
});

test('writes after the child exited are harmless no-ops', async () => {
  const { child } = await spawnEcho();
  process.kill(child.pid, 'SIGKILL');
  await child.exited;
  child.write('too late');
  child.write(Buffer.from('and again'));
  child.dispose();
});
