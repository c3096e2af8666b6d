// An incremental scanner for the few terminal escapes csm cares about in a
// session's output: the bell, desktop notifications (OSC 9, OSC 99, OSC 777),
// the window title (OSC 0/2), the modes that change what input should look
// like (DECCKM ?1, bracketed paste ?2004), and questions to the terminal that
// the child waits to have answered (session-screen.ts). It follows the VT500 parser's states
// (as xterm.js does) only as far as needed to never mistake the BEL ending an
// OSC for a bell, and keeps its state between chunks, so an escape split
// across reads is seen exactly once. No timers, no allocation on plain text:
// in the ground state it jumps from ESC to BEL with Buffer.indexOf once a run
// of text is longer than a few bytes.

export type NotificationKind = 'bell' | 'osc9' | 'osc99' | 'osc777';

export interface ScanSink {
  notification(kind: NotificationKind, text: string): void;
  title(text: string): void;
  /** A DEC private mode was set or reset (CSI ? Pm h / l). */
  mode(mode: number, on: boolean): void;
  /** RIS (ESC c): the terminal was reset, every mode back to its default. */
  reset(): void;
  /**
   * The child asked the terminal something: device attributes, status or
   * cursor position, a mode's state, the window size, colours, kitty keyboard
   * flags, or any DCS (DECRQSS, XTGETTCAP). Generous: a rare false alarm only
   * costs the host a model it did not need.
   */
  query(): void;
}

enum State {
  Ground,
  Escape,
  EscapeIntermediate,
  Csi,
  Osc,
  /** DCS, SOS, PM, APC: skipped up to ST. */
  String,
}

const ESC = 0x1b;
const BEL = 0x07;
const CAN = 0x18;
const SUB = 0x1a;
/** Titles and notifications are short; the rest of a longer OSC is dropped. */
export const MAX_OSC_BYTES = 4096;
/** No real mode number comes near this; it only bounds the arithmetic. */
const MAX_PARAM = 99_999;
const MAX_PRIVATE_PARAMS = 16;
/** How far the ground state looks byte by byte before handing a long run of text to memchr. */
const SHORT_SCAN = 24;

export class TerminalScanner {
  private state = State.Ground;
  private readonly osc = new Uint8Array(MAX_OSC_BYTES);
  private oscLength = 0;
  /** CSI: the sequence began with '?', so its parameters are DEC private modes. */
  private csiPrivate = false;
  /** CSI: a marker other than '?' or an intermediate byte: not a mode change. */
  private csiOther = false;
  /** CSI: the private marker ('<', '=', '>' or '?') it began with, or 0. */
  private csiMarker = 0;
  /** CSI: the last intermediate byte (0x20-0x2f), or 0. */
  private csiIntermediate = 0;
  private csiStarted = false;
  private param = 0;
  private readonly params: number[] = [];

  constructor(private readonly sink: ScanSink) {}

  scan(chunk: Buffer): void {
    const n = chunk.length;
    // Where the next BEL is, found once per chunk and moved forward only when
    // passed: searching afresh after every ESC would be quadratic in chunks
    // full of colour escapes and with no BEL at all.
    let nextBel = -2;
    let i = 0;
    while (i < n) {
      if (this.state === State.Ground) {
        // Escapes are often a few bytes apart (colours): look a little way in
        // JavaScript first, and leave long runs of text to memchr.
        let j = i;
        const limit = Math.min(n, i + SHORT_SCAN);
        while (j < limit) {
          const byte = chunk[j];
          if (byte === ESC || byte === BEL) break;
          j += 1;
        }
        if (j === limit) {
          if (j >= n) return;
          if (nextBel !== -1 && nextBel < j) nextBel = chunk.indexOf(BEL, j);
          const esc = chunk.indexOf(ESC, j);
          j = esc === -1 ? nextBel : nextBel !== -1 && nextBel < esc ? nextBel : esc;
          if (j === -1) return;
        }
        if (chunk[j] === BEL) this.sink.notification('bell', '');
        else this.state = State.Escape;
        i = j + 1;
        continue;
      }
      if (this.state === State.Escape && chunk[i] === 0x5b) {
        // ESC [ is by far the most common escape: straight into the CSI loop.
        this.startCsi();
        i = this.csiRun(chunk, i + 1);
        continue;
      }
      if (this.state === State.Csi) {
        i = this.csiRun(chunk, i);
        continue;
      }
      if (this.state === State.String) {
        const esc = chunk.indexOf(ESC, i);
        if (esc === -1) return;
        this.state = State.Escape;
        i = esc + 1;
        continue;
      }
      this.step(chunk[i] ?? 0);
      i += 1;
    }
  }

  private startCsi(): void {
    this.state = State.Csi;
    this.csiPrivate = false;
    this.csiOther = false;
    this.csiMarker = 0;
    this.csiIntermediate = 0;
    this.csiStarted = false;
    this.param = 0;
    this.params.length = 0;
  }

