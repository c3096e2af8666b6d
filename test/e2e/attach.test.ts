// csm attach, the detach key and csm start --detach, as a person uses them:
// the built bin/csm in real PTYs with a fake claude (attach-fake-claude.mjs).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CSM_BIN, type Sandbox, sandbox, sleep, type Term } from '../helpers/attach-sandbox.js';

const SIZE = { cols: 80, rows: 24 };

/** Starts a session in a terminal of its own and returns that terminal and the session's full id. */
async function startInTerminal(box: Sandbox, args: string[] = [], size = SIZE): Promise<{ host: Term; id: string }> {
  const host = box.terminal(['start', box.root, ...args], size);
  await host.waitFor('fake claude');
  const { stdout } = await box.csm(['list', '-q']);
  const id = stdout.trim().split('\n')[0] ?? '';
  assert.match(id, /^[0-9a-f-]{36}$/);
  return { host, id };
}

async function startDetached(box: Sandbox, args: string[] = []): Promise<string> {
  const started = await box.csm(['start', '--detach', box.root, ...args]);
  assert.equal(started.code, 0, started.stderr);
  const id = started.stdout.trim();
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  return id;
}

async function attach(box: Sandbox, id: string, size = SIZE, extra: string[] = []): Promise<Term> {
  const term = box.terminal(['attach', id.slice(0, 8), ...extra], size);
  await term.waitFor(/attached to session [0-9a-f]{8}/);
  return term;
}

async function waitUntil(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() >= deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** How many descriptors process `pid` has open on terminal `device`. */
function descriptorsOn(pid: number, device: string): number {
  return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === device;
    } catch {
      return false;
    }
  }).length;
}

async function isListed(box: Sandbox, id: string): Promise<boolean> {
  return (await box.csm(['list', '-q'])).stdout.includes(id);
}

