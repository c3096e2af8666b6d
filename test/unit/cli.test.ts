import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, type TestContext, test } from 'node:test';
import { CommanderError } from 'commander';
import { runCli, VERSION } from '../../src/cli.js';
import { exitCodeFor, UsageError } from '../../src/errors.js';
import { tempDir } from './support.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** What runCli threw, if anything. */
  readonly error: unknown;
}

function collector(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

/** Runs `csm <args>` the way main() does (runCli, then exitCodeFor on a throw), with its own streams and state dirs. */
async function csm(t: TestContext, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const root = tempDir(t);
  const stdout = collector();
  const stderr = collector();
  const ctx = {
    cwd: root,
    env: { CSM_HOME: join(root, 'state'), CSM_RUNTIME_DIR: join(root, 'run'), PATH: '/nonexistent', ...env },
    stdin: new PassThrough() as unknown as NodeJS.ReadStream,
    stdout: stdout.stream,
    stderr: stderr.stream,
  };
  let code: number;
  let error: unknown;
  try {
    code = await runCli(['node', 'csm', ...args], ctx);
  } catch (caught) {
    error = caught;
    code = exitCodeFor(caught, ctx.stderr);
  }
  return { code, stdout: stdout.text(), stderr: stderr.text(), error };
}

describe('csm command line: usage errors exit 2', () => {
  test('no command prints the help to stderr and exits 2', async (t) => {
    const run = await csm(t, []);
    assert.ok(run.error instanceof UsageError);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^Usage: csm /);
    assert.ok(run.stderr.endsWith('csm: no command given; try csm start <dir>\n'), run.stderr);
  });

  test('an unknown option is a CommanderError that exits 2 with one line on stderr', async (t) => {
    const run = await csm(t, ['list', '--bogus']);
    assert.ok(run.error instanceof CommanderError);
    assert.equal(run.error.code, 'commander.unknownOption');
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, "csm: unknown option '--bogus'; see csm --help\n");
  });

  test('an unknown command exits 2 and suggests the closest one', async (t) => {
    const run = await csm(t, ['stpo', 'abcd']);
    assert.ok(run.error instanceof CommanderError);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^csm: unknown command 'stpo'/);
    assert.match(run.stderr, /Did you mean stop\?/);
  });

  test('stop with no ids and no --all is a usage error that points to csm list', async (t) => {
    const run = await csm(t, ['stop']);
    assert.ok(run.error instanceof UsageError);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, 'csm: name the session(s) to stop, or pass --all; run csm list to see them\n');
  });

  test('stop with both ids and --all is a usage error', async (t) => {
    const run = await csm(t, ['stop', '--all', 'abcd']);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, 'csm: give session ids or --all, not both\n');
  });

  test('a --timeout that is not a number of seconds from 0 to 3600 is a usage error naming the value', async (t) => {
    for (const value of ['abc', '', '3601', 'Infinity', '1e9', '-1', '0x10', '1e2', ' 5', '5s', 'NaN', '.5', '5.']) {
      const run = await csm(t, ['stop', '--timeout', value, 'abcd']);
      assert.ok(run.error instanceof UsageError, value);
      assert.equal(run.code, 2, value);
      assert.equal(run.stderr, `csm: --timeout takes a number of seconds from 0 to 3600, not ${JSON.stringify(value)}\n`);
    }
  });

  test('--timeout takes whole and decimal seconds', async (t) => {
    for (const value of ['0', '1', '2.5', '3600']) {
      const run = await csm(t, ['stop', '--all', '--timeout', value]);
      assert.deepEqual(
        { code: run.code, stdout: run.stdout, stderr: run.stderr },
        { code: 0, stdout: 'no sessions to stop\n', stderr: '' },
        value,
      );
    }
  });

  test('extra arguments are refused by every command, naming how many it takes', async (t) => {
    for (const [args, name, expected] of [
      [['list', 'x'], 'list', 'Expected 0 arguments but got 1'],
      [['ls', 'x', 'y'], 'list', 'Expected 0 arguments but got 2'],
      [['start', 'a', 'b'], 'start', 'Expected 1 argument but got 2'],
    ] as const) {
      const run = await csm(t, args);
      assert.ok(run.error instanceof CommanderError, args.join(' '));
      assert.equal(run.code, 2);
      assert.equal(run.stderr, `csm: too many arguments for '${name}'. ${expected}; see csm --help\n`);
    }
  });

  test('an option given without its value exits 2 naming the option', async (t) => {
    for (const [args, option] of [
      [['start', '--command'], "'-c, --command <path-or-name>'"],
      [['stop', '--all', '--timeout'], "'-t, --timeout <seconds>'"],
      [['stop', '--all', '-t'], "'-t, --timeout <seconds>'"],
    ] as const) {
      const run = await csm(t, args);
      assert.equal(run.code, 2, args.join(' '));
      assert.equal(run.stderr, `csm: option ${option} argument missing; see csm --help\n`);
    }
  });

  test('ids with path, space, control or non-ASCII characters are refused before anything is looked up', async (t) => {
    for (const id of ['', '../x', '../../etc/passwd', 'abcd/../x', 'abcd ', 'ab cd', 'abcd\u0000', 'ééééé', '日本語です', 'abcd\nefgh']) {
      const run = await csm(t, ['stop', id]);
      assert.ok(run.error instanceof UsageError, JSON.stringify(id));
      assert.equal(run.code, 2);
      assert.equal(run.stderr, `csm: not a session id: ${JSON.stringify(id)} (ids are hexadecimal; run csm list to see them)\n`);
    }
  });

  test('arguments after -- are refused for every command but start and resume', async (t) => {
    for (const args of [
      ['list', '--', 'x'],
      ['stop', 'abcd', '--', '--model', 'opus'],
    ]) {
      const run = await csm(t, args);
      assert.ok(run.error instanceof UsageError, args.join(' '));
      assert.equal(run.code, 2);
      assert.equal(run.stderr, 'csm: arguments after -- are only for csm start and csm resume\n');
    }
  });
});

