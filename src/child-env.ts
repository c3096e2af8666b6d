// The child's environment, built explicitly. node-pty strips the outer
// terminal's variables only when handed process.env itself; csm always hands
// it a copy, so it strips them here: a Claude inside csm is not inside the
// user's tmux or screen, and its size comes from the PTY, not COLUMNS/LINES.

/** Variables describing the outer multiplexer or a fixed terminal size. */
export const OUTER_TERMINAL_VARIABLES = ['TMUX', 'TMUX_PANE', 'STY', 'WINDOW', 'WINDOWID', 'TERMCAP', 'COLUMNS', 'LINES'];
export const DEFAULT_TERM = 'xterm-256color';

export function buildChildEnv(env: NodeJS.ProcessEnv, sessionId: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    // An undefined value would reach the child as the string "undefined".
    if (value !== undefined) out[key] = value;
  }
  for (const key of OUTER_TERMINAL_VARIABLES) delete out[key];
  out.TERM = env.TERM === undefined || env.TERM === '' ? DEFAULT_TERM : env.TERM;
  out.CSM_SESSION_ID = sessionId;
  return out;
}
