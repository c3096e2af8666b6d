// Durations on the command line (`csm prune --older-than 7d`): a number and
// a unit, or several in a row (1h30m). A unit is required, so nobody has to
// guess whether 7 meant seconds or days.
import { UsageError } from './errors.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
/** Far beyond any history worth keeping; larger values are typos. */
const MAX_DURATION_MS = 100 * 365 * 86_400_000;

/** Parses "90s", "15m", "2h", "7d", "2w", "1h30m" into milliseconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const value = text.trim().toLowerCase();
  const problem = `${what} takes a number with a unit (ms, s, m, h, d, w), e.g. 30s, 15m, 7d or 1h30m, not ${JSON.stringify(text)}`;
  if (value === '') throw new UsageError(problem);
  let total = 0;
  let at = 0;
  PART.lastIndex = 0;
  for (let match = PART.exec(value); match !== null; match = PART.exec(value)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
    at = PART.lastIndex;
  }
  if (at !== value.length || !Number.isFinite(total)) throw new UsageError(problem);
  if (total > MAX_DURATION_MS) throw new UsageError(`${what} ${JSON.stringify(text)} is longer than 100 years`);
  return Math.round(total);
}

/** The compact form used in tables: "12s", "4m", "3h", "2d". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}
