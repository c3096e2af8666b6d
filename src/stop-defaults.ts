// Timing defaults shared by the CLI and the manager, kept apart so that
// building the CLI's help does not load the manager.

/** How long `stop` waits from SIGHUP to SIGKILL, unless told otherwise. */
export const DEFAULT_STOP_TIMEOUT_MS = 5000;
