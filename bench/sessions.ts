// Idle csm sessions in the background, as a user would have them: each one a
// `csm start <dir> --command /bin/sleep -- 1000` host whose stdin and stdout
// are not a terminal. Used by the start-up (list with N live sessions) and
// memory measurements; `stopAll` ends them with `csm stop --all` and checks
// that nothing of them is left.
import type { ChildProcess } from 'node:child_process';
import { exited, isAlive, run, sleep, waitFor } from './proc.js';
import type { CsmState, Sandbox } from './sandbox.js';

const START_CONCURRENCY = 4;
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 120_000;

export class IdleSessions {
  private readonly hosts: ChildProcess[] = [];
  private stopped = false;

  constructor(
    private readonly sandbox: Sandbox,
    readonly state: CsmState,
  ) {
    sandbox.defer(() => this.stopAll().then(() => undefined));
  }

  get count(): number {
    return this.hosts.length;
  }

  /** Pids of the host processes (the `csm start` Node processes). */
  hostPids(): number[] {
    return this.hosts.flatMap((host) => (host.pid === undefined ? [] : [host.pid]));
  }

  /** Starts `more` sessions, a few at a time, and waits until `csm list` shows all of them. */
  async add(more: number): Promise<number[]> {
    const added: number[] = [];
    const starting = new Set<Promise<void>>();
    for (let i = 0; i < more; i++) {
      while (starting.size >= START_CONCURRENCY) await Promise.race(starting);
      const host = this.spawnHost();
      if (host.pid !== undefined) added.push(host.pid);
      const announced = this.announced(host).finally(() => starting.delete(announced));
      starting.add(announced);
    }
    await Promise.all(starting);
    const want = this.hosts.length;
    await waitFor(
      `csm list to show ${want} sessions`,
      async () => ((await this.listIds()).length === want ? true : undefined),
      START_TIMEOUT_MS,
      200,
    );
    return added;
  }

  /** hostPid → child pid of every listed session (csm list --json). */
  async children(): Promise<Map<number, number>> {
    return listChildren(this.sandbox, this.state.env);
  }

  async listIds(): Promise<string[]> {
    const [node, args] = this.sandbox.csm('list', '--quiet');
    const result = await run(node, args, { env: this.state.env, captureStdout: true, timeoutMs: 30_000 });
    if (result.code !== 0) throw new Error(`csm list failed (${result.code}): ${result.stderr.trim()}`);
    return result.stdout.split('\n').filter((line) => line !== '');
  }

  /**
   * `csm stop --all`, then checks that every host exited and the list is
   * empty. Returns what went wrong, one line each (empty when all is well).
   */
  async stopAll(env: NodeJS.ProcessEnv = this.state.env): Promise<string[]> {
    if (this.stopped || this.hosts.length === 0) return [];
    this.stopped = true;
    const problems: string[] = [];
    const [node, args] = this.sandbox.csm('stop', '--all');
    const result = await run(node, args, { env, timeoutMs: STOP_TIMEOUT_MS });
    if (result.code !== 0) problems.push(`csm stop --all exited with ${result.code}: ${result.stderr.trim().slice(0, 500)}`);
    await Promise.race([Promise.all(this.hosts.map(exited)), sleep(10_000)]);
    const alive = this.hostPids().filter(isAlive);
    if (alive.length > 0) problems.push(`${alive.length} host(s) still running after csm stop --all: ${alive.join(', ')}`);
    const left = await this.listIds();
    if (left.length > 0) problems.push(`csm list still shows ${left.length} session(s) after csm stop --all`);
    return problems;
  }

  private spawnHost(): ChildProcess {
    const [node, args] = this.sandbox.csm('start', this.sandbox.root, '--command', '/bin/sleep', '--', '1000');
    const host = this.sandbox.spawn(node, args, { env: this.state.env, cwd: this.sandbox.root, stdio: ['ignore', 'ignore', 'pipe'] });
    this.hosts.push(host);
    return host;
  }

  /** Resolves once the host said "session <id> in <dir>" on stderr (just before it spawns the child). */
  private announced(host: ChildProcess): Promise<void> {
    return new Promise((resolve, reject) => {
      let text = '';
      const onData = (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if (/session \S+ in /.test(text)) {
          host.stderr?.off('data', onData);
          host.stderr?.resume();
          resolve();
        }
      };
      host.stderr?.on('data', onData);
      host.once('exit', (code) => reject(new Error(`csm start exited early (${code}): ${text.trim()}`)));
    });
  }
}

/** hostPid → child pid of every session `csm list --json` shows in this state. */
export async function listChildren(sandbox: Sandbox, env: NodeJS.ProcessEnv): Promise<Map<number, number>> {
  const [node, args] = sandbox.csm('list', '--json');
  const result = await run(node, args, { env, captureStdout: true, timeoutMs: 30_000 });
  if (result.code !== 0) throw new Error(`csm list --json failed (${result.code}): ${result.stderr.trim()}`);
  const rows = JSON.parse(result.stdout) as { pid: number; hostPid: number }[];
  return new Map(rows.map((row) => [row.hostPid, row.pid]));
}
