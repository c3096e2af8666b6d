// The environment variables that tune output history for `csm start`:
//   CSM_RECORD=0          no history and no activity tracking for the session
//   CSM_LOG_MAX_BYTES=N   cap on recorded output (bytes, or with K, M, G); 0 records none
import { UsageError } from './errors.js';
import { DEFAULT_LOG_MAX_BYTES, MIN_LOG_MAX_BYTES } from './output-recorder.js';

export interface RecordingSettings {
  readonly observe: boolean;
  readonly logMaxBytes: number;
}

const OFF = new Set(['0', 'off', 'false', 'no']);
const UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

export function recordingSettings(env: NodeJS.ProcessEnv): RecordingSettings {
  const observe = !OFF.has((env.CSM_RECORD ?? '').trim().toLowerCase());
  const raw = (env.CSM_LOG_MAX_BYTES ?? '').trim();
  if (raw === '') return { observe, logMaxBytes: DEFAULT_LOG_MAX_BYTES };
  const match = /^(\d+)\s*([kmg]?)i?b?$/i.exec(raw);
  const bytes = match === null ? Number.NaN : Number(match[1]) * (UNITS[(match[2] ?? '').toLowerCase()] ?? Number.NaN);
  if (!Number.isSafeInteger(bytes) || (bytes !== 0 && bytes < MIN_LOG_MAX_BYTES)) {
    throw new UsageError(
      `CSM_LOG_MAX_BYTES takes 0 or a size of at least ${MIN_LOG_MAX_BYTES / 1024}K (e.g. 8M), not ${JSON.stringify(raw)}`,
    );
  }
  return { observe, logMaxBytes: bytes };
}
