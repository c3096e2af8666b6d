// The registry: one JSON file per live session in `<stateDir>/sessions/`, so
// any terminal can find every session with no daemon. Writes are atomic
// (exclusive temp file, then rename): a concurrent reader sees the old record
// or the new one, never half of one. Reads trust nothing: links, oversized
// files and foreign names are skipped with a warning.
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, StateDirError } from './errors.js';
import type { CsmPaths } from './paths.js';
import { entryPath, recordPathFor } from './paths.js';
import { describeErrno, ensurePrivateDir } from './private-dir.js';
import { isSessionId, parseRecord, type SessionRecord, serializeRecord } from './session.js';

/** Real records are a few hundred bytes; anything far larger is not ours. */
export const MAX_RECORD_BYTES = 64 * 1024;
/**
 * What prepare() writes to prove there is room. A full file system still
 * lets an empty file be created (that needs an inode, not a block), so an
 * empty probe passed and `start` failed only after the child was running.
 * One page or block, more than a record normally takes.
 */
const PROBE_BYTES = 4096;
/** A temp file older than this belongs to a writer that died mid-write. */
const ABANDONED_TEMP_MS = 60_000;
const RECORD_NAME = /^([0-9a-f-]{36})\.json$/;

export interface RegistryScan {
  readonly records: SessionRecord[];
  /** One line per skipped file, for stderr. */
  readonly warnings: string[];
}

export class Registry {
  constructor(private readonly paths: CsmPaths) {}

  /** Creates and checks the state directory; fails before anything is spawned. */
  prepare(): void {
    ensurePrivateDir(this.paths.stateDir, 'state directory', true);
    ensurePrivateDir(this.paths.sessionsDir, 'state directory', true);
    // Prove we can write here now, rather than after the child is running.
    const probe = this.writeTemp('probe', ' '.repeat(PROBE_BYTES));
    unlinkQuietly(probe);
  }

  write(record: SessionRecord): void {
    const temp = this.writeTemp(record.id, serializeRecord(record));
    try {
      renameSync(temp, recordPathFor(this.paths, record.id));
    } catch (error) {
      unlinkQuietly(temp);
      throw new StateDirError(`cannot write session record in ${this.paths.sessionsDir}: ${describeErrno(errnoCode(error), error)}`);
    }
  }

  /** Removes a record; unlink never follows a symlink, so a planted one only removes itself. */
  remove(id: string): void {
    if (!isSessionId(id)) return;
    unlinkQuietly(recordPathFor(this.paths, id));
  }

  /** Whether a record file for `id` exists (it may still fail to parse). */
  has(id: string): boolean {
    if (!isSessionId(id)) return false;
    try {
      lstatSync(recordPathFor(this.paths, id));
      return true;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return false;
      throw new StateDirError(`cannot read ${this.paths.sessionsDir}: ${describeErrno(errnoCode(error), error)}`);
    }
  }

  /** Every record that parses. A missing state directory means no sessions. */
  scan(): RegistryScan {
    const records: SessionRecord[] = [];
    const warnings: string[] = [];
    if (ensurePrivateDir(this.paths.stateDir, 'state directory', false) === 'missing') return { records, warnings };
    if (ensurePrivateDir(this.paths.sessionsDir, 'state directory', false) === 'missing') return { records, warnings };
    let names: string[];
    try {
      names = readdirSync(this.paths.sessionsDir);
    } catch (error) {
      throw new StateDirError(`cannot read ${this.paths.sessionsDir}: ${describeErrno(errnoCode(error), error)}`);
    }
    for (const name of names.sort()) {
      const path = entryPath(this.paths.sessionsDir, name);
      if (name.startsWith('.')) {
        this.collectAbandonedTemp(path);
        continue;
      }
      const match = RECORD_NAME.exec(name);
      if (match === null) {
        warnings.push(`skipping ${path}: not a session record`);
        continue;
      }
      const result = readRecordFile(path);
      // Removed between readdir and open: its session ended while we looked.
      if (result === undefined) continue;
      if (typeof result === 'string') {
        warnings.push(`skipping ${path}: ${result}`);
      } else if (result.id !== match[1]) {
        warnings.push(`skipping ${path}: its id ${result.id} does not match the file name`);
      } else {
        records.push(result);
      }
    }
    return { records, warnings };
  }

  private writeTemp(id: string, text: string): string {
    const temp = tempPath(this.paths.sessionsDir, id);
    let fd: number | undefined;
    try {
      // O_EXCL: never reuse or follow anything already at this name.
      fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      writeAll(fd, Buffer.from(text));
      return temp;
    } catch (error) {
      if (fd !== undefined) unlinkQuietly(temp);
      throw new StateDirError(`cannot write in state directory ${this.paths.sessionsDir}: ${describeErrno(errnoCode(error), error)}`);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  private collectAbandonedTemp(path: string): void {
    if (!path.endsWith('.tmp')) return;
    try {
      const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      const age = Date.now() - fstatSync(fd).mtimeMs;
      closeSync(fd);
      if (age > ABANDONED_TEMP_MS) unlinkQuietly(path);
    } catch {
      // A link, or already gone: leave it; it is never read as a record.
    }
  }
}

/** The record, the reason it is not one, or undefined when the file is gone. */
function readRecordFile(path: string): SessionRecord | string | undefined {
  let fd: number;
  try {
    // O_NOFOLLOW: a planted symlink is refused, not read through. O_NONBLOCK:
    // a planted FIFO cannot hang `csm list`.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ELOOP' || code === 'EMLINK') return 'is a symbolic link';
    // A session that ends while list runs removes its record; that is no
    // reason to warn (a warning for it showed up under load).
    if (code === 'ENOENT') return undefined;
    return describeErrno(code, error);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return 'not a regular file';
    if (stat.size > MAX_RECORD_BYTES) return `too large (${stat.size} bytes)`;
    if (stat.size === 0) return 'empty file';
    const buffer = Buffer.alloc(stat.size);
    const read = readSync(fd, buffer, 0, stat.size, 0);
    return parseRecord(buffer.toString('utf8', 0, read));
  } catch (error) {
    return describeErrno(errnoCode(error), error);
  } finally {
    closeSync(fd);
  }
}

/**
 * write(2) may write less than asked when the file system fills up mid-way,
 * and only the next call fails with ENOSPC; without the loop a truncated
 * record would be renamed into place and its session be invisible.
 */
function writeAll(fd: number, data: Buffer): void {
  for (let done = 0; done < data.length; ) {
    const written = writeSync(fd, data, done, data.length - done);
    // Not seen for regular files; never spin if it happens.
    if (written <= 0) throw new Error('write made no progress');
    done += written;
  }
}

/**
 * Where to write `name` before renaming it into place. O_EXCL settles any
 * clash, so the random part need only make one unlikely; it does not come
 * from node:crypto, whose import from an ES module made Node set up WebCrypto:
 * 5 ms of every `csm list`.
 */
export function tempPath(dir: string, name: string): string {
  return join(dir, `.${name}.${process.pid}.${Math.random().toString(16).slice(2, 10)}.tmp`);
}

export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone is the outcome we wanted; any other failure (EACCES, EROFS)
    // leaves a file that the next scan reports or collects.
  }
}
