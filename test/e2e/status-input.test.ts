// Activity status, waiting and programmatic input, end to end: a real
// terminal running `csm start` with the fake TUI, driven by csm send from
// "another terminal" and by typing into the terminal itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csm, listJson, startFake, testHome, waitFor } from '../helpers/history-harness.js';

async function statusOf(h: Parameters<typeof listJson>[0], id: string): Promise<string> {
  return (await listJson(h)).find((s) => s.id === id)?.statusText ?? 'gone';
}

test('status moves active -> idle -> needs input (bell) -> active after input', async (t) => {
  const h = testHome(t);
  const { term, id } = await startFake(h);
  assert.equal(await statusOf(h, id), 'active');
  const table = await csm(h, ['list']);
  assert.match(table.stdout, /^ID +STARTED +STATUS +PID +DIR$/m);
  assert.match(table.stdout, new RegExp(`^${id.slice(0, 8)} .* active +\\d+ `, 'm'));

  const idle = await waitFor('idle', async () => {
    const status = await statusOf(h, id);
    return status.startsWith('idle') ? status : undefined;
  });
  assert.match(idle, /^idle \d+s$/);

  // The program rings the bell in answer to a command typed at the terminal.
  term.type('bell\r');
  await waitFor('needs input', async () => ((await statusOf(h, id)) === 'needs input' ? true : undefined));
  const [row] = await listJson(h);
  assert.equal(row?.attention?.kind, 'bell');
  assert.match(row?.lastOutputAt ?? '', /^\d{4}-\d\d-\d\dT/);
  assert.match((await csm(h, ['list'])).stdout, /needs input/);
  // It stays so while nobody answers, however long.
  await new Promise((resolve) => setTimeout(resolve, 2100));
  assert.equal(await statusOf(h, id), 'needs input');

  const sent = await csm(h, ['send', id, 'say answered']);
  assert.equal(sent.code, 0, sent.stderr);
  assert.equal(await statusOf(h, id), 'active');
});

test('each desktop notification (OSC 9, 99, 777) makes the session need input; typing at its terminal clears it', async (t) => {
  const h = testHome(t);
  const { term, id } = await startFake(h);
  for (const kind of ['osc9', 'osc99', 'osc777']) {
    term.type(`${kind} please look\r`);
    const row = await waitFor(`${kind} notification`, async () => (await listJson(h)).find((s) => s.attention?.kind === kind));
    assert.equal(row.statusText, 'needs input');
    term.type('x');
    await waitFor('the keystroke to clear it', async () => ((await statusOf(h, id)) === 'active' ? true : undefined));
    term.type('\r');
  }
  term.type('title ✳ working\r');
  await waitFor('the title', async () => ((await listJson(h))[0]?.title === '✳ working' ? true : undefined));
});

test('wait returns at the state waited for, and its exit status says how the wait ended', async (t) => {
  const h = testHome(t);
  const { term, id } = await startFake(h);

  const started = Date.now();
  const idle = await csm(h, ['wait', id]);
  assert.equal(idle.code, 0, idle.stderr);
  assert.match(idle.stdout, /^idle \d+s\n$/);
  assert.ok(Date.now() - started >= 1000, 'a fresh session is active at first');

  const timedOut = await csm(h, ['wait', id, '--until', 'needs-input', '--timeout', '0.5']);
  assert.equal(timedOut.code, 124);
  assert.match(timedOut.stderr, /timed out after 0.5 s; the session is idle/);

  const waiting = csm(h, ['wait', id.slice(0, 6), '--until', 'needs-input', '--timeout', '10']);
  await new Promise((resolve) => setTimeout(resolve, 300));
  term.type('bell\r');
  const needs = await waiting;
  assert.equal(needs.code, 0, needs.stderr);
  assert.equal(needs.stdout, 'needs input\n');
  // A session that needs input is not active: waiting for idle returns at once.
  assert.equal((await csm(h, ['wait', id, '--until', 'idle', '--timeout', '1'])).code, 0);

  // Answered: no longer needs input, so the next wait for it can only end with the session.
  term.type('say answered\r');
  await waitFor('the answer', async () => ((await statusOf(h, id)) === 'active' ? true : undefined));
  const ending = csm(h, ['wait', id, '--until', 'needs-input']);
  const exiting = csm(h, ['wait', id, '--until', 'exit', '--timeout', '10']);
  await csm(h, ['send', id, 'exit 7', '--enter']);
  const ended = await ending;
  assert.equal(ended.code, 3, ended.stderr);
  assert.equal(ended.stdout, 'exited 7\n');
  const exited = await exiting;
  assert.equal(exited.code, 0, exited.stderr);
  assert.equal(exited.stdout, 'exited 7\n');
  assert.equal(await term.exited, 7);
  // Waiting for the exit of a session that has ended returns at once.
  assert.equal((await csm(h, ['wait', id, '--until', 'exit'])).code, 0);

  const usage = await csm(h, ['wait', id, '--until', 'lunch']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /idle, needs-input, exit/);
});

