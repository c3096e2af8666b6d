import assert from 'node:assert/strict';
import { test } from 'node:test';
import { choosesConversation, conversationIdOf, withConversationId } from '../../src/claude-args.js';

const ID = '8a61f9bd-a096-490e-bebe-ebaea4ba3346';

test('claude gets --session-id <csm id> first when its arguments choose no conversation', () => {
  assert.deepEqual(withConversationId(['claude', '/usr/local/bin/claude'], ['--model', 'opus'], ID, true), [
    '--session-id',
    ID,
    '--model',
    'opus',
  ]);
  assert.deepEqual(withConversationId(['claude'], [], ID, true), ['--session-id', ID]);
});

test('nothing is added for another command, when turned off, or when a conversation is chosen', () => {
  assert.deepEqual(withConversationId(['bash', '/bin/bash'], [], ID, true), []);
  assert.deepEqual(withConversationId(['./claude-wrapper.sh'], [], ID, true), []);
  assert.deepEqual(withConversationId(['claude'], [], ID, false), []);
  for (const args of [
    ['--session-id', 'x'],
    ['--session-id=x'],
    ['--resume'],
    ['--resume', 'x'],
    ['-r'],
    ['--continue'],
    ['-c'],
    ['-pc'],
  ]) {
    assert.equal(choosesConversation(args), true, args.join(' '));
    assert.deepEqual(withConversationId(['claude'], args, ID, true), args);
  }
  assert.equal(choosesConversation(['--model', 'opus', '-p', 'fix it']), false);
  assert.equal(choosesConversation(['--', '-c']), false, 'after -- it is not an option');
});

test('the conversation to resume is the --session-id or --resume value of a claude session', () => {
  assert.equal(conversationIdOf('/usr/bin/claude', ['--session-id', ID]), ID);
  assert.equal(conversationIdOf('/usr/bin/claude', ['--resume', ID, '--model', 'opus']), ID);
  assert.equal(conversationIdOf('/usr/bin/claude', ['--session-id=abc']), 'abc');
  assert.equal(conversationIdOf('/usr/bin/claude', ['-r', 'abc']), 'abc');
  assert.equal(conversationIdOf('/usr/bin/claude', ['--continue']), undefined);
  assert.equal(conversationIdOf('/usr/bin/claude', ['--resume']), undefined, 'the interactive picker names no conversation');
  assert.equal(conversationIdOf('/usr/bin/claude', []), undefined);
  assert.equal(conversationIdOf('/bin/bash', ['--session-id', ID]), undefined);
});
