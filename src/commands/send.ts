// `csm send <id> [text...] [--enter] [--keys <key>...]`: types into a session
// from a script or another terminal, as if at its keyboard.
import { UsageError } from '../errors.js';
import { parseKeyName } from '../keys.js';
import { SessionManager } from '../manager.js';
import { resolvePaths } from '../paths.js';
import type { CommandContext } from './context.js';

export interface SendCommandOptions {
  readonly id: string;
  /** Words joined with spaces, like echo; ['-'] reads the text from stdin. */
  readonly text: readonly string[];
  readonly keys: readonly string[];
  readonly enter: boolean;
}

/** A control request is one line of at most 64 KiB of JSON (control-protocol.ts). */
export const MAX_TEXT_BYTES = 48 * 1024;

export async function sendCommand(options: SendCommandOptions, ctx: CommandContext): Promise<number> {
  const keys = options.keys.map(parseKeyName);
  let text = options.text.join(' ');
  if (options.text.length === 1 && options.text[0] === '-') {
    // `echo hi | csm send id -`: the newline that ends the input is not part of the text; --enter is.
    text = (await readAll(ctx.stdin)).replace(/\r?\n$/, '');
  }
  if (text === '' && keys.length === 0 && !options.enter) {
    throw new UsageError('nothing to send: give text, --keys or --enter (see csm send --help)');
  }
  const size = Buffer.byteLength(JSON.stringify(text));
  if (size > MAX_TEXT_BYTES) {
    throw new UsageError(`text too long (${size} bytes encoded; the limit is ${MAX_TEXT_BYTES}); send it in parts`);
  }
  const manager = new SessionManager({ paths: resolvePaths(ctx.env) });
  await manager.send(options.id, { text, keys, enter: options.enter });
  return 0;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
