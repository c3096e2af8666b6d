// 4. Memory and idle CPU of csm hosts. One idle host (`csm start --command
// /bin/sleep -- 1000`, stdin and stdout not a terminal): its RSS (VmRSS) and
// PSS (smaps_rollup), then N hosts side by side: the sum of their PSS divided
// by N, and the marginal growth (PSS sum of N minus the single host's PSS, per
// extra host). PSS divides each shared page among the processes that map it,
// so it is what an extra host really costs. The bare node-pty host (the
// smallest Node host of a PTY) is measured the same way, 1 then N side by
// side, since Node's own share of an extra process sets a floor that no
// target on PSS per host can go below. Idle CPU: utime+stime ticks and
// thread wake-ups of the host while its child does nothing, here and (from the
// echo measurement) for a host attached to a terminal.
import { compileChild } from './compile.js';
import { descendants, exited, hostProcesses, type IdleResult, memoryUse, sleep, waitFor, watchIdle } from './proc.js';
import { newSection, type Section, status } from './report.js';
import type { Sandbox } from './sandbox.js';
import { IdleSessions } from './sessions.js';
import { fmt, fmtSigned, pairedDifferences, summarize } from './stats.js';

export interface MemoryConfig {
  readonly rounds: number;
  /** Hosts side by side for the growth measurement. */
  readonly hosts: number;
  /** Time for a new host to finish its start-up work before it is measured. */
  readonly settleMs: number;
  readonly idleSeconds: number;
}

const MIB = 1024;
const BARE_START_TIMEOUT_MS = 60_000;

/**
 * PSS of `count` bare node-pty hosts side by side, in KiB, one per host: each
 * runs the same idle sleep as a csm session and is measured `settleMs` after
 * it has started that child (it has loaded node-pty by then, as a csm host
 * has by the time `csm list` shows it). All of them are ended and waited for
 * before this returns, whatever happens.
 */
async function barePssSideBySide(sandbox: Sandbox, passthrough: string, count: number, settleMs: number): Promise<number[]> {
  const hosts = Array.from({ length: count }, () =>
    sandbox.spawn(sandbox.node, [passthrough, '/bin/sleep', '1000'], { env: sandbox.baseEnv(), stdio: 'ignore' }),
  );
  try {
    const pids = hosts.map((host) => {
      if (host.pid === undefined) throw new Error('no pid for a bare node-pty host');
      return host.pid;
    });
    await waitFor(
      `${count} bare node-pty hosts to start their child`,
      () => {
        // One that died (node-pty failed to load, say) would never start a child: fail at once.
        const dead = hosts.find((host) => host.exitCode !== null || host.signalCode !== null);
        if (dead !== undefined) throw new Error(`bare node-pty host ${dead.pid} exited with ${dead.exitCode ?? dead.signalCode}`);
        return pids.every((pid) => descendants(pid).length > 0) ? true : undefined;
      },
      BARE_START_TIMEOUT_MS,
    );
    await sleep(settleMs);
    return pids.map((pid) => memoryUse(pid).pssKib);
  } finally {
    for (const host of hosts) host.kill('SIGTERM'); // their PTYs close, and the kernel hangs up each sleep
    await Promise.all(hosts.map(exited));
  }
}

