import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import xterm from '@xterm/headless';
import { ScreenState } from '../../src/screen-state.js';

type Headless = InstanceType<typeof xterm.Terminal>;

function model(cols = 40, rows = 10): { state: ScreenState; replies: string[] } {
  const replies: string[] = [];
  const state = new ScreenState(cols, rows, (reply) => replies.push(reply));
  return { state, replies };
}

function write(terminal: Headless, data: string): Promise<void> {
  return new Promise((resolve) => terminal.write(data, resolve));
}

/** What a person sees: every visible line, and where the cursor is. */
function view(terminal: Headless): { lines: string[]; cursor: [number, number]; buffer: string } {
  const buffer = terminal.buffer.active;
  const lines: string[] = [];
  for (let y = 0; y < terminal.rows; y++) lines.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
  return { lines, cursor: [buffer.cursorX, buffer.cursorY], buffer: buffer.type };
}

/** Feeds `output` to the model and to a reference terminal, then replays the snapshot into a fresh terminal. */
async function roundTrip(output: string, cols = 40, rows = 10) {
  const { state } = model(cols, rows);
  const reference = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  const fresh = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  state.write(output);
  await write(reference, output);
  const snapshot = await state.snapshot();
  await write(fresh, snapshot);
  const reset = await state.resetSequence();
  state.dispose();
  return { reference, fresh, snapshot, reset };
}

describe('ScreenState', () => {
  test('a snapshot replayed into a fresh terminal shows the same screen and cursor', async () => {
    const output = `\x1b[31mred\x1b[0m line\r\n\x1b[1mbold\x1b[0m\r\n${'x'.repeat(55)}\r\nlast\x1b[3;5H`;
    const { reference, fresh } = await roundTrip(output);
    assert.deepEqual(view(fresh), view(reference));
    assert.equal(fresh.buffer.active.getLine(0)?.getCell(0)?.getFgColor(), 1);
  });

  test('history beyond the screen comes along into the scrollback', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\r\n');
    const { reference, fresh } = await roundTrip(lines);
    assert.deepEqual(view(fresh), view(reference));
    assert.equal(fresh.buffer.active.getLine(0)?.translateToString(true), 'line 0');
  });

  test('the alternate screen and the modes the child set are restored, and reset afterwards', async () => {
    const output = 'shell prompt\r\n\x1b[?1049h\x1b[Hfull screen\x1b[?25l\x1b[?2004h\x1b[?1000h\x1b[?1006h\x1b[?1004h\x1b[>1u\x1b[5 q';
    const { reference, fresh, snapshot, reset } = await roundTrip(output);
    assert.deepEqual(view(fresh), view(reference));
    assert.equal(fresh.buffer.active.type, 'alternate');
    assert.equal(fresh.modes.bracketedPasteMode, true);
    assert.equal(fresh.modes.mouseTrackingMode, 'vt200');
    assert.equal(fresh.modes.sendFocusMode, true);
    for (const mode of ['\x1b[?25l', '\x1b[?1006h', '\x1b[>1u', '\x1b[5 q']) assert.ok(snapshot.includes(mode), JSON.stringify(mode));

    await write(fresh, reset);
    assert.equal(fresh.buffer.active.type, 'normal');
    assert.equal(fresh.modes.bracketedPasteMode, false);
    assert.equal(fresh.modes.mouseTrackingMode, 'none');
    assert.equal(fresh.modes.sendFocusMode, false);
    for (const mode of ['\x1b[?25h', '\x1b[?1006l', '\x1b[<1u', '\x1b[0 q']) assert.ok(reset.includes(mode), JSON.stringify(mode));
  });

  test('a reset does not leave the alternate screen when it is not in use', async () => {
    const { reset } = await roundTrip('plain\x1b[?2004h');
    assert.ok(!reset.includes('\x1b[?1049l'));
    assert.ok(reset.includes('\x1b[?2004l'));
  });

  test('a scroll region is restored, with the cursor where it was', async () => {
    const output = 'top\x1b[3;8r\x1b[5;2Hmid';
    const { reference, fresh, snapshot } = await roundTrip(output);
    assert.ok(snapshot.includes('\x1b[3;8r'));
    assert.deepEqual(view(fresh), view(reference));
    // Scrolling inside the region behaves the same in both.
    await write(reference, '\x1b[8;1H\n\nafter');
    await write(fresh, '\x1b[8;1H\n\nafter');
    assert.deepEqual(view(fresh), view(reference));
  });

  test('a resize applies after the output written before it', async () => {
    const { state, replies } = model(20, 5);
    state.write('\x1b[18t');
    void state.resize(10, 4);
    state.write('\x1b[18t');
    await state.snapshot();
    assert.deepEqual(replies, ['\x1b[8;5;20t', '\x1b[8;4;10t']);
    state.dispose();
  });

  test('answers device attributes, cursor position, colours and size queries', async () => {
    const { state, replies } = model(40, 10);
    state.setColours({ background: 'rgb:1111/2222/3333' });
    state.write('ab\x1b[c\x1b[6n\x1b]11;?\x07\x1b[18t');
    await state.snapshot();
    assert.deepEqual(replies, ['\x1b[?1;2c', '\x1b[1;3R', '\x1b]11;rgb:1111/2222/3333\x1b\\', '\x1b[8;10;40t']);
    state.dispose();
  });
});
