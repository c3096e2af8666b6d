// The control protocol between `csm list|stop` and a session's host: one JSON
// object per line over the session's Unix socket. Small on purpose, so that
// it can be read with `socat - UNIX-CONNECT:<sock>` when debugging.
import { StringDecoder } from 'node:string_decoder';
import { parseTerminalDevice, type TerminalDevice, validSize } from './attach-protocol.js';
import { parseSessionIoRequest, type SessionIoReply, type SessionIoRequest } from './session-io-protocol.js';

export const PROTOCOL_VERSION = 1;
/** No legitimate message comes near this; a longer line is abuse or a bug. */
export const MAX_LINE_BYTES = 64 * 1024;

export type ControlRequest =
  | { readonly v: number; readonly op: 'ping' }
  | { readonly v: number; readonly op: 'stop'; readonly timeoutMs: number }
  /**
   * Switches the connection to the attach stream (attach-protocol.ts) after
   * the reply. With `terminal`, the host writes output to that terminal itself
   * if it can (terminal-device.ts).
   */
  | { readonly v: number; readonly op: 'attach'; readonly cols: number; readonly rows: number; readonly terminal?: TerminalDevice }
  | SessionIoRequest;

export interface SessionExit {
  /** The child's exit code, or undefined when a signal killed it. */
  readonly exitCode: number | undefined;
  readonly signal: number | undefined;
}

export type ControlReply =
  | { readonly ok: true; readonly event: 'pong'; readonly id: string; readonly pid: number; readonly hostPid: number }
  | { readonly ok: true; readonly event: 'stopping' }
  | { readonly ok: true; readonly event: 'stopped'; readonly exit: SessionExit; readonly escalatedTo: string | null }
  | {
      readonly ok: true;
      readonly event: 'attached';
      readonly id: string;
      readonly pid: number;
      readonly clients: number;
      /** The host writes output to the client's terminal itself, once the client sends `ready`. */
      readonly direct?: boolean;
    }
  | { readonly ok: false; readonly error: string }
  | SessionIoReply;

export function encode(message: ControlRequest | ControlReply): string {
  return `${JSON.stringify(message)}\n`;
}

/** Parses one request line; a string result is the error to send back. */
export function parseRequest(line: string): ControlRequest | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'request is not valid JSON';
  }
  if (typeof value !== 'object' || value === null) return 'request is not a JSON object';
  const r = value as Record<string, unknown>;
  if (r.v !== PROTOCOL_VERSION) return `unsupported protocol version ${JSON.stringify(r.v)}; expected ${PROTOCOL_VERSION}`;
  if (r.op === 'ping') return { v: PROTOCOL_VERSION, op: 'ping' };
  if (r.op === 'stop') {
    const t = r.timeoutMs;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > 3_600_000) return 'stop needs timeoutMs between 0 and 3600000';
    return { v: PROTOCOL_VERSION, op: 'stop', timeoutMs: t };
  }
  if (r.op === 'attach') {
    const size = validSize(r.cols, r.rows);
    if (size === undefined) return 'attach needs cols and rows between 1 and 4096';
    // A description that is not one is ignored: the output then comes through the connection.
    const terminal = parseTerminalDevice(r.terminal);
    return { v: PROTOCOL_VERSION, op: 'attach', ...size, ...(terminal === undefined ? {} : { terminal }) };
  }
  const io = parseSessionIoRequest(r, PROTOCOL_VERSION);
  if (io !== undefined) return io;
  return `unknown op ${JSON.stringify(r.op)}`;
}

/**
 * Splits a byte stream into lines, refusing to buffer more than
 * MAX_LINE_BYTES without a newline.
 */
export class LineSplitter {
  private pending = '';
  // A multi-byte character may be split between two reads.
  private readonly decoder = new StringDecoder('utf8');

  /** Returns complete lines, or undefined when the line limit was exceeded. */
  push(chunk: Buffer | string): string[] | undefined {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    if (Buffer.byteLength(this.pending) > MAX_LINE_BYTES) return undefined;
    return lines.filter((line) => line.trim() !== '');
  }
}
