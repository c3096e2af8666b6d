import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionExit } from '../../src/control-protocol.js';
import { InlineScreenModel } from '../../src/inline-screen-model.js';
import type { SessionProcess } from '../../src/pty.js';
import type { ScreenModel } from '../../src/screen-model.js';
import {
  CLIENT_LAG_BYTES,
  type ClientSink,
  REDRAW_MAX_WAIT_MS,
  REDRAW_QUIET_MS,
  SessionClients,
  type TerminalSize,
} from '../../src/session-clients.js';
import type { ObservedOutput, RecordedOutput } from '../../src/session-screen.js';
import { TerminalScanner } from '../../src/terminal-scanner.js';
import { waitFor } from './support.js';

/** A PTY child that only records what the host does to it. */
class FakeChild implements SessionProcess {
  readonly pid = 4242;
  readonly tty = undefined;
  readonly exited = new Promise<SessionExit>(() => undefined);
  readonly written: string[] = [];
  readonly resizes: [number, number][] = [];
  paused = 0;
  /** What the host's output history records, as the session observer would. */
  history: MemoryHistory | undefined;
  private readonly listeners: ((data: Buffer) => void)[] = [];

  onData(listener: (data: Buffer) => void): void {
    this.listeners.push(listener);
  }
  emit(text: string): void {
    const data = Buffer.from(text);
    this.history?.append(data);
    for (const listener of this.listeners) listener(data);
  }
  write(data: Buffer | string): void {
    this.written.push(data.toString());
  }
  resize(cols: number, rows: number): void {
    this.resizes.push([cols, rows]);
    this.history?.sizes.push({ offset: this.history.end, cols, rows });
  }
  pause(): void {
    this.paused += 1;
  }
  resume(): void {
    this.paused -= 1;
  }
  dispose(): void {}
}

/** An output history kept in memory, optionally keeping only the last `keep` bytes (as a rotated log does). */
class MemoryHistory implements ObservedOutput {
  readonly sizes: { offset: number; cols: number; rows: number }[];
  private bytes = Buffer.alloc(0);
  end = 0;
  lost = false;
  private readonly lostListeners: (() => void)[] = [];
  private readonly queryListeners: (() => void)[] = [];
  private readonly scanner = new TerminalScanner({
    notification: () => undefined,
    title: () => undefined,
    mode: () => undefined,
    reset: () => undefined,
    query: () => {
      for (const listener of this.queryListeners) listener();
    },
  });

  constructor(
    size: TerminalSize,
    private readonly keep = Number.POSITIVE_INFINITY,
  ) {
    this.sizes = [{ offset: 0, ...size }];
  }
  append(data: Buffer): void {
    this.scanner.scan(data);
    this.bytes = Buffer.concat([this.bytes, data]);
    this.end += data.length;
    if (this.bytes.length > this.keep) this.bytes = this.bytes.subarray(this.bytes.length - this.keep);
  }
  recorded(): RecordedOutput | undefined {
    if (this.lost) return undefined;
    return { start: this.end - this.bytes.length, bytes: [this.bytes], sizes: this.sizes };
  }
  onLost(listener: () => void): void {
    this.lostListeners.push(listener);
  }
  onQuery(listener: () => void): void {
    this.queryListeners.push(listener);
  }
  lose(): void {
    this.lost = true;
    for (const listener of this.lostListeners) listener();
  }
}

