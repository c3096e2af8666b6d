// The terminal link as a person feels it: keys reach Claude byte for byte,
// output comes back whole, resizes arrive at once, and the terminal is left
// as it was found.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'node:test';
import { e2e } from '../helpers/e2e.js';
import { allMatches, BANNER, ENV_LINE, parseBanner, parseEnv } from '../helpers/fake.js';
import type { Sandbox } from '../helpers/sandbox.js';
import { startSession } from '../helpers/session.js';
import type { Terminal } from '../helpers/terminal.js';

/** All the input bytes the fake reported, in order, as one hex string. */
function inputHex(terminal: Terminal): string {
  return allMatches(terminal.screenText(), /^IN ([0-9a-f]+)$/m)
    .map((m) => m[1])
    .join('');
}

const hex = (text: string) => Buffer.from(text).toString('hex');
const PATTERN = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ');

function expectedBody(size: number): Buffer {
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i += PATTERN.length) PATTERN.copy(body, i, 0, Math.min(PATTERN.length, size - i));
  return body;
}

/** csm's whole output with FAKE_BIG_OUTPUT=size: the header, exactly `size` pattern bytes, and the end marker last. */
function assertBigOutput(out: Buffer, size: number, label = ''): void {
  const head = Buffer.from(`BIG ${size}\r\n`);
  const tail = Buffer.from('\r\nEND-OF-OUTPUT\r\n');
  const start = out.indexOf(head);
  assert.ok(start > 0, `${label}no BIG header for ${size} bytes`);
  const ending = JSON.stringify(out.subarray(-80).toString('latin1'));
  assert.ok(out.subarray(out.length - tail.length).equals(tail), `${label}output does not end with END-OF-OUTPUT but ${ending}`);
  const body = out.subarray(start + head.length, out.length - tail.length);
  assert.equal(body.length, size, `${label}exact byte count`);
  assert.ok(body.equals(expectedBody(size)), `${label}the ${size}-byte pattern is intact`);
}

describe('the terminal link', () => {
  e2e('typing reaches the child byte for byte and its output comes back', async (sb) => {
    const { terminal } = await startSession(sb);
    terminal.type('hello world\r');
    await terminal.waitForScreen(/^ECHO hello world$/m);
    assert.equal(inputHex(terminal), hex('hello world\r'));

    terminal.type('quit\r');
    assert.equal(await terminal.waitForExit(), 0);
  });

  e2e('Ctrl-C, Ctrl-\\ and Ctrl-Z reach the child as bytes and csm keeps running', async (sb) => {
    const { terminal, id } = await startSession(sb);
    for (const [key, code] of [
      ['\x03', '03'],
      ['\x1c', '1c'],
      ['\x1a', '1a'],
    ] as const) {
      terminal.type(key);
      await terminal.waitForScreen(new RegExp(`^IN ${code}$`, 'm'));
    }
    terminal.type('still here\r');
    await terminal.waitForScreen(/^ECHO still here$/m);
    assert.equal(terminal.exited, undefined, 'csm is still running');
    const listed = await sb.csm(['list', '-q']);
    assert.deepEqual({ code: listed.code, stdout: listed.stdout }, { code: 0, stdout: `${id}\n` });

    terminal.type('quit\r');
    assert.equal(await terminal.waitForExit(), 0);
  });

  e2e('the child starts with the terminal size and sees every resize at once', async (sb) => {
    const { terminal, banner } = await startSession(sb, [], { cols: 100, rows: 30 });
    assert.deepEqual([banner.cols, banner.rows], [100, 30]);

    terminal.resize(132, 43);
    await terminal.waitForScreen(/^SIZE 132x43$/m, 2000);
    terminal.resize(80, 24);
    await terminal.waitForScreen(/^SIZE 80x24$/m, 2000);

    terminal.type('quit\r');
    assert.equal(await terminal.waitForExit(), 0);
  });

  e2e('the tail of a large output reaches a piped stdout intact when the child exits at once', async (sb) => {
    for (const size of [2_000_000, 3_500_001, 5_000_000]) {
      const run = sb.spawnCsm(['start'], { stdin: 'ignore', env: { FAKE_BIG_OUTPUT: String(size) } });
      const result = await run.waitForExit(15_000);
      assert.equal(result.code, 0, run.describe());
      assertBigOutput(run.stdoutBytes, size);
      assert.match(result.stderr, /ended \(exit 0\)\n$/);
    }
  });

  // A reader that keeps stopping for 100 ms makes csm stop reading the PTY
  // (blocked in a synchronous write to a terminal, or paused by back-pressure
  // from a pipe) around the moment the child exits; node-pty then destroyed
  // its socket with the tail unread. Whether that happened depended on
  // timing (about half the runs for a terminal, one in eight for a pipe), so
  // each case runs several times.
  const SLOW_TERMINAL_ATTEMPTS = 4;
  const SLOW_PIPE_ATTEMPTS = 12;
  const SLOW_OUTPUT_BYTES = 1_000_000;
  e2e('the tail of a large output reaches a slow terminal intact when the child exits at once', async (sb) => {
    for (let attempt = 1; attempt <= SLOW_TERMINAL_ATTEMPTS; attempt += 1) {
      // A shell keeps the outer terminal open after csm exits, so that
      // what is checked is csm's output, not how the test reads its end.
      const terminal = sb.shell('"$CSM" start; echo "csm-exit=$?"; read line', { env: { FAKE_BIG_OUTPUT: String(SLOW_OUTPUT_BYTES) } });
      const normalSpeed = terminal.readSlowly(100, 110);
      await terminal.waitForOutput(/csm-exit=\d+/, 15_000);
      normalSpeed();
      assert.match(terminal.output, /csm-exit=0/);
      const endLine = terminal.output.lastIndexOf('csm: session ');
      const before = JSON.stringify(terminal.output.slice(endLine - 80, endLine));
      assert.ok(
        terminal.output.includes('END-OF-OUTPUT'),
        `attempt ${attempt}: END-OF-OUTPUT is missing; csm's end line follows ${before}`,
      );
      terminal.type('done\r');
      assert.equal(await terminal.waitForExit(), 0);
    }
  });

  e2e('the tail of a large output reaches a slow pipe reader intact when the child exits at once', async (sb) => {
    for (let attempt = 1; attempt <= SLOW_PIPE_ATTEMPTS; attempt += 1) {
      const run = sb.spawnCsm(['start'], { stdin: 'ignore', env: { FAKE_BIG_OUTPUT: String(SLOW_OUTPUT_BYTES) } });
      const normalSpeed = run.readSlowly(100, 110);
      const result = await run.waitForExit(15_000);
      normalSpeed();
      assert.equal(result.code, 0);
      assertBigOutput(run.stdoutBytes, SLOW_OUTPUT_BYTES, `attempt ${attempt}: `);
    }
  });
});

