// A session must not outlive its host. When `csm start` is killed with
// SIGKILL (or crashes), the kernel hangs up the PTY, but that signals only
// the child (the session leader) and, once it exits, its foreground process
// group: tools Claude started in process groups of their own run on, seen
// only as "(host died)" in `csm list`. So each host starts a guardian: a
// shell in a terminal session of its own, reading a pipe from the host.
// A host that ends normally writes the release word; if the pipe closes
// without it, the host died, and the guardian runs the reaper (reaper.ts),
// which ends what is left of the session as `csm stop` would.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { within } from './bounded-wait.js';
import type { CsmPaths } from './paths.js';
import type { SessionRecord } from './session.js';

const RELEASE_WORD = 'released';
/**
 * A waiting shell costs about a megabyte; node is started only when there is
 * work. `read` fails at end of file without a newline, leaving $word empty.
 */
const SCRIPT = `IFS= read -r word; [ "$word" = ${RELEASE_WORD} ] || exec "$1" "$2" "$3" "$4"`;
/** Both src/ (tests run it through tsx) and dist/ sit one level below the package root. */
const REAPER = fileURLToPath(new URL('../dist/reaper.js', import.meta.url));
/** The guardian exits as soon as it reads the word; this only bounds a pathological wait. */
const RELEASE_WAIT_MS = 1000;

export interface Guardian {
  /** Tells the guardian the session ended normally; resolves once it has exited. Idempotent. */
  release(): Promise<void>;
}

/**
 * Starts the guardian of a session whose child runs (its record is
 * complete). The guardian's process starts at the end of the current
 * event-loop turn (setImmediate), after the input and output already
 * waiting: starting it forks this host (the page tables of a 50 MB process)
 * and waits for the shell's exec, 1 to 2 ms that would otherwise come
 * between the child's first output and the terminal. A killed host is then
 * unguarded for that turn longer; a session that ends within it never
 * needed a guardian, and none is started.
 */
export function startGuardian(record: SessionRecord, paths: CsmPaths): Guardian {
  let exited: Promise<void> | undefined;
  let child: ChildProcess | undefined;
  const starting = setImmediate(() => {
    child = spawn('/bin/sh', ['-c', SCRIPT, 'csm-guardian', process.execPath, REAPER, JSON.stringify(paths), JSON.stringify(record)], {
      // A session of its own: neither the host's terminal closing nor a
      // signal to the host's process group reaches it.
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    const started = child;
    exited = new Promise<void>((resolve) => {
      started.once('exit', () => resolve());
      // Could not start (no /bin/sh, out of processes): the session runs
      // unguarded, as before guardians existed; list still shows what a dead
      // host leaves behind.
      started.once('error', () => resolve());
    });
    started.stdin?.on('error', () => {
      // EPIPE: the guardian is gone already; there is nobody to tell.
    });
  });
  let released: Promise<void> | undefined;
  return {
    release: () => {
      released ??= (async () => {
        clearImmediate(starting);
        if (child === undefined || exited === undefined) return;
        child.stdin?.end(`${RELEASE_WORD}\n`);
        await within(exited, RELEASE_WAIT_MS, undefined);
      })();
      return released;
    },
  };
}
