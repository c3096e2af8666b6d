import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildChildEnv, DEFAULT_TERM, OUTER_TERMINAL_VARIABLES } from '../../src/child-env.js';

const ID = '3f2a9c1e-8b7d-4e6f-a5b4-c3d2e1f0a9b8';

describe('buildChildEnv', () => {
  test('strips the outer multiplexer and fixed-size variables', () => {
    const env = buildChildEnv(
      {
        TMUX: '/tmp/tmux-0/default,1,0',
        TMUX_PANE: '%3',
        STY: '123.pts-0.host',
        WINDOW: '1',
        WINDOWID: '4194311',
        TERMCAP: 'SC|screen:...',
        COLUMNS: '80',
        LINES: '24',
        HOME: '/home/ada',
      },
      ID,
    );
    for (const key of ['TMUX', 'TMUX_PANE', 'STY', 'WINDOW', 'WINDOWID', 'TERMCAP', 'COLUMNS', 'LINES']) {
      assert.equal(Object.hasOwn(env, key), false, key);
    }
    assert.deepEqual([...OUTER_TERMINAL_VARIABLES].sort(), [
      'COLUMNS',
      'LINES',
      'STY',
      'TERMCAP',
      'TMUX',
      'TMUX_PANE',
      'WINDOW',
      'WINDOWID',
    ]);
    assert.equal(env.HOME, '/home/ada');
  });

  test('keeps everything else, including TERM_PROGRAM and TERM', () => {
    const env = buildChildEnv({ TERM: 'screen-256color', TERM_PROGRAM: 'iTerm.app', PATH: '/usr/bin', LANG: 'C.UTF-8' }, ID);
    assert.deepEqual(env, { TERM: 'screen-256color', TERM_PROGRAM: 'iTerm.app', PATH: '/usr/bin', LANG: 'C.UTF-8', CSM_SESSION_ID: ID });
  });

  test('sets TERM to xterm-256color when it is unset or empty', () => {
    assert.equal(DEFAULT_TERM, 'xterm-256color');
    assert.equal(buildChildEnv({}, ID).TERM, 'xterm-256color');
    assert.equal(buildChildEnv({ TERM: '' }, ID).TERM, 'xterm-256color');
  });

  test('tells the child its session id in CSM_SESSION_ID', () => {
    assert.equal(buildChildEnv({}, ID).CSM_SESSION_ID, ID);
  });

  test('a session started inside another gets its own id, not the outer one', () => {
    const outer = 'c0ffee00-0000-4000-9000-000000000000';
    assert.equal(buildChildEnv({ CSM_SESSION_ID: outer }, ID).CSM_SESSION_ID, ID);
  });

  test('drops undefined values instead of passing the string "undefined"', () => {
    const env = buildChildEnv({ PRESENT: 'yes', ABSENT: undefined }, ID);
    assert.equal(Object.hasOwn(env, 'ABSENT'), false);
    assert.ok(Object.values(env).every((value) => typeof value === 'string' && value !== 'undefined'));
  });

  test('does not modify the environment it is given', () => {
    const input = { TMUX: 'x', TERM: '' };
    buildChildEnv(input, ID);
    assert.deepEqual(input, { TMUX: 'x', TERM: '' });
  });
});
