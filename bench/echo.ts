// 2. Keystroke echo latency. The benchmark is the user's terminal: it opens an
// outer PTY with node-pty, runs a host in it, and times each single byte from
// the write into the outer PTY's master to the moment the child's echo of it
// comes back out. The child is `cat` on a raw, no-echo terminal, so every
// byte it reads is written straight back. Hosts:
//   direct PTY  the child itself in the outer PTY (one PTY, no host),
//   csm         csm start hosting the child,
//   node-pty    bench/pty-passthrough.ts, the bare Node host, as is and with
//               input written by writeSync (the fix proposed for src/pty.ts),
//   script(1)   util-linux's C passthrough,
//   tmux        a multiplexer: client, server and one more PTY.
// Bursts send the next key as soon as the previous echo arrives; paced sends
// one key every 20 ms, as a person types (the host is idle in between).
import { writeSync } from 'node:fs';
import type { IPty, IPtyForkOptions } from 'node-pty';
import { compileChild } from './compile.js';
import { elapsedMs, hostProcesses, type IdleResult, run, sleep, watchIdle } from './proc.js';
import { newSection, type Section, status } from './report.js';
import type { Sandbox } from './sandbox.js';
import { listChildren } from './sessions.js';
import { fmt, fmtRatio, fmtSigned, pairedDifferences, pairedRatios, percentile, rotate, summarize } from './stats.js';

export interface EchoConfig {
  readonly rounds: number;
  readonly burstKeys: number;
  readonly pacedKeys: number;
  readonly intervalMs: number;
  /** How long the csm host is watched for CPU use while idle in its terminal. */
  readonly idleSeconds: number;
}

interface EchoHost {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Ends what outlives the outer terminal's process (tmux's server). */
  readonly teardown?: () => Promise<void>;
}

type Mode = 'paced' | 'burst';

/** Raw mode and no echo, then a marker, then cat: from here on every byte read is written back. */
const CHILD_SCRIPT = 'stty raw -echo && printf READY && exec cat';
const READY = 'READY';
/** Probe keys, in turn; escape sequences in the output are skipped, so any printable byte would do. */
const KEYS = 'abcdefghijklmnopqrstuvwxyz';
const ECHO_TIMEOUT_MS = 3000;
const START_TIMEOUT_MS = 15000;
const CSM = 'csm';
const TMUX = 'tmux';
const DIRECT = 'direct PTY';
const SCRIPT = 'script(1)';
const BARE = 'node-pty, bare loop';
const WRITE_SYNC = 'node-pty + writeSync input';