  /** CSI parameters up to the final byte, in one loop; returns the index after what it consumed. */
  private csiRun(chunk: Buffer, from: number): number {
    const n = chunk.length;
    for (let i = from; i < n; i++) {
      const byte = chunk[i] ?? 0;
      if (byte >= 0x40 && byte <= 0x7e) {
        this.state = State.Ground;
        if (this.csiPrivate && !this.csiOther && (byte === 0x68 || byte === 0x6c)) {
          if (this.params.length < MAX_PRIVATE_PARAMS) this.params.push(this.param);
          for (const mode of this.params) this.sink.mode(mode, byte === 0x68);
        } else if (this.isQuery(byte)) {
          this.sink.query();
        }
        return i + 1;
      }
      if (byte >= 0x30 && byte <= 0x39) {
        this.param = Math.min(this.param * 10 + (byte - 0x30), MAX_PARAM);
      } else if (byte === 0x3b) {
        if (this.params.length < MAX_PRIVATE_PARAMS) this.params.push(this.param);
        this.param = 0;
      } else if (byte === 0x3f && !this.csiStarted) {
        this.csiPrivate = true;
        this.csiMarker = byte;
      } else if (byte >= 0x20 && byte <= 0x3f) {
        if (byte >= 0x3c && !this.csiStarted) this.csiMarker = byte;
        else if (byte <= 0x2f) this.csiIntermediate = byte;
        // Another marker (< = >), a colon, or an intermediate byte: not a DEC mode change.
        this.csiOther = true;
      } else {
        // C0 controls are executed mid-sequence, as a terminal does (ESC starts a new one).
        this.control(byte);
        return i + 1;
      }
      this.csiStarted = true;
    }
    return n;
  }

  /** Whether the CSI ending in `final` asks the terminal for an answer. */
  private isQuery(final: number): boolean {
    switch (final) {
      case 0x63: // c: DA1, DA2 (>), DA3 (=)
        return this.csiIntermediate === 0;
      case 0x6e: // n: DSR, cursor position (6n, ?6n)
        return this.csiMarker === 0 || this.csiMarker === 0x3f;
      case 0x70: // p with $: DECRQM, ANSI or DEC private
        return this.csiIntermediate === 0x24;
      case 0x71: // q with >: XTVERSION
        return this.csiMarker === 0x3e;
      case 0x75: // u with ?: kitty keyboard flags
        return this.csiMarker === 0x3f;
      case 0x74: {
        // t: window reports (11, 13–21); 22/23 (title stack) and resizes are not questions.
        const first = this.params.length > 0 ? this.params[0] : this.param;
        return this.csiMarker === 0 && first !== undefined && first >= 11 && first <= 21 && first !== 12 && first !== 17;
      }
      default:
        return false;
    }
  }

  private step(byte: number): void {
    switch (this.state) {
      case State.Escape:
        this.escape(byte);
        return;
      case State.EscapeIntermediate:
        if (byte >= 0x30 && byte <= 0x7e) this.state = State.Ground;
        else this.control(byte);
        return;
      case State.Osc:
        this.oscByte(byte);
        return;
      default:
        return;
    }
  }

  private escape(byte: number): void {
    switch (byte) {
      case 0x5b: // [
        this.startCsi();
        return;
      case 0x5d: // ]
        this.state = State.Osc;
        this.oscLength = 0;
        return;
      case 0x50: // P: DCS
        this.state = State.String;
        this.sink.query();
        return;
      case 0x58: // X: SOS
      case 0x5e: // ^: PM
      case 0x5f: // _: APC
        this.state = State.String;
        return;
      case 0x63: // c: RIS
        this.state = State.Ground;
        this.sink.reset();
        return;
      default:
        if (byte >= 0x20 && byte <= 0x2f) this.state = State.EscapeIntermediate;
        else if (byte < 0x20) this.control(byte);
        else this.state = State.Ground;
    }
  }

  /** C0 controls inside an escape are executed, as a terminal does. */
  private control(byte: number): void {
    if (byte === ESC) this.state = State.Escape;
    else if (byte === CAN || byte === SUB) this.state = State.Ground;
    else if (byte === BEL) this.sink.notification('bell', '');
  }

  private oscByte(byte: number): void {
    if (byte === BEL) {
      this.state = State.Ground;
      this.dispatchOsc();
    } else if (byte === ESC) {
      // ESC ends the string (normally as ESC \, the ST), as in xterm's parser.
      this.state = State.Escape;
      this.dispatchOsc();
    } else if (byte === CAN || byte === SUB) {
      this.state = State.Ground;
    } else if (byte >= 0x20 && this.oscLength < MAX_OSC_BYTES) {
      this.osc[this.oscLength] = byte;
      this.oscLength += 1;
    }
  }

  private dispatchOsc(): void {
    const text = Buffer.from(this.osc.buffer, 0, this.oscLength).toString('utf8');
    const semicolon = text.indexOf(';');
    const command = semicolon === -1 ? text : text.slice(0, semicolon);
    const rest = semicolon === -1 ? '' : text.slice(semicolon + 1);
    // OSC 4/10/11/12/… with "?" for a value: a colour question.
    if (/(?:^|;)\?(?:;|$)/.test(rest)) this.sink.query();
    switch (command) {
      case '0':
      case '2':
        this.sink.title(rest);
        return;
      case '9':
        // OSC 9 ; 4 ; ... is ConEmu's progress report (shown in tab bars), not
        // a notification; Claude Code sends it while it works.
        if (!/^4(?:;|$)/.test(rest)) this.sink.notification('osc9', rest);
        return;
      case '99': {
        // kitty: OSC 99 ; metadata ; payload
        const at = rest.indexOf(';');
        this.sink.notification('osc99', at === -1 ? rest : rest.slice(at + 1));
        return;
      }
      case '777':
        // rxvt-unicode, foot, Ghostty: OSC 777 ; notify ; title ; body
        if (rest.startsWith('notify;')) this.sink.notification('osc777', rest.slice('notify;'.length).replace(';', ': '));
        return;
      default:
        return;
    }
  }
}
