import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionExit } from '../../src/control-protocol.js';
import { InlineScreenModel } from '../../src/inline-screen-model.js';
import type { SessionProcess } from '../../src/pty.js';
import { CLIENT_LAG_BYTES, type ClientSink, SessionClients, type TerminalSize } from '../../src/session-clients.js';
import { waitFor } from './support.js';

/** A PTY child that only records what the host does to it. */
class FakeChild implements SessionProcess {
  readonly pid = 4242;
  readonly tty = undefined;
  readonly exited = new Promise<SessionExit>(() => undefined);
  readonly written: string[] = [];
  readonly resizes: [number, number][] = [];
  paused = 0;
  private listener: ((data: Buffer) => void) | undefined;

  onData(listener: (data: Buffer) => void): void {
    this.listener = listener;
  }
  emit(text: string): void {
    this.listener?.(Buffer.from(text));
  }
  write(data: Buffer | string): void {
    this.written.push(data.toString());
  }
  resize(cols: number, rows: number): void {
    this.resizes.push([cols, rows]);
  }
  pause(): void {
    this.paused += 1;
  }
  resume(): void {
    this.paused -= 1;
  }
  dispose(): void {}
}

class FakeSink implements ClientSink {
  readonly output: string[] = [];
  accepting = true;
  pending = 0;
  endedWith: { exit: SessionExit; reset: string } | undefined;
  private drained: (() => void)[] = [];

  constructor(
    readonly isTerminal = true,
    readonly catchUp = false,
  ) {}

  write(chunk: Buffer): boolean {
    this.output.push(chunk.toString());
    if (!this.accepting) this.pending += chunk.length;
    return this.accepting;
  }
  pendingBytes(): number {
    return this.pending;
  }
  onceDrained(listener: () => void): void {
    this.drained.push(listener);
  }
  drain(): void {
    this.accepting = true;
    this.pending = 0;
    for (const listener of this.drained.splice(0)) listener();
  }
  ended(exit: SessionExit, reset: string): void {
    this.endedWith = { exit, reset };
  }
  get text(): string {
    return this.output.join('');
  }
}
function sinkOf(isTerminal = true, catchUp = false): FakeSink {
  return new FakeSink(isTerminal, catchUp);
}

function hub(size: TerminalSize = { cols: 100, rows: 30 }) {
  const child = new FakeChild();
  const model = new InlineScreenModel(size.cols, size.rows);
  const clients = new SessionClients(child, model, size);
  return { child, model, clients };
}

