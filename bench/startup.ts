// 3. Start-up: how long the commands a user types take, against the floor of
// any Node CLI, `node -e 0`, measured interleaved in the same rounds:
// `csm --version`, `csm --help`, `csm list` with 0 and then N live sessions,
// and `csm start` until the child's first byte of output. Every process runs
// with stdin and stdout on /dev/null (a pipe for the first-output case) and
// the same Node as the benchmark. A --require probe also shows which commands
// load node-pty's native addon.
import { readFileSync } from 'node:fs';
import { compileChild } from './compile.js';
import { elapsedMs, run, timeToExit } from './proc.js';
import { newSection, type Section, status } from './report.js';
import type { Sandbox } from './sandbox.js';
import { IdleSessions } from './sessions.js';
import { fmt, fmtRatio, fmtSigned, pairedDifferences, pairedRatios, rotate, summarize } from './stats.js';

export interface StartupConfig {
  readonly iterations: number;
  readonly warmups: number;
  /** Live session counts for `csm list`, in increasing order, e.g. [10, 100]. */
  readonly sessionCounts: readonly number[];
}

interface Contender {
  readonly name: string;
  /** One run; resolves to the measured ms. */
  readonly once: () => Promise<number>;
}

const NODE = 'node -e 0';
const LOAD_LOG = 'CSM_BENCH_LOAD_LOG';

export async function measureStartup(sandbox: Sandbox, config: StartupConfig): Promise<Section> {
  const section = newSection('Start-up: wall time from spawn to exit (or to first output)');
  const state = sandbox.newCsmState();
  const env = state.env;
  const node: Contender = { name: NODE, once: () => timeToExit(sandbox.node, ['-e', '0'], env) };
  const csm = (...args: string[]): Contender => {
    const [command, argv] = sandbox.csm(...args);
    return { name: `csm ${args.join(' ')}`, once: () => timeToExit(command, argv, env) };
  };
  const startTimes: number[] = [];
  const firstOutput: Contender = {
    name: 'csm start → first child output',
    once: async () => {
      const { first, total } = await timeToFirstOutput(sandbox, env);
      startTimes.push(total);
      return first;
    },
  };

  // NODE_EXTRA_CA_CERTS makes every Node process parse a CA bundle at start-up
  // (tens of ms): when it is set, the same commands also run without it.
  const caCerts = env.NODE_EXTRA_CA_CERTS !== undefined && env.NODE_EXTRA_CA_CERTS !== '';
  const bare = { ...env };
  delete bare.NODE_EXTRA_CA_CERTS;
  const withoutCa = (name: string, command: string, argv: string[]): Contender => ({
    name: `${name} (NODE_EXTRA_CA_CERTS unset)`,
    once: () => timeToExit(command, argv, bare),
  });
  const noCa = caCerts
    ? [
        withoutCa(NODE, sandbox.node, ['-e', '0']),
        withoutCa('csm --version', ...sandbox.csm('--version')),
        withoutCa('csm list', ...sandbox.csm('list')),
      ]
    : [];

  // Phase 0: no live sessions.
  const idle = await interleave([node, csm('--version'), csm('--help'), csm('list'), firstOutput, ...noCa], config);
  const base0 = idle.get(NODE) ?? [];
  section.rows.push({ name: `${NODE} (baseline)`, unit: 'ms', stats: summarize(base0) });
  for (const name of ['csm --version', 'csm --help', 'csm list']) {
    const values = idle.get(name) ?? [];
    section.rows.push({
      name: name === 'csm list' ? 'csm list, 0 sessions' : name,
      unit: 'ms',
      stats: summarize(values),
      versus: `${fmtRatio(summarize(pairedRatios(values, base0)))} of node -e 0`,
    });
  }
  const first = idle.get(firstOutput.name) ?? [];
  const overNode = summarize(pairedDifferences(first, base0));
  section.rows.push({
    name: firstOutput.name,
    unit: 'ms',
    stats: summarize(first),
    versus: `${fmtSigned(overNode.median)} ms (${fmtSigned(overNode.min)} to ${fmtSigned(overNode.max)}) over node -e 0`,
    note: `child: /bin/echo; csm start until exit: median ${fmt(summarize(startTimes).median)} ms`,
  });

  const [noCaNode, ...noCaCsm] = noCa.map((c) => c.name);
  if (noCaNode !== undefined) {
    const base = idle.get(noCaNode) ?? [];
    section.rows.push({ name: noCaNode, unit: 'ms', stats: summarize(base), note: 'informational: the environment without its CA bundle' });
    for (const name of noCaCsm) {
      const values = idle.get(name) ?? [];
      section.rows.push({
        name,
        unit: 'ms',
        stats: summarize(values),
        versus: `${fmtRatio(summarize(pairedRatios(values, base)))} of node -e 0 (unset)`,
      });
    }
    section.notes.push(
      `NODE_EXTRA_CA_CERTS is set in this environment (${env.NODE_EXTRA_CA_CERTS}): every Node process, node -e 0 included, loads that CA bundle at start-up. The targets use the environment as it is; the "(NODE_EXTRA_CA_CERTS unset)" rows show the same commands without it.`,
    );
  }

  // Phases N: list with N live sessions, each against its own baseline.
  const sessions = new IdleSessions(sandbox, state);
  const listRatios = new Map<number, ReturnType<typeof summarize>>();
  for (const count of config.sessionCounts) {
    await sessions.add(count - sessions.count);
    const list = csm('list');
    const times = await interleave([node, list], config);
    const base = times.get(NODE) ?? [];
    const values = times.get(list.name) ?? [];
    const ratio = summarize(pairedRatios(values, base));
    listRatios.set(count, ratio);
    section.rows.push({ name: `${NODE}, ${count} sessions live`, unit: 'ms', stats: summarize(base) });
    section.rows.push({
      name: `csm list, ${count} sessions`,
      unit: 'ms',
      stats: summarize(values),
      versus: `${fmtRatio(ratio)} of node -e 0`,
    });
  }

  // Which commands load node-pty: one probed run each; the final stop ends the sessions above.
  const probe = compileChild(sandbox.repo, 'load-probe', 'cjs');
  const logPath = sandbox.path('load-probe.jsonl');
  const probeEnv = { ...env, NODE_OPTIONS: `--require ${probe}`, [LOAD_LOG]: logPath };
  const probed = async (...args: string[]) => {
    const [command, argv] = sandbox.csm(...args);
    await run(command, argv, { env: probeEnv, timeoutMs: 30_000 });
  };
  await probed('--help');
  await probed('--version');
  await probed('list');
  const stopProblems = await sessions.stopAll(probeEnv);
  await probed('start', sandbox.root, '--command', '/bin/true'); // positive control: must show node-pty
  const loads = readProbeLog(logPath);
  const control = loads.find((l) => l.argv[0] === 'start');
  const loadsPty = (first: string) => loads.filter((l) => l.argv[0] === first).some((l) => l.ptyLoaded);
  const verdicts = ['--help', 'list', 'stop'].map((cmd) => `${cmd}: ${loadsPty(cmd) ? 'LOADS node-pty' : 'no node-pty'}`);
  const probeWorks = control?.ptyLoaded === true;
  const neverLoads = probeWorks && !loadsPty('--help') && !loadsPty('list') && !loadsPty('stop') && loads.some((l) => l.argv[0] === 'stop');

  const biggest = config.sessionCounts[config.sessionCounts.length - 1] ?? 0;
  const versionRatio = summarize(pairedRatios(idle.get('csm --version') ?? [], base0));
  const listRatio = listRatios.get(biggest) ?? summarize([]);
  section.targets.push(
    {
      label: 'csm --version',
      goal: '<= 1.15x node -e 0',
      measured: fmtRatio(versionRatio),
      status: status(versionRatio.median <= 1.15),
    },
    {
      label: `csm list, ${biggest} live sessions`,
      goal: '<= 1.3x node -e 0',
      measured: fmtRatio(listRatio),
      status: status(listRatio.median <= 1.3),
    },
    {
      label: 'csm start → first child output',
      goal: '<= node -e 0 + 15 ms',
      measured: `${fmtSigned(overNode.median)} ms (${fmtSigned(overNode.min)} to ${fmtSigned(overNode.max)})`,
      status: status(overNode.median <= 15),
    },
    {
      label: 'list, stop and --help never load node-pty',
      goal: 'yes',
      measured: probeWorks
        ? `${neverLoads ? 'yes' : 'no'} (${verdicts.join('; ')})`
        : 'probe failed: its positive control (csm start) showed no node-pty',
      status: probeWorks ? status(neverLoads) : 'skipped',
    },
  );
  section.notes.push(
    `${config.iterations} rounds after ${config.warmups} warm-up runs of each command; in each round every command runs once, in rotated order. Every csm is \`${sandbox.node} bin/csm ...\`, the same Node as the baseline.`,
    `csm list with N sessions: N idle \`csm start --command /bin/sleep -- 1000\` hosts (stdin and stdout not a terminal), started before the round and listed by \`csm list -q\` first; each N has its own node -e 0 baseline.`,
    `node-pty probe (NODE_OPTIONS=--require load-probe, records process.dlopen and node-pty modules): ${verdicts.join('; ')}; control \`csm start\`: ${probeWorks ? 'loads node-pty, as it must' : 'NOT detected'}.`,
    ...stopProblems.map((p) => `problem while stopping the sessions: ${p}`),
  );
  return section;
}

