// Terminal devices for tests that open a PTY's device themselves, as csm
// opens its own terminal (raw mode, the attached terminal the host writes to).
import type { TestContext } from 'node:test';
import * as pty from 'node-pty';

/** The device (/dev/pts/N) node-pty opened for `terminal`: node-pty sets it, its typings do not say so. */
export function ptyDevice(terminal: pty.IPty): string {
  const device = (terminal as pty.IPty & { ptsName?: string }).ptsName;
  if (device === undefined) throw new Error('node-pty did not say which terminal device it opened');
  return device;
}

/** A PTY kept open by a sleeping child until the test ends. */
export function sleepingTerminal(t: TestContext): { readonly holder: pty.IPty; readonly device: string } {
  const holder = pty.spawn('sleep', ['30'], { cols: 80, rows: 24 });
  t.after(() => holder.kill('SIGKILL'));
  return { holder, device: ptyDevice(holder) };
}
