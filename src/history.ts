// Ended sessions: one JSON file per session in `<stateDir>/history/`, kept
// apart from the live records in `sessions/` so that everything that decides
// whether a session is running (list, stop, ghost cleanup) never has to skip
// ended ones. A host writes its session's entry when the child has exited,
// before it removes the live record; a host that died without doing so (kill
// -9, crash) leaves a live record that the next `csm list` finds to be a
// ghost and archives here with an unknown exit status.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionExit } from './control-protocol.js';
import { errnoCode, StateDirError } from './errors.js';
import type { CsmPaths } from './paths.js';
import { describeErrno, ensurePrivateDir } from './private-dir.js';
import { readPrivateFile, writePrivateFile } from './private-file.js';
import { unlinkQuietly } from './registry.js';
import { isSessionId, newestFirst, parseRecord, type SessionRecord } from './session.js';

/** History entries are live records plus a few fields: a few hundred bytes. */
const MAX_ENTRY_BYTES = 64 * 1024;
const ENTRY_NAME = /^([0-9a-f-]{36})\.json$/;

export interface EndedRecord extends SessionRecord {
  /** RFC 3339; for a lost host, the best estimate (its last recorded output). */
  readonly endedAt: string;
  /** Null when csm could not learn how the session ended (its host died). */
  readonly exit: SessionExit | null;
  /** The strongest signal `csm stop` had to send, 'exit' if the child exited on the hang-up, null if nobody stopped it. */
  readonly stoppedWith: string | null;
  /** The last terminal title the program set. */
  readonly title: string | null;
}

export interface HistoryScan {
  readonly records: EndedRecord[];
  readonly warnings: string[];
}

export function historyDir(paths: CsmPaths): string {
  return join(paths.stateDir, 'history');
}

export class History {
  private readonly dir: string;

  constructor(paths: CsmPaths) {
    this.dir = historyDir(paths);
  }

  /**
   * Stores an ended session. With `replace: false` an entry already there
   * wins: a host that archived its own end knows better than a later guess.
   */
  archive(record: EndedRecord, replace = true): void {
    ensurePrivateDir(this.dir, 'history directory', true);
    writePrivateFile(this.dir, `${record.id}.json`, `${JSON.stringify(record, null, 2)}\n`, replace);
  }

  get(id: string): EndedRecord | undefined {
    if (!isSessionId(id)) return undefined;
    const read = readPrivateFile(join(this.dir, `${id}.json`), MAX_ENTRY_BYTES);
    if ('problem' in read) return undefined;
    const entry = parseEndedRecord(read.text);
    return typeof entry === 'string' || entry.id !== id ? undefined : entry;
  }

  /** Every entry that parses, newest end first. A missing directory means no history. */
  scan(): HistoryScan {
    const records: EndedRecord[] = [];
    const warnings: string[] = [];
    if (ensurePrivateDir(this.dir, 'history directory', false) === 'missing') return { records, warnings };
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (error) {
      throw new StateDirError(`cannot read ${this.dir}: ${describeErrno(errnoCode(error), error)}`);
    }
    for (const name of names) {
      if (name.startsWith('.')) continue; // a temp file being written
      const path = join(this.dir, name);
      const match = ENTRY_NAME.exec(name);
      if (match === null) {
        warnings.push(`skipping ${path}: not a history entry`);
        continue;
      }
      const read = readPrivateFile(path, MAX_ENTRY_BYTES);
      if ('problem' in read) {
        if (!read.missing) warnings.push(`skipping ${path}: ${read.problem}`);
        continue;
      }
      const entry = parseEndedRecord(read.text);
      if (typeof entry === 'string') warnings.push(`skipping ${path}: ${entry}`);
      else if (entry.id !== match[1]) warnings.push(`skipping ${path}: its id ${entry.id} does not match the file name`);
      else records.push(entry);
    }
    records.sort((a, b) => newestFirst(a.endedAt, b.endedAt));
    return { records, warnings };
  }

  remove(id: string): void {
    if (isSessionId(id)) unlinkQuietly(join(this.dir, `${id}.json`));
  }
}

/** A history entry, or the reason it is not one. */
export function parseEndedRecord(text: string): EndedRecord | string {
  const base = parseRecord(text);
  if (typeof base === 'string') return base;
  const r = JSON.parse(text) as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof r.endedAt !== 'string' || Number.isNaN(Date.parse(r.endedAt))) problems.push('endedAt');
  const exit = parseExit(r.exit);
  if (exit === 'bad') problems.push('exit');
  if (r.stoppedWith !== null && typeof r.stoppedWith !== 'string') problems.push('stoppedWith');
  if (r.title !== null && r.title !== undefined && typeof r.title !== 'string') problems.push('title');
  if (problems.length > 0 || exit === 'bad') return `bad field(s): ${problems.join(', ')}`;
  return {
    ...base,
    endedAt: r.endedAt as string,
    exit,
    stoppedWith: (r.stoppedWith as string | null) ?? null,
    title: typeof r.title === 'string' ? r.title : null,
  };
}

function parseExit(value: unknown): SessionExit | null | 'bad' {
  if (value === null) return null;
  if (typeof value !== 'object' || value === undefined) return 'bad';
  const v = value as Record<string, unknown>;
  const code = v.exitCode;
  const signal = v.signal;
  if (code !== undefined && !(typeof code === 'number' && Number.isInteger(code))) return 'bad';
  if (signal !== undefined && !(typeof signal === 'number' && Number.isInteger(signal))) return 'bad';
  return { exitCode: code as number | undefined, signal: signal as number | undefined };
}