describe('csm attach', () => {
  test('an attached terminal shows the same screen as the start terminal, and typing in either reaches the child', async (t) => {
    const box = sandbox(t);
    const { host, id } = await startInTerminal(box);
    host.write('first line\r');
    await host.waitFor('got: first line');
    host.write('\x1b[31m');
    host.write('half typed');
    await host.waitFor('> half typed');

    const second = await attach(box, id);
    await second.waitFor('> half typed');
    assert.deepEqual(await second.view(), await host.view());

    host.write(' more\r');
    await second.waitFor('got: half typed more');
    second.write('from the second\r');
    await host.waitFor('got: from the second');
    await second.waitFor('got: from the second');
    assert.deepEqual(await second.view(), await host.view());
  });

  test('the detach key leaves the session running and the terminal as it was, even amid other bytes', async (t) => {
    const box = sandbox(t);
    const id = await startDetached(box);
    const term = await attach(box, id);
    // Type once the session's screen is shown, as a person would.
    await term.waitFor('fake claude ready');
    term.write('modes\r');
    await term.waitFor('modes on');
    assert.equal(term.modes.bracketedPasteMode, true);
    assert.equal(term.modes.mouseTrackingMode, 'vt200');

    // Typed together with other bytes: those before it reach the session, those after it do not.
    term.write('ab\x1cde');
    const exit = await term.waitExit();
    assert.equal(exit.exitCode, 0);
    await term.waitFor(/detached from session [0-9a-f]{8}; it keeps running/);
    assert.equal(term.modes.bracketedPasteMode, false);
    assert.equal(term.modes.mouseTrackingMode, 'none');
    assert.equal(term.modes.sendFocusMode, false);
    assert.ok(await isListed(box, id));

    const again = await attach(box, id);
    await again.waitFor('> ab');
    again.write('\r');
    await again.waitFor('got: ab');
    assert.ok(!(await again.text()).includes('got: abde'));
  });

  test('keys typed while attach is still connecting reach the child as typed and in order', async (t) => {
    const box = sandbox(t);
    const id = await startDetached(box);
    // The child must be reading before anything is typed: that is the child's business, not csm's.
    await waitUntil('the fake claude to be ready', async () => (await box.csm(['logs', '--raw', id])).stdout.includes('ready'));
    const listed = JSON.parse((await box.csm(['list', '--json'])).stdout) as { id: string; hostPid: number }[];
    const hostPid = listed.find((s) => s.id === id)?.hostPid ?? 0;
    assert.ok(hostPid > 0);
    // A busy host answers late: while it is stopped, the attaching terminal has not drawn anything yet.
    process.kill(hostPid, 'SIGSTOP');
    t.after(() => process.kill(hostPid, 'SIGCONT'));
    const term = box.terminal(['attach', id.slice(0, 8)]);
    await waitUntil('attach to put its terminal in raw mode', () => term.isRaw());
    // Enter typed now arrives as CR, not as the LF a terminal in its normal mode would make of it.
    term.write('one\r');
    await sleep(20);
    term.write('two\r');
    process.kill(hostPid, 'SIGCONT');
    await term.waitFor('got: two');
    const text = await term.text();
    assert.ok(text.indexOf('got: one') !== -1 && text.indexOf('got: one') < text.indexOf('got: two'), text);
  });

  test('--detach-key changes the key, and none disables it', async (t) => {
    const box = sandbox(t);
    const id = await startDetached(box);
    const custom = await attach(box, id, SIZE, ['--detach-key', 'ctrl-a']);
    await custom.waitFor('detach with Ctrl-A');
    custom.write('\x01');
    assert.equal((await custom.waitExit()).exitCode, 0);

    const none = await attach(box, id, SIZE, ['--detach-key', 'none']);
    none.write('\x1c\x01');
    await sleep(300);
    none.write('still here\r');
    await none.waitFor('got: still here');
    none.write('exit 0\r');
    assert.equal((await none.waitExit()).exitCode, 0);
  });

  test('a --detach session outlives the shell that started it and can be attached later', async (t) => {
    const box = sandbox(t);
    const shell = box.shell();
    await shell.waitFor('$');
    shell.write(`${quote(process.execPath)} ${quote(CSM_BIN)} start -d ${quote(box.root)}; echo "status=$?"\r`);
    await shell.waitFor(/status=0/);
    const text = await shell.text();
    const id = /([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})/.exec(text)?.[1];
    assert.ok(id, text);
    shell.write('exit\r');
    await shell.waitExit();
    await sleep(200);
    assert.ok(await isListed(box, id));

    const term = await attach(box, id);
    await term.waitFor('fake claude');
    term.write('hello\r');
    await term.waitFor('got: hello');
  });

  test('with two clients of different sizes, the PTY follows the most recently active one', async (t) => {
    const box = sandbox(t);
    const { host, id } = await startInTerminal(box, [], { cols: 100, rows: 30 });
    await host.waitFor('ready 100x30');
    const small = await attach(box, id, { cols: 60, rows: 20 });
    await small.waitFor('size 60x20');
    host.write('x');
    await host.waitFor('size 100x30');
    small.resize(70, 22);
    await host.waitFor('size 70x22');
    small.write('\x1c');
    await small.waitExit();
    await host.waitFor(/size 70x22[\s\S]*size 100x30/);
  });

  test('when the session ends while attached, the client exits with its status and a clean terminal', async (t) => {
    const box = sandbox(t);
    const id = await startDetached(box);
    const term = await attach(box, id);
    // Type once the session's screen is shown, as a person would.
    await term.waitFor('fake claude ready');
    term.write('modes\r');
    await term.waitFor('modes on');
    term.write('exit 3\r');
    const exit = await term.waitExit();
    assert.equal(exit.exitCode, 3);
    await term.waitFor(/session [0-9a-f]{8} ended \(exit 3\)/);
    assert.equal(term.modes.bracketedPasteMode, false);
    assert.equal(term.modes.mouseTrackingMode, 'none');
    assert.ok(term.raw.includes('\x1b[?25h'));
  });

  test('stopping the session while attached ends the client with the status stop caused', async (t) => {
    const box = sandbox(t);
    const id = await startDetached(box);
    const term = await attach(box, id);
    const stopped = await box.csm(['stop', id.slice(0, 8)]);
    assert.equal(stopped.code, 0, stopped.stderr);
    const exit = await term.waitExit();
    // The fake claude exits 129 on SIGHUP, as a shell reports a hang-up.
    assert.equal(exit.exitCode, 129);
    await term.waitFor(/ended \(exit 129\)/);
  });

  test('attach racing stop either attaches and sees the end, or fails cleanly; nothing hangs or is left', async (t) => {
    const box = sandbox(t);
    for (let round = 0; round < 3; round++) {
      const id = await startDetached(box);
      const term = box.terminal(['attach', id.slice(0, 8)]);
      await sleep(round * 40);
      const stopped = await box.csm(['stop', id.slice(0, 8)]);
      const exit = await term.waitExit();
      const text = await term.text();
      assert.ok(stopped.code === 0 || /no session matches/.test(stopped.stderr), stopped.stderr);
      assert.ok(
        exit.exitCode === 129 ||
          (exit.exitCode === 1 && /csm: (no session matches|the session|session [0-9a-f]{8} has no host)/.test(text)),
        `exit ${exit.exitCode}: ${text}`,
      );
      assert.ok(!(await isListed(box, id)));
    }
  });

  test('attaching to an unknown session is a clear error', async (t) => {
    const box = sandbox(t);
    const result = await box.csm(['attach', 'abcd1234']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /csm: no session matches "abcd1234"; run csm list to see sessions/);
  });

  test('a session cannot be attached from inside itself', async (t) => {
    const box = sandbox(t);
    const id = await startDetached(box);
    const { code, stderr } = await box.csm(['attach', id.slice(0, 8)], { CSM_SESSION_ID: id });
    assert.equal(code, 2);
    assert.match(stderr, /csm: this terminal is session [0-9a-f]{8} itself; attach to it from another terminal/);
  });

  test('closing an attached terminal only detaches it', async (t) => {
    const box = sandbox(t);
    const { host, id } = await startInTerminal(box);
    const term = await attach(box, id);
    term.hangUp();
    await term.waitExit();
    host.write('after\r');
    await host.waitFor('got: after');
    assert.ok(await isListed(box, id));
  });

  test("only one terminal's answers reach the child, and with none attached the host answers", async (t) => {
    const box = sandbox(t);
    const id = await startDetached(box, ['--', '--query-at-start']);
    const first = await attach(box, id);
    // Asked before anyone attached: the host's screen model answered.
    await first.waitFor(/startup answer \\u001b\[\?1;2c/);
    const second = await attach(box, id);
    second.write('query\r');
    await second.waitFor(/answers 1 /);
    await first.waitFor(/answers 1 /);
  });

  test('a full-screen program redraws to the size of a second terminal that attaches', async (t) => {
    const less = ['/usr/bin/less', '/bin/less'].find((path) => existsSync(path));
    if (less === undefined) {
      t.skip('less is not installed (.ci/run installs it)');
      return;
    }
    const box = sandbox(t);
    const file = join(box.root, 'long.txt');
    writeFileSync(file, Array.from({ length: 200 }, (_, i) => `${String(i).padStart(3, '0')} ${'abcdefghij'.repeat(12)}`).join('\n'));
    const host = box.terminal(['start', '--command', less, box.root, '--', '-S', file], SIZE);
    await host.waitFor('000 abcdefghij');
    const { stdout } = await box.csm(['list', '-q']);
    const id = stdout.trim();

    const big = box.terminal(['attach', id.slice(0, 8)], { cols: 110, rows: 32 });
    const lines = await big.waitForView('less to redraw at 110x32', (view) => view[0]?.length === 110 && /^030 /.test(view[30] ?? ''));
    // less -S marks a line cut at the right edge with '>'.
    assert.equal(lines[0], `${`000 ${'abcdefghij'.repeat(12)}`.slice(0, 109)}>`);
    assert.match(lines[31] ?? '', /^:|long\.txt/);
    big.write('q');
    await big.waitFor(/ended \(exit 0\)/);
    assert.equal((await host.waitExit()).exitCode, 0);
  });

  test('every terminal shows output as the child wrote it (a bare LF moves straight down) and gets its mode back', async (t) => {
    const box = sandbox(t);
    // A child that turns ONLCR off in its own PTY, as curses' nonl() does, and then moves down with a bare LF.
    const child = join(box.root, 'nonl.sh');
    writeFileSync(child, "stty -onlcr; printf 'ready\\r\\n'; read x; printf 'AAA\\nBBB\\r\\n'; read x\n");
    const csm = `${quote(process.execPath)} ${quote(CSM_BIN)}`;
    const host = box.shell();
    await host.waitFor('$');
    host.write(`stty -g >before; ${csm} start --command /bin/sh ${quote(box.root)} -- ${quote(child)}; stty -g >after; echo host-done\r`);
    await host.waitFor(/^ready$/m);
    const id = (await box.csm(['list', '-q'])).stdout.trim();
    const second = box.shell();
    await second.waitFor('$');
    second.write(`stty -g >before2; ${csm} attach ${id.slice(0, 8)}; stty -g >after2; echo attach-done\r`);
    await second.waitFor(/attached to session/);
    for (const term of [host, second]) await waitUntil('output processing off', () => term.outputUnprocessed());

    second.write('\r');
    for (const term of [host, second]) {
      const lines = await term.waitForView('AAA and BBB', (view) => view.includes('AAA'));
      assert.equal(lines[lines.indexOf('AAA') + 1], '   BBB', lines.join('\n'));
    }

    second.write('\x1c');
    await second.waitFor(/^attach-done$/m);
    host.write('\r');
    await host.waitFor(/^host-done$/m);
    for (const [before, after] of [
      ['before', 'after'],
      ['before2', 'after2'],
    ] as const) {
      assert.equal(readFileSync(join(box.root, after), 'utf8'), readFileSync(join(box.root, before), 'utf8'), `stty -g ${after}`);
    }
  });
  test(
    'the host writes output to an attached terminal itself, and keeps nothing of it once the client leaves',
    process.platform === 'linux' ? {} : { skip: "reads the host's descriptors in /proc: Linux only" },
    async (t) => {
      const box = sandbox(t);
      const { host, id } = await startInTerminal(box);
      const term = await attach(box, id);
      await term.waitFor('fake claude ready');
      assert.equal(descriptorsOn(host.pid, term.device), 1, "the host holds the attached terminal's device");
      term.write('straight\r');
      await term.waitFor('got: straight');
      await host.waitFor('got: straight');

      term.write('\x1c');
      assert.equal((await term.waitExit()).exitCode, 0);
      await term.waitFor(/detached from session [0-9a-f]{8}/);
      await waitUntil('the host to close the terminal', async () => descriptorsOn(host.pid, term.device) === 0);
      host.write('after\r');
      await host.waitFor('got: after');
    },
  );

  test('an attached client whose output is not a terminal gets the output over the connection', async (t) => {
    const box = sandbox(t);
    const id = await startDetached(box);
    const shell = box.shell();
    await shell.waitFor('$ ');
    shell.write(`${process.execPath} ${CSM_BIN} attach ${id.slice(0, 8)} | cat\r`);
    await shell.waitFor('fake claude ready');
    shell.write('through the client\r');
    await shell.waitFor('got: through the client');
    shell.write('\x1c');
    await shell.waitFor(/detached from session [0-9a-f]{8}/);
    assert.ok(await isListed(box, id));
  });
});

function quote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}
