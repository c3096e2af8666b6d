// Typing into a session on someone's behalf (`csm send`, library writes):
// text, then named keys, then optionally Enter, each as its own write. The
// pauses matter to the program reading: an Escape followed at once by more
// bytes reads as Alt+key, and Claude Code takes an Enter that arrives in the
// same burst as pasted text as part of the paste, leaving the prompt unsent.
// So Enter waits until the program has taken the text: it answered with
// output (its echo or redraw) and then went quiet, or a time limit passed.
import { type KeyModes, keyBytes } from './keys.js';
import { type PasteModes, textWrites } from './paste.js';

export interface SendInput {
  readonly text?: string | undefined;
  readonly keys?: readonly string[] | undefined;
  readonly enter?: boolean | undefined;
}

export interface InputTarget {
  write(data: string): void;
  modes(): KeyModes & PasteModes;
  /** When the program last wrote output (ms), if known. */
  lastOutputAt(): number | undefined;
}

/** Between separate writes: longer than the escape timeout programs use to tell Escape from Alt+key. */
export const WRITE_GAP_MS = 50;
/** The program answered the text and then said nothing for this long: it has taken it. */
export const TAKEN_QUIET_MS = 100;
/** A program that never answers (no echo) gets Enter after this. */
export const TAKEN_MAX_MS = 1500;
const POLL_MS = 10;

export interface InputClock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Sends everything in order; resolves with the number of bytes written. */
export async function sendInput(target: InputTarget, input: SendInput, clock: InputClock): Promise<number> {
  const modes = target.modes();
  const writes = [...textWrites(input.text ?? '', modes), ...(input.keys ?? []).map((key) => keyBytes(key, modes))];
  let bytes = 0;
  let lastWriteAt: number | undefined;
  for (const data of writes) {
    if (lastWriteAt !== undefined) await clock.sleep(WRITE_GAP_MS);
    target.write(data);
    bytes += Buffer.byteLength(data);
    lastWriteAt = clock.now();
  }
  if (input.enter === true) {
    if (lastWriteAt !== undefined) await waitUntilTaken(target, lastWriteAt, clock);
    target.write('\r');
    bytes += 1;
  }
  return bytes;
}

async function waitUntilTaken(target: InputTarget, writtenAt: number, clock: InputClock): Promise<void> {
  await clock.sleep(WRITE_GAP_MS);
  for (;;) {
    const now = clock.now();
    const output = target.lastOutputAt();
    if (output !== undefined && output >= writtenAt && now - output >= TAKEN_QUIET_MS) return;
    if (now - writtenAt >= TAKEN_MAX_MS) return;
    await clock.sleep(POLL_MS);
  }
}