export async function measureEcho(sandbox: Sandbox, config: EchoConfig): Promise<{ section: Section; idle: IdleResult | undefined }> {
  const section = newSection('Keystroke echo: one byte typed into the outer terminal until the child echoes it back');
  const pty = await import('node-pty');
  const state = sandbox.newCsmState();
  const script = sandbox.findTool('script', ['--version']);
  const tmux = sandbox.findTool('tmux', ['-V']);
  const passthrough = compileChild(sandbox.repo, 'pty-passthrough', 'esm');
  if (script === undefined) section.notes.push('script(1) not found on PATH: its baseline was skipped (install util-linux).');
  if (tmux === undefined) section.notes.push('tmux not found on PATH: its baseline and the paced-p50 target were skipped (install tmux).');

  const hostsFor = (round: number): EchoHost[] => {
    const hosts: EchoHost[] = [{ name: DIRECT, command: '/bin/sh', args: ['-c', CHILD_SCRIPT] }];
    const [node, csmArgs] = sandbox.csm('start', sandbox.root, '--command', '/bin/sh', '--', '-c', CHILD_SCRIPT);
    hosts.push({ name: CSM, command: node, args: csmArgs });
    hosts.push({ name: BARE, command: node, args: [passthrough, '/bin/sh', '-c', CHILD_SCRIPT] });
    hosts.push({ name: WRITE_SYNC, command: node, args: [passthrough, '--write-sync', '/bin/sh', '-c', CHILD_SCRIPT] });
    if (script !== undefined) hosts.push({ name: SCRIPT, command: script.path, args: ['-qfec', CHILD_SCRIPT, '/dev/null'] });
    if (tmux !== undefined) {
      const socket = `bench-${process.pid}-${round}`;
      const killServer = async () => {
        await run(tmux.path, ['-L', socket, 'kill-server'], { env: state.env, timeoutMs: 5000 }).catch(() => undefined);
      };
      sandbox.defer(killServer);
      hosts.push({
        name: TMUX,
        command: tmux.path,
        args: ['-L', socket, '-f', '/dev/null', 'new-session', CHILD_SCRIPT, ';', 'set-option', '-g', 'status', 'off'],
        teardown: killServer,
      });
    }
    return hosts;
  };

  // samples[mode][host] = one array of round-trip times (µs) per round
  const samples = new Map<string, number[][]>();
  let idle: IdleResult | undefined;
  for (let round = 0; round < config.rounds; round++) {
    for (const host of rotate(hostsFor(round), round)) {
      const terminal = await OuterTerminal.open(pty.spawn, host, state.env);
      try {
        await terminal.waitReady();
        await sleep(200); // let the start-up output settle
        for (const mode of ['burst', 'paced'] as const) {
          const keys = mode === 'burst' ? config.burstKeys : config.pacedKeys;
          const times = await terminal.type(keys, mode === 'paced' ? config.intervalMs : 0);
          const key = `${mode}|${host.name}`;
          samples.set(key, [...(samples.get(key) ?? []), times]);
        }
        if (host.name === CSM && round === config.rounds - 1) {
          const child = (await listChildren(sandbox, state.env)).get(terminal.pid);
          idle = await watchIdle(child === undefined ? [terminal.pid] : hostProcesses(terminal.pid, child), config.idleSeconds);
        }
      } finally {
        await terminal.close();
        await host.teardown?.();
      }
    }
  }

  const names = hostsFor(0).map((h) => h.name);
  const perRound = (mode: Mode, host: string, p: number): number[] =>
    (samples.get(`${mode}|${host}`) ?? []).map((times) => percentile(times, p));
  for (const mode of ['paced', 'burst'] as const) {
    for (const p of [50, 99]) {
      for (const host of names) {
        const values = perRound(mode, host, p);
        const all = (samples.get(`${mode}|${host}`) ?? []).flat();
        const vsTmux =
          host !== TMUX && tmux !== undefined ? `${fmtRatio(summarize(pairedRatios(values, perRound(mode, TMUX, p))))} of tmux` : undefined;
        const overDirect =
          host !== DIRECT
            ? `${fmtSigned(summarize(pairedDifferences(values, perRound(mode, DIRECT, p))).median)} µs over direct PTY; `
            : '';
        section.rows.push({
          name: `${mode} p${p}, ${host}`,
          unit: 'µs',
          stats: summarize(values),
          ...(vsTmux !== undefined ? { versus: vsTmux } : {}),
          note: `${overDirect}all ${all.length} keys pooled: p${p} ${fmt(percentile(all, p))} µs`,
        });
      }
    }
  }

  const pacedRatio = summarize(pairedRatios(perRound('paced', CSM, 50), perRound('paced', TMUX, 50)));
  section.targets.push({
    label: 'keystroke echo, paced p50 csm vs tmux',
    goal: '<= 1.2x tmux',
    measured: pacedRatio.n > 0 ? fmtRatio(pacedRatio) : 'tmux missing',
    status: pacedRatio.n > 0 ? status(pacedRatio.median <= 1.2) : 'skipped',
  });
  const p99 = Math.max(summarize(perRound('paced', CSM, 99)).median, summarize(perRound('burst', CSM, 99)).median);
  section.targets.push({
    label: 'keystroke echo, csm p99 (worse of paced and burst)',
    goal: '< 1000 µs',
    measured: `${fmt(p99)} µs`,
    status: status(p99 < 1000),
  });

  section.notes.push(
    `${config.rounds} rounds; in each round every host starts fresh in an 80x24 outer PTY (node-pty, the benchmark's own process), in rotated order, and takes ${config.burstKeys} burst keys then ${config.pacedKeys} paced keys (one per ${config.intervalMs} ms).`,
    'A sample is hrtime from writeSync() of one byte into the outer master to the data event that holds its echo; escape sequences (tmux redraws) are skipped. Percentiles are taken per round; the table shows their median and min–max over the rounds, ratios are per round against tmux.',
    `The child is \`sh -c '${CHILD_SCRIPT}'\`; csm, script(1) and tmux put the outer terminal in raw mode themselves. tmux runs with its own socket (-L), -f /dev/null and the status line off, and its server is killed after each round.`,
  );
  return { section, idle };
}

type PtySpawn = (file: string, args: string[], options: IPtyForkOptions) => IPty;

/** The user's terminal: an outer PTY whose master the benchmark reads and writes. */
class OuterTerminal {
  private readonly stripper = new EscapeStripper();
  private seen = '';
  private onPrintable: ((byte: number) => void) | undefined;
  private readonly exit: Promise<void>;
  private readonly fd: number | undefined;

