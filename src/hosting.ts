// What only a session's host runs, beyond the core every command shares: the
// PTY child (and with it node-pty), the clients and their screen, the control
// server, the output recorder and observer, the guardian, and session ids (session-id.ts).
// SessionManager imports this module when a session starts, and the bundle
// makes it a part of its own (csm-hosting.cjs, scripts/bundle.mjs): `list`,
// `stop` and the other commands neither read nor compile it, which was a
// third of `list`'s own start-up (docs/PERFORMANCE.md).
export { ControlServer } from './control-server.js';
export { startGuardian } from './guardian.js';
export { DEFAULT_LOG_MAX_BYTES } from './output-recorder.js';
export { spawnSessionProcess } from './pty.js';
export { loadScreenModelFactory } from './screen-model.js';
export { SessionClients } from './session-clients.js';
export { SessionHost } from './session-host.js';
export { newSessionId } from './session-id.js';
export { SessionObserver } from './session-observer.js';
