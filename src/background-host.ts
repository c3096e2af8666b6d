// Hosting a session in the background (`csm start --detach`): the host is a
// second csm process (the hidden `__host` command) in its own process
// session, with its standard streams on /dev/null, so that nothing that
// happens to the starting terminal reaches it. The two talk once, over a
// Node IPC channel: the host says "running, here is the id" or "failed, here
// is the error", then the starting csm returns and the channel closes.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CsmError, errnoCode, SpawnError } from './errors.js';
import { HOST_COMMAND } from './start-fast-path.js';

export interface BackgroundStart {
  readonly dir: string;
  readonly command?: string | undefined;
  readonly args: readonly string[];
  /** False: --no-session-id, passed on to the host. */
  readonly conversationId?: boolean | undefined;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/** What the host tells the starting process, once. */
export type HostReport =
  | { readonly kind: 'ready'; readonly id: string; readonly workingDir: string }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string; readonly exitCode: number };

/** Starting takes milliseconds; a host silent this long is stuck (it is then ended). */
export const HOST_READY_MS = 30_000;

const CSM_BIN = fileURLToPath(new URL('../bin/csm', import.meta.url));

/** Starts a background host and resolves once its child is running. */
export function startBackgroundHost(options: BackgroundStart): Promise<{ id: string; workingDir: string; hostPid: number }> {
  const argv = [CSM_BIN, HOST_COMMAND, options.dir];
  if (options.command !== undefined) argv.push('--command', options.command);
  if (options.conversationId === false) argv.push('--no-session-id');
  argv.push('--', ...options.args);
  return new Promise((resolve, reject) => {
    const host = spawn(process.execPath, argv, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (host.connected) host.disconnect();
      host.unref();
      outcome();
    };
    const timer = setTimeout(() => {
      host.kill('SIGTERM');
      settle(() => reject(new SpawnError(`the background host did not report within ${HOST_READY_MS / 1000} s; it was ended`)));
    }, HOST_READY_MS);
    host.on('message', (message: HostReport) => {
      if (message.kind === 'ready') settle(() => resolve({ id: message.id, workingDir: message.workingDir, hostPid: host.pid ?? 0 }));
      else settle(() => reject(new CsmError(message.code, message.message, message.exitCode)));
    });
    host.on('error', (error) => {
      settle(() => reject(new SpawnError(`cannot start the background host: ${errnoCode(error) ?? error.message}`)));
    });
    host.on('exit', (code, signal) => {
      settle(() => reject(new SpawnError(`the background host exited before its session started (${signal ?? `exit ${code}`})`)));
    });
  });
}

/** Called by the host: tells the starting process how it went, then lets it go. */
export function reportToStarter(report: HostReport): void {
  if (process.send === undefined) return;
  process.send(report, () => {
    if (process.connected) process.disconnect();
  });
}

/** The error the starting process will rethrow, as plain data. */
export function failureReport(error: unknown): HostReport {
  if (error instanceof CsmError) return { kind: 'failed', code: error.code, message: error.message, exitCode: error.exitCode };
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'failed', code: 'host-failed', message: `the background host failed: ${message}`, exitCode: 1 };
}
