// 1. Output throughput: `cat` of a large file through each PTY host, with
// stdout on /dev/null and on a pipe whose bytes are counted. Every host runs
// in the same fixed outer environment: stdin /dev/null, stdout /dev/null or a
// pipe, never a terminal, so no host does terminal work of its own (raw mode,
// window size) and none is slowed by an outer PTY.
//
// The PTY's line discipline turns every LF into CR LF (onlcr), so what any
// PTY host must deliver is the file's bytes plus one byte per newline; the
// file holds only printable ASCII and LF so that nothing else is translated.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { compileChild } from './compile.js';
import { elapsedMs } from './proc.js';
import { newSection, type Row, type Section, status } from './report.js';
import type { Sandbox } from './sandbox.js';
import { fmt, fmtRatio, pairedRatios, rotate, summarize } from './stats.js';

export interface ThroughputConfig {
  readonly bytes: number;
  readonly rounds: number;
}

interface TestFile {
  readonly path: string;
  readonly bytes: number;
  /** What a PTY with onlcr turns it into: bytes + newlines. */
  readonly expected: number;
  /** The last bytes of that translated output. */
  readonly expectedTail: Buffer;
}

interface Host {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

type Sink = 'devnull' | 'pipe';

interface RunOutcome {
  readonly ms: number;
  /** Bytes read from the pipe (undefined for /dev/null). */
  readonly bytes: number | undefined;
  readonly tailOk: boolean;
}

const TAIL_BYTES = 64;
const SCRIPT = 'script(1)';
const BARE = 'node-pty, bare loop';
const DRAINED = 'node-pty + tail drain';
const CSM = 'csm start';

export async function measureThroughput(sandbox: Sandbox, config: ThroughputConfig): Promise<Section> {
  const section = newSection(`Output throughput: cat of ${fmt(config.bytes / 1e6)} MB through a PTY host`);
  const file = writeTestFile(sandbox.path('throughput.txt'), config.bytes);
  const warmup = writeTestFile(sandbox.path('warmup.txt'), Math.min(config.bytes, 1_000_000));
  const passthrough = compileChild(sandbox.repo, 'pty-passthrough', 'esm');
  const script = sandbox.findTool('script', ['--version']);
  const state = sandbox.newCsmState();

  const hostsFor = (f: TestFile): Host[] => {
    const hosts: Host[] = [];
    if (script !== undefined) hosts.push({ name: SCRIPT, command: script.path, args: ['-qfec', `cat ${f.path}`, '/dev/null'] });
    hosts.push({ name: BARE, command: sandbox.node, args: [passthrough, '/bin/cat', f.path] });
    hosts.push({ name: DRAINED, command: sandbox.node, args: [passthrough, '--drain', '/bin/cat', f.path] });
    const [node, csmArgs] = sandbox.csm('start', sandbox.root, '--command', '/bin/cat', '--', f.path);
    hosts.push({ name: CSM, command: node, args: csmArgs });
    return hosts;
  };
  if (script === undefined) section.notes.push('script(1) not found on PATH: its baseline was skipped (install util-linux).');

  const env = state.env;
  for (const host of hostsFor(warmup)) for (const sink of ['devnull', 'pipe'] as const) await runOnce(sandbox, host, sink, warmup, env);

  const hosts = hostsFor(file);
  const ms = new Map<string, number[]>();
  const lost = new Map<string, number[]>();
  for (let round = 0; round < config.rounds; round++) {
    for (const sink of ['devnull', 'pipe'] as const) {
      for (const host of rotate(hosts, round)) {
        const outcome = await runOnce(sandbox, host, sink, file, env);
        push(ms, `${host.name}|${sink}`, outcome.ms);
        if (outcome.bytes !== undefined)
          push(lost, host.name, outcome.tailOk ? file.expected - outcome.bytes : Math.max(1, file.expected - outcome.bytes));
      }
    }
  }

  const mbps = (key: string): number[] => (ms.get(key) ?? []).map((t) => file.bytes / 1e6 / (t / 1000));
  for (const sink of ['devnull', 'pipe'] as const) {
    const base = mbps(`${SCRIPT}|${sink}`);
    for (const host of hosts) {
      const values = mbps(`${host.name}|${sink}`);
      const row: Row = {
        name: `${host.name} → ${sink === 'devnull' ? '/dev/null' : 'pipe'}`,
        unit: 'MB/s',
        stats: summarize(values),
        ...(host.name !== SCRIPT && base.length > 0 ? { versus: `${fmtRatio(summarize(pairedRatios(values, base)))} of script(1)` } : {}),
        ...(sink === 'pipe' ? { note: describeLoss(lost.get(host.name) ?? []) } : {}),
      };
      section.rows.push(row);
    }
  }

  for (const sink of ['devnull', 'pipe'] as const) {
    const ratio = summarize(pairedRatios(mbps(`${CSM}|${sink}`), mbps(`${SCRIPT}|${sink}`)));
    section.targets.push({
      label: `throughput, csm start → ${sink === 'devnull' ? '/dev/null' : 'pipe'}`,
      goal: '>= 0.9x script(1)',
      measured: ratio.n > 0 ? fmtRatio(ratio) : 'script(1) missing',
      status: ratio.n > 0 ? status(ratio.median >= 0.9) : 'skipped',
    });
  }
  const csmLost = lost.get(CSM) ?? [];
  section.targets.push({
    label: 'throughput, bytes lost through csm (pipe, tail after exit included)',
    goal: '0 in every run',
    measured: describeLoss(csmLost),
    status: status(csmLost.length > 0 && csmLost.every((n) => n === 0)),
  });

  section.notes.push(
    `Each run: spawn to exit and end of output, stdin /dev/null, host not inside a PTY; MB/s = ${file.bytes} file bytes / wall time (1 MB = 10^6 bytes), process start-up included. ${config.rounds} rounds; in each round every host runs once per sink, in rotated order.`,
    `Exact output is ${file.expected} bytes (file + one CR per LF, onlcr) ending in the file's translated tail; "lost" counts bytes missing from the pipe, and a wrong tail counts as a loss.`,
    `${BARE}: bench/pty-passthrough.ts (encoding null, pause/resume on stdout back-pressure, exit after stdout drains). ${DRAINED}: the same plus the tail drain src/pty.ts does (read the master to its end before node-pty closes it).`,
  );
  return section;
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}

function describeLoss(losses: readonly number[]): string {
  if (losses.length === 0) return 'no pipe runs';
  const bad = losses.filter((n) => n !== 0);
  if (bad.length === 0) return `exact in ${losses.length}/${losses.length} runs`;
  return `lost bytes in ${bad.length}/${losses.length} runs (up to ${Math.max(...bad)} B)`;
}

function runOnce(sandbox: Sandbox, host: Host, sink: Sink, file: TestFile, env: NodeJS.ProcessEnv): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = sandbox.spawn(host.command, host.args, {
      env,
      cwd: sandbox.root,
      stdio: ['ignore', sink === 'pipe' ? 'pipe' : 'ignore', 'pipe'],
    });
    let bytes = 0;
    let tail = Buffer.alloc(0);
    child.stdout?.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      tail = Buffer.concat([tail, chunk.subarray(Math.max(0, chunk.length - TAIL_BYTES))]).subarray(-TAIL_BYTES);
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ms = elapsedMs(started);
      if (code !== 0) {
        reject(new Error(`${host.name} (${sink}) exited with ${code ?? signal}: ${stderr.trim()}`));
        return;
      }
      resolve({ ms, bytes: sink === 'pipe' ? bytes : undefined, tailOk: sink !== 'pipe' || tail.equals(file.expectedTail) });
    });
  });
}

