// Typing text into a session. Multi-line text is one bracketed paste when the
// application enabled bracketed-paste mode (CSI ?2004h): it then takes the
// newlines as part of the text instead of as Enter. Otherwise each line is
// typed and ended with Enter, as a person would.

export interface PasteModes {
  /** The application enabled bracketed paste (mode 2004). */
  readonly bracketedPaste: boolean;
}

export const PASTE_START = '\x1b[200~';
export const PASTE_END = '\x1b[201~';

/** The writes that type `text`, in order; empty text needs none. */
export function textWrites(text: string, modes: PasteModes): string[] {
  const normalized = text.replace(/\r\n?/g, '\n');
  if (normalized === '') return [];
  if (!normalized.includes('\n')) return [normalized];
  if (modes.bracketedPaste) {
    // Terminals send newlines in a paste as CR, and drop an end marker inside
    // the text so that pasted text can never end the paste early.
    const body = normalized.split(PASTE_END).join('').replace(/\n/g, '\r');
    return [`${PASTE_START}${body}${PASTE_END}`];
  }
  const lines = normalized.split('\n');
  const last = lines.pop() ?? '';
  const writes = lines.map((line) => `${line}\r`);
  if (last !== '') writes.push(last);
  return writes;
}