describe('stdin that is not a terminal', () => {
  e2e('input from a pipe reaches the child, and the end of input does not end the session', async (sb) => {
    const run = sb.spawnCsm(['start'], { stdin: 'pipe' });
    const id = parseEnv(await run.waitForStdout(ENV_LINE)).sessionId;
    run.write('hello\n');
    await run.waitForStdout(/^ECHO hello\r?$/m);
    assert.match(run.stdout, new RegExp(`^IN ${hex('hello\n')}\\r?$`, 'm'));

    run.endInput();
    await stillListed(sb, id);
    assert.ok(run.running, 'csm is still running after its input ended');

    const stopped = await sb.csm(['stop', id]);
    assert.deepEqual({ code: stopped.code, stderr: stopped.stderr }, { code: 0, stderr: '' });
    const result = await run.waitForExit();
    assert.equal(result.code, 129);
    assert.match(result.stderr, /ended \(stopped, killed by SIGHUP\)\n$/);
  });

  e2e('stdin from /dev/null does not end the session; it runs until stopped', async (sb) => {
    const run = sb.spawnCsm(['start'], { stdin: 'ignore' });
    const banner = parseBanner(await run.waitForStdout(BANNER));
    const id = parseEnv(await run.waitForStdout(ENV_LINE)).sessionId;
    assert.deepEqual([banner.cols, banner.rows], [80, 24], 'default size without a terminal');
    await stillListed(sb, id);
    assert.ok(run.running);

    const stopped = await sb.csm(['stop', '--all']);
    assert.equal(stopped.code, 0);
    assert.match(stopped.stdout, new RegExp(`^stopped ${id.slice(0, 8)} `));
    assert.equal((await run.waitForExit()).code, 129);
  });
});

describe('terminal modes', () => {
  /** Runs csm between two `stty -g` snapshots, then proves the terminal still reads lines. */
  function wrapped(sb: Sandbox): Terminal {
    const before = join(sb.root, 'stty-before');
    const after = join(sb.root, 'stty-after');
    return sb.shell(
      `stty -g > '${before}'; "$CSM" start; echo "csm-exit=$?"; stty -g > '${after}'; echo "reading"; read answer; echo "got-$answer"`,
    );
  }

  function assertModesRestored(sb: Sandbox): void {
    const before = readFileSync(join(sb.root, 'stty-before'), 'utf8');
    const after = readFileSync(join(sb.root, 'stty-after'), 'utf8');
    assert.ok(before.length > 0);
    assert.equal(after, before, 'stty -g after csm equals stty -g before it');
  }

  async function assertTerminalUsable(terminal: Terminal): Promise<void> {
    await terminal.waitForScreen(/^reading$/m);
    // Canonical mode with echo: the typed word shows, and Enter ends the line.
    terminal.type('yes\r');
    await terminal.waitForScreen(/^yes\ngot-yes$/m);
    assert.equal(await terminal.waitForExit(), 0);
  }

  e2e('the terminal mode is restored and usable after the child exits', async (sb) => {
    const terminal = wrapped(sb);
    await terminal.waitForScreen(BANNER);
    terminal.type('exit 3\r');
    await terminal.waitForScreen(/^csm-exit=3$/m);
    await assertTerminalUsable(terminal);
    assertModesRestored(sb);
  });

  e2e('the terminal mode is restored and usable after the session is stopped from elsewhere', async (sb) => {
    const terminal = wrapped(sb);
    await terminal.waitForScreen(BANNER);
    const stopped = await sb.csm(['stop', '--all']);
    assert.equal(stopped.code, 0, stopped.stderr);
    await terminal.waitForScreen(/^csm-exit=129$/m);
    await assertTerminalUsable(terminal);
    assertModesRestored(sb);
  });
});

/** Lists twice (each a full node start-up, far longer than csm needs to see EOF) and expects the session both times. */
async function stillListed(sb: Sandbox, id: string): Promise<void> {
  for (let i = 0; i < 2; i += 1) {
    const listed = await sb.csm(['list', '-q']);
    assert.deepEqual({ code: listed.code, stdout: listed.stdout }, { code: 0, stdout: `${id}\n` });
  }
}
