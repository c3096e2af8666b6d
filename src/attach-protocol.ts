// The attach stream: the second kind of connection on a session's control
// socket. A client sends {"v":1,"op":"attach","cols":…,"rows":…} as an
// ordinary JSON line; after the host's one-line JSON acknowledgement both
// sides switch to binary frames, so terminal bytes pass through without any
// encoding. A frame is a 1-byte type, a 4-byte big-endian payload length and
// the payload. Data frames carry raw bytes; control frames carry JSON.

export const FrameType = {
  /** Host -> client: terminal output. Client -> host: keystrokes and terminal answers. */
  data: 1,
  /** Client -> host: the client's terminal changed size. JSON {cols, rows}. */
  resize: 2,
  /** Client -> host: leaving (empty payload). Host -> client: left; JSON {reset}, then the host closes. */
  detach: 3,
  /** Host -> client: the session ended. JSON {exit, reset}, then the host closes. */
  exit: 4,
  /**
   * Client -> host (empty), when the host writes output to the client's
   * terminal itself: what the client wrote there first is written; output
   * may follow.
   */
  ready: 5,
} as const;

export type FrameTypeCode = (typeof FrameType)[keyof typeof FrameType];

export interface Frame {
  readonly type: number;
  readonly payload: Buffer;
}

export const FRAME_HEADER_BYTES = 5;
/**
 * Output is sent in the chunks the PTY delivers (at most 64 KiB); input is
 * what a terminal sends in one read, a paste at most. A larger frame is a
 * broken or hostile peer.
 */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

export function frameHeader(type: FrameTypeCode, length: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(length, 1);
  return header;
}

export function encodeFrame(type: FrameTypeCode, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat([frameHeader(type, body.length), body]);
}

export function encodeJsonFrame(type: FrameTypeCode, value: unknown): Buffer {
  return encodeFrame(type, JSON.stringify(value));
}

/**
 * Splits a byte stream into frames. Reads are kept as they came and a frame
 * is copied only when it spans two reads. With `streamData`, a data frame is
 * not waited for and joined: its payload is returned as it arrives, as one or
 * more data frames whose payloads together make the original (terminal
 * output is a byte stream; where it is cut does not matter), each a view of
 * the read it came in. The attaching client reads output this way; the host
 * reads whole frames, because a terminal's answer to a query must not be cut.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private length = 0;
  /** Bytes of the current data frame's payload still to come (streamData only). */
  private dataLeft = 0;

  constructor(private readonly options: { readonly streamData?: boolean } = {}) {}

  /** Returns the complete frames (and, with streamData, data as it comes), or a string saying why the stream is unusable. */
  push(chunk: Buffer): Frame[] | string {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.length += chunk.length;
    }
    const frames: Frame[] = [];
    for (;;) {
      if (this.dataLeft > 0) {
        const first = this.chunks[0];
        if (first === undefined) break;
        const part = this.take(Math.min(this.dataLeft, first.length));
        this.dataLeft -= part.length;
        frames.push({ type: FrameType.data, payload: part });
        continue;
      }
      if (this.length < FRAME_HEADER_BYTES) break;
      const header = this.peek(FRAME_HEADER_BYTES);
      const type = header.readUInt8(0);
      const length = header.readUInt32BE(1);
      if (length > MAX_FRAME_BYTES) return `frame of ${length} bytes exceeds the limit of ${MAX_FRAME_BYTES}`;
      if (this.options.streamData === true && type === FrameType.data) {
        this.take(FRAME_HEADER_BYTES);
        this.dataLeft = length;
        continue;
      }
      if (this.length < FRAME_HEADER_BYTES + length) break;
      const frame = this.take(FRAME_HEADER_BYTES + length);
      frames.push({ type, payload: frame.subarray(FRAME_HEADER_BYTES) });
    }
    return frames;
  }

  /** The first `n` buffered bytes as one Buffer, joining only as many reads as they span. */
  private peek(n: number): Buffer {
    const first = this.chunks[0] ?? Buffer.alloc(0);
    if (first.length >= n) return first;
    let count = 0;
    for (let bytes = 0; bytes < n && count < this.chunks.length; count++) bytes += this.chunks[count]?.length ?? 0;
    const joined = Buffer.concat(this.chunks.slice(0, count));
    this.chunks.splice(0, count, joined);
    return joined;
  }

  private take(n: number): Buffer {
    const head = this.peek(n);
    const rest = head.subarray(n);
    if (rest.length > 0) this.chunks[0] = rest;
    else this.chunks.shift();
    this.length -= n;
    return head.subarray(0, n);
  }
}

/** Parses a control frame's JSON payload into an object, or undefined if it is not one. */
export function parseJsonPayload(payload: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(payload.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    // Not JSON: the caller treats the frame as malformed.
    return undefined;
  }
}

/**
 * An attaching client's terminal, named so that the host can write to it
 * (terminal-device.ts): its path and what fstat() says of it, as decimal
 * strings (dev_t and ino_t may exceed a double's integers).
 */
export interface TerminalDevice {
  readonly path: string;
  readonly dev: string;
  readonly ino: string;
  readonly rdev: string;
}

/** A terminal description from the control socket, checked for shape only: openTerminal checks the device. */
export function parseTerminalDevice(value: unknown): TerminalDevice | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { path, dev, ino, rdev } = value as Record<string, unknown>;
  const decimal = (text: unknown): text is string => typeof text === 'string' && /^\d{1,20}$/.test(text);
  if (typeof path !== 'string' || !path.startsWith('/dev/') || path.length > 256) return undefined;
  if (!decimal(dev) || !decimal(ino) || !decimal(rdev)) return undefined;
  return { path, dev, ino, rdev };
}

/** Terminal sizes from the network are validated before they reach ioctl. */
export function validSize(cols: unknown, rows: unknown): { cols: number; rows: number } | undefined {
  if (!Number.isInteger(cols) || !Number.isInteger(rows)) return undefined;
  const c = cols as number;
  const r = rows as number;
  if (c < 1 || r < 1 || c > MAX_DIMENSION || r > MAX_DIMENSION) return undefined;
  return { cols: c, rows: r };
}

/** TIOCSWINSZ takes unsigned shorts; no real terminal comes near this. */
const MAX_DIMENSION = 4096;
