import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encode, LineSplitter, MAX_LINE_BYTES, PROTOCOL_VERSION, parseRequest } from '../../src/control-protocol.js';

describe('parseRequest', () => {
  test('accepts a ping', () => {
    assert.deepEqual(parseRequest('{"v":1,"op":"ping"}'), { v: 1, op: 'ping' });
  });

  test('accepts a stop with a timeout from 0 to one hour', () => {
    for (const timeoutMs of [0, 5000, 3_600_000]) {
      assert.deepEqual(parseRequest(JSON.stringify({ v: 1, op: 'stop', timeoutMs })), { v: 1, op: 'stop', timeoutMs });
    }
  });

  test('keeps only the known fields of a request', () => {
    assert.deepEqual(parseRequest('{"v":1,"op":"ping","extra":[1,2,3]}'), { v: 1, op: 'ping' });
  });

  test('answers input that is not JSON, or not an object, with a reason', () => {
    assert.equal(parseRequest('ping'), 'request is not valid JSON');
    assert.equal(parseRequest('{"v":1,'), 'request is not valid JSON');
    assert.equal(parseRequest('null'), 'request is not a JSON object');
    assert.equal(parseRequest('"ping"'), 'request is not a JSON object');
    assert.equal(parseRequest('[]'), 'unsupported protocol version undefined; expected 1');
  });

  test('refuses another protocol version, naming both', () => {
    assert.equal(parseRequest('{"v":2,"op":"ping"}'), 'unsupported protocol version 2; expected 1');
    assert.equal(parseRequest('{"op":"ping"}'), 'unsupported protocol version undefined; expected 1');
    assert.equal(parseRequest('{"v":"1","op":"ping"}'), 'unsupported protocol version "1"; expected 1');
  });

  test('refuses an unknown op, naming it', () => {
    assert.equal(parseRequest('{"v":1,"op":"kill"}'), 'unknown op "kill"');
    assert.equal(parseRequest('{"v":1}'), 'unknown op undefined');
  });

  test('refuses a stop whose timeout is missing, not a number, negative, infinite or over an hour', () => {
    for (const timeoutMs of [undefined, '5000', -1, 3_600_001, null]) {
      assert.equal(parseRequest(JSON.stringify({ v: 1, op: 'stop', timeoutMs })), 'stop needs timeoutMs between 0 and 3600000');
    }
    assert.equal(parseRequest('{"v":1,"op":"stop","timeoutMs":1e999}'), 'stop needs timeoutMs between 0 and 3600000');
  });

  test('keeps the terminal an attach names, and ignores one that is not a description', () => {
    const terminal = { path: '/dev/pts/4', dev: '24', ino: '7', rdev: '34820' };
    assert.deepEqual(parseRequest(JSON.stringify({ v: 1, op: 'attach', cols: 80, rows: 24, terminal })), {
      v: 1,
      op: 'attach',
      cols: 80,
      rows: 24,
      terminal,
    });
    for (const bad of ['/dev/pts/4', { ...terminal, path: '/tmp/x' }, { ...terminal, ino: 7 }]) {
      assert.deepEqual(parseRequest(JSON.stringify({ v: 1, op: 'attach', cols: 80, rows: 24, terminal: bad })), {
        v: 1,
        op: 'attach',
        cols: 80,
        rows: 24,
      });
    }
  });

  test('encode writes one line that parseRequest reads back', () => {
    const line = encode({ v: PROTOCOL_VERSION, op: 'stop', timeoutMs: 250 });
    assert.equal(line, '{"v":1,"op":"stop","timeoutMs":250}\n');
    assert.deepEqual(parseRequest(line.trimEnd()), { v: 1, op: 'stop', timeoutMs: 250 });
  });
});

describe('LineSplitter', () => {
  test('returns complete lines and keeps the rest for the next chunk', () => {
    const lines = new LineSplitter();
    assert.deepEqual(lines.push('{"a":1}\n{"b"'), ['{"a":1}']);
    assert.deepEqual(lines.push(':2}'), []);
    assert.deepEqual(lines.push(Buffer.from('\n{"c":3}\n')), ['{"b":2}', '{"c":3}']);
  });

  test('a line split across many one-byte chunks comes out whole', () => {
    const lines = new LineSplitter();
    const out: string[] = [];
    for (const char of '{"v":1,"op":"ping"}\n') out.push(...(lines.push(char) ?? []));
    assert.deepEqual(out, ['{"v":1,"op":"ping"}']);
  });

  test('skips blank lines', () => {
    assert.deepEqual(new LineSplitter().push('\n  \n{"a":1}\n\n'), ['{"a":1}']);
  });

  test('buffers up to the line limit without a newline, and refuses one byte more', () => {
    const atLimit = new LineSplitter();
    assert.deepEqual(atLimit.push('x'.repeat(MAX_LINE_BYTES)), []);
    assert.deepEqual(atLimit.push('\n'), ['x'.repeat(MAX_LINE_BYTES)]);

    const over = new LineSplitter();
    assert.deepEqual(over.push('x'.repeat(MAX_LINE_BYTES - 1)), []);
    assert.equal(over.push('yy'), undefined);
  });

  test('the limit counts bytes of the unfinished line, not of what came before its newline', () => {
    const lines = new LineSplitter();
    assert.deepEqual(lines.push(`${'a'.repeat(MAX_LINE_BYTES)}\n${'b'.repeat(10)}`), ['a'.repeat(MAX_LINE_BYTES)]);
    assert.equal(new LineSplitter().push('é'.repeat(MAX_LINE_BYTES / 2 + 1)), undefined);
  });
});
