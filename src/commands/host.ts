// `csm __host [dir] [-- args...]` (hidden): what `csm start --detach` runs in
// the background. The same session as `csm start`, with no terminal of its
// own: it is shown only through `csm attach`.

import { failureReport, reportToStarter } from '../background-host.js';
import { exitStatus } from '../format.js';
import { SessionManager } from '../manager.js';
import { resolvePaths } from '../paths.js';
import { recordingSettings } from '../recording-env.js';
import type { CommandContext } from './context.js';
import type { StartCommandOptions } from './start.js';

/** Signals that end the session the way `csm stop` does. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGTERM', 'SIGINT'];
/** Until a terminal attaches, the session has the classic terminal size. */
const DETACHED_SIZE = { cols: 80, rows: 24 };

export async function hostCommand(options: StartCommandOptions, ctx: CommandContext): Promise<number> {
  const manager = new SessionManager({ paths: resolvePaths(ctx.env) });
  let hosted: Awaited<ReturnType<SessionManager['startSession']>>;
  try {
    hosted = await manager.startSession({
      dir: options.dir,
      cwd: ctx.cwd,
      command: options.command ?? nonEmpty(ctx.env.CSM_COMMAND),
      args: options.args,
      conversationId: options.conversationId,
      env: ctx.env,
      ...DETACHED_SIZE,
      ...recordingSettings(ctx.env),
    });
  } catch (error) {
    reportToStarter(failureReport(error));
    throw error;
  }
  reportToStarter({ kind: 'ready', id: hosted.session.id, workingDir: hosted.session.workingDir });

  const onSignal = () => void manager.stopSession(hosted.record);
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    const end = await hosted.ended;
    return exitStatus(end.exit);
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
