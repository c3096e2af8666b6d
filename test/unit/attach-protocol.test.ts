import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  encodeFrame,
  encodeJsonFrame,
  FrameDecoder,
  FrameType,
  frameHeader,
  MAX_FRAME_BYTES,
  parseJsonPayload,
  validSize,
} from '../../src/attach-protocol.js';
import { parseRequest } from '../../src/control-protocol.js';

describe('attach frames', () => {
  test('a frame split at every byte boundary decodes to the same frames', () => {
    const stream = Buffer.concat([
      encodeFrame(FrameType.data, Buffer.from([0, 1, 2, 0xff, 0x1b])),
      encodeJsonFrame(FrameType.resize, { cols: 80, rows: 24 }),
      encodeFrame(FrameType.detach),
    ]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder();
      const first = decoder.push(stream.subarray(0, cut));
      const second = decoder.push(stream.subarray(cut));
      assert.ok(Array.isArray(first) && Array.isArray(second));
      const frames = [...first, ...second];
      assert.deepEqual(
        frames.map((f) => [f.type, [...f.payload]]),
        [
          [FrameType.data, [0, 1, 2, 0xff, 0x1b]],
          [FrameType.resize, [...Buffer.from('{"cols":80,"rows":24}')]],
          [FrameType.detach, []],
        ],
      );
    }
  });

  test('a frame announcing more than the limit makes the stream unusable', () => {
    const decoder = new FrameDecoder();
    const result = decoder.push(frameHeader(FrameType.data, MAX_FRAME_BYTES + 1));
    assert.equal(typeof result, 'string');
  });

  test('control payloads must be JSON objects', () => {
    assert.deepEqual(parseJsonPayload(Buffer.from('{"a":1}')), { a: 1 });
    assert.equal(parseJsonPayload(Buffer.from('[1]')), undefined);
    assert.equal(parseJsonPayload(Buffer.from('nope')), undefined);
  });

  test('sizes must be whole numbers from 1 to 4096', () => {
    assert.deepEqual(validSize(80, 24), { cols: 80, rows: 24 });
    for (const [c, r] of [
      [0, 24],
      [80, -1],
      [80.5, 24],
      ['80', 24],
      [5000, 24],
    ]) {
      assert.equal(validSize(c, r), undefined);
    }
  });

  test('the attach request carries a validated size', () => {
    assert.deepEqual(parseRequest('{"v":1,"op":"attach","cols":120,"rows":40}'), { v: 1, op: 'attach', cols: 120, rows: 40 });
    assert.equal(parseRequest('{"v":1,"op":"attach","cols":0,"rows":40}'), 'attach needs cols and rows between 1 and 4096');
  });
});
