// Bad input: every mistake gets one clear `csm: ` line on stderr, a non-zero
// exit code, no stack trace, and leaves nothing behind (no records, no
// sockets, no processes: the sandbox checks the last).
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'node:test';
import { e2e } from '../helpers/e2e.js';
import type { CsmResult } from '../helpers/piped.js';
import { canForgeRecords, NO_FORGED_RECORDS_REASON, writeRecord } from '../helpers/records.js';
import type { Sandbox } from '../helpers/sandbox.js';
import { startSession } from '../helpers/session.js';
import { waitFor } from '../helpers/wait.js';

const isRoot = process.getuid?.() === 0;
/** An unprivileged uid for the cases root's permissions would hide. */
const NOBODY = 65534;

/** Exactly one stderr line, `csm: <message>`, the given exit code, nothing on stdout. */
function assertRefused(result: CsmResult, code: number, message: RegExp): void {
  assert.deepEqual({ code: result.code, stdout: result.stdout }, { code, stdout: '' }, result.stderr);
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
  const lines = result.stderr.split('\n');
  assert.equal(lines.length, 2, `one line on stderr, got:\n${result.stderr}`);
  assert.equal(lines[1], '');
  assert.match(lines[0] ?? '', /^csm: /);
  assert.match(lines[0] ?? '', message);
}

function assertNothingCreated(sb: Sandbox): void {
  assert.equal(existsSync(sb.stateDir), false, 'no state directory was created');
  assert.deepEqual(sb.runtimeEntries(), [], 'no socket was created');
}