describe('csm command line: help, version and commands', () => {
  test('--version prints the version to stdout and exits 0', async (t) => {
    const run = await csm(t, ['--version']);
    assert.equal(run.code, 0);
    assert.equal(run.stdout, `${VERSION}\n`);
    assert.equal(run.stderr, '');
  });

  test('--help prints usage, commands and environment to stdout and exits 0', async (t) => {
    const run = await csm(t, ['--help']);
    assert.equal(run.code, 0);
    assert.equal(run.stderr, '');
    assert.match(run.stdout, /^Usage: csm /);
    for (const word of ['start', 'list', 'stop', 'CSM_HOME', 'CSM_RUNTIME_DIR', 'CSM_COMMAND']) assert.ok(run.stdout.includes(word), word);
  });

  test('list with no sessions says how to start one and exits 0', async (t) => {
    const run = await csm(t, ['list']);
    assert.deepEqual([run.code, run.stdout, run.stderr], [0, 'no sessions; start one with: csm start <dir>\n', '']);
    const json = await csm(t, ['ls', '--json']);
    assert.deepEqual([json.code, json.stdout], [0, '[]\n']);
  });

  test('stop with a prefix that matches nothing exits 1 and points to csm list', async (t) => {
    const run = await csm(t, ['stop', 'abcd']);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, 'csm: no session matches "abcd"; run csm list to see sessions\n');
  });

  test('stop --all with no sessions has nothing to do and exits 0', async (t) => {
    const run = await csm(t, ['stop', '--all']);
    assert.deepEqual([run.code, run.stdout, run.stderr], [0, 'no sessions to stop\n', '']);
  });

  test('start in a missing directory exits 1 before spawning, and -- arguments are accepted for start', async (t) => {
    const run = await csm(t, ['start', 'no-such-dir', '--', '--model', 'opus']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^csm: directory does not exist: .*\/no-such-dir\n$/);
  });

  test('start with a command that is not on PATH exits 127 and mentions --command', async (t) => {
    const run = await csm(t, ['start', '.']);
    assert.equal(run.code, 127);
    assert.match(run.stderr, /^csm: claude is not on your PATH; .*--command/);
    const named = await csm(t, ['start', '--command', 'no-such-tool', '.']);
    assert.equal(named.code, 127);
    assert.equal(named.stderr, 'csm: command not found on PATH: no-such-tool; pass --command with a path or fix PATH\n');
  });
});

describe('exitCodeFor', () => {
  test('an unexpected error is reported as a bug with its stack and exits 70', () => {
    const err = collector();
    assert.equal(exitCodeFor(new TypeError('boom'), err.stream), 70);
    assert.match(err.text(), /^csm: internal error \(this is a bug, please report it\):\nTypeError: boom\n {4}at /);
  });
});
