// Claude Code's conversation id, tied to csm's session id. When csm starts
// Claude Code and the user chose no conversation themselves, csm passes
// `--session-id <csm id>`, so `csm resume <id>` can later run
// `claude --resume <id>` in the same directory.
import { basename } from 'node:path';

export const CLAUDE_BASENAME = 'claude';
/** Claude Code's options that choose the conversation; with any of them csm adds nothing. */
const CONVERSATION_FLAGS = ['--session-id', '--resume', '-r', '--continue', '-c'];

export function isClaudeCommand(command: string): boolean {
  return basename(command) === CLAUDE_BASENAME;
}

/** True when `args` already choose a conversation (--flag, --flag=value, or a short flag in a group like -rc). */
export function choosesConversation(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    const name = arg.startsWith('--') ? arg.split('=')[0] : arg;
    if (name !== undefined && CONVERSATION_FLAGS.includes(name)) return true;
    if (/^-[a-zA-Z]+$/.test(arg) && /[rc]/.test(arg.slice(1))) return true;
  }
  return false;
}

/** The arguments to start the child with: `args`, plus --session-id when csm should choose the conversation. */
export function withConversationId(commands: readonly string[], args: readonly string[], sessionId: string, enabled: boolean): string[] {
  if (!enabled || !commands.some(isClaudeCommand) || choosesConversation(args)) return [...args];
  return ['--session-id', sessionId, ...args];
}

/** The conversation a Claude Code session was started on (--session-id or --resume with a value), if any. */
export function conversationIdOf(command: string, args: readonly string[]): string | undefined {
  if (!isClaudeCommand(command)) return undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') break;
    for (const flag of ['--session-id', '--resume', '-r']) {
      if (arg === flag) {
        const value = args[i + 1];
        if (value !== undefined && !value.startsWith('-')) return value;
      } else if (arg.startsWith(`${flag}=`)) {
        return arg.slice(flag.length + 1) || undefined;
      }
    }
  }
  return undefined;
}
