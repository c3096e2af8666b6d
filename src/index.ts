// The library entry point: `import { SessionManager } from 'csm'`. Everything
// the CLI does is a SessionManager method; these are its types.

export type { ActivitySnapshot, Attention } from './activity.js';
export { CsmError, NotObservedError, NotResumableError, SendError, SessionLiveError, SessionNotFoundError } from './errors.js';
export type { EndedRecord } from './history.js';
export { KEY_NAMES } from './keys.js';
export type {
  FoundSession,
  HostedSession,
  LaunchOptions,
  ListEndedResult,
  ListedSession,
  ListResult,
  SessionEnd,
  StartOptions,
  StatusReport,
  StopResult,
} from './manager.js';
export { SessionManager } from './manager.js';
export type { Follower } from './output-follow.js';
export type { LogBytes, SizeChange } from './output-log.js';
export { DEFAULT_LOG_MAX_BYTES } from './output-recorder.js';
export type { CsmPaths } from './paths.js';
export { resolvePaths } from './paths.js';
export type { Session, SessionRecord } from './session.js';
export type { SendInput } from './session-input.js';
export type { WaitOutcome, WaitTarget } from './session-wait.js';
export type { SessionStatus } from './status.js';
export { ACTIVE_WINDOW_MS, formatStatus } from './status.js';
