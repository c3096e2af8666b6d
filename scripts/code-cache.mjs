// The build's last step: runs the built csm once, so that each process
// writes V8's code cache of the parts it loaded (src/parts.ts says how they
// are used). The run is what a person does first: `csm start` hosting a
// child that waits, `csm list` and `csm stop` from elsewhere, each with its
// own temporary state, so the caches hold what those commands compile, not
// only the parts' top level. Then every part no command loaded gets a cache
// of its top level.
//
// A cache only saves start-up time: if this run fails, the build still
// succeeds (with a warning), and csm compiles its parts as before.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');
const bin = join(root, 'bin', 'csm');
const STEP_TIMEOUT_MS = 20_000;
const SUFFIX = '.v8cache';
const LOADER = 'csm-loader.cjs';

const sandbox = mkdtempSync(join(tmpdir(), 'csm-code-cache-'));
const env = {
  ...process.env,
  CSM_HOME: join(sandbox, 'state'),
  CSM_RUNTIME_DIR: join(sandbox, 'run'),
  CSM_CODE_CACHE_RECORD: '1',
};
// NODE_OPTIONS stays: V8 refuses a cache made under other V8 flags, and csm
// will mostly run in the environment it was installed from.
delete env.CSM_COMMAND;

/** Runs `csm args` to its end; throws unless it exits 0. */
function csm(...args) {
  const result = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: STEP_TIMEOUT_MS });
  if (result.status !== 0)
    throw new Error(`csm ${args.join(' ')}: ${result.error?.message ?? `exit ${result.status}: ${result.stderr.trim()}`}`);
  return result.stdout;
}

/** Hosts a session whose child waits, until `csm stop` ends it. */
async function recordSession() {
  const host = spawn(process.execPath, [bin, 'start', sandbox, '--command', process.execPath, '--', '-e', 'setTimeout(() => {}, 60000)'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise((resolve) => host.once('close', resolve));
  let stderr = '';
  host.stderr.setEncoding('utf8');
  try {
    const id = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('csm start printed no session line')), STEP_TIMEOUT_MS);
      host.stderr.on('data', (text) => {
        stderr += text;
        const match = /csm: session ([0-9a-f]{8}) /.exec(stderr);
        if (match !== null) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      host.once('close', (code) => reject(new Error(`csm start exited (${code}): ${stderr.trim()}`)));
    });
    csm('list');
    csm('stop', id);
    await exited; // with the stopped child's status (129: SIGHUP)
  } finally {
    // Whatever failed, nothing of the run is left behind.
    if (host.exitCode === null && host.signalCode === null) {
      spawnSync(process.execPath, [bin, 'stop', '--all'], { env, timeout: STEP_TIMEOUT_MS });
      host.kill('SIGKILL');
      await exited;
    }
  }
}

/** Loads, in one process, each part that no command of the run loaded. */
function recordTopLevels() {
  // The loader is the one part that bin/csm requires: it has no cache.
  const parts = readdirSync(dist).filter(
    (name) => /^csm(-[\w-]+)?\.cjs$/.test(name) && name !== LOADER && !existsSync(join(dist, name + SUFFIX)),
  );
  if (parts.length === 0) return;
  const names = JSON.stringify(parts.map((name) => name.slice(0, -'.cjs'.length)));
  const load = `const { loadPart } = require(${JSON.stringify(join(dist, LOADER))}); for (const name of ${names}) loadPart(name);`;
  const result = spawnSync(process.execPath, ['-e', load], { env, encoding: 'utf8', timeout: STEP_TIMEOUT_MS });
  if (result.status !== 0) throw new Error(`loading ${parts.join(', ')}: ${result.error?.message ?? result.stderr.trim()}`);
}

const cachesMade = () => readdirSync(dist).filter((name) => name.endsWith(SUFFIX)).length;

try {
  await recordSession();
  recordTopLevels();
  console.log(`code-cache: made V8 code caches of ${cachesMade()} parts`);
} catch (error) {
  console.warn(
    `code-cache: warning: the recording run failed (${error.message}); ${cachesMade()} parts have a code cache, the others are compiled as they load`,
  );
} finally {
  rmSync(sandbox, { recursive: true, force: true });
}