/**
 * A file of `bytes` bytes of printable ASCII lines (20–139 characters) and
 * LF, the same on every run: one block, repeated.
 */
function writeTestFile(path: string, bytes: number): TestFile {
  const block = makeBlock(Math.min(bytes, 4 << 20));
  const newlinesIn = (buffer: Buffer): number => {
    let count = 0;
    for (let at = buffer.indexOf(10); at !== -1; at = buffer.indexOf(10, at + 1)) count += 1;
    return count;
  };
  const perBlock = newlinesIn(block);
  const fd = openSync(path, 'w');
  let written = 0;
  let newlines = 0;
  try {
    while (written < bytes) {
      const chunk = block.subarray(0, Math.min(block.length, bytes - written));
      writeSync(fd, chunk);
      newlines += chunk.length === block.length ? perBlock : newlinesIn(chunk);
      written += chunk.length;
    }
  } finally {
    closeSync(fd);
  }
  const raw = readTail(path, bytes);
  const translated = Buffer.from(raw.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
  return { path, bytes, expected: bytes + newlines, expectedTail: translated.subarray(-TAIL_BYTES) };
}

function readTail(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const tail = Buffer.alloc(Math.min(TAIL_BYTES, bytes));
    readSync(fd, tail, 0, tail.length, bytes - tail.length);
    return tail;
  } finally {
    closeSync(fd);
  }
}

function makeBlock(size: number): Buffer {
  const block = Buffer.alloc(size);
  let seed = 0x2545f491;
  const next = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  let at = 0;
  while (at < size) {
    const length = 20 + (next() % 120);
    for (let i = 0; i < length && at < size - 1; i++) block[at++] = 32 + (next() % 95);
    block[at++] = 10;
  }
  return block;
}
