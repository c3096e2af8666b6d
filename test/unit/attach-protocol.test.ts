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

  test('with streamData, output is returned as soon as it arrives, whatever the reads, and control frames whole', () => {
    const output = Buffer.from('0123456789abcdefghij');
    const stream = Buffer.concat([
      encodeFrame(FrameType.data, output.subarray(0, 7)),
      encodeFrame(FrameType.data, output.subarray(7)),
      encodeJsonFrame(FrameType.exit, { reset: '' }),
    ]);
    // Output bytes lie at 5..12 and 17..30 of the stream (after each 5-byte header).
    const outputBytesBefore = (end: number) => Math.max(0, Math.min(end, 12) - 5) + Math.max(0, Math.min(end, 30) - 17);
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b++) {
        const decoder = new FrameDecoder({ streamData: true });
        const ends = [a, b, stream.length];
        let emitted = 0;
        const frames = ends.flatMap((end, i) => {
          const result = decoder.push(stream.subarray(i === 0 ? 0 : ends[i - 1], end));
          assert.ok(Array.isArray(result));
          // Nothing of the output that has arrived is held back for a later read.
          emitted += result.filter((f) => f.type === FrameType.data).reduce((sum, f) => sum + f.payload.length, 0);
          assert.equal(emitted, outputBytesBefore(end));
          return result;
        });
        const data = frames.filter((f) => f.type === FrameType.data);
        assert.equal(Buffer.concat(data.map((f) => f.payload)).toString(), output.toString());
        assert.ok(data.every((f) => f.payload.length > 0));
        const control = frames.filter((f) => f.type !== FrameType.data);
        assert.deepEqual(
          control.map((f) => [f.type, f.payload.toString()]),
          [[FrameType.exit, '{"reset":""}']],
        );
      }
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
