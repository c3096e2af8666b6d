import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CsmError } from '../../src/errors.js';
import { DEFAULT_LOG_MAX_BYTES } from '../../src/output-recorder.js';
import { recordingSettings } from '../../src/recording-env.js';

test('recording is on with the default cap unless the environment says otherwise', () => {
  assert.deepEqual(recordingSettings({}), { observe: true, logMaxBytes: DEFAULT_LOG_MAX_BYTES });
  assert.deepEqual(recordingSettings({ CSM_RECORD: '0' }), { observe: false, logMaxBytes: DEFAULT_LOG_MAX_BYTES });
  assert.equal(recordingSettings({ CSM_RECORD: 'off' }).observe, false);
  assert.equal(recordingSettings({ CSM_RECORD: '1' }).observe, true);
  assert.equal(recordingSettings({ CSM_LOG_MAX_BYTES: '16M' }).logMaxBytes, 16 * 1024 * 1024);
  assert.equal(recordingSettings({ CSM_LOG_MAX_BYTES: '512k' }).logMaxBytes, 512 * 1024);
  assert.equal(recordingSettings({ CSM_LOG_MAX_BYTES: '1GiB' }).logMaxBytes, 1024 ** 3);
  assert.equal(recordingSettings({ CSM_LOG_MAX_BYTES: '0' }).logMaxBytes, 0);
  assert.equal(recordingSettings({ CSM_LOG_MAX_BYTES: '100000' }).logMaxBytes, 100_000);
});

test('a cap that is not a size, or too small to rotate, is a usage error', () => {
  for (const bad of ['lots', '-1', '1T', '1000', '1.5M']) {
    assert.throws(
      () => recordingSettings({ CSM_LOG_MAX_BYTES: bad }),
      (error: unknown) => error instanceof CsmError && error.code === 'usage' && /CSM_LOG_MAX_BYTES/.test(error.message),
      bad,
    );
  }
});
