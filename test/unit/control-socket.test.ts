import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { request } from '../../src/control-client.js';
import { type ControlReply, MAX_LINE_BYTES, PROTOCOL_VERSION } from '../../src/control-protocol.js';
import { ControlServer, type RequestHandler } from '../../src/control-server.js';
import { tempDir, waitFor } from './support.js';

/** Generous bounds for a healthy server: these tests are about replies, not time. */
const BOUNDS = { firstReplyMs: 2000, totalMs: 4000 };
const pong: ControlReply = { ok: true, event: 'pong', id: 'x', pid: 1234, hostPid: 5678 };
const answerPings: RequestHandler = (req, reply) => {
  if (req.op === 'ping') reply(pong);
  else reply({ ok: false, error: 'no stopping in this test' });
};

async function listen(t: TestContext, handler: RequestHandler = answerPings): Promise<ControlServer> {
  const server = await ControlServer.listen(join(tempDir(t, 's-'), 'c.sock'), handler);
  t.after(() => server.close());
  return server;
}

/** A raw client that records every line the server sends and whether it closed the connection. */
function rawClient(path: string): Promise<{ socket: Socket; lines: string[]; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    let buffer = '';
    let closed = false;
    const socket = connect(path);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      lines.push(...parts);
    });
    socket.on('close', () => {
      closed = true;
    });
    socket.on('error', () => {
      // The server may reset a client it drops; `closed` records the outcome.
    });
    socket.once('connect', () => resolve({ socket, lines, closed: () => closed }));
    socket.once('error', reject);
  });
}

describe('ControlServer with control-client request', () => {
  test('answers a ping with a pong', async (t) => {
    const server = await listen(t);
    const outcome = await request(server.socketPath, { v: PROTOCOL_VERSION, op: 'ping' }, BOUNDS, () => true);
    assert.deepEqual(outcome, { kind: 'replies', replies: [pong] });
  });

  test('passes a valid stop request to the handler and streams its replies until the final one', async (t) => {
    const seen: unknown[] = [];
    const server = await listen(t, (req, reply) => {
      seen.push(req);
      reply({ ok: true, event: 'stopping' });
      setTimeout(() => reply({ ok: true, event: 'stopped', exit: { exitCode: 0, signal: undefined }, escalatedTo: 'SIGHUP' }), 20);
    });
    const outcome = await request(server.socketPath, { v: 1, op: 'stop', timeoutMs: 750 }, BOUNDS, (r) => r.ok && r.event === 'stopped');
    assert.deepEqual(seen, [{ v: 1, op: 'stop', timeoutMs: 750 }]);
    assert.equal(outcome.kind, 'replies');
    assert.deepEqual(outcome.kind === 'replies' ? outcome.replies : [], [
      { ok: true, event: 'stopping' },
      { ok: true, event: 'stopped', exit: { exitCode: 0 }, escalatedTo: 'SIGHUP' },
    ]);
  });

  test('creates the socket with mode 0600', async (t) => {
    const server = await listen(t);
    const stat = statSync(server.socketPath);
    assert.ok(stat.isSocket());
    assert.equal(stat.mode & 0o777, 0o600);
  });

  test('answers malformed JSON with an error and keeps serving the same connection', async (t) => {
    const server = await listen(t);
    const client = await rawClient(server.socketPath);
    t.after(() => client.socket.destroy());
    client.socket.write('this is not json\n{"v":9,"op":"ping"}\n');
    await waitFor('two error replies', () => client.lines.length >= 2);
    assert.deepEqual(
      client.lines.map((line) => JSON.parse(line)),
      [
        { ok: false, error: 'request is not valid JSON' },
        { ok: false, error: 'unsupported protocol version 9; expected 1' },
      ],
    );
    client.socket.write('{"v":1,"op":"ping"}\n');
    await waitFor('the pong', () => client.lines.length >= 3);
    assert.deepEqual(JSON.parse(client.lines[2] ?? ''), pong);
    assert.equal(client.closed(), false);
    // And other clients are still served.
    assert.deepEqual(await request(server.socketPath, { v: 1, op: 'ping' }, BOUNDS, () => true), { kind: 'replies', replies: [pong] });
  });

  test('answers a line over the limit with an error and disconnects that client only', async (t) => {
    let handled = 0;
    const server = await listen(t, (req, reply) => {
      handled += 1;
      answerPings(req, reply);
    });
    const client = await rawClient(server.socketPath);
    t.after(() => client.socket.destroy());
    client.socket.write('x'.repeat(MAX_LINE_BYTES + 1));
    await waitFor('the server to close the connection', () => client.closed());
    assert.deepEqual(
      client.lines.map((line) => JSON.parse(line)),
      [{ ok: false, error: `request longer than ${MAX_LINE_BYTES} bytes` }],
    );
    assert.equal(handled, 0);
    assert.deepEqual(await request(server.socketPath, { v: 1, op: 'ping' }, BOUNDS, () => true), { kind: 'replies', replies: [pong] });
  });

  test('stops reading from a client that does not read its replies, and serves it again once it does', async (t) => {
    let handled = 0;
    const server = await listen(t, (req, reply) => {
      handled += 1;
      answerPings(req, reply);
    });
    const socket = connect(server.socketPath);
    t.after(() => socket.destroy());
    socket.pause(); // reads nothing
    const total = 200_000;
    socket.write('{"v":1,"op":"ping"}\n'.repeat(total));
    // Well below the total, the server stops taking requests: its unsent replies stay bounded.
    let stalledAt = -1;
    await waitFor('the server to stop reading', () => {
      const stalled = handled > 0 && handled === stalledAt;
      stalledAt = handled;
      return stalled;
    });
    assert.ok(handled < total / 2, `handled ${handled} of ${total} requests without anyone reading a reply`);
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 0x0a) received += 1;
    });
    socket.resume();
    await waitFor('every reply', () => received === total, 10_000);
    assert.equal(handled, total);
  });

  test('close() removes the socket file and refuses new clients', async (t) => {
    const server = await listen(t);
    server.close();
    assert.equal(existsSync(server.socketPath), false);
    const outcome = await request(server.socketPath, { v: 1, op: 'ping' }, BOUNDS, () => true);
    assert.deepEqual(outcome, { kind: 'unreachable', code: 'ENOENT' });
    server.close(); // a second close is harmless
  });

  test('listening on a path whose directory is missing is a StateDirError', async (t) => {
    const path = join(tempDir(t, 's-'), 'missing', 'c.sock');
    await assert.rejects(ControlServer.listen(path, answerPings), {
      name: 'StateDirError',
      // Node reports bind()'s ENOENT for a Unix socket as EACCES, hence no exact reason here.
      message: new RegExp(`^cannot create control socket ${path}: `),
    });
  });
});

