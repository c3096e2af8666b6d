// Does recording output history and tracking activity slow a session down?
// Runs `csm start` in a real terminal with a program that prints as fast as
// it can, once with recording and tracking on (the default) and once with
// CSM_RECORD=0, alternating, and prints the throughput ratio on/off (issue 5
// asks for at least 0.9). Run with `npm run bench:recording`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as pty from 'node-pty';

const ROOT = resolve(import.meta.dirname, '..');
const CSM = join(ROOT, 'bin', 'csm');
const FAKE = join(ROOT, 'test', 'fixtures', 'fake-tui.mjs');
/** Enough output for start-up (tens of ms) to be noise. */
const BYTES = Number(process.env.BENCH_BYTES ?? 64 * 1024 * 1024);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

interface Sample {
  readonly seconds: number;
  readonly bytes: number;
}

async function once(record: boolean): Promise<Sample> {
  const home = mkdtempSync(join(tmpdir(), 'csm-bench-'));
  const runtime = mkdtempSync('/tmp/cb-');
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  Object.assign(env, {
    CSM_HOME: home,
    CSM_RUNTIME_DIR: runtime,
    CSM_RECORD: record ? '1' : '0',
    // Large enough that the cap is not what is measured; rotation still happens.
    CSM_LOG_MAX_BYTES: '16M',
    FAKE5_BIG: String(BYTES),
    FAKE5_LINGER_MS: '0',
  });
  const started = process.hrtime.bigint();
  const term = pty.spawn(process.execPath, [CSM, 'start', '.', '--command', FAKE], { cols: 120, rows: 40, cwd: home, env, encoding: null });
  let bytes = 0;
  term.onData((data) => {
    bytes += (data as unknown as Buffer).length;
  });
  await new Promise<void>((done) => term.onExit(() => done()));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(home, { recursive: true, force: true });
  rmSync(runtime, { recursive: true, force: true });
  return { seconds, bytes };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function best(values: number[]): number {
  return Math.max(...values);
}

const on: number[] = [];
const off: number[] = [];
await once(true); // warm-up: disk cache, JIT
for (let round = 0; round < ROUNDS; round++) {
  // Alternate so that drift (thermal, other load) hits both alike.
  for (const record of round % 2 === 0 ? [true, false] : [false, true]) {
    const sample = await once(record);
    const mbps = sample.bytes / sample.seconds / 1024 / 1024;
    (record ? on : off).push(mbps);
    console.log(`round ${round + 1} recording ${record ? 'on ' : 'off'}: ${mbps.toFixed(1)} MiB/s (${sample.seconds.toFixed(2)} s)`);
  }
}
// Other load on the machine only ever slows a round down, so the best round
// of each is the steadiest estimate; the median is shown for comparison.
const ratio = best(on) / best(off);
console.log(
  `median throughput: on ${median(on).toFixed(1)} MiB/s, off ${median(off).toFixed(1)} MiB/s (ratio ${(median(on) / median(off)).toFixed(3)})`,
);
console.log(`best throughput:   on ${best(on).toFixed(1)} MiB/s, off ${best(off).toFixed(1)} MiB/s`);
console.log(`ratio on/off (best rounds): ${ratio.toFixed(3)} (goal >= 0.9)`);
process.exitCode = ratio >= 0.9 ? 0 : 1;