test('send with each named key reaches the program as the right bytes', async (t) => {
  const h = testHome(t);
  const { term, id } = await startFake(h);
  const keys: [string, string][] = [
    ['Enter', '0d'],
    ['Escape', '1b'],
    ['Tab', '09'],
    ['Backspace', '7f'],
    ['Up', '1b5b41'],
    ['Down', '1b5b42'],
    ['Left', '1b5b44'],
    ['Right', '1b5b43'],
    ['Ctrl-C', '03'],
    ['Ctrl-D', '04'],
  ];
  for (const [key, hex] of keys) {
    const run = await csm(h, ['send', id, '--keys', key]);
    assert.equal(run.code, 0, `${key}: ${run.stderr}`);
    await term.waitForText(new RegExp(`^IN ${hex}$`, 'm'));
  }
  // Several keys in one send each arrive as their own write.
  await csm(h, ['send', id, '--keys', 'Escape', 'Up']);
  await term.waitForText(/^IN 1b\nIN 1b5b41$/m);

  // Arrow keys follow the application cursor mode the program sets (DECCKM).
  term.type('appcursor on\r');
  await term.waitForText('LINE appcursor on');
  await new Promise((resolve) => setTimeout(resolve, 100));
  await csm(h, ['send', id, '--keys', 'Up', 'Left']);
  await term.waitForText(/^IN 1b4f41\nIN 1b4f44$/m);

  const unknown = await csm(h, ['send', id, '--keys', 'Hyper']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown key "Hyper"; known keys: Enter, Escape/);
});

test('send types text, then presses Enter as its own write once the program took the text', async (t) => {
  const h = testHome(t);
  const { term, id } = await startFake(h);
  const run = await csm(h, ['send', id, 'say', 'hello', 'world', '--enter']);
  assert.equal(run.code, 0, run.stderr);
  const hex = Buffer.from('say hello world').toString('hex');
  await term.waitForText(new RegExp(`^IN ${hex}\\nIN 0d\\nLINE say hello world\\nhello world$`, 'm'));
});

test('multi-line text is one bracketed paste when the program enabled it, typed lines otherwise; - reads stdin', async (t) => {
  const h = testHome(t);
  const { term, id } = await startFake(h);
  const typed = await csm(h, ['send', id, '-'], { input: 'say one\nsay two\n' });
  assert.equal(typed.code, 0, typed.stderr);
  await term.waitForText(/^LINE say one\none$/m);
  // The final newline of the input is not part of the text: the second line waits for Enter.
  await term.waitForText(new RegExp(`^IN ${Buffer.from('say two').toString('hex')}$`, 'm'));
  assert.doesNotMatch(term.text(), /LINE say two/);
  await csm(h, ['send', id, '--enter']);
  await term.waitForText(/^LINE say two\ntwo$/m);

  term.type('paste on\r');
  await term.waitForText('LINE paste on');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const pasted = await csm(h, ['send', id, '-', '--enter'], { input: 'first line\nsecond line' });
  assert.equal(pasted.code, 0, pasted.stderr);
  await term.waitForText('PASTE "first line\\rsecond line"');
  await term.waitForText(/PASTE .*\n(IN 0d)$/m);
});

test('send to an ended session or with nothing to send fails clearly', async (t) => {
  const h = testHome(t);
  const { term, id } = await startFake(h);
  const nothing = await csm(h, ['send', id]);
  assert.equal(nothing.code, 2);
  assert.match(nothing.stderr, /nothing to send/);
  term.type('quit\r');
  await term.exited;
  const late = await csm(h, ['send', id, 'hello']);
  assert.equal(late.code, 1);
  assert.match(late.stderr, /has ended; nothing was sent/);
});
