// File systems that misbehave on purpose: a read-only bind mount and a tiny
// tmpfs that can be filled. Both need root (mount(2)); without it a test
// skips with the reason. Every mount is undone by the returned function.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Unmount = () => void;

const isRoot = process.getuid?.() === 0;
export const NO_MOUNT_REASON = 'mounting needs root and mount(8) on Linux; a read-only or full directory cannot be made otherwise';

/** Why mounts are impossible here, or false when they work (probed once with a throwaway tmpfs). */
export function cannotMount(scratch: string): string | false {
  if (!isRoot || process.platform !== 'linux') return NO_MOUNT_REASON;
  try {
    const unmount = mountTmpfs(scratch, 4096 * 4);
    unmount();
    return false;
  } catch (error) {
    return `${NO_MOUNT_REASON} (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
}

/** Mounts a tmpfs of `bytes` (mode 0700) over `dir`. */
export function mountTmpfs(dir: string, bytes: number): Unmount {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=700`, 'tmpfs', dir], { stdio: 'pipe' });
  return () => execFileSync('umount', [dir], { stdio: 'pipe' });
}

/** Makes `dir` read-only by bind-mounting it over itself, read-only. */
export function bindReadOnly(dir: string): Unmount {
  execFileSync('mount', ['--bind', dir, dir], { stdio: 'pipe' });
  try {
    execFileSync('mount', ['-o', 'remount,bind,ro', dir], { stdio: 'pipe' });
  } catch (error) {
    execFileSync('umount', [dir], { stdio: 'pipe' });
    throw error;
  }
  return () => execFileSync('umount', [dir], { stdio: 'pipe' });
}

/**
 * Fills the file system holding `dir` with a file of its own, leaving
 * `leaveBytes` free (tmpfs counts whole pages). Returns the filler's path.
 */
export function fill(dir: string, leaveBytes = 0): string {
  const filler = join(dir, 'filler');
  const page = Buffer.alloc(4096, 0x2e);
  writeFileSync(filler, '');
  const free = () => Number(execFileSync('df', ['--output=avail', '-B1', dir], { encoding: 'utf8' }).trim().split('\n')[1]);
  while (free() > leaveBytes) {
    try {
      writeFileSync(filler, page, { flag: 'a' });
    } catch {
      break; // ENOSPC: as full as it gets
    }
  }
  return filler;
}