  private constructor(
    private readonly term: IPty,
    private readonly host: EchoHost,
  ) {
    const fd = (term as IPty & { fd?: unknown }).fd;
    this.fd = typeof fd === 'number' ? fd : undefined;
    this.exit = new Promise((resolve) => term.onExit(() => resolve()));
    term.onData((data) => {
      // With encoding null, data is a Buffer.
      const chunk = data as unknown as Buffer;
      for (const byte of chunk) {
        if (!this.stripper.printable(byte)) continue;
        if (this.onPrintable !== undefined) this.onPrintable(byte);
        else this.seen = (this.seen + String.fromCharCode(byte)).slice(-64);
      }
    });
  }

  static async open(spawn: PtySpawn, host: EchoHost, env: NodeJS.ProcessEnv): Promise<OuterTerminal> {
    const term = spawn(host.command, [...host.args], {
      name: 'xterm-256color',
      cols: 80,
      rows: 24,
      cwd: process.cwd(),
      env: { ...env } as Record<string, string>,
      encoding: null,
    });
    return new OuterTerminal(term, host);
  }

  get pid(): number {
    return this.term.pid;
  }

  async waitReady(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!this.seen.includes(READY)) {
      if (Date.now() > deadline)
        throw new Error(`${this.host.name}: child not ready within ${START_TIMEOUT_MS} ms (saw ${JSON.stringify(this.seen)})`);
      await sleep(10);
    }
  }

  /** Types `count` keys, each after the previous echo and at least `intervalMs` after the previous key; µs each. */
  type(count: number, intervalMs: number): Promise<number[]> {
    return new Promise((resolve, reject) => {
      const times: number[] = [];
      let sentAt = 0n;
      let expected = -1;
      let timer: NodeJS.Timeout | undefined;
      let watchdog: NodeJS.Timeout | undefined;
      const finish = (error?: Error) => {
        this.onPrintable = undefined;
        if (timer !== undefined) clearTimeout(timer);
        if (watchdog !== undefined) clearTimeout(watchdog);
        if (error !== undefined) reject(error);
        else resolve(times);
      };
      const send = () => {
        expected = KEYS.charCodeAt(times.length % KEYS.length);
        const key = Buffer.of(expected);
        sentAt = process.hrtime.bigint();
        if (this.fd !== undefined) writeSync(this.fd, key);
        else this.term.write(key as unknown as string);
        watchdog = setTimeout(
          () => finish(new Error(`${this.host.name}: no echo of ${String.fromCharCode(expected)} within ${ECHO_TIMEOUT_MS} ms`)),
          ECHO_TIMEOUT_MS,
        );
      };
      this.onPrintable = (byte) => {
        if (byte !== expected) return;
        times.push(Number(process.hrtime.bigint() - sentAt) / 1000);
        expected = -1;
        if (watchdog !== undefined) clearTimeout(watchdog);
        if (times.length === count) {
          finish();
        } else if (intervalMs === 0) {
          send();
        } else {
          const wait = intervalMs - elapsedMs(sentAt);
          timer = setTimeout(send, Math.max(0, wait));
        }
      };
      send();
    });
  }

  /** Ends the host as `kill` would (SIGTERM; csm, script and tmux's client all exit on it), SIGKILL after 5 s. */
  async close(): Promise<void> {
    this.term.kill('SIGTERM');
    const ended = await Promise.race([this.exit.then(() => true), sleep(5000).then(() => false)]);
    if (!ended) {
      this.term.kill('SIGKILL');
      await Promise.race([this.exit, sleep(2000)]);
    }
  }
}

/** Tells the printable bytes of a terminal output stream from escape sequences and controls. */
class EscapeStripper {
  private state: 'text' | 'esc' | 'escArg' | 'csi' | 'string' | 'stringEsc' = 'text';

  printable(byte: number): boolean {
    switch (this.state) {
      case 'text':
        if (byte === 0x1b) this.state = 'esc';
        return byte >= 0x20 && byte < 0x7f;
      case 'esc':
        if (byte === 0x5b) this.state = 'csi';
        else if (byte === 0x5d || byte === 0x50 || byte === 0x58 || byte === 0x5e || byte === 0x5f) this.state = 'string';
        else if (byte >= 0x20 && byte <= 0x2f) this.state = 'escArg';
        else this.state = 'text';
        return false;
      case 'escArg':
        if (byte < 0x20 || byte > 0x2f) this.state = 'text';
        return false;
      case 'csi':
        if (byte >= 0x40 && byte <= 0x7e) this.state = 'text';
        return false;
      case 'string':
        if (byte === 0x07) this.state = 'text';
        else if (byte === 0x1b) this.state = 'stringEsc';
        return false;
      case 'stringEsc':
        this.state = byte === 0x5c ? 'text' : 'string';
        return false;
    }
  }
}
