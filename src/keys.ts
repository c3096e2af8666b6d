// Named keys for `csm send --keys`: the exact bytes a terminal sends for each.
// Arrow, Home and End keys depend on the application's cursor-key mode
// (DECCKM, CSI ?1h): xterm sends SS3 sequences (ESC O A) while it is set and
// CSI sequences (ESC [ A) otherwise, and full-screen programs that set it
// may not recognise the other form.
import { UsageError } from './errors.js';

export interface KeyModes {
  /** DECCKM: the application asked for application cursor keys. */
  readonly applicationCursor: boolean;
}

/** Canonical name -> [normal mode, application cursor mode]. */
const KEYS: Readonly<Record<string, readonly [string, string]>> = {
  Enter: ['\r', '\r'],
  Escape: ['\x1b', '\x1b'],
  Tab: ['\t', '\t'],
  // What xterm and most terminals send for the Backspace key (DEL, not BS).
  Backspace: ['\x7f', '\x7f'],
  Up: ['\x1b[A', '\x1bOA'],
  Down: ['\x1b[B', '\x1bOB'],
  Left: ['\x1b[D', '\x1bOD'],
  Right: ['\x1b[C', '\x1bOC'],
  'Shift-Tab': ['\x1b[Z', '\x1b[Z'],
  Delete: ['\x1b[3~', '\x1b[3~'],
  Space: [' ', ' '],
  Home: ['\x1b[H', '\x1bOH'],
  End: ['\x1b[F', '\x1bOF'],
  PageUp: ['\x1b[5~', '\x1b[5~'],
  PageDown: ['\x1b[6~', '\x1b[6~'],
};

const ALIASES: Readonly<Record<string, string>> = {
  return: 'Enter',
  esc: 'Escape',
  backtab: 'Shift-Tab',
  del: 'Delete',
  pgup: 'PageUp',
  pgdn: 'PageDown',
};

const CTRL = /^(?:ctrl|control|c)[-+]([a-z])$/i;

/** The names `--keys` accepts, for help and error messages. */
export const KEY_NAMES: readonly string[] = [...Object.keys(KEYS), 'Ctrl-<letter> (Ctrl-C, Ctrl-D, ...)'];

/** Canonical spelling of a key name ("ctrl+c" -> "Ctrl-C"), or a UsageError. */
export function parseKeyName(name: string): string {
  const ctrl = CTRL.exec(name.trim());
  if (ctrl !== null) return `Ctrl-${(ctrl[1] ?? '').toUpperCase()}`;
  const lower = name.trim().toLowerCase();
  const alias = ALIASES[lower];
  if (alias !== undefined) return alias;
  for (const key of Object.keys(KEYS)) if (key.toLowerCase() === lower) return key;
  throw new UsageError(`unknown key ${JSON.stringify(name)}; known keys: ${KEY_NAMES.join(', ')}`);
}

/** The bytes the key sends, given the application's current modes. */
export function keyBytes(name: string, modes: KeyModes): string {
  const canonical = parseKeyName(name);
  const ctrl = /^Ctrl-([A-Z])$/.exec(canonical);
  if (ctrl !== null) return String.fromCharCode((ctrl[1] ?? 'A').charCodeAt(0) - 64);
  const bytes = KEYS[canonical];
  if (bytes === undefined) throw new UsageError(`unknown key ${JSON.stringify(name)}`);
  return modes.applicationCursor ? bytes[1] : bytes[0];
}
