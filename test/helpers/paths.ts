// Where the things under test live: the built executable and the fake claude.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built CLI, exactly as users run it (`npm test` builds first). */
export const CSM_BIN = join(REPO_ROOT, 'bin', 'csm');
export const FAKE_CLAUDE = join(REPO_ROOT, 'test', 'fixtures', 'fake-claude.mjs');
