// Telling a terminal's answers from what a person typed. When the child asks
// the terminal something (device attributes, cursor position, colours),
// every attached terminal answers on its input; only one answer may reach
// the child, so the host must recognise answers in each client's input.
// Answers have shapes no key produces (CSI ? … c, OSC, DCS, …), with one
// known ambiguity: a cursor position report (CSI row;col R) looks like
// Shift/Ctrl+F3 in some terminals, and is taken to be the report.
import type { ReportedColours } from './screen-state.js';

export type InputKind =
  /** Keys, pastes, mouse: the person at that terminal did something. */
  | 'user'
  /** The terminal answering a query. */
  | 'answer'
  /** Focus reports (CSI I / CSI O), sent when the child enabled them. */
  | 'focus-in'
  | 'focus-out';

export interface InputPart {
  readonly kind: InputKind;
  readonly bytes: Buffer;
  /** Set for answers to colour queries (OSC 10/11/12). */
  readonly colours?: Partial<ReportedColours>;
}

const ESC = 0x1b;
const BEL = 0x07;

/** Keystrokes come one read each: short enough to look at byte by byte, sooner than Buffer.includes gets to its search. */
const SHORT_INPUT = 16;

/** True when `data` holds no escape, so all of it was typed (splitInput would return it whole); most keystrokes. */
function isPlainInput(data: Buffer): boolean {
  if (data.length > SHORT_INPUT) return !data.includes(ESC);
  for (let i = 0; i < data.length; i++) if (data[i] === ESC) return false;
  return true;
}

/** Splits one read from a client's terminal into what was typed and what was answered, in order. */
export function splitInput(data: Buffer): InputPart[] {
  if (isPlainInput(data)) return [{ kind: 'user', bytes: data }];
  const parts: InputPart[] = [];
  let userStart = 0;
  let i = data.indexOf(ESC);
  while (i !== -1 && i < data.length) {
    const sequence = classify(data, i);
    if (sequence === undefined || sequence.kind === 'user') {
      i = data.indexOf(ESC, sequence === undefined ? i + 1 : sequence.end);
      continue;
    }
    if (i > userStart) parts.push({ kind: 'user', bytes: data.subarray(userStart, i) });
    parts.push({ kind: sequence.kind, bytes: data.subarray(i, sequence.end), ...(sequence.colours ? { colours: sequence.colours } : {}) });
    userStart = sequence.end;
    i = data.indexOf(ESC, userStart);
  }
  if (userStart < data.length) parts.push({ kind: 'user', bytes: data.subarray(userStart) });
  return parts;
}

interface Sequence {
  readonly kind: InputKind;
  readonly end: number;
  readonly colours?: Partial<ReportedColours>;
}

/** The escape sequence starting at `start`, or undefined if it is incomplete or not one. */
function classify(data: Buffer, start: number): Sequence | undefined {
  const introducer = data[start + 1];
  if (introducer === 0x5b) return classifyCsi(data, start);
  // OSC, DCS, APC, PM: terminals send these only as answers.
  if (introducer === 0x5d || introducer === 0x50 || introducer === 0x5f || introducer === 0x5e) {
    const end = stringEnd(data, start + 2);
    if (end === undefined) return undefined;
    const colours = introducer === 0x5d ? colourAnswer(data.subarray(start + 2, end).toString('latin1')) : undefined;
    return { kind: 'answer', end, ...(colours ? { colours } : {}) };
  }
  return undefined;
}

function classifyCsi(data: Buffer, start: number): Sequence | undefined {
  let i = start + 2;
  while (i < data.length && (data[i] ?? 0) >= 0x30 && (data[i] ?? 0) <= 0x3f) i++;
  const paramsEnd = i;
  while (i < data.length && (data[i] ?? 0) >= 0x20 && (data[i] ?? 0) <= 0x2f) i++;
  const final = data[i];
  if (final === undefined || final < 0x40 || final > 0x7e) return undefined;
  const params = data.subarray(start + 2, paramsEnd).toString('latin1');
  const intermediates = data.subarray(paramsEnd, i).toString('latin1');
  const end = i + 1;
  // X10 mouse: CSI M and three raw bytes, which may look like anything.
  if (final === 0x4d && params === '') return { kind: 'user', end: Math.min(end + 3, data.length) };
  const kind = csiKind(String.fromCharCode(final), params, intermediates);
  return { kind, end };
}

function csiKind(final: string, params: string, intermediates: string): InputKind {
  if (intermediates === '' && params === '' && final === 'I') return 'focus-in';
  if (intermediates === '' && params === '' && final === 'O') return 'focus-out';
  if (final === 'R' && /^\??\d+;\d+$/.test(params)) return 'answer'; // cursor position
  if (final === 'c' && /^[?>=]/.test(params)) return 'answer'; // device attributes
  if (final === 'n') return 'answer'; // device status
  if (final === 'y' && intermediates === '$') return 'answer'; // DECRPM mode report
  if (final === 'u' && params.startsWith('?')) return 'answer'; // kitty keyboard flags
  if (final === 't') return 'answer'; // window size reports
  return 'user';
}

/** End (exclusive) of an OSC/DCS string terminated by BEL or ST (ESC \). */
function stringEnd(data: Buffer, from: number): number | undefined {
  for (let i = from; i < data.length; i++) {
    if (data[i] === BEL) return i + 1;
    if (data[i] === ESC) return data[i + 1] === 0x5c ? i + 2 : undefined;
  }
  return undefined;
}

function colourAnswer(body: string): Partial<ReportedColours> | undefined {
  const match = /^(10|11|12);(rgba?:[0-9a-fA-F/]+)/.exec(body);
  if (match === null) return undefined;
  const key = match[1] === '10' ? 'foreground' : match[1] === '11' ? 'background' : 'cursor';
  return { [key]: match[2] };
}
