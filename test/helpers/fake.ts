// Reading what the fake claude (test/fixtures/fake-claude.mjs) reports.

export interface Banner {
  readonly pid: number;
  readonly cwd: string;
  readonly cols: number;
  readonly rows: number;
  readonly args: string[];
}

export interface EnvReport {
  readonly sessionId: string;
  readonly term: string;
  readonly termProgram: string;
  readonly tmux: 'set' | 'unset';
  readonly sty: 'set' | 'unset';
  readonly columns: 'set' | 'unset';
  readonly lines: 'set' | 'unset';
}

export const BANNER = /FAKE-CLAUDE READY pid=(\d+) cwd=(.*?) size=(\d+)x(\d+) args=(\[.*\])/;
export const ENV_LINE =
  /ENV CSM_SESSION_ID=(\S*) TERM=(\S*) TERM_PROGRAM=(\S*) TMUX=(set|unset) STY=(set|unset) COLUMNS=(set|unset) LINES=(set|unset)/;
/** csm's line before the child starts: `csm: session <short id> in <dir>; ...`. */
export const SESSION_LINE = /csm: session ([0-9a-f]{8}) in (.*?); stop it from any terminal with: csm stop ([0-9a-f]{8})/;

export function parseBanner(match: RegExpMatchArray): Banner {
  const [, pid, cwd, cols, rows, args] = match;
  return {
    pid: Number(pid),
    cwd: cwd ?? '',
    cols: Number(cols),
    rows: Number(rows),
    args: JSON.parse(args ?? '[]') as string[],
  };
}

export function parseEnv(match: RegExpMatchArray): EnvReport {
  const [, sessionId, term, termProgram, tmux, sty, columns, lines] = match;
  const flag = (value: string | undefined) => (value === 'set' ? 'set' : 'unset');
  return {
    sessionId: sessionId ?? '',
    term: term ?? '',
    termProgram: termProgram ?? '',
    tmux: flag(tmux),
    sty: flag(sty),
    columns: flag(columns),
    lines: flag(lines),
  };
}

/** Every line of `text` matching `pattern`, in order (a global copy of it is used). */
export function allMatches(text: string, pattern: RegExp): RegExpMatchArray[] {
  return [...text.matchAll(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`))];
}
