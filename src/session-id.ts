// New session ids: random (version 4) UUIDs, which are also Claude Code's
// conversation ids (claude-args.ts). The 16 random bytes come from the
// kernel's /dev/urandom, as node:crypto's would: loading node:crypto (it is
// not loaded at start-up) cost `csm start` about 2 ms before the child could
// be spawned, and the uuid package used before it also set up WebCrypto.
import { closeSync, openSync, readSync } from 'node:fs';

export function newSessionId(): string {
  const bytes = Buffer.alloc(16);
  const fd = openSync('/dev/urandom', 'r');
  try {
    if (readSync(fd, bytes) !== bytes.length) throw new Error('short read from /dev/urandom');
  } finally {
    closeSync(fd);
  }
  return formatUuidV4(bytes);
}

/** RFC 9562 version 4: the version (0100) and variant (10) bits set, the other 122 random. */
export function formatUuidV4(random: Buffer): string {
  const bytes = Buffer.from(random.subarray(0, 16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
