// `npm run bench [-- --quick] [-- --only throughput,echo,startup,memory]`
//
// Measures csm against its baselines side by side in one run (issue 3) and
// prints a table of medians, min–max and paired ratios; writes it to
// docs/PERFORMANCE.md, or for --quick (the CI smoke run) to bench/out/.
// Exits non-zero only when the benchmark itself failed or left something
// behind, never because a target was missed.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type EchoConfig, measureEcho } from './echo.js';
import { type MemoryConfig, measureMemory } from './memory.js';
import type { IdleResult } from './proc.js';
import { type Machine, markdownReport, type Section, textReport, writeReport } from './report.js';
import { Sandbox } from './sandbox.js';
import { measureStartup, type StartupConfig } from './startup.js';
import { measureThroughput, type ThroughputConfig } from './throughput.js';

interface BenchConfig {
  readonly throughput: ThroughputConfig;
  readonly echo: EchoConfig;
  readonly startup: StartupConfig;
  readonly memory: MemoryConfig;
}

const FULL: BenchConfig = {
  throughput: { bytes: 200_000_000, rounds: 5 },
  echo: { rounds: 5, burstKeys: 500, pacedKeys: 200, intervalMs: 20, idleSeconds: 3 },
  startup: { iterations: 20, warmups: 2, sessionCounts: [10, 100] },
  memory: { rounds: 3, hosts: 10, settleMs: 1500, idleSeconds: 3 },
};

const QUICK: BenchConfig = {
  throughput: { bytes: 4_000_000, rounds: 1 },
  echo: { rounds: 1, burstKeys: 30, pacedKeys: 15, intervalMs: 20, idleSeconds: 1 },
  startup: { iterations: 2, warmups: 1, sessionCounts: [2, 5] },
  memory: { rounds: 1, hosts: 3, settleMs: 300, idleSeconds: 1 },
};

const SECTIONS = ['throughput', 'echo', 'startup', 'memory'] as const;
type SectionName = (typeof SECTIONS)[number];

interface Options {
  readonly quick: boolean;
  readonly only: ReadonlySet<SectionName>;
}

function parseOptions(argv: readonly string[]): Options {
  let quick = false;
  let only = new Set<SectionName>(SECTIONS);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') {
      quick = true;
    } else if (arg === '--only' || arg?.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      const names = (value ?? '').split(',').filter((n) => n !== '');
      const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
      if (names.length === 0 || unknown.length > 0) usage(`--only takes a comma-separated list of: ${SECTIONS.join(', ')}`);
      only = new Set(names as SectionName[]);
    } else if (arg === '--help' || arg === '-h') {
      usage();
    } else {
      usage(`unknown argument: ${arg}`);
    }
  }
  return { quick, only };
}

function usage(error?: string): never {
  const text = `usage: npm run bench [-- --quick] [-- --only ${SECTIONS.join(',')}]\n`;
  if (error === undefined) {
    process.stdout.write(text);
    process.exit(0);
  }
  process.stderr.write(`bench: ${error}\n${text}`);
  process.exit(2);
}

function machine(sandbox: Sandbox): Machine {
  let nproc = availableParallelism();
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // No nproc(1): Node's count is the same number.
  }
  let cpu = 'unknown CPU';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // Not Linux: leave it unknown.
  }
  const tools = [
    ['script', ['--version']],
    ['tmux', ['-V']],
  ].map(([name, args]) => {
    const tool = sandbox.findTool(name as string, args as string[]);
    return tool === undefined ? `${name as string}: missing (its baseline is skipped)` : tool.version;
  });
  let code = 'not a git checkout';
  try {
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', sandbox.repo, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain', '--', 'src', 'bin', 'package.json') !== '';
    code = `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes in src/, bin/ or package.json' : ''}`;
  } catch {
    // No git: the date has to do.
  }
  return {
    date: new Date().toISOString(),
    code,
    nproc,
    cpu,
    node: process.version,
    kernel: release(),
    loadAverage: loadavg()
      .map((n) => n.toFixed(2))
      .join(' '),
    insideTty: process.stdout.isTTY === true,
    tools,
    notes: process.env.NODE_EXTRA_CA_CERTS
      ? [
          `NODE_EXTRA_CA_CERTS=${process.env.NODE_EXTRA_CA_CERTS} is set: every Node process (node -e 0 too) loads that CA bundle at start-up; the benchmark keeps the environment as it is.`,
        ]
      : [],
  };
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const config = options.quick ? QUICK : FULL;
  const repo = dirname(dirname(fileURLToPath(import.meta.url)));
  if (process.platform !== 'linux') {
    process.stderr.write('bench: Linux only (it reads /proc for memory and CPU)\n');
    return 2;
  }
  if (!existsSync(join(repo, 'dist', 'main.js'))) {
    process.stderr.write('bench: dist/ is missing; run npm run build (npm run bench does)\n');
    return 2;
  }

  const sandbox = new Sandbox(repo);
  const interrupted = async (signal: NodeJS.Signals) => {
    process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
    await sandbox.cleanup();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  const info = machine(sandbox);
  const sections: Section[] = [];
  let failed = false;
  let idleInTerminal: IdleResult | undefined;
  const step = async (name: SectionName, work: () => Promise<Section>) => {
    if (!options.only.has(name)) return;
    const started = Date.now();
    process.stderr.write(`bench: ${name}...\n`);
    try {
      sections.push(await work());
    } catch (error) {
      failed = true;
      process.stderr.write(`bench: ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      sections.push({ title: `${name}: FAILED`, rows: [], targets: [], notes: [String(error instanceof Error ? error.message : error)] });
    }
    process.stderr.write(`bench: ${name} took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  };

  try {
    await step('throughput', () => measureThroughput(sandbox, config.throughput));
    await step('echo', async () => {
      const result = await measureEcho(sandbox, config.echo);
      idleInTerminal = result.idle;
      return result.section;
    });
    await step('startup', () => measureStartup(sandbox, config.startup));
    await step('memory', () => measureMemory(sandbox, config.memory, idleInTerminal));
  } finally {
    const problems = await sandbox.cleanup();
    if (problems.length > 0) {
      failed = true;
      sections.push({ title: 'Clean-up problems', rows: [], targets: [], notes: problems });
    }
  }

  process.stdout.write(`\n${textReport(info, sections, options.quick)}`);
  const out = options.quick ? join(repo, 'bench', 'out', 'PERFORMANCE.quick.md') : join(repo, 'docs', 'PERFORMANCE.md');
  if (options.only.size === SECTIONS.length || options.quick) {
    writeReport(out, markdownReport(info, sections, options.quick));
    process.stdout.write(`\nwritten: ${out}\n`);
  } else {
    const partial = join(repo, 'bench', 'out', 'PERFORMANCE.partial.md');
    writeReport(partial, markdownReport(info, sections, options.quick));
    process.stdout.write(`\npartial run (--only): written to ${partial}, docs/PERFORMANCE.md left alone\n`);
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