export async function measureMemory(sandbox: Sandbox, config: MemoryConfig, idleInTerminal: IdleResult | undefined): Promise<Section> {
  const section = newSection(`Memory and idle CPU of csm hosts (1 host, then ${config.hosts} side by side)`);
  const rss1: number[] = [];
  const pss1: number[] = [];
  const sessionPss1: number[] = [];
  const rssN: number[] = [];
  const pssPerHost: number[] = [];
  const marginal: number[] = [];
  const bareRss: number[] = [];
  const barePss: number[] = [];
  const barePssPerHost: number[] = [];
  const bareMarginal: number[] = [];
  const helperCounts: number[] = [];
  let idle: IdleResult | undefined;
  const problems: string[] = [];
  const passthrough = compileChild(sandbox.repo, 'pty-passthrough', 'esm');
  const pssOf = (pids: readonly number[]) => pids.reduce((sum, pid) => sum + memoryUse(pid).pssKib, 0);

  for (let round = 0; round < config.rounds; round++) {
    const sessions = new IdleSessions(sandbox, sandbox.newCsmState());
    // The bare node-pty host with the same idle child, measured at the same moment as the first csm host.
    const bare = sandbox.spawn(sandbox.node, [passthrough, '/bin/sleep', '1000'], { env: sandbox.baseEnv(), stdio: 'ignore' });
    const [pid] = await sessions.add(1);
    if (pid === undefined || bare.pid === undefined) throw new Error('no pid for a host');
    const child = (await sessions.children()).get(pid);
    if (child === undefined) throw new Error(`csm list --json does not show host ${pid}`);
    await sleep(config.settleMs);
    const procs = hostProcesses(pid, child);
    helperCounts.push(procs.length - 1);
    const one = memoryUse(pid);
    const oneSession = pssOf(procs);
    const baseline = memoryUse(bare.pid);
    bare.kill('SIGTERM'); // its PTY closes, and the kernel hangs up its sleep
    await exited(bare);
    rss1.push(one.rssKib / MIB);
    pss1.push(one.pssKib / MIB);
    sessionPss1.push(oneSession / MIB);
    bareRss.push(baseline.rssKib / MIB);
    barePss.push(baseline.pssKib / MIB);
    if (round === 0) idle = await watchIdle(procs, config.idleSeconds);

    await sessions.add(config.hosts - 1);
    const children = await sessions.children();
    await sleep(config.settleMs);
    const hosts = sessions.hostPids();
    const all = hosts.flatMap((host) => hostProcesses(host, children.get(host) ?? -1));
    const pssSum = pssOf(all);
    rssN.push(hosts.reduce((sum, host) => sum + memoryUse(host).rssKib, 0) / hosts.length / MIB);
    pssPerHost.push(pssSum / hosts.length / MIB);
    // The first session's PSS shrinks as others share its pages: it is measured again inside the sum.
    marginal.push((pssSum - oneSession) / (hosts.length - 1) / MIB);
    problems.push(...(await sessions.stopAll()));

    // The same N with bare node-pty hosts, after the csm hosts are gone: PSS
    // splits Node's shared pages among every process that maps them, so
    // either set running beside the other would lower both figures.
    const bareSum = (await barePssSideBySide(sandbox, passthrough, config.hosts, config.settleMs)).reduce((a, b) => a + b, 0);
    barePssPerHost.push(bareSum / config.hosts / MIB);
    bareMarginal.push((bareSum - baseline.pssKib) / (config.hosts - 1) / MIB);
  }

  const helpers = summarize(helperCounts).median;
  const what = helpers > 0 ? `host + ${helpers} helper process${helpers === 1 ? '' : 'es'}` : 'host';
  const rss = summarize(rss1);
  const pssGrowth = summarize(pssPerHost);
  const bareGrowth = summarize(barePssPerHost);
  section.rows.push(
    { name: 'idle bare node-pty host RSS (baseline)', unit: 'MiB', stats: summarize(bareRss) },
    { name: 'idle bare node-pty host PSS (baseline)', unit: 'MiB', stats: summarize(barePss) },
    {
      name: 'idle csm host RSS (the csm start process)',
      unit: 'MiB',
      stats: rss,
      versus: `${fmtSigned(summarize(pairedDifferences(rss1, bareRss)).median)} MiB over bare node-pty`,
    },
    {
      name: 'idle csm host PSS (the csm start process)',
      unit: 'MiB',
      stats: summarize(pss1),
      versus: `${fmtSigned(summarize(pairedDifferences(pss1, barePss)).median)} MiB over bare node-pty`,
    },
    { name: `idle session overhead PSS (${what})`, unit: 'MiB', stats: summarize(sessionPss1) },
    { name: `RSS per csm host, ${config.hosts} hosts`, unit: 'MiB', stats: summarize(rssN) },
    { name: `PSS per bare node-pty host, ${config.hosts} side by side (baseline)`, unit: 'MiB', stats: bareGrowth },
    {
      name: `PSS growth per extra bare node-pty host ((sum of ${config.hosts} − one) / ${config.hosts - 1})`,
      unit: 'MiB',
      stats: summarize(bareMarginal),
    },
    {
      name: `PSS per session, ${config.hosts} sessions (${what}; sum / ${config.hosts})`,
      unit: 'MiB',
      stats: pssGrowth,
      versus: `${fmtSigned(summarize(pairedDifferences(pssPerHost, barePssPerHost)).median)} MiB over bare node-pty`,
    },
    {
      name: `PSS growth per extra session ((sum of ${config.hosts} − one) / ${config.hosts - 1})`,
      unit: 'MiB',
      stats: summarize(marginal),
      versus: `${fmtSigned(summarize(pairedDifferences(marginal, bareMarginal)).median)} MiB over bare node-pty`,
    },
  );
  const idleRows: [string, IdleResult | undefined][] = [
    ['idle session CPU, stdin/stdout not a terminal', idle],
    ['idle session CPU, attached to a terminal (echo run)', idleInTerminal],
  ];
  for (const [name, result] of idleRows) {
    if (result === undefined) continue;
    section.rows.push({
      name: `${name}, ${result.seconds} s`,
      unit: 'ticks',
      stats: summarize([result.ticks]),
      note: `${result.wakeups} thread wake-ups (context switches) in ${result.seconds} s`,
    });
  }

  section.targets.push(
    { label: 'idle csm host RSS', goal: '<= 45 MB', measured: `${fmt(rss.median)} MiB`, status: status(rss.median <= 45) },
    {
      label: `PSS per session (${what}; ${config.hosts} sessions, sum / count)`,
      goal: '<= 8 MB',
      // The bare host's figure says how much of the gap to the goal is Node's own.
      measured: `${fmt(pssGrowth.median)} MiB (marginal ${fmt(summarize(marginal).median)}; bare node-pty host ${fmt(bareGrowth.median)})`,
      status: status(pssGrowth.median <= 8),
    },
  );
  const measured = idleRows.flatMap(([, r]) => (r === undefined ? [] : [r]));
  section.targets.push({
    label: `CPU of csm's processes while the session is idle`,
    goal: '0 ticks',
    measured: measured.map((r) => `${r.ticks} ticks / ${r.wakeups} wake-ups in ${r.seconds} s`).join('; ') || 'not measured',
    status: measured.length === 0 ? 'skipped' : status(measured.every((r) => r.ticks === 0)),
  });
  section.notes.push(
    `${config.rounds} round(s), each with fresh sessions measured ${config.settleMs} ms after \`csm list\` shows them; the bare node-pty host (bench/pty-passthrough.ts running the same sleep) is measured at the same moment as the single csm host; then, after the ${config.hosts} csm hosts are stopped, ${config.hosts} bare hosts side by side are measured ${config.settleMs} ms after each has started its sleep. The ${config.hosts} csm and ${config.hosts} bare hosts never run together: each set would share Node's pages with the other and look smaller.`,
    `The bare rows are what the same Node and node-pty cost per host on this machine with nothing of csm, measured the same way: a floor for any Node host of a PTY, so a PSS goal below the bare figure is out of reach of anything csm does. The csm rows' "versus" is the paired difference to the bare figure of the same round.`,
    `A session's overhead is the csm start process plus its descendants outside the child's terminal session (found ${helpers} per host: e.g. a guardian); the child (sleep) is not counted. RSS is of the csm start process alone: RSS counts shared pages in full and does not add up.`,
    "PSS shares each page among all processes mapping it, the benchmark's own Node and any other Node on the machine included, so it depends a little on what else runs. 1 MiB = 1024 KiB as the kernel reports; the 45 MB and 8 MB targets are read as MiB.",
    "Ticks are utime+stime from /proc/<pid>/stat (USER_HZ, normally 100/s) summed over the session's csm processes: 0 means under 10 ms of CPU in the whole interval. Wake-ups count context switches of all their threads: 0 means nothing polls.",
    ...problems.map((p) => `problem while stopping hosts: ${p}`),
  );
  return section;
}
