// Turning sessions into text for people: ages, paths, tables.
import { homedir } from 'node:os';
import type { SessionExit } from './control-protocol.js';
import { signalName } from './signals.js';

/** "12s ago", "2m ago", "3h ago", "4d ago" */
export function formatAge(createdAt: string, now: Date): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(createdAt)) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86400)}d ago`;
}

/** Shows the home directory as ~, like a shell prompt. */
export function tildify(path: string, home: string = homedir()): string {
  if (home === '' || home === '/') return path;
  if (path === home) return '~';
  return path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

export function describeExit(exit: SessionExit): string {
  if (exit.signal !== undefined) return `killed by ${signalName(exit.signal)}`;
  return `exit ${exit.exitCode ?? 0}`;
}

/** The shell convention: a process killed by signal N exits 128+N. */
export function exitStatus(exit: SessionExit): number {
  if (exit.signal !== undefined) return 128 + exit.signal;
  return exit.exitCode ?? 0;
}
