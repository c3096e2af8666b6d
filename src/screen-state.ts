// ScreenState: the host's model of what a terminal showing the session
// displays, so that a client attaching later can be shown the same screen
// (docs/ARCHITECTURE.md, "Screen model"). It is xterm.js's own emulator
// (@xterm/headless) with its serialize addon, plus what the addon leaves out:
// cursor visibility and style, the mouse encoding, the kitty keyboard flags and
// the scroll region. It also answers the basic terminal queries for the times
// no client is attached. Every operation is applied in stream order: xterm
// parses asynchronously, so resizes and snapshots wait for earlier writes.
import serializeModule from '@xterm/addon-serialize';
import headlessModule from '@xterm/headless';

type Terminal = InstanceType<typeof headlessModule.Terminal>;

/** Enough history to scroll back through a conversation after attaching; each line costs ~cols cells. */
export const MODEL_SCROLLBACK_LINES = 1000;

/** Colours as a terminal reports them in OSC 10/11/12 answers, e.g. "rgb:ffff/ffff/ffff". */
export interface ReportedColours {
  foreground: string;
  background: string;
  cursor: string;
}

/** What the host reports before any client has told it its real colours: light grey on black. */
export const DEFAULT_COLOURS: ReportedColours = {
  foreground: 'rgb:d0d0/d0d0/d0d0',
  background: 'rgb:0000/0000/0000',
  cursor: 'rgb:d0d0/d0d0/d0d0',
};

/** The DEC private modes for mouse encodings; the addon serializes tracking but not encoding. */
const MOUSE_ENCODINGS = [1005, 1006, 1015, 1016] as const;

export class ScreenState {
  private readonly terminal: Terminal;
  private readonly serializer: InstanceType<typeof serializeModule.SerializeAddon>;
  private cursorHidden = false;
  private cursorStyle = 0;
  private readonly mouseEncodings = new Set<number>();
  private kittyFlags = 0;
  private readonly kittyStack: number[] = [];
  private colours: ReportedColours = { ...DEFAULT_COLOURS };
  /** Bytes written so far, and where each queued write ends: replies are placed in the stream by them. */
  private written = 0;
  private readonly queuedEnds: number[] = [];

  /**
   * `onReply` gets what a terminal would answer to the child's queries, with
   * the stream offset (bytes written) at the end of the write that asked.
   */
  constructor(cols: number, rows: number, onReply: (reply: string, position: number) => void) {
    this.terminal = new headlessModule.Terminal({
      cols,
      rows,
      scrollback: MODEL_SCROLLBACK_LINES,
      allowProposedApi: true,
      // Lets xterm.js answer CSI 18 t (the size in characters), which TUIs use when TIOCGWINSZ is not enough.
      windowOptions: { getWinSizeChars: true },
    });
    this.serializer = new serializeModule.SerializeAddon();
    this.terminal.loadAddon(this.serializer);
    // xterm.js parses writes in order, so the write being parsed is the oldest queued one.
    const reply = (data: string) => onReply(data, this.queuedEnds[0] ?? this.written);
    this.terminal.onData(reply);
    this.track(reply);
  }

  get cols(): number {
    return this.terminal.cols;
  }

  get rows(): number {
    return this.terminal.rows;
  }

  /** Feeds output; `parsed` runs once this chunk has been applied. */
  write(data: Uint8Array | string, parsed?: () => void): void {
    this.written += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    this.queuedEnds.push(this.written);
    this.terminal.write(data, () => {
      this.queuedEnds.shift();
      parsed?.();
    });
  }

