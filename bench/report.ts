// What each measurement hands back, and how it is shown: a plain-text table on
// stdout and docs/PERFORMANCE.md (or bench/out/ for --quick). The Markdown
// file keeps any hand-written text below KEEP_MARKER when it is rewritten.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fmt, fmtRange, type Summary } from './stats.js';

export interface Row {
  readonly name: string;
  readonly unit: string;
  readonly stats: Summary;
  /** Against the baseline, already formatted: "0.93x (0.90–0.97) vs script(1)". */
  readonly versus?: string;
  readonly note?: string;
}

export type TargetStatus = 'pass' | 'miss' | 'skipped';

export interface Target {
  readonly label: string;
  readonly goal: string;
  readonly measured: string;
  readonly status: TargetStatus;
}

export interface Section {
  readonly title: string;
  readonly rows: Row[];
  readonly targets: Target[];
  /** Method and findings, one line each. */
  readonly notes: string[];
}

export interface Machine {
  readonly date: string;
  /** The commit measured. */
  readonly code: string;
  readonly nproc: number;
  readonly cpu: string;
  readonly node: string;
  readonly kernel: string;
  readonly loadAverage: string;
  readonly insideTty: boolean;
  readonly tools: string[];
  /** Facts about the environment that change the numbers. */
  readonly notes: string[];
}

export const KEEP_MARKER = '<!-- Hand-written text below this line is kept when `npm run bench` rewrites this file. -->';

export function status(pass: boolean): TargetStatus {
  return pass ? 'pass' : 'miss';
}

export function newSection(title: string): Section {
  return { title, rows: [], targets: [], notes: [] };
}

function cells(row: Row): string[] {
  return [row.name, `${fmt(row.stats.median)} ${row.unit}`, fmtRange(row.stats), String(row.stats.n), row.versus ?? '', row.note ?? ''];
}

const HEADER = ['Measurement', 'Median', 'Min–max', 'Runs', 'Versus baseline (paired median, min–max)', 'Note'];

/** Aligned plain-text table for the terminal. */
export function textReport(machine: Machine, sections: readonly Section[], quick: boolean): string {
  const lines: string[] = [];
  lines.push(`csm benchmark${quick ? ' (--quick smoke run: tiny sizes, numbers are not meaningful)' : ''}`);
  lines.push(...machineLines(machine));
  for (const section of sections) {
    lines.push('', `== ${section.title}`);
    const table = [HEADER, ...section.rows.map(cells)];
    const widths = HEADER.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
    for (const row of table)
      lines.push(
        row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      );
    for (const note of section.notes) lines.push(`  - ${note}`);
  }
  lines.push('', '== Targets');
  for (const target of sections.flatMap((s) => s.targets)) {
    lines.push(`  [${target.status.toUpperCase().padEnd(7)}] ${target.label}: ${target.measured} (target: ${target.goal})`);
  }
  return `${lines.join('\n')}\n`;
}

function machineLines(machine: Machine): string[] {
  return [
    `date: ${machine.date}; code: ${machine.code}`,
    `machine: ${machine.nproc} CPUs (nproc), ${machine.cpu}, Linux ${machine.kernel}, load average at start ${machine.loadAverage}`,
    `node: ${machine.node}; benchmark run ${machine.insideTty ? 'from a terminal' : 'without a terminal (stdout not a TTY)'}`,
    `tools: ${machine.tools.join('; ')}`,
    ...machine.notes,
  ];
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function markdownReport(machine: Machine, sections: readonly Section[], quick: boolean): string {
  const out: string[] = [];
  out.push('# Performance', '');
  out.push(
    quick
      ? 'Smoke run (`npm run bench -- --quick`): tiny sizes and one or two iterations; the numbers say nothing about speed.'
      : 'Written by `npm run bench` (bench/run.ts). Every number is the median of several runs with its min–max; every ratio is taken per pair of runs measured back to back in the same round, then summarised the same way, so that the two shared, noisy cores slow both sides of a pair alike.',
    '',
  );
  out.push('## Machine', '');
  for (const line of machineLines(machine)) out.push(`- ${line}`);
  out.push('', '## Targets', '', '| Target | Goal | Measured | Result |', '| --- | --- | --- | --- |');
  for (const target of sections.flatMap((s) => s.targets)) {
    out.push(`| ${escapeCell(target.label)} | ${escapeCell(target.goal)} | ${escapeCell(target.measured)} | ${target.status} |`);
  }
  for (const section of sections) {
    out.push('', `## ${section.title}`, '');
    out.push(`| ${HEADER.join(' | ')} |`, `| ${HEADER.map(() => '---').join(' | ')} |`);
    for (const row of section.rows) out.push(`| ${cells(row).map(escapeCell).join(' | ')} |`);
    if (section.notes.length > 0) out.push('');
    for (const note of section.notes) out.push(`- ${note}`);
  }
  return `${out.join('\n')}\n`;
}

/** Writes the report, keeping whatever follows KEEP_MARKER in the existing file. */
export function writeReport(path: string, markdown: string): void {
  mkdirSync(dirname(path), { recursive: true });
  let kept = `\n${KEEP_MARKER}\n`;
  if (existsSync(path)) {
    const old = readFileSync(path, 'utf8');
    const at = old.indexOf(KEEP_MARKER);
    if (at !== -1) kept = `\n${old.slice(at)}`;
  }
  writeFileSync(path, markdown + kept);
}