class FakeSink implements ClientSink {
  readonly output: string[] = [];
  accepting = true;
  pending = 0;
  endedWith: { exit: SessionExit; reset: string } | undefined;
  readonly wantsReset = true;
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

/** Models made by a session's clients, so tests can see when one runs. */
function modelCounter() {
  const made: InlineScreenModel[] = [];
  const closed = new Set<InlineScreenModel>();
  const create = (cols: number, rows: number): ScreenModel => {
    const model = new InlineScreenModel(cols, rows);
    made.push(model);
    const close = model.close.bind(model);
    model.close = () => {
      closed.add(model);
      close();
    };
    return model;
  };
  return { create, made, open: () => made.filter((m) => !closed.has(m)).length };
}

/** A session without output history: its model runs all the time. */
function hub(size: TerminalSize = { cols: 100, rows: 30 }) {
  const child = new FakeChild();
  const models = modelCounter();
  const clients = new SessionClients(child, models.create, size);
  return { child, models, clients };
}

/** A session with output history: a model runs only while no terminal is attached. */
function recordedHub(size: TerminalSize = { cols: 100, rows: 30 }, keep = Number.POSITIVE_INFINITY) {
  const child = new FakeChild();
  const history = new MemoryHistory(size, keep);
  child.history = history;
  const models = modelCounter();
  const clients = new SessionClients(child, models.create, size, history);
  return { child, models, clients, history };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

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

  /** An attached client that fell more than CLIENT_LAG_BYTES behind, was skipped, and has just taken all it had. */
  async function caughtUpAfterSkipping() {
    const { child, clients } = hub({ cols: 40, rows: 5 });
    const behind = sinkOf(true, true);
    await clients.attach(behind, { cols: 40, rows: 5 });
    behind.accepting = false;
    child.emit('x'.repeat(CLIENT_LAG_BYTES + 1));
    const sent = behind.output.length;
    behind.drain();
    return { child, behind, sent };
  }

  /** One chunk of a flood: output every few milliseconds, far more often than a quiet window. */
  async function floodChunk(child: FakeChild, n: number): Promise<void> {
    child.emit(`flood ${n} `);
    await new Promise((resolve) => setTimeout(resolve, REDRAW_QUIET_MS / 5));
  }

  test('a skipped client that caught up is redrawn once the output pauses, not while it floods', async () => {
    const { child, behind, sent } = await caughtUpAfterSkipping();
    // Output keeps coming, a chunk every few milliseconds, for several quiet windows: no redraw yet.
    const floodUntil = Date.now() + REDRAW_QUIET_MS * 6;
    for (let n = 0; Date.now() < floodUntil; n++) await floodChunk(child, n);
    assert.equal(behind.output.length, sent, 'not redrawn while the output floods');
    child.emit('\x1b[H\x1b[2Jafter the flood');
    await waitFor('the redraw', () => behind.output.length > sent);
    assert.ok(behind.output.at(-1)?.includes('after the flood'));
  });

  test('under a flood that never pauses, a caught-up client is still redrawn now and then', async () => {
    const { child, behind, sent } = await caughtUpAfterSkipping();
    const started = Date.now();
    const deadline = started + REDRAW_MAX_WAIT_MS * 5;
    for (let n = 0; behind.output.length === sent && Date.now() < deadline; n++) await floodChunk(child, n);
    assert.ok(behind.output.length > sent, 'redrawn during the flood');
    assert.ok(Date.now() - started >= REDRAW_MAX_WAIT_MS - REDRAW_QUIET_MS, 'not before the longest wait');
    assert.ok(behind.output.at(-1)?.includes('flood'));
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

describe('SessionClients with output history: the screen model runs only when needed', () => {
  test('with the start terminal attached no model runs; an attaching terminal gets the screen rebuilt from the history', async () => {
    const { child, clients, models } = recordedHub({ cols: 40, rows: 5 });
    const start = sinkOf();
    clients.join(start, { cols: 40, rows: 5 });
    clients.noteLocalOutput('csm: session 1234\r\n');
    child.emit('\x1b[?2004hfirst line\r\nsecond');
    await nextTurn();
    assert.equal(models.made.length, 0);
    assert.equal(clients.modelRunning, false);

    const attached = sinkOf(true, true);
    const attaching = clients.attach(attached, { cols: 40, rows: 5 });
    child.emit(' live');
    const client = await attaching;
    const screen = attached.output[0] ?? '';
    assert.ok(screen.includes('csm: session 1234'), 'the id line the start terminal shows');
    assert.ok(screen.includes('first line') && screen.includes('second'));
    assert.ok(!screen.includes('live'));
    assert.ok(screen.includes('\x1b[?2004h'), 'the modes the child set');
    assert.equal(attached.output[1], ' live');
    // The model built for the snapshot is gone again.
    assert.equal(models.open(), 0);
    assert.equal(clients.modelRunning, false);

    const reset = await client.leave();
    assert.ok(reset.includes('\x1b[?2004l'));
    assert.equal(models.open(), 0);
  });

  test('the rebuilt screen is the one a model that ran all along shows, sizes and all', async () => {
    const script = (child: FakeChild, clients: SessionClients) => {
      clients.noteLocalOutput('id line\r\n');
      child.emit('\x1b[31mred\x1b[0m and a long line that wraps at forty columns for sure\r\n');
      child.resize(30, 6);
      child.emit('\x1b[2J\x1b[Hredrawn at 30x6\r\n\x1b[?25l\x1b[3;4H');
    };
    const recorded = recordedHub({ cols: 40, rows: 5 });
    recorded.clients.join(sinkOf(), { cols: 40, rows: 5 });
    const always = hub({ cols: 40, rows: 5 });
    always.clients.join(sinkOf(), { cols: 40, rows: 5 });
    script(recorded.child, recorded.clients);
    script(always.child, always.clients);
    const [a, b] = [sinkOf(true, true), sinkOf(true, true)];
    await recorded.clients.attach(a, { cols: 30, rows: 6 });
    await always.clients.attach(b, { cols: 30, rows: 6 });
    assert.equal(a.output[0], b.output[0]);
    assert.ok(a.output[0]?.includes('redrawn at 30x6'));
  });

  test('without a terminal a live model answers queries from the first one; attaching stops it, the next question after the last terminal left starts it again', async () => {
    const { child, clients, models } = recordedHub();
    child.emit('output that asks nothing');
    await nextTurn();
    assert.equal(clients.modelRunning, false);
    child.emit('\x1b[c');
    await waitFor('the host to answer', () => child.written.length > 0);
    assert.deepEqual(child.written, ['\x1b[?1;2c']);

    const b = await clients.attach(sinkOf(true, true), { cols: 100, rows: 30 });
    assert.equal(clients.modelRunning, false);
    await waitFor('the live model to close', () => models.open() === 0);
    child.emit('\x1b[5n');
    await b.leave();
    assert.equal(clients.modelRunning, false);
    // The new model was seeded with both questions: the first was answered
    // already and the attached terminal saw the second, so it answers neither.
    child.emit('\x1b[c');
    await waitFor('the host to answer the new question', () => child.written.length > 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(child.written, ['\x1b[?1;2c', '\x1b[?1;2c']);
    await clients.end({ exitCode: 0, signal: undefined });
    await waitFor('every model to close', () => models.open() === 0);
  });

  test('a question asked before the host decided who answers is still answered, once', async () => {
    const { child, clients } = recordedHub();
    child.emit('\x1b[c');
    await waitFor('the host to answer', () => child.written.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(child.written, ['\x1b[?1;2c']);
    await clients.end({ exitCode: 0, signal: undefined });
  });

  test('a history cut at its cap rebuilds what it still holds, at the size it was written for', async () => {
    const { child, clients } = recordedHub({ cols: 20, rows: 4 }, 64);
    clients.join(sinkOf(), { cols: 20, rows: 4 });
    clients.noteLocalOutput('id line gone\r\n');
    child.emit('x'.repeat(500));
    child.emit('\x1b[2J\x1b[Hkept');
    const attached = sinkOf(true, true);
    await clients.attach(attached, { cols: 20, rows: 4 });
    assert.ok(attached.output[0]?.includes('kept'));
    assert.ok(!attached.output[0]?.includes('id line gone'));
  });

  test('when the history is lost a live model runs from then on', async () => {
    const { child, clients, history } = recordedHub();
    clients.join(sinkOf(), { cols: 100, rows: 30 });
    await nextTurn();
    assert.equal(clients.modelRunning, false);
    history.lose();
    assert.equal(clients.modelRunning, true);
    child.emit('after the loss');
    const attached = sinkOf(true, true);
    await clients.attach(attached, { cols: 100, rows: 30 });
    assert.ok(attached.output[0]?.includes('after the loss'));
    assert.equal(clients.modelRunning, true);
    await clients.end({ exitCode: 0, signal: undefined });
  });
});
