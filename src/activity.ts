// What a session is doing, seen from outside, treating the program in it as a
// black box: when it last wrote output, when someone last typed, whether it
// asked for attention (bell or desktop notification) since that keystroke,
// the title it set, and the input modes it enabled. The host feeds it every
// chunk of output and input; it only keeps timestamps and flags, so status is
// computed when someone asks, never by a timer.
import { type NotificationKind, type ScanSink, TerminalScanner } from './terminal-scanner.js';

/** An attention request the program made since the last input. */
export interface Attention {
  readonly kind: NotificationKind;
  /** RFC 3339. */
  readonly at: string;
  /** The notification's text; empty for a bell. */
  readonly text: string;
}

/** Everything a status needs, as plain JSON (it crosses the control socket). */
export interface ActivitySnapshot {
  readonly startedAt: string;
  readonly lastOutputAt: string | null;
  readonly lastInputAt: string | null;
  readonly attention: Attention | null;
  /** The last title set with OSC 0 or 2 (Claude Code animates a spinner there while it works). */
  readonly title: string | null;
  readonly applicationCursor: boolean;
  readonly bracketedPaste: boolean;
  readonly cols: number;
  readonly rows: number;
}

/** DEC private modes that change what input should look like. */
const DECCKM = 1;
const BRACKETED_PASTE = 2004;
/** Titles are for display; a program that sets a huge one gets it cut here. */
const MAX_TITLE_CHARS = 256;

/**
 * Replies a terminal sends on its own (device attributes, cursor position,
 * focus in/out, OSC colour answers, DCS status strings): input, but not a
 * person answering, so it must not clear a pending "needs input".
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point
const TERMINAL_REPLIES = /^(?:\x1b\[[?>]?[\d;]*[cRIOn]|\x1b\[\?[\d;]*\$y|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1bP[^\x1b]*\x1b\\)+$/;

export class ActivityTracker implements ScanSink {
  private readonly scanner = new TerminalScanner(this);
  private readonly startedAt: number;
  private lastOutputAt: number | undefined;
  private lastInputAt: number | undefined;
  private attention: { kind: NotificationKind; at: number; text: string } | undefined;
  private titleText: string | undefined;
  private applicationCursor = false;
  private bracketedPaste = false;
  private cols: number;
  private rows: number;
  /** The time of the chunk being scanned, so that events need no clock call of their own. */
  private chunkAt = 0;
  /** Told when the child asks its terminal a question (session-screen.ts starts a model to answer). */
  onQuery: (() => void) | undefined;

  constructor(
    private readonly clock: () => number,
    size: { readonly cols: number; readonly rows: number },
  ) {
    this.startedAt = clock();
    this.cols = size.cols;
    this.rows = size.rows;
  }

  output(chunk: Buffer): void {
    this.chunkAt = this.clock();
    this.lastOutputAt = this.chunkAt;
    this.scanner.scan(chunk);
  }

  input(data: Buffer | string): void {
    if (isTerminalReply(data)) return;
    this.lastInputAt = this.clock();
    this.attention = undefined;
  }

  resize(cols: number, rows: number): void {
    if (cols > 0 && rows > 0) {
      this.cols = Math.floor(cols);
      this.rows = Math.floor(rows);
    }
  }

  /** A bell or notification waits for an answer: the status is "needs input". */
  get needsInput(): boolean {
    return this.attention !== undefined;
  }

  /** When the last output arrived (clock ms), for callers that poll it often. */
  lastOutputTime(): number | undefined {
    return this.lastOutputAt;
  }

  snapshot(): ActivitySnapshot {
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    const attention = this.attention;
    return {
      startedAt: new Date(this.startedAt).toISOString(),
      lastOutputAt: iso(this.lastOutputAt),
      lastInputAt: iso(this.lastInputAt),
      attention: attention === undefined ? null : { kind: attention.kind, at: new Date(attention.at).toISOString(), text: attention.text },
      title: this.titleText ?? null,
      applicationCursor: this.applicationCursor,
      bracketedPaste: this.bracketedPaste,
      cols: this.cols,
      rows: this.rows,
    };
  }

  notification(kind: NotificationKind, text: string): void {
    this.attention = { kind, at: this.chunkAt, text: text.slice(0, MAX_TITLE_CHARS) };
  }

  title(text: string): void {
    this.titleText = text.slice(0, MAX_TITLE_CHARS);
  }

  mode(mode: number, on: boolean): void {
    if (mode === DECCKM) this.applicationCursor = on;
    else if (mode === BRACKETED_PASTE) this.bracketedPaste = on;
  }

  reset(): void {
    this.applicationCursor = false;
    this.bracketedPaste = false;
  }

  query(): void {
    this.onQuery?.();
  }
}

export function isTerminalReply(data: Buffer | string): boolean {
  const first = typeof data === 'string' ? data.charCodeAt(0) : data[0];
  if (first !== 0x1b) return false;
  return TERMINAL_REPLIES.test(typeof data === 'string' ? data : data.toString('latin1'));
}