describe('SessionClients', () => {
  test('every client gets the output and every client can type', async () => {
    const { child, clients } = hub();
    const a = sinkOf();
    const b = sinkOf();
    const ca = clients.join(a, { cols: 100, rows: 30 });
    const cb = await clients.attach(b, { cols: 100, rows: 30 });
    child.emit('out');
    ca.input(Buffer.from('x'));
    cb.input(Buffer.from('y'));
    assert.ok(a.text.endsWith('out'));
    assert.ok(b.text.endsWith('out'));
    assert.deepEqual(child.written, ['x', 'y']);
  });

  test('an attaching client first gets the screen as it stands, then the output that came meanwhile', async () => {
    const { child, clients } = hub({ cols: 40, rows: 5 });
    child.emit('before attach');
    const b = sinkOf();
    const attaching = clients.attach(b, { cols: 40, rows: 5 });
    child.emit(' after');
    await attaching;
    assert.equal(b.output.length, 2);
    assert.ok(b.output[0]?.includes('before attach'));
    assert.ok(!b.output[0]?.includes('after'));
    assert.equal(b.output[1], ' after');
  });

  test('the PTY takes the size of the most recently active client', async () => {
    const { child, clients } = hub({ cols: 100, rows: 30 });
    const a = clients.join(sinkOf(), { cols: 100, rows: 30 });
    assert.deepEqual(child.resizes, []);
    const b = await clients.attach(sinkOf(), { cols: 60, rows: 20 });
    assert.deepEqual(child.resizes, [[60, 20]]);
    a.input(Buffer.from('k'));
    assert.deepEqual(child.resizes.at(-1), [100, 30]);
    b.resize({ cols: 70, rows: 25 });
    assert.deepEqual(child.resizes.at(-1), [70, 25]);
    await b.leave();
    assert.deepEqual(child.resizes.at(-1), [100, 30]);
    assert.deepEqual(clients.currentSize, { cols: 100, rows: 30 });
  });

  test("only the most recently active terminal's answers reach the child", async () => {
    const { child, clients } = hub();
    const a = clients.join(sinkOf(), { cols: 100, rows: 30 });
    const b = await clients.attach(sinkOf(), { cols: 100, rows: 30 });
    a.input(Buffer.from('\x1b[?1;2c'));
    b.input(Buffer.from('\x1b[?62;22c'));
    assert.deepEqual(child.written, ['\x1b[?62;22c']);
    a.input(Buffer.from('typed\x1b[12;1R'));
    assert.deepEqual(child.written.slice(1), ['typed', '\x1b[12;1R']);
  });

  test('a question asked before a terminal attached is answered by the host, even if the model answers after', async () => {
    const { child, clients } = hub();
    child.emit('\x1b[c');
    // The model has not parsed it yet: it parses on a later turn.
    const attached = clients.attach(sinkOf(), { cols: 100, rows: 30 });
    await attached;
    await waitFor('the host to answer', () => child.written.length > 0);
    assert.deepEqual(child.written, ['\x1b[?1;2c']);
  });

  test('input from a client that is not a terminal (a pipe) is passed on as it is', () => {
    const { child, clients } = hub();
    const piped = clients.join(sinkOf(false), undefined);
    piped.input(Buffer.from('line\x1b[?1;2c\n'));
    assert.deepEqual(child.written, ['line\x1b[?1;2c\n']);
  });

  test('no client can attach once the session has ended', async () => {
    const { clients } = hub();
    await clients.end({ exitCode: 0, signal: undefined });
    await assert.rejects(clients.attach(sinkOf(), { cols: 80, rows: 24 }), /the session has ended/);
  });

  test('the host answers queries itself while no terminal is attached', async () => {
    const { child, clients } = hub();
    child.emit('\x1b[c');
    await waitFor('the host to answer', () => child.written.length > 0);
    assert.deepEqual(child.written, ['\x1b[?1;2c']);

    // Output going to a pipe, not a terminal: nobody else answers either.
    clients.join(sinkOf(false), undefined);
    child.emit('\x1b[5n');
    await waitFor('the host to answer again', () => child.written.length > 1);
    assert.equal(child.written[1], '\x1b[0n');

    const b = await clients.attach(sinkOf(), { cols: 100, rows: 30 });
    child.emit('\x1b[c');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(child.written.length, 2);
    await b.leave();
  });

  test('a slow start terminal pauses the PTY until it drains', async () => {
    const { child, clients } = hub();
    const slow = sinkOf();
    clients.join(slow, { cols: 100, rows: 30 });
    slow.accepting = false;
    child.emit('a lot');
    assert.equal(child.paused, 1);
    child.emit('more');
    assert.equal(child.paused, 1);
    slow.drain();
    assert.equal(child.paused, 0);
  });

  test('an attached client that falls behind never pauses the PTY: it is skipped, then redrawn when it drains', async () => {
    const { child, clients } = hub({ cols: 40, rows: 5 });
    const behind = sinkOf(true, true);
    await clients.attach(behind, { cols: 40, rows: 5 });
    behind.accepting = false;
    child.emit('first ');
    child.emit('x'.repeat(CLIENT_LAG_BYTES));
    const sent = behind.output.length;
    child.emit('skipped ');
    child.emit('\x1b[H\x1b[2Jlatest screen');
    assert.equal(child.paused, 0);
    assert.equal(behind.output.length, sent);

    behind.drain();
    await waitFor('the redraw', () => behind.output.length > sent);
    const redraw = behind.output.at(-1) ?? '';
    assert.ok(redraw.includes('\x1b[H\x1b[2J'));
    assert.ok(redraw.includes('latest screen'));
    assert.ok(!redraw.includes('skipped'));
    child.emit(' live');
    assert.equal(behind.output.at(-1), ' live');
  });

  test('when the session ends every client hears the exit and how to reset its terminal', async () => {
    const { child, clients } = hub();
    const a = sinkOf();
    const b = sinkOf();
    clients.join(a, { cols: 100, rows: 30 });
    await clients.attach(b, { cols: 100, rows: 30 });
    child.emit('\x1b[?1049h\x1b[?2004h');
    await clients.end({ exitCode: 3, signal: undefined });
    for (const sink of [a, b]) {
      assert.deepEqual(sink.endedWith?.exit, { exitCode: 3, signal: undefined });
      assert.ok(sink.endedWith?.reset.includes('\x1b[?1049l'));
      assert.ok(sink.endedWith?.reset.includes('\x1b[?2004l'));
    }
    assert.equal(clients.count, 0);
  });
});