describe('control-client request', () => {
  test("is 'unreachable' with ENOENT when no socket exists", async (t) => {
    const path = join(tempDir(t, 's-'), 'none.sock');
    assert.deepEqual(await request(path, { v: 1, op: 'ping' }, BOUNDS, () => true), { kind: 'unreachable', code: 'ENOENT' });
  });

  test("is 'timeout' after firstReplyMs when the host accepts but never answers", async (t) => {
    const path = join(tempDir(t, 's-'), 'mute.sock');
    const accepted: Socket[] = [];
    const mute = createServer((socket) => {
      accepted.push(socket);
    });
    await new Promise<void>((resolve) => mute.listen(path, resolve));
    t.after(() => {
      for (const socket of accepted) socket.destroy();
      mute.close();
    });
    const started = Date.now();
    const outcome = await request(path, { v: 1, op: 'ping' }, { firstReplyMs: 300, totalMs: 10_000 }, () => true);
    const took = Date.now() - started;
    assert.deepEqual(outcome, { kind: 'timeout', replies: [] });
    assert.ok(took >= 290 && took < 1500, `gave up after ${took} ms`);
    assert.equal(accepted.length, 1, 'it did connect');
  });

  test("is 'timeout' after totalMs, keeping the replies so far, when the final reply never comes", async (t) => {
    const server = await listen(t, (_req, reply) => reply({ ok: true, event: 'stopping' }));
    const started = Date.now();
    const outcome = await request(
      server.socketPath,
      { v: 1, op: 'stop', timeoutMs: 0 },
      { firstReplyMs: 100, totalMs: 400 },
      (r) => r.ok && r.event === 'stopped',
    );
    const took = Date.now() - started;
    assert.deepEqual(outcome, { kind: 'timeout', replies: [{ ok: true, event: 'stopping' }] });
    assert.ok(took >= 390 && took < 2000, `the first reply lifted the shorter bound; gave up after ${took} ms`);
  });

  test('returns the replies so far when the host closes the connection before the final one', async (t) => {
    const path = join(tempDir(t, 's-'), 'quit.sock');
    const quitter = createServer((socket) => {
      socket.end(`${JSON.stringify({ ok: true, event: 'stopping' })}\n`);
    });
    await new Promise<void>((resolve) => quitter.listen(path, resolve));
    t.after(() => quitter.close());
    const outcome = await request(path, { v: 1, op: 'stop', timeoutMs: 0 }, BOUNDS, (r) => r.ok && r.event === 'stopped');
    assert.deepEqual(outcome, { kind: 'replies', replies: [{ ok: true, event: 'stopping' }] });
  });

  test('ignores a garbled line from the host and keeps reading', async (t) => {
    const path = join(tempDir(t, 's-'), 'garble.sock');
    const broken = createServer((socket) => {
      socket.end(`not json\n${JSON.stringify(pong)}\n`);
    });
    await new Promise<void>((resolve) => broken.listen(path, resolve));
    t.after(() => broken.close());
    assert.deepEqual(await request(path, { v: 1, op: 'ping' }, BOUNDS, () => true), { kind: 'replies', replies: [pong] });
  });
});