  /** Runs `action` once everything written so far has been parsed. */
  afterWrites<T>(action: () => T): Promise<T> {
    return new Promise((resolve, reject) => {
      this.write('', () => {
        try {
          resolve(action());
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  /** Resizes after the output written so far, which was produced for the old size. */
  resize(cols: number, rows: number): Promise<void> {
    return this.afterWrites(() => this.terminal.resize(cols, rows));
  }

  /** What a fresh terminal must be sent to show this screen, its modes included, and the scrollback if asked. */
  snapshot(withScrollback = true): Promise<string> {
    return this.afterWrites(() => this.snapshotNow(withScrollback));
  }

  /** What puts a terminal that showed this screen back into its ordinary modes. */
  resetSequence(): Promise<string> {
    return this.afterWrites(() => this.resetNow());
  }

  /** Remembers a client's real colours, to answer colour queries like it would. */
  setColours(colours: Partial<ReportedColours>): void {
    this.colours = { ...this.colours, ...colours };
  }

  /** The visible lines as plain text, for tests and diagnostics. */
  visibleText(): Promise<string[]> {
    return this.afterWrites(() => {
      const buffer = this.terminal.buffer.active;
      const lines: string[] = [];
      for (let y = 0; y < this.terminal.rows; y++) lines.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
      return lines;
    });
  }

  dispose(): void {
    this.terminal.dispose();
  }

  private snapshotNow(withScrollback: boolean): string {
    const terminal = this.terminal;
    const buffer = terminal.buffer.active;
    const modes = terminal.modes;
    let out = this.serializer.serialize({ excludeModes: true, ...(withScrollback ? {} : { scrollback: 0 }) });
    const region = this.scrollRegion();
    if (region !== undefined && (region.top !== 0 || region.bottom !== terminal.rows - 1)) {
      // DECSTBM homes the cursor, so the cursor is placed again afterwards.
      out += `\x1b[${region.top + 1};${region.bottom + 1}r`;
      if (modes.originMode) out += '\x1b[?6h';
      const row = buffer.cursorY - (modes.originMode ? region.top : 0);
      out += `\x1b[${row + 1};${Math.min(buffer.cursorX, terminal.cols - 1) + 1}H`;
    } else if (modes.originMode) {
      out += `\x1b[?6h\x1b[${buffer.cursorY + 1};${Math.min(buffer.cursorX, terminal.cols - 1) + 1}H`;
    }
    if (modes.applicationCursorKeysMode) out += '\x1b[?1h';
    if (modes.applicationKeypadMode) out += '\x1b[?66h';
    if (modes.bracketedPasteMode) out += '\x1b[?2004h';
    if (modes.insertMode) out += '\x1b[4h';
    if (modes.reverseWraparoundMode) out += '\x1b[?45h';
    if (modes.sendFocusMode) out += '\x1b[?1004h';
    if (!modes.wraparoundMode) out += '\x1b[?7l';
    const tracking = { x10: 9, vt200: 1000, drag: 1002, any: 1003, none: 0 }[modes.mouseTrackingMode];
    if (tracking !== 0) out += `\x1b[?${tracking}h`;
    for (const encoding of this.mouseEncodings) out += `\x1b[?${encoding}h`;
    if (this.cursorHidden) out += '\x1b[?25l';
    if (this.cursorStyle !== 0) out += `\x1b[${this.cursorStyle} q`;
    if (this.kittyFlags !== 0) out += `\x1b[>${this.kittyFlags}u`;
    return out;
  }

  private resetNow(): string {
    const buffer = this.terminal.buffer.active;
    const modes = this.terminal.modes;
    let out = '';
    const region = this.scrollRegion();
    const hasRegion = region !== undefined && (region.top !== 0 || region.bottom !== this.terminal.rows - 1);
    if (buffer.type === 'alternate') {
      // Leaving the alternate screen restores the cursor saved on entering it.
      if (hasRegion) out += '\x1b[r';
      out += '\x1b[?1049l';
    } else if (hasRegion || modes.originMode) {
      // Both move the cursor; keep it where the child left it.
      out += `\x1b7${modes.originMode ? '\x1b[?6l' : ''}\x1b[r\x1b8`;
    }
    if (this.kittyFlags !== 0 || this.kittyStack.length > 0) out += `\x1b[<${Math.max(1, this.kittyStack.length)}u`;
    if (this.cursorStyle !== 0) out += '\x1b[0 q';
    if (modes.insertMode) out += '\x1b[4l';
    if (modes.reverseWraparoundMode) out += '\x1b[?45l';
    if (!modes.wraparoundMode) out += '\x1b[?7h';
    // Harmless when already off, so sent whatever the model says: the modes a
    // killed TUI most often leaves behind.
    out += '\x1b[?1l\x1b[?66l\x1b[?2004l\x1b[?1004l\x1b[?9l\x1b[?1000l\x1b[?1002l\x1b[?1003l';
    out += '\x1b[?1005l\x1b[?1006l\x1b[?1015l\x1b[?1016l\x1b[?25h\x1b[0m';
    return out;
  }

  /**
   * The active buffer's scroll region. xterm.js does not expose it; the
   * serialize addon itself reads internals the same way. If a future version
   * moves it, snapshots simply leave the region out.
   */
  private scrollRegion(): { top: number; bottom: number } | undefined {
    const core: unknown = Reflect.get(this.terminal, '_core');
    if (typeof core !== 'object' || core === null) return undefined;
    const buffer: unknown = Reflect.get(core, 'buffer');
    if (typeof buffer !== 'object' || buffer === null) return undefined;
    const top: unknown = Reflect.get(buffer, 'scrollTop');
    const bottom: unknown = Reflect.get(buffer, 'scrollBottom');
    return typeof top === 'number' && typeof bottom === 'number' ? { top, bottom } : undefined;
  }

  /** Hooks that follow the state xterm.js keeps to itself; each returns false so xterm handles the sequence too. */
  private track(onReply: (reply: string) => void): void {
    const parser = this.terminal.parser;
    const setMode = (on: boolean) => (params: (number | number[])[]) => {
      for (const param of params) {
        if (param === 25) this.cursorHidden = !on;
        if (typeof param === 'number' && (MOUSE_ENCODINGS as readonly number[]).includes(param)) {
          if (on) this.mouseEncodings.add(param);
          else this.mouseEncodings.delete(param);
        }
      }
      return false;
    };
    parser.registerCsiHandler({ prefix: '?', final: 'h' }, setMode(true));
    parser.registerCsiHandler({ prefix: '?', final: 'l' }, setMode(false));
    parser.registerCsiHandler({ intermediates: ' ', final: 'q' }, (params) => {
      this.cursorStyle = firstParam(params, 0);
      return false;
    });
    // Kitty keyboard protocol: push (>), pop (<), set (=). xterm.js ignores it.
    parser.registerCsiHandler({ prefix: '>', final: 'u' }, (params) => {
      this.kittyStack.push(this.kittyFlags);
      this.kittyFlags = firstParam(params, 0);
      return true;
    });
    parser.registerCsiHandler({ prefix: '<', final: 'u' }, (params) => {
      for (let n = Math.max(1, firstParam(params, 1)); n > 0; n--) this.kittyFlags = this.kittyStack.pop() ?? 0;
      return true;
    });
    parser.registerCsiHandler({ prefix: '=', final: 'u' }, (params) => {
      const flags = firstParam(params, 0);
      const mode = typeof params[1] === 'number' ? params[1] : 1;
      if (mode === 1) this.kittyFlags = flags;
      else if (mode === 2) this.kittyFlags |= flags;
      else if (mode === 3) this.kittyFlags &= ~flags;
      return true;
    });
    parser.registerCsiHandler({ intermediates: '!', final: 'p' }, () => {
      // DECSTR, the soft reset, shows the cursor again.
      this.cursorHidden = false;
      return false;
    });
    parser.registerEscHandler({ final: 'c' }, () => {
      // RIS, the full reset.
      this.cursorHidden = false;
      this.cursorStyle = 0;
      this.mouseEncodings.clear();
      this.kittyFlags = 0;
      this.kittyStack.length = 0;
      return false;
    });
    // Answers xterm.js leaves to its renderer (which a headless terminal lacks).
    const colourQuery = (code: number, key: keyof ReportedColours) =>
      parser.registerOscHandler(code, (data) => {
        if (data !== '?') return false;
        onReply(`\x1b]${code};${this.colours[key]}\x1b\\`);
        return true;
      });
    colourQuery(10, 'foreground');
    colourQuery(11, 'background');
    colourQuery(12, 'cursor');
  }
}

function firstParam(params: (number | number[])[], fallback: number): number {
  const first = params[0];
  return typeof first === 'number' && first > 0 ? first : fallback;
}
