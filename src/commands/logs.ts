// `csm logs <id> [--follow] [--tail N] [--raw]`: a session's recorded output,
// live or ended. By default it is rendered into lines of text (log-render.ts);
// --raw gives the exact bytes, which replay with `cat` in a terminal.
import { CsmError } from '../errors.js';
import { type FoundSession, SessionManager } from '../manager.js';
import { type LogBytes, sizeAt } from '../output-log.js';
import { resolvePaths } from '../paths.js';
import { shortId } from '../session.js';
import type { CommandContext } from './context.js';

export interface LogsCommandOptions {
  readonly id: string;
  readonly follow: boolean;
  readonly raw: boolean;
  /** Only the last N lines of what was recorded (then, with follow, everything new). */
  readonly tail: number | undefined;
}

/** While output keeps coming (a spinner), print the screen at least this often. */
const FOLLOW_FLUSH_MS = 1000;

export async function logsCommand(options: LogsCommandOptions, ctx: CommandContext): Promise<number> {
  const manager = new SessionManager({ paths: resolvePaths(ctx.env) });
  const found = manager.find(options.id);
  const pieces = manager.readOutput(found.record.id);
  if (pieces === undefined) {
    throw new CsmError(
      'no-history',
      `session ${shortId(found.record.id)} has no recorded output (it was started with CSM_RECORD=0, or its history was removed)`,
    );
  }
  const out = (text: string | Buffer) => ctx.stdout.write(text);
  if (options.raw) await rawLogs(manager, found, pieces, options, out);
  else await renderedLogs(manager, found, pieces, options, out);
  return 0;
}

async function rawLogs(
  manager: SessionManager,
  found: FoundSession,
  pieces: LogBytes[],
  options: LogsCommandOptions,
  out: (text: string | Buffer) => void,
): Promise<void> {
  const all = Buffer.concat(pieces.map((p) => p.bytes));
  out(options.tail === undefined ? all : lastLines(all, options.tail));
  if (!options.follow) return;
  const last = pieces.at(-1);
  const from = last === undefined ? 0 : last.start + last.bytes.length;
  await manager.followOutput(found, (piece) => out(piece.bytes), { from }).done;
}

async function renderedLogs(
  manager: SessionManager,
  found: FoundSession,
  pieces: LogBytes[],
  options: LogsCommandOptions,
  out: (text: string | Buffer) => void,
): Promise<void> {
  const { DEFAULT_SIZE, TextRenderer, playOutput } = await import('../log-render.js');
  let sizes = manager.outputSizes(found.record.id);
  const first = sizeAt(sizes, pieces[0]?.start ?? 0) ?? sizes[0] ?? DEFAULT_SIZE;
  // --tail holds back the lines of what was already recorded, to print the last N once it is all rendered.
  let held: string[] | undefined = options.tail === undefined ? undefined : [];
  const renderer = await TextRenderer.create(first.cols, first.rows, (line) => {
    if (held === undefined) out(`${line}\n`);
    else {
      held.push(line);
      if (held.length > (options.tail ?? 0)) held.shift();
    }
  });
  try {
    for (const piece of pieces) await playOutput(renderer, piece, sizes);
    renderer.flush();
    for (const line of held ?? []) out(`${line}\n`);
    held = undefined;
    if (!options.follow) return;

    const last = pieces.at(-1);
    let lastFlush = Date.now();
    const flush = () => {
      renderer.flush();
      lastFlush = Date.now();
    };
    const follower = manager.followOutput(
      found,
      async (piece) => {
        if (sizes.length === 0 || piece.start + piece.bytes.length > (sizes.at(-1)?.offset ?? 0))
          sizes = manager.outputSizes(found.record.id);
        await playOutput(renderer, piece, sizes);
        if (Date.now() - lastFlush >= FOLLOW_FLUSH_MS) flush();
      },
      { from: last === undefined ? 0 : last.start + last.bytes.length, onQuiet: flush },
    );
    await follower.done;
    flush();
  } finally {
    renderer.dispose();
  }
}

/** The last `count` lines of raw bytes (a final line without newline counts). */
export function lastLines(bytes: Buffer, count: number): Buffer {
  if (count <= 0) return Buffer.alloc(0);
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0a) end -= 1;
  let at = end;
  for (let seen = 0; seen < count; seen++) {
    // A negative offset would count from the end: at the start, there is no line before.
    if (at === 0) return bytes;
    const newline = bytes.lastIndexOf(0x0a, at - 1);
    if (newline === -1) return bytes;
    at = newline;
  }
  return bytes.subarray(at + 1);
}
