import assert from 'node:assert/strict';
import { test } from 'node:test';
import { say } from '../../src/commands/context.js';

function stderrOf(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

test('say ends a line to a terminal in CR LF (a raw terminal has no output processing to add the CR), elsewhere in LF', () => {
  const terminal = stderrOf(true);
  say({ stderr: terminal.stream }, 'warning: something');
  assert.deepEqual(terminal.written, ['csm: warning: something\r\n']);

  const file = stderrOf(false);
  say({ stderr: file.stream }, 'warning: something');
  assert.deepEqual(file.written, ['csm: warning: something\n']);
});

test('say never throws, even when stderr is gone', () => {
  const gone = {
    isTTY: true,
    write: () => {
      throw new Error('EIO');
    },
  } as unknown as NodeJS.WriteStream;
  assert.doesNotThrow(() => say({ stderr: gone }, 'late'));
});
