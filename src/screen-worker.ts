// The screen model's thread. Parsing output with xterm.js costs about as much
// CPU as reading it from the PTY, so it runs beside the host's main thread
// instead of on it: the main thread only copies each chunk over. Messages are
// handled in arrival order, which is stream order (see screen-model.ts).
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { ModelRequest, ModelResponse, WorkerStart } from './screen-model.js';
import { ScreenState } from './screen-state.js';

/**
 * When the CPU is short, passing output through matters more than keeping the
 * model current: it may fall behind (up to MODEL_BACKLOG_HIGH) and catch up
 * when output pauses. Linux keeps a nice value per thread.
 */
const MODEL_NICE = 10;

const port = parentPort;
if (port === null) throw new Error('the screen worker runs only as a worker thread');
if (process.platform === 'linux') {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isSafeInteger(tid) && tid > 0) setPriority(tid, MODEL_NICE);
  } catch {
    // No /proc or no permission: the model runs at the host's priority, which only costs throughput.
  }
}
const start = workerData as WorkerStart;
const post = (message: ModelResponse) => port.postMessage(message);
const state = new ScreenState(start.cols, start.rows, (reply, position) => post({ kind: 'reply', data: reply, position }));

port.on('message', (message: ModelRequest) => {
  switch (message.kind) {
    case 'data': {
      const bytes = message.data.byteLength;
      state.write(message.data, () => post({ kind: 'parsed', bytes }));
      return;
    }
    case 'resize':
      void state.resize(message.cols, message.rows);
      return;
    case 'colours':
      state.setColours(message.colours);
      return;
    case 'snapshot':
      void state.snapshot(message.scrollback).then((value) => post({ kind: 'result', id: message.id, value }));
      return;
    case 'reset':
      void state.resetSequence().then((value) => post({ kind: 'result', id: message.id, value }));
      return;
  }
});
