// Recorded terminal output as lines a person can read. A TUI's output is not
// text: it moves the cursor, redraws, erases, so the only faithful reading is
// to play it into a terminal emulator (@xterm/headless, loaded lazily: only
// `csm logs` pays for it) at the size it was drawn for, and read the screen
// and scrollback back as lines (a wrapped line joined into one).
//
// Lines that scrolled off the top are final and printed once. For --follow,
// flush() also prints what is on screen, and later flushes print again from
// the first line that changed since: output that was redrawn in place (a
// spinner, Claude Code's prompt box) reappears, nothing is lost, and plain
// line-by-line output prints each line exactly once.
import type { IBufferLine, IMarker, Terminal } from '@xterm/headless';
import { type LogBytes, type SizeChange, sizeAt } from './output-log.js';

type XtermModule = typeof import('@xterm/headless');

/** Recordings without size information were made before csm recorded sizes, or by hand. */
export const DEFAULT_SIZE = { cols: 80, rows: 24 } as const;
/** Rows kept above the screen between drains; each write is cut to fit, so none is lost. */
const SCROLLBACK_ROWS = 10_000;
/** One byte scrolls at most one row (a line feed), so a write this size cannot overrun the scrollback. */
const WRITE_BYTES = 8192;

export class TextRenderer {
  /** The first row not yet final-and-printed; undefined: the top of the buffer. */
  private mark: IMarker | undefined;
  /** The lines last printed for rows from `mark` on (what flush compares against). */
  private printed: string[] = [];

  private constructor(
    private readonly terminal: Terminal,
    private readonly emit: (line: string) => void,
  ) {}

  static async create(cols: number, rows: number, emit: (line: string) => void): Promise<TextRenderer> {
    // A CommonJS package: Node puts its exports on `default`; tsx (tests) on the namespace too.
    const xterm: Partial<XtermModule> & { default?: XtermModule } = await import('@xterm/headless');
    const Terminal = xterm.default?.Terminal ?? xterm.Terminal;
    if (Terminal === undefined) throw new Error('@xterm/headless did not load: no Terminal export');
    const terminal = new Terminal({
      cols: Math.max(2, cols),
      rows: Math.max(1, rows),
      scrollback: SCROLLBACK_ROWS,
      // The buffer API is "proposed" in xterm.js but stable in practice.
      allowProposedApi: true,
      // A full-screen clear (ED 2) pushes the screen into scrollback, so a
      // program that clears before redrawing does not erase its history.
      scrollOnEraseInDisplay: true,
    });
    return new TextRenderer(terminal, emit);
  }

  /** Plays output into the emulator, printing lines as they scroll off. */
  async write(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length; at += WRITE_BYTES) {
      const part = bytes.subarray(at, Math.min(bytes.length, at + WRITE_BYTES));
      await new Promise<void>((resolve) => this.terminal.write(part, resolve));
      this.drainFinal();
    }
  }

  resize(cols: number, rows: number): void {
    if (cols === this.terminal.cols && rows === this.terminal.rows) return;
    this.drainFinal();
    this.terminal.resize(Math.max(2, cols), Math.max(1, rows));
  }

  /** Prints the screen too, from the first line that changed since the last flush. */
  flush(): void {
    if (!this.onNormalScreen()) return;
    const view = this.lines(this.start(), this.lastUsedRow() + 1);
    let same = 0;
    while (same < view.length && same < this.printed.length && view[same] === this.printed[same]) same += 1;
    for (const line of view.slice(same)) this.emit(line);
    this.printed = view;
    this.drainFinal();
  }

  dispose(): void {
    this.terminal.dispose();
  }

  /** Prints rows that scrolled into the scrollback and were not printed as they are now. */
  private drainFinal(): void {
    if (!this.onNormalScreen()) return;
    const buffer = this.terminal.buffer.normal;
    const start = this.start();
    // A wrapped line is final only once all of it has scrolled off.
    let end = buffer.baseY;
    while (end > start && buffer.getLine(end)?.isWrapped === true) end -= 1;
    if (end <= start) return;
    const final = this.lines(start, end);
    let same = 0;
    while (same < final.length && same < this.printed.length && final[same] === this.printed[same]) same += 1;
    for (const line of final.slice(same)) this.emit(line);
    // Lines printed from the screen before these changed are out of order now: print them again at the next flush.
    this.printed = same === final.length ? this.printed.slice(final.length) : [];
    this.mark?.dispose();
    // A marker follows its row as the scrollback is trimmed.
    this.mark = this.terminal.registerMarker(end - (buffer.baseY + buffer.cursorY));
  }

  private start(): number {
    const mark = this.mark;
    if (mark === undefined) return 0;
    if (mark.isDisposed || mark.line < 0) {
      // Trimmed or cleared away (ED 3): whatever it held is gone from the emulator.
      this.printed = [];
      this.mark = undefined;
      return 0;
    }
    return mark.line;
  }

  /** The last row with any text on it (screen included). */
  private lastUsedRow(): number {
    const buffer = this.terminal.buffer.normal;
    for (let y = buffer.length - 1; y >= 0; y--) if (text(buffer.getLine(y)) !== '') return y;
    return -1;
  }

  /** Rows [from, to) as lines, each wrapped line joined back into one. */
  private lines(from: number, to: number): string[] {
    const buffer = this.terminal.buffer.normal;
    const out: string[] = [];
    for (let y = from; y < to; y++) {
      const line = buffer.getLine(y);
      // A row that continues on the next keeps its trailing spaces: they are inside the line.
      const row = line?.translateToString(buffer.getLine(y + 1)?.isWrapped !== true) ?? '';
      if (line?.isWrapped === true && out.length > 0 && y > from) out[out.length - 1] += row;
      else out.push(row);
    }
    return out;
  }

  /** Full-screen programs draw on the alternate screen, which keeps no history; wait for them to leave. */
  private onNormalScreen(): boolean {
    return this.terminal.buffer.active.type === 'normal';
  }
}

function text(line: IBufferLine | undefined): string {
  return line?.translateToString(true) ?? '';
}

/** Plays pieces of recorded output, switching to each recorded size at the byte where it took effect. */
export async function playOutput(renderer: TextRenderer, piece: LogBytes, sizes: readonly SizeChange[]): Promise<void> {
  let at = 0;
  while (at < piece.bytes.length) {
    const offset = piece.start + at;
    const size = sizeAt(sizes, offset);
    if (size !== undefined) renderer.resize(size.cols, size.rows);
    const next = sizes.find((s) => s.offset > offset)?.offset ?? Number.POSITIVE_INFINITY;
    const stop = Math.min(piece.bytes.length, next - piece.start);
    await renderer.write(piece.bytes.subarray(at, stop));
    at = stop;
  }
}

/** All of a recording as lines of text, as `csm logs` prints it. */
export async function renderLines(pieces: readonly LogBytes[], sizes: readonly SizeChange[]): Promise<string[]> {
  const first = sizeAt(sizes, pieces[0]?.start ?? 0) ?? sizes[0] ?? DEFAULT_SIZE;
  const lines: string[] = [];
  const renderer = await TextRenderer.create(first.cols, first.rows, (line) => lines.push(line));
  try {
    for (const piece of pieces) await playOutput(renderer, piece, sizes);
    renderer.flush();
  } finally {
    renderer.dispose();
  }
  return lines;
}
