// node-pty 1.1.0's npm package ships prebuilds/darwin-*/spawn-helper without
// the execute bit, so every spawn on macOS fails with "posix_spawnp failed"
// (microsoft/node-pty#670). Restore the bit after install. On Linux node-pty
// is compiled from source and this finds nothing to do.
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let root;
try {
  root = dirname(createRequire(import.meta.url).resolve('node-pty/package.json'));
} catch {
  // node-pty not installed (e.g. `npm install --omit=optional` gone wrong):
  // nothing to fix here; the first spawn will report the real problem.
  process.exit(0);
}

const candidates = [join(root, 'build', 'Release', 'spawn-helper')];
const prebuilds = join(root, 'prebuilds');
if (existsSync(prebuilds)) {
  for (const dir of readdirSync(prebuilds)) candidates.push(join(prebuilds, dir, 'spawn-helper'));
}
for (const file of candidates) {
  if (!existsSync(file)) continue;
  const mode = statSync(file).mode;
  if ((mode & 0o111) !== 0o111) chmodSync(file, mode | 0o755);
}