const quote = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('bad directories and commands for start', () => {
  e2e('start in a missing directory exits 1 naming it', async (sb) => {
    const result = await sb.csm(['start', 'missing']);
    assertRefused(result, 1, new RegExp(`^csm: directory does not exist: ${quote(join(sb.workDir, 'missing'))}$`));
    assertNothingCreated(sb);
  });

  e2e('start in a file exits 1 saying it is not a directory', async (sb) => {
    const file = join(sb.workDir, 'notes.txt');
    writeFileSync(file, 'not a directory\n');
    const result = await sb.csm(['start', 'notes.txt']);
    assertRefused(result, 1, new RegExp(`^csm: not a directory: ${quote(file)}$`));
    assertNothingCreated(sb);
  });

  e2e('start in a directory the user may not enter exits 1 saying permission denied', async (sb, t) => {
    const locked = join(sb.root, 'locked');
    mkdirSync(locked, { mode: 0o000 });
    chmodSync(locked, 0o000);
    let result: CsmResult;
    if (!isRoot) {
      result = await sb.csm(['start', locked]);
    } else if (existsSync('/usr/bin/setpriv')) {
      // chmod 000 does not stop root: run csm as nobody instead, which can
      // reach the directory's parent but not enter the directory.
      chmodSync(sb.root, 0o755);
      result = await runAsNobody(sb, ['start', locked]);
    } else {
      t.skip('running as root without setpriv: a chmod 000 directory cannot be made inaccessible');
      return;
    }
    assertRefused(result, 1, new RegExp(`^csm: cannot (enter|access) directory: ${quote(locked)} \\(permission denied\\)$`));
    assertNothingCreated(sb);
  });

  e2e('start with a command that is not on PATH exits 127 naming it', async (sb) => {
    const result = await sb.csm(['start', '--command', 'no-such-claude']);
    assertRefused(result, 127, /^csm: command not found on PATH: no-such-claude; pass --command with a path or fix PATH$/);
    assertNothingCreated(sb);
  });

  e2e('start without claude on PATH exits 127 and says how to install it', async (sb) => {
    // A PATH holding only node (which bin/csm's #! line needs).
    const bin = join(sb.root, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const result = await sb.csm(['start'], { env: { CSM_COMMAND: undefined, PATH: bin } });
    assertRefused(result, 127, /^csm: claude is not on your PATH; install Claude Code .* or pass --command <path>$/);
    assertNothingCreated(sb);
  });

  e2e('start --command with a file that is not executable exits 127', async (sb) => {
    const script = join(sb.workDir, 'claude.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const result = await sb.csm(['start', '--command', './claude.sh']);
    assertRefused(result, 127, new RegExp(`^csm: cannot run ${quote(script)}: not executable \\(permission denied\\)$`));
    assertNothingCreated(sb);
  });

  e2e('csm run from a directory that was deleted: list works, and start names the missing directory', async (sb) => {
    const gone = join(sb.root, 'gone');
    // The shell enters the directory and removes it, as happens after `git worktree remove` from inside it.
    const inDeleted = (args: readonly string[], then = '') =>
      sb
        .spawnCsm(args, {
          stdin: 'ignore',
          via: ['/bin/sh', '-c', `mkdir '${gone}' && cd '${gone}' && rmdir '${gone}' && ${then} exec "$0" "$@"`],
        })
        .waitForExit();

    const listed = await inDeleted(['list']);
    assert.deepEqual(
      { code: listed.code, stdout: listed.stdout, stderr: listed.stderr },
      { code: 0, stdout: 'no sessions; start one with: csm start <dir>\n', stderr: '' },
    );
    assertRefused(await inDeleted(['start']), 1, new RegExp(`^csm: directory does not exist: ${quote(gone)}$`));
    // Without $PWD there is no name for it.
    assertRefused(
      await inDeleted(['list'], 'unset PWD;'),
      1,
      /^csm: the current directory no longer exists \(deleted\?\); cd to an existing directory and try again$/,
    );
    assertNothingCreated(sb);
  });

  e2e('start --command with a directory exits 127', async (sb) => {
    const result = await sb.csm(['start', '--command', sb.root]);
    assertRefused(result, 127, new RegExp(`^csm: cannot run ${quote(sb.root)}: not a file$`));
    assertNothingCreated(sb);
  });
});

describe('bad command lines', () => {
  e2e('an unknown command exits 2 and points to --help', async (sb) => {
    assertRefused(await sb.csm(['frobnicate']), 2, /^csm: unknown command 'frobnicate'; see csm --help$/);
    assertNothingCreated(sb);
  });

  e2e('a mistyped command exits 2 with the suggestion on the same line', async (sb) => {
    assertRefused(await sb.csm(['stpo']), 2, /^csm: unknown command 'stpo'.*Did you mean stop\?.*; see csm --help$/);
  });

  e2e('an unknown option exits 2 naming it', async (sb) => {
    assertRefused(await sb.csm(['list', '--bogus']), 2, /^csm: unknown option '--bogus'; see csm --help$/);
    assertRefused(await sb.csm(['start', '--bogus']), 2, /^csm: unknown option '--bogus'; see csm --help$/);
    assertNothingCreated(sb);
  });

  e2e('arguments after -- for a command other than start exit 2', async (sb) => {
    assertRefused(await sb.csm(['list', '--', 'x']), 2, /^csm: arguments after -- are only for csm start$/);
  });

  e2e('stop with no ids and no --all exits 2 and says what to give', async (sb) => {
    assertRefused(await sb.csm(['stop']), 2, /^csm: name the session\(s\) to stop, or pass --all; run csm list to see them$/);
  });

  e2e('stop with ids and --all together exits 2', async (sb) => {
    assertRefused(await sb.csm(['stop', '--all', 'abcd1234']), 2, /^csm: give session ids or --all, not both$/);
  });

  e2e('stop with a prefix shorter than 4 characters exits 2', async (sb) => {
    assertRefused(await sb.csm(['stop', 'abc']), 2, /^csm: session id prefix "abc" is too short: give at least 4 characters$/);
  });

  e2e('stop with something that is not an id, like ../x, exits 2', async (sb) => {
    assertRefused(
      await sb.csm(['stop', '../x']),
      2,
      /^csm: not a session id: "\.\.\/x" \(ids are hexadecimal; run csm list to see them\)$/,
    );
  });

  e2e('stop --timeout with a non-number exits 2', async (sb) => {
    assertRefused(
      await sb.csm(['stop', '--all', '--timeout', 'soon']),
      2,
      /^csm: --timeout takes a number of seconds from 0 to 3600, not "soon"$/,
    );
  });
});

describe('stop with ids that do not name one session', () => {
  e2e('stop with an unknown id exits 1 and stops nothing, even with a valid id beside it', async (sb) => {
    const session = await startSession(sb);
    const unknown = session.id.startsWith('0000') ? 'ffff0000' : '0000ffff';
    assertRefused(await sb.csm(['stop', unknown]), 1, new RegExp(`^csm: no session matches "${unknown}"; run csm list to see sessions$`));
    assertRefused(await sb.csm(['stop', session.shortId, unknown]), 1, new RegExp(`no session matches "${unknown}"`));

    const listed = await sb.csm(['list', '-q']);
    assert.deepEqual({ code: listed.code, stdout: listed.stdout }, { code: 0, stdout: `${session.id}\n` });
    assert.equal(session.terminal.exited, undefined, 'the named session still runs');
    session.terminal.type('quit\r');
    assert.equal(await session.terminal.waitForExit(), 0);
  });

  e2e(
    'stop with a prefix shared by two sessions exits 1, lists both, and stops neither',
    async (sb) => {
      const host = sb.spawnHelper('sleep', ['60']);
      const hostPid = await waitFor('the fake host to start', () => host.pid);
      const ids = ['abcd1234-0000-4000-8000-000000000001', 'abcd5678-0000-4000-8000-000000000002'];
      const dirs = [join(sb.root, 'one'), join(sb.root, 'two')];
      for (const [i, id] of ids.entries()) writeRecord(sb, id, hostPid, dirs[i] ?? '');

      const result = await sb.csm(['stop', 'abcd']);
      assertRefused(
        result,
        1,
        /^csm: "abcd" matches 2 sessions: (abcd1234|abcd5678) \(.*\), (abcd1234|abcd5678) \(.*\); give more characters$/,
      );
      for (const [i, id] of ids.entries()) assert.ok(result.stderr.includes(`${id.slice(0, 8)} (${dirs[i]})`), result.stderr);

      const listed = await sb.csm(['list', '-q']);
      assert.equal(listed.code, 0);
      assert.deepEqual(listed.stdout.trimEnd().split('\n').sort(), ids, 'both sessions are still listed');
    },
    { skip: canForgeRecords ? false : NO_FORGED_RECORDS_REASON },
  );
});

describe('unsafe state and runtime directories', () => {
  const refusesBoth = async (sb: Sandbox, env: Record<string, string>, message: RegExp) => {
    assertRefused(await sb.csm(['list'], { env }), 1, message);
    assertRefused(await sb.csm(['stop', '--all'], { env }), 1, message);
    assertRefused(await sb.csm(['start'], { env }), 1, message);
  };

  e2e('a group-writable state directory is refused with the chmod to fix it', async (sb) => {
    const state = join(sb.root, 'shared-state');
    mkdirSync(state);
    chmodSync(state, 0o770);
    await refusesBoth(
      sb,
      { CSM_HOME: state },
      new RegExp(`^csm: state directory ${quote(state)} is writable by group or others \\(mode 770\\); run: chmod 700 ${quote(state)}$`),
    );
    assert.deepEqual(sb.runtimeEntries(), []);
  });

  e2e('a state directory that is a symbolic link is refused', async (sb) => {
    const real = join(sb.root, 'real-state');
    mkdirSync(real, { mode: 0o700 });
    const link = join(sb.root, 'state-link');
    symlinkSync(real, link);
    await refusesBoth(
      sb,
      { CSM_HOME: link },
      new RegExp(`^csm: state directory ${quote(link)} is a symbolic link; remove it and csm will create a private directory$`),
    );
  });

  e2e('a state directory owned by another user is refused', async (sb, t) => {
    if (!isRoot) {
      t.skip('only root can give a directory to another user');
      return;
    }
    const state = join(sb.root, 'their-state');
    mkdirSync(state, { mode: 0o700 });
    chownSync(state, NOBODY, NOBODY);
    await refusesBoth(
      sb,
      { CSM_HOME: state },
      new RegExp(`^csm: state directory ${quote(state)} is owned by uid ${NOBODY}, not by you \\(uid 0\\)`),
    );
  });

  e2e('start refuses a group-writable runtime directory before starting anything', async (sb) => {
    chmodSync(sb.runtimeDir, 0o775);
    assertRefused(
      await sb.csm(['start']),
      1,
      new RegExp(`^csm: runtime directory ${quote(sb.runtimeDir)} is writable by group or others \\(mode 775\\); run: chmod 700`),
    );
    assert.deepEqual(sb.recordFiles(), []);
  });
});

/** Runs csm as uid/gid nobody (root only), with its own state directories nobody owns. */
async function runAsNobody(sb: Sandbox, args: readonly string[]): Promise<CsmResult> {
  const home = join(sb.root, 'nobody');
  mkdirSync(home, { mode: 0o700 });
  chownSync(home, NOBODY, NOBODY);
  const run = sb.spawnCsm(args, {
    stdin: 'ignore',
    via: ['/usr/bin/setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--'],
    env: { CSM_HOME: join(home, 'state'), CSM_RUNTIME_DIR: join(home, 'run') },
  });
  return run.waitForExit();
}
