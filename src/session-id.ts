// Session ids: random (version 4) UUIDs, made by uuid from 16 bytes of the
// kernel's random source. uuid's own v4() takes them from Web Crypto
// (globalThis.crypto), whose first use loads node:crypto: about 0.4 MB of
// heap that every host would keep for days, and a millisecond of each start,
// for 16 bytes (docs/PERFORMANCE.md). /dev/urandom is the generator OpenSSL
// itself draws from, and it exists on Linux and macOS alike.
import { closeSync, openSync, readSync } from 'node:fs';
import { v4 } from 'uuid';

const KERNEL_RANDOM = '/dev/urandom';
const UUID_BYTES = 16;

/** A new session id. `randomSource` is for tests. */
export function newSessionId(randomSource = KERNEL_RANDOM): string {
  const random = readRandomBytes(randomSource);
  // Without /dev/urandom (a chroot without /dev, say), uuid's own source.
  return random === undefined ? v4() : v4({ random });
}

function readRandomBytes(source: string): Uint8Array | undefined {
  let fd: number;
  try {
    fd = openSync(source, 'r');
  } catch {
    return undefined;
  }
  try {
    const random = new Uint8Array(UUID_BYTES);
    // Reads of up to 256 bytes from urandom are never short; the loop is for the rule, not the case.
    for (let filled = 0; filled < UUID_BYTES; ) {
      const read = readSync(fd, random, filled, UUID_BYTES - filled, null);
      if (read === 0) return undefined;
      filled += read;
    }
    return random;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
