// A session must not outlive its host. When `csm start` is killed with
// SIGKILL (or crashes), the kernel hangs up the PTY, but that signals only
// the child (the session leader) and, once it exits, its foreground process
// group: tools Claude started in process groups of their own run on, seen
// only as "(host died)" in `csm list`. So each host starts a guardian: a
// shell in a terminal session of its own, reading a pipe from the host.
// A host that ends normally writes the release word; if the pipe closes
// without it, the host died, and the guardian runs the reaper (reaper.ts),
// which ends what is left of the session as `csm stop` would.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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

/** Starts the guardian of a session whose child runs (its record is complete). */
export function startGuardian(record: SessionRecord, paths: CsmPaths): Guardian {
  const child = spawn('/bin/sh', ['-c', SCRIPT, 'csm-guardian', process.execPath, REAPER, JSON.stringify(paths), JSON.stringify(record)], {
    // A session of its own: neither the host's terminal closing nor a
    // signal to the host's process group reaches it.
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    // Could not start (no /bin/sh, out of processes): the session runs
    // unguarded, as before guardians existed; list still shows what a dead
    // host leaves behind.
    child.once('error', () => resolve());
  });
  child.stdin?.on('error', () => {
    // EPIPE: the guardian is gone already; there is nobody to tell.
  });
  let released: Promise<void> | undefined;
  return {
    release: () => {
      released ??= (async () => {
        child.stdin?.end(`${RELEASE_WORD}\n`);
        let timer: NodeJS.Timeout | undefined;
        const bound = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, RELEASE_WAIT_MS);
        });
        await Promise.race([exited, bound]);
        clearTimeout(timer);
      })();
      return released;
    },
  };
}