/** Runs every contender once per round, rotating the order; warm-ups first. */
async function interleave(contenders: readonly Contender[], config: StartupConfig): Promise<Map<string, number[]>> {
  for (let i = 0; i < config.warmups; i++) for (const c of contenders) await c.once();
  const times = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < config.iterations; round++) {
    for (const c of rotate(contenders, round)) times.get(c.name)?.push(await c.once());
  }
  return times;
}

/** csm start with a child that prints at once: ms to its first byte on our pipe, and to exit. */
function timeToFirstOutput(sandbox: Sandbox, env: NodeJS.ProcessEnv): Promise<{ first: number; total: number }> {
  return new Promise((resolve, reject) => {
    const [command, args] = sandbox.csm('start', sandbox.root, '--command', '/bin/echo', '--', 'ready');
    const started = process.hrtime.bigint();
    const child = sandbox.spawn(command, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let first: number | undefined;
    child.stdout?.on('data', () => {
      first ??= elapsedMs(started);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const total = elapsedMs(started);
      if (code !== 0 || first === undefined)
        reject(new Error(`csm start --command /bin/echo: exit ${code}, output ${first === undefined ? 'none' : 'seen'}`));
      else resolve({ first, total });
    });
  });
}

interface ProbeLine {
  readonly argv: string[];
  readonly ptyLoaded: boolean;
}

/** argv as seen by the probe: [bin/csm, command, ...]; reported without the script path. */
function readProbeLog(path: string): ProbeLine[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const entry = JSON.parse(line) as { argv: string[]; addons: string[]; modules: string[] };
      return {
        argv: entry.argv,
        ptyLoaded: entry.addons.some((a) => a.includes('pty.node')) || entry.modules.length > 0,
      };
    });
}
