// csm start as a person uses it: where the session runs, what csm says before
// and after, the exit status, arguments and environment the child gets.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'node:test';
import { e2e } from '../helpers/e2e.js';
import { BANNER, ENV_LINE, parseEnv, SESSION_LINE } from '../helpers/fake.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { startSession } from '../helpers/session.js';
import { waitFor } from '../helpers/wait.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('csm start', () => {
  e2e('start runs the child in the real path of the given directory, announces the session first, and exits with its code', async (sb) => {
    const real = join(sb.root, 'real project');
    mkdirSync(real);
    symlinkSync(real, join(sb.workDir, 'link'));
    const { terminal, id, shortId, banner } = await startSession(sb, ['link']);

    assert.equal(banner.cwd, real);
    const output = terminal.output;
    const announced = SESSION_LINE.exec(output);
    assert.ok(announced, `no session line in:\n${output}`);
    assert.equal(announced[1], shortId);
    assert.equal(announced[2], real);
    assert.equal(announced[3], shortId);
    assert.ok(announced.index < output.indexOf('FAKE-CLAUDE READY'), 'the session line comes before the child starts');
    assert.match(id, UUID_V4);

    terminal.type('exit 7\r');
    assert.equal(await terminal.waitForExit(), 7);
    assert.match(terminal.screenText(), new RegExp(`csm: session ${shortId} ended \\(exit 7\\)`));
    assert.deepEqual(sb.recordFiles(), []);
    assert.deepEqual(sb.runtimeEntries(), []);
  });

  e2e('start without a directory runs in the current directory and exits 0 when the child does', async (sb) => {
    const { terminal, shortId, banner } = await startSession(sb);
    assert.equal(banner.cwd, sb.workDir);
    assert.deepEqual(banner.args, []);

    terminal.type('quit\r');
    assert.equal(await terminal.waitForExit(), 0);
    assert.match(terminal.screenText(), new RegExp(`csm: session ${shortId} ended \\(exit 0\\)$`, 'm'));
  });

  e2e('start passes every argument after -- to the child unchanged', async (sb) => {
    const args = ['--model', 'opus', 'two words', '--', '-x', '*'];
    const { terminal, banner } = await startSession(sb, ['.', '--', ...args]);
    assert.deepEqual(banner.args, args);

    terminal.type('quit\r');
    assert.equal(await terminal.waitForExit(), 0);
  });

  e2e('start gives the child its session id and drops the outer multiplexer and size variables', async (sb) => {
    const { terminal, id, env } = await startSession(sb, [], {
      env: { TMUX: '/tmp/tmux-0/default,1,0', TMUX_PANE: '%1', STY: '1.pts-0.host', COLUMNS: '132', LINES: '43', TERM_PROGRAM: 'e2e-term' },
    });
    assert.equal(env.sessionId, id);
    assert.deepEqual(
      { tmux: env.tmux, sty: env.sty, columns: env.columns, lines: env.lines, term: env.term, termProgram: env.termProgram },
      { tmux: 'unset', sty: 'unset', columns: 'unset', lines: 'unset', term: 'xterm-256color', termProgram: 'e2e-term' },
    );

    const listed = await sb.csm(['list', '-q']);
    assert.deepEqual({ code: listed.code, stdout: listed.stdout, stderr: listed.stderr }, { code: 0, stdout: `${id}\n`, stderr: '' });

    terminal.type('quit\r');
    assert.equal(await terminal.waitForExit(), 0);
  });

  e2e('start keeps TERM for the child', async (sb) => {
    const { terminal, env } = await startSession(sb, [], { env: { TERM: 'screen-256color' } });
    assert.equal(env.term, 'screen-256color');
    terminal.type('quit\r');
    assert.equal(await terminal.waitForExit(), 0);
  });

  e2e('start gives the child TERM=xterm-256color when csm has no TERM', async (sb) => {
    const terminal = sb.shell('unset TERM; exec "$CSM" start');
    const env = parseEnv(await terminal.waitForScreen(ENV_LINE));
    assert.equal(env.term, 'xterm-256color');
    terminal.type('quit\r');
    assert.equal(await terminal.waitForExit(), 0);
  });

  e2e('start reports the child killed by a signal and exits 128+N', async (sb) => {
    const { terminal, shortId, banner } = await startSession(sb);
    process.kill(banner.pid, 'SIGKILL');
    assert.equal(await terminal.waitForExit(), 137);
    assert.match(terminal.screenText(), new RegExp(`csm: session ${shortId} ended \\(killed by SIGKILL\\)`));
    assert.deepEqual(sb.recordFiles(), []);
  });

  e2e('start with output to a pipe writes the session line and end line to stderr only', async (sb) => {
    const run = sb.spawnCsm(['start'], { stdin: 'ignore', env: { FAKE_BIG_OUTPUT: '10' } });
    const result = await run.waitForExit();
    assert.equal(result.code, 0);
    assert.match(result.stdout, BANNER);
    assert.doesNotMatch(result.stdout, /csm: /);
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 2, result.stderr);
    assert.match(lines[0] ?? '', SESSION_LINE);
    assert.match(lines[1] ?? '', /^csm: session [0-9a-f]{8} ended \(exit 0\)$/);
  });

  e2e('plain start forms and the background host they start never load commander; start --help does', async (sb) => {
    const log = join(sb.root, 'loads.jsonl');
    const env = { NODE_OPTIONS: `--require ${join(REPO_ROOT, 'test', 'fixtures', 'load-probe.cjs')}`, CSM_TEST_LOAD_LOG: log };
    /** What the process run with these arguments loaded. */
    const loadOf = (...argv: string[]) => {
      if (!existsSync(log)) return undefined;
      const loads = readFileSync(log, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as { argv: string[]; parts: string[]; builtins: string[]; codeCaches: Record<string, string> });
      return loads.find((load) => load.argv.join(' ') === argv.join(' '));
    };
    /** The parts of csm's bundle that the process run with these arguments loaded. */
    const partsOf = (...argv: string[]) => loadOf(...argv)?.parts;

    const start = ['start', sb.workDir, '--command', '/bin/echo', '--', 'hi'];
    const inTerminal = await sb.csm(start, { env });
    assert.equal(inTerminal.code, 0, inTerminal.stderr);
    assert.deepEqual(partsOf(...start), ['csm-errors.cjs', 'csm-hosting.cjs', 'csm-loader.cjs', 'csm-start.cjs', 'csm.cjs']);
    // The start terminal shows the session: no screen model, so no worker thread (session-screen.ts);
    // the session id's random bytes come from /dev/urandom, not Web Crypto (session-id.ts).
    // Every part but the loader (which bin/csm requires) is compiled from the code cache the build made (parts.ts).
    assert.deepEqual(loadOf(...start)?.codeCaches, {
      'csm.cjs': 'used',
      'csm-errors.cjs': 'used',
      'csm-hosting.cjs': 'used',
      'csm-start.cjs': 'used',
    });
    const builtins = loadOf(...start)?.builtins ?? [];
    assert.ok(!builtins.includes('worker_threads'), 'plain start loaded node:worker_threads');
    assert.deepEqual(
      builtins.filter((name) => /^(internal\/)?crypto\b/.test(name)),
      [],
      'plain start loaded node:crypto (Web Crypto)',
    );

    const detached = await sb.csm(['start', '-d', '--no-session-id', '--command=/bin/echo', '--', 'hi'], { env });
    assert.equal(detached.code, 0, detached.stderr);
    const host = ['__host', '.', '--command', '/bin/echo', '--no-session-id', '--', 'hi'];
    assert.deepEqual(await waitFor('the background host to exit', () => partsOf(...host)), [
      'csm-errors.cjs',
      'csm-host.cjs',
      'csm-hosting.cjs',
      'csm-loader.cjs',
      'csm.cjs',
    ]);

    const help = await sb.csm(['start', '--help'], { env });
    assert.equal(help.code, 0, help.stderr);
    assert.deepEqual(partsOf('start', '--help'), ['csm-cli.cjs', 'csm-errors.cjs', 'csm-loader.cjs', 'csm.cjs']);
  });
});
