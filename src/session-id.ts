// New session ids: random (version 4) UUIDs, which are also Claude Code's
// conversation ids (claude-args.ts). node:crypto makes them; it is required
// rather than imported, because importing it as an ES module (in the library,
// dist/) makes Node set up WebCrypto, about 5 ms, as does the global `crypto`
// that the uuid package used (docs/PERFORMANCE.md).
import { createRequire } from 'node:module';

export function newSessionId(): string {
  const { randomUUID } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return randomUUID();
}
