// The detach key: a control key that, typed in an attached terminal, leaves
// the session instead of reaching it. It is found anywhere in a read (a fast
// typist or a paste can bring it together with other bytes) and in every
// encoding a terminal may use for it: the plain control byte, and, once the
// child has turned them on, the kitty keyboard protocol (CSI 92;5u for
// Ctrl-\) and xterm's modifyOtherKeys (CSI 27;5;92~).
import { UsageError } from './errors.js';

export interface DetachKey {
  /** How the user wrote it, for messages: "Ctrl-\". */
  readonly label: string;
  /** The control byte (0x00-0x1f). */
  readonly byte: number;
  /** The same key in extended keyboard encodings. */
  readonly sequences: readonly Buffer[];
}

export const DEFAULT_DETACH_KEY = 'ctrl-\\';

/**
 * Parses `ctrl-\`, `ctrl-a`, `C-]`, `^\` (case-insensitive), or `none`
 * (undefined: no detach key).
 */
export function parseDetachKey(spec: string): DetachKey | undefined {
  const text = spec.trim();
  if (text.toLowerCase() === 'none') return undefined;
  const match = /^(?:ctrl-|c-|\^)(.)$/i.exec(text);
  const char = match?.[1];
  if (char === undefined) {
    throw new UsageError(`--detach-key takes ctrl-<key> (e.g. ctrl-\\, ctrl-a, ^]) or none, not ${JSON.stringify(spec)}`);
  }
  const upper = char.toUpperCase().charCodeAt(0);
  // Ctrl maps @ A-Z [ \ ] ^ _ (0x40-0x5f) onto 0x00-0x1f; other keys have no control byte.
  if (upper < 0x40 || upper > 0x5f) {
    throw new UsageError(`--detach-key ${JSON.stringify(spec)} has no control code; use ctrl- with a letter or one of @ [ \\ ] ^ _`);
  }
  const byte = upper - 0x40;
  if (byte === 0x0d || byte === 0x09 || byte === 0x1b || byte === 0x08) {
    throw new UsageError(`--detach-key ${JSON.stringify(spec)} is the same byte as Enter, Tab, Escape or Backspace; choose another key`);
  }
  // Kitty and modifyOtherKeys report the unshifted key's code point: letters in lower case.
  const codepoint = char.toLowerCase().charCodeAt(0);
  return {
    label: `Ctrl-${char.length === 1 && /[a-z]/i.test(char) ? char.toUpperCase() : char}`,
    byte,
    sequences: [`\x1b[${codepoint};5u`, `\x1b[${codepoint};5:1u`, `\x1b[27;5;${codepoint}~`].map((s) => Buffer.from(s)),
  };
}

/** Where the detach key is in a read: the bytes before it go to the session, the rest is dropped. */
export function findDetachKey(key: DetachKey, data: Buffer): { index: number } | undefined {
  let best = data.indexOf(key.byte);
  for (const sequence of key.sequences) {
    const at = data.indexOf(sequence);
    if (at !== -1 && (best === -1 || at < best)) best = at;
  }
  return best === -1 ? undefined : { index: best };
}
