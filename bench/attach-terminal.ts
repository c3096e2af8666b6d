// One outer terminal for bench/attach.ts, in a process of its own as a real
// terminal emulator is: it runs csm in a PTY, reads everything as cheaply as
// it can (raw Buffers; only the bytes around a chunk boundary are copied),
// and tells its parent when a marker arrives or how long an echo took.
// Started by attach.ts with the csm arguments; talks over the IPC channel.
import * as pty from 'node-pty';

export type TerminalRequest =
  | { readonly kind: 'write'; readonly data: string }
  | { readonly kind: 'wait'; readonly id: number; readonly marker: string }
  | { readonly kind: 'echo'; readonly id: number; readonly char: string }
  | { readonly kind: 'close' };
export type TerminalReport =
  | { readonly kind: 'spawned'; readonly pid: number }
  | { readonly kind: 'seen'; readonly id: number }
  | { readonly kind: 'echoed'; readonly id: number; readonly ms: number };

/** Longer than any marker the bench waits for. */
const MARK_BYTES = 64;

const [file, cwd, cols, rows, ...args] = process.argv.slice(2);
const send = (report: TerminalReport) => process.send?.(report);
const terminal = pty.spawn(file ?? '', args, {
  name: 'xterm-256color',
  cols: Number(cols),
  rows: Number(rows),
  cwd,
  env: process.env as Record<string, string>,
  encoding: null,
});
send({ kind: 'spawned', pid: terminal.pid });

let tail: Buffer = Buffer.alloc(0);
let waiters: { id: number; marker: Buffer; started: number | undefined }[] = [];

terminal.onData((received) => {
  // Typed as string by node-pty, a Buffer with encoding: null.
  const data = received as unknown as Buffer;
  if (waiters.length === 0) return;
  const boundary = Buffer.concat([tail, data.subarray(0, MARK_BYTES)]);
  tail = Buffer.from(data.subarray(Math.max(0, data.length - MARK_BYTES)));
  waiters = waiters.filter((waiter) => {
    if (data.indexOf(waiter.marker) === -1 && boundary.indexOf(waiter.marker) === -1) return true;
    if (waiter.started === undefined) send({ kind: 'seen', id: waiter.id });
    else send({ kind: 'echoed', id: waiter.id, ms: performance.now() - waiter.started });
    return false;
  });
});

process.on('message', (request: TerminalRequest) => {
  if (request.kind === 'write') {
    terminal.write(request.data);
  } else if (request.kind === 'wait') {
    tail = Buffer.alloc(0);
    waiters.push({ id: request.id, marker: Buffer.from(request.marker), started: undefined });
  } else if (request.kind === 'echo') {
    tail = Buffer.alloc(0);
    waiters.push({ id: request.id, marker: Buffer.from(request.char), started: performance.now() });
    terminal.write(request.char);
  } else {
    terminal.kill('SIGKILL');
    process.exit(0);
  }
});
process.on('disconnect', () => {
  terminal.kill('SIGKILL');
  process.exit(0);
});
