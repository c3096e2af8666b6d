// terminal-device.ts against real terminals: PTYs kept open by sleeping
// children, named as `csm attach` names its terminal and opened as the host
// opens it, with the PTY's other end showing what reached the terminal.
import assert from 'node:assert/strict';
import { closeSync, fstatSync, openSync, readdirSync, readlinkSync } from 'node:fs';
import { type TestContext, test } from 'node:test';
import type * as pty from 'node-pty';
import { parseTerminalDevice } from '../../src/attach-protocol.js';
import { describeTerminal, openTerminal } from '../../src/terminal-device.js';
import { sleepingTerminal } from '../helpers/pty-device.js';

interface Terminal {
  readonly device: string;
  /** A descriptor of this process on the terminal, as `csm attach` has its stdout. */
  readonly fd: number;
  readonly holder: pty.IPty;
  /** Everything written to the terminal so far, as its emulator would read it. */
  shown(): string;
}

function terminal(t: TestContext): Terminal {
  const { holder, device } = sleepingTerminal(t);
  const fd = openSync(device, 'r+');
  let shown = '';
  holder.onData((data) => {
    shown += data;
  });
  t.after(() => closeSync(fd));
  return { device, fd, holder, shown: () => shown };
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** This process's descriptors on `device`. */
function descriptorsOn(device: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === device;
    } catch {
      return false;
    }
  }).length;
}

test('a terminal is named by its path and identity, and the host writes to that very terminal', async (t) => {
  const term = terminal(t);
  const description = describeTerminal(term.fd);
  assert.ok(description !== undefined);
  assert.equal(description.path, term.device);
  assert.equal(description.rdev, String(fstatSync(term.fd, { bigint: true }).rdev));

  const stream = openTerminal(description);
  assert.ok(stream !== undefined, 'the host opens the terminal its client named');
  t.after(() => stream.destroy());
  stream.write('written by the host');
  await until('the host output on the terminal', () => term.shown().includes('written by the host'));
});

test('a description that is not that terminal, or not a terminal, is refused', (t) => {
  const first = terminal(t);
  const second = terminal(t);
  const description = describeTerminal(first.fd);
  assert.ok(description !== undefined);

  // The path names another terminal than the one described: a closed terminal's number reused, another namespace.
  assert.equal(openTerminal({ ...description, path: second.device }), undefined);
  assert.equal(openTerminal({ ...description, ino: String(BigInt(description.ino) + 1n) }), undefined);

  const devNull = openSync('/dev/null', 'w');
  t.after(() => closeSync(devNull));
  assert.equal(describeTerminal(devNull), undefined, 'not a terminal');
  const stat = fstatSync(devNull, { bigint: true });
  assert.equal(openTerminal({ path: '/dev/null', dev: String(stat.dev), ino: String(stat.ino), rdev: String(stat.rdev) }), undefined);
});

test('the host never waits for a terminal that does not read: what it cannot take waits in the stream', async (t) => {
  const term = terminal(t);
  const description = describeTerminal(term.fd);
  assert.ok(description !== undefined);
  const stream = openTerminal(description);
  assert.ok(stream !== undefined);
  t.after(() => stream.destroy());

  // Nobody reads the terminal: its buffers fill after some kilobytes.
  term.holder.pause();
  const line = `${'x'.repeat(63)}\n`;
  const data = line.repeat(16 * 1024);
  const started = performance.now();
  const below = stream.write(data);
  assert.ok(performance.now() - started < 1000, 'the write returned at once');
  assert.equal(below, false);
  assert.ok(stream.writableLength > 0, 'the rest waits in the stream');

  const drained = new Promise((resolve) => stream.once('drain', resolve));
  term.holder.resume();
  await drained;
  await until('all of it on the terminal', () => term.shown().replace(/\r/g, '').length >= data.length);
});

test(
  'nothing of the terminal stays open in the host once the stream is closed',
  process.platform === 'linux' ? {} : { skip: 'counts descriptors through /proc: Linux only' },
  async (t) => {
    const term = terminal(t);
    const description = describeTerminal(term.fd);
    assert.ok(description !== undefined);
    const before = descriptorsOn(term.device);
    const stream = openTerminal(description);
    assert.ok(stream !== undefined);
    assert.equal(descriptorsOn(term.device), before + 1, 'one descriptor while open: libuv reopens it, ours is closed');
    const closed = new Promise((resolve) => stream.once('close', resolve));
    stream.destroy();
    await closed;
    assert.equal(descriptorsOn(term.device), before);
  },
);

test('a terminal description from the control socket is taken only in its shape', () => {
  const good = { path: '/dev/pts/3', dev: '24', ino: '6', rdev: '34819' };
  assert.deepEqual(parseTerminalDevice(good), good);
  assert.deepEqual(parseTerminalDevice({ ...good, extra: true }), good);
  for (const bad of [
    undefined,
    'x',
    { ...good, path: 'relative' },
    { ...good, path: '/etc/passwd' },
    { ...good, dev: 24 },
    { ...good, ino: '-1' },
    { ...good, rdev: '1e3' },
  ]) {
    assert.equal(parseTerminalDevice(bad), undefined, JSON.stringify(bad));
  }
});
