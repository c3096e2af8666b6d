// The library entry point: `import { SessionManager } from 'csm'`.

export { CsmError } from './errors.js';
export type { HostedSession, ListedSession, ListResult, SessionEnd, StartOptions, StopResult } from './manager.js';
export { SessionManager } from './manager.js';
export type { CsmPaths } from './paths.js';
export { resolvePaths } from './paths.js';
export type { Session, SessionRecord } from './session.js';
