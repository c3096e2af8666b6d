// DirectStdout on descriptors that are not a plain blocking file: a
// non-blocking pipe that is full (EAGAIN: the rest goes through the stream,
// nothing lost or doubled) and a pipe nobody reads any more (EPIPE: quiet).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DirectStdout } from '../../src/std-streams.js';

/** A FIFO opened at both ends without blocking: [reader, writer]. */
function nonBlockingPipe(dir: string): [number, number] {
  const path = join(dir, 'fifo');
  execFileSync('mkfifo', [path]);
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  return [reader, writer];
}

function fillUp(fd: number): number {
  const block = Buffer.alloc(4096, 0x2e);
  let filled = 0;
  for (;;) {
    try {
      filled += writeSync(fd, block);
    } catch {
      return filled;
    }
  }
}

test('a full non-blocking descriptor: what did not fit goes through the stream, once and in order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csm-std-'));
  const [reader, writer] = nonBlockingPipe(dir);
  try {
    const filled = fillUp(writer);
    // One page of room: a write larger than that (and than PIPE_BUF, so not atomic) fits in part.
    const page = Buffer.alloc(4096);
    assert.equal(readSync(reader, page), 4096);
    const text = Array.from({ length: 2000 }, (_, i) => `${i},`).join('');
    assert.ok(text.length > 8192);
    const viaStream: Buffer[] = [];
    const stdout = { write: (chunk: string | Uint8Array) => viaStream.push(Buffer.from(chunk)) > 0 };
    const direct = new DirectStdout({ stdout }, writer);
    direct.write(text);
    direct.write('end');
    const drained = Buffer.alloc(filled + text.length);
    let total = 0;
    for (;;) {
      try {
        const n = readSync(reader, drained, total, drained.length - total, null);
        if (n === 0) break;
        total += n;
      } catch {
        break; // EAGAIN: all read
      }
    }
    const directPart = drained.subarray(filled - 4096, total).toString();
    assert.ok(directPart.length > 0 && directPart.length < text.length, `${directPart.length} bytes went to the descriptor`);
    assert.equal(directPart + Buffer.concat(viaStream).toString(), `${text}end`);
  } finally {
    closeSync(reader);
    closeSync(writer);
    rmSync(dir, { recursive: true });
  }
});

test('a pipe whose reader left: the write is dropped quietly, and so is every later one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csm-std-'));
  const [reader, writer] = nonBlockingPipe(dir);
  closeSync(reader);
  const viaStream: unknown[] = [];
  try {
    const direct = new DirectStdout({ stdout: { write: (chunk: unknown) => viaStream.push(chunk) > 0 } }, writer);
    assert.equal(direct.write('lost\n'), true);
    assert.equal(direct.write('lost too\n'), true);
    assert.deepEqual(viaStream, []);
  } finally {
    closeSync(writer);
    rmSync(dir, { recursive: true });
  }
});
